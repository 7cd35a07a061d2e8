// Runs async work over many inputs with at most `limit` in flight: enough to keep DynamoDB busy
// without opening thousands of sockets.
export async function forEachBounded<T>(
  inputs: readonly T[],
  limit: number,
  work: (input: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < inputs.length) {
      const input = inputs[next] as T;
      next += 1;
      await work(input);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, inputs.length) }, worker));
}
