// Issue 19: the bundled DynamoDB Local cannot be bound to loopback (no option for it), so the warning it
// comes with must be true: the engine answers on this machine's other addresses too, at the port it names.
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { exposureWarning, startEmbeddedDynamoDb } from '../../../lib/local/embedded-dynamodb.js';

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

describe('embedded DynamoDB Local exposure', () => {
  it('names the port, says it is open on every interface without authentication', () => {
    expect(exposureWarning(8000)).toBe(
      "DynamoDB Local listens on all interfaces at port 8000 without authentication; keep this machine's firewall closed to it",
    );
  });

  it.skipIf(outsideAddress === undefined)(
    'comes with the running engine, which does answer on a non-loopback address',
    async () => {
      const engine = await startEmbeddedDynamoDb();
      try {
        expect(engine.exposure).toBe(exposureWarning(engine.port));
        expect(await answers(outsideAddress!, engine.port)).toBe(true);
      } finally {
        await engine.stop();
      }
    },
    60_000,
  );
});
