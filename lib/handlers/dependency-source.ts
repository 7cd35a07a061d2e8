// How a handler factory receives its collaborators: built already (tests, the local runner) or as a
// function the Lambda composition root (functions/commons) runs on the first invocation, so importing a
// function module builds nothing and cannot throw.

/** The collaborators themselves, or a function that builds them (called once, on first use). */
export type DependencySource<T extends object> = T | (() => T);

/** A getter for `source`'s collaborators, building them at most once. Errors of the builder propagate. */
export function lazyDependencies<T extends object>(source: DependencySource<T>): () => T {
  if (typeof source !== 'function') return () => source;
  let built: T | undefined;
  return () => (built ??= source());
}
