// The error a synchronous call throws, checked to be of the expected kind: tests then assert its fields.

/**
 * Runs `run` and returns what it threw when that is a `kind`; rethrows anything else.
 * @throws Error when `run` returns normally.
 */
export function thrownBy<E extends Error>(kind: abstract new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error(`expected a ${kind.name}`);
}
