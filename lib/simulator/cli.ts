// `bbgov simulator --port N --seed SPEC`: runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startSimulator } from './index.js';

export async function runSimulatorCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '4010' }, seed: { type: 'string', default: 'demo' } },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got "${values.port}"`);
  const simulator = await startSimulator({ seed: values.seed, port });
  console.log(`simulator listening on ${simulator.url}`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void simulator.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
