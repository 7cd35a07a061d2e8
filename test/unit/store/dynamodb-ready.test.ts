// Readiness of a DynamoDB endpoint is a call that succeeds, not a port that accepts connections: an engine
// still starting resets connections or answers errors (the SDK's `UnknownError`), and the wait goes on.
// A small HTTP server stands in for DynamoDB Local in that state: a real engine cannot be held there.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbNotAnsweringError, waitUntilDynamoDbAnswers } from '../../../lib/store/index.js';

type Answer = (request: IncomingMessage, response: ServerResponse) => void;

const reset: Answer = (request) => request.socket.destroy();
const startingUp: Answer = (_request, response) => {
  response.writeHead(500, { 'content-type': 'text/html' });
  response.end('<html><body>starting</body></html>');
};
const tables: Answer = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify({ TableNames: [] }));
};

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** An endpoint answering its n-th call with `answers[n]` (the last one from then on); the calls' targets. */
async function endpointAnswering(answers: Answer[]) {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume();
    request.on('end', () => answers[Math.min(targets.length, answers.length) - 1]!(request, response));
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets };
}

describe('waitUntilDynamoDbAnswers', () => {
  it('calls ListTables again through resets and error answers until one succeeds', async () => {
    const endpoint = await endpointAnswering([reset, startingUp, startingUp, tables]);
    await waitUntilDynamoDbAnswers(endpoint.url, { intervalMs: 10 });
    expect(endpoint.targets).toEqual(Array(4).fill('DynamoDB_20120810.ListTables'));
  });

  it('gives up after the timeout naming the endpoint and the last failure', async () => {
    const endpoint = await endpointAnswering([startingUp]);
    const wait = waitUntilDynamoDbAnswers(endpoint.url, { timeoutMs: 300, intervalMs: 10 });
    await expect(wait).rejects.toBeInstanceOf(DynamoDbNotAnsweringError);
    await expect(wait).rejects.toThrow(
      new RegExp(`^DynamoDB at ${endpoint.url} did not answer ListTables within 0.3 s \\(last: \\w+`),
    );
    expect(endpoint.targets.length).toBeGreaterThan(1);
  });

  it('stops at once with what giveUp returns (the engine exited)', async () => {
    const endpoint = await endpointAnswering([startingUp]);
    const exited = new Error('DynamoDB Local exited with code 1');
    await expect(
      waitUntilDynamoDbAnswers(endpoint.url, { timeoutMs: 60_000, giveUp: () => exited }),
    ).rejects.toBe(exited);
    expect(endpoint.targets).toHaveLength(1);
  });
});
