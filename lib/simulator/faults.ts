// Faults injected on demand through the control API; each applies to the next `times` matching requests.
import { z } from 'zod';

export const FaultSpec = z.object({
  match: z
    .object({
      method: z.string().optional(),
      pathPrefix: z.string().optional(),
      identity: z.string().optional(),
    })
    .default({}),
  kind: z.enum(['latency', 'status', 'drop', 'malformed-json', 'gone']),
  ms: z.number().int().nonnegative().optional(),
  status: z.number().int().min(100).max(599).optional(),
  times: z.number().int().positive().default(1),
  retryAfter: z.number().int().nonnegative().optional(),
});
export type FaultSpec = z.infer<typeof FaultSpec>;
export const FaultsBody = z.object({ faults: z.array(FaultSpec) });

export class FaultInjector {
  private faults: FaultSpec[] = [];

  add(faults: FaultSpec[]): void {
    this.faults.push(...faults.map((f) => ({ ...f })));
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultSpec[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The first fault matching this request, consumed once. */
  take(method: string, path: string, identity: string): FaultSpec | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.match.method === undefined || f.match.method.toUpperCase() === method) &&
        (f.match.pathPrefix === undefined || path.startsWith(f.match.pathPrefix)) &&
        (f.match.identity === undefined || f.match.identity === identity),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.times--;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }
}
