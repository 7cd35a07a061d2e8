// Builds a value on first use and keeps it for the life of the execution environment (warm invocations
// reuse it). A builder that throws is tried again on the next call.

/** A getter that runs `build` once, on first call. */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
