// A process that dies without stopping DynamoDB Local (an uncaught error) must not leave the Java engine
// running: the engine is a child of the process and goes with it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startEmbeddedDynamoDb', () => {
  it('stops the engine when the process that started it crashes', async () => {
    const script = `
      import { startEmbeddedDynamoDb } from './lib/local/embedded-dynamodb.ts';
      const engine = await startEmbeddedDynamoDb();
      const { execSync } = await import('node:child_process');
      const pid = execSync('pgrep -f "DynamoDBLocal.jar -port ' + engine.port + '"').toString().trim();
      console.log('ENGINE_PID=' + pid);
      throw new Error('crash on purpose');
    `;
    // Async, so a slow start (Java and tsx on a loaded machine) cannot block the test runner.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 },
    ).then(
      () => ({ failed: false, stdout: '', stderr: '' }),
      (error: { stdout: string; stderr: string }) => ({
        failed: true,
        stdout: error.stdout,
        stderr: error.stderr,
      }),
    );
    expect(run.failed).toBe(true);
    expect(run.stderr).toContain('crash on purpose');
    const pid = Number(/ENGINE_PID=(\d+)/.exec(run.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // SIGKILL is delivered at exit; give the kernel a moment to reap it.
    for (let waited = 0; isRunning(pid) && waited < 5_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isRunning(pid)).toBe(false);
  }, 90_000);
});
