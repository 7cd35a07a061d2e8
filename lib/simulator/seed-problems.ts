// Seed cross-reference problems: what zod cannot check, reported with the JSON path of the culprit.
export type PathSegment = string | number;

export interface Problem {
  path: PathSegment[];
  message: string;
}

/** One problem per repeated key (the second and later occurrences), at `at(index)`. */
export function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  at: (i: number) => PathSegment[],
  what: string,
): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) problems.push({ path: at(i), message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
  return problems;
}
