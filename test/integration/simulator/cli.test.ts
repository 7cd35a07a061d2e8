// `runSimulatorCli`: prints the ready line once listening and stops cleanly on SIGTERM.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../../lib/simulator/cli.ts', import.meta.url));

it('prints "simulator listening on http://127.0.0.1:N", serves, and exits 0 on SIGTERM', async () => {
  const script = `import { runSimulatorCli } from ${JSON.stringify(cli)}; await runSimulatorCli(['--port', '0', '--seed', 'demo']);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${stdout}`)));
  });
  const state = await fetch(`${url}/_simulator/state`);
  expect(state.status).toBe(200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(stdout.match(/simulator listening on/g)).toHaveLength(1);
});
