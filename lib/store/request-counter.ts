// Counts the DynamoDB requests a client sends, through an SDK middleware. Tests use it to prove that
// re-applying an unchanged observation writes nothing; benchmarks use it for request figures.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface RequestCounts {
  /** Requests per low-level command name (PutItemCommand, QueryCommand…), retries included. */
  byCommand: Record<string, number>;
  /** Requests that write (put, update, delete, batch write, transact write). */
  writeRequests: number;
  /** Items those requests write (a transaction or batch counts each of its items). */
  writeItems: number;
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

function itemsWritten(commandName: string, input: Record<string, unknown>): number {
  if (commandName === 'TransactWriteItemsCommand')
    return (input.TransactItems as unknown[] | undefined)?.length ?? 0;
  if (commandName === 'BatchWriteItemCommand') {
    const requests = (input.RequestItems ?? {}) as Record<string, unknown[]>;
    return Object.values(requests).reduce((sum, list) => sum + list.length, 0);
  }
  return 1;
}

export interface RequestCounter {
  counts: RequestCounts;
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

const MIDDLEWARE_NAME = 'bbgovRequestCounter';

/** Attaches a counting middleware; the base client and its document client share one stack. */
export function attachRequestCounter(client: DynamoDBClient | DynamoDBDocumentClient): RequestCounter {
  const counts: RequestCounts = { byCommand: {}, writeRequests: 0, writeItems: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const commandName = context.commandName ?? 'unknown';
      counts.byCommand[commandName] = (counts.byCommand[commandName] ?? 0) + 1;
      if (WRITE_COMMANDS.has(commandName)) {
        counts.writeRequests += 1;
        counts.writeItems += itemsWritten(commandName, args.input as Record<string, unknown>);
      }
      return next(args);
    },
    // After the retry middleware, so each attempt sent on the wire counts.
    { step: 'finalizeRequest', priority: 'low', name: MIDDLEWARE_NAME },
  );
  return {
    counts,
    reset() {
      counts.byCommand = {};
      counts.writeRequests = 0;
      counts.writeItems = 0;
    },
    detach() {
      client.middlewareStack.remove(MIDDLEWARE_NAME);
    },
  };
}
