// A caller's allowance of HTTP requests. Every request the client sends (retries and OAuth token fetches
// included) takes one unit first; the unit that would exceed the limit is refused and nothing is sent.
import { BudgetExhausted } from './errors.js';

export class RequestBudget {
  readonly limit: number;
  #spent = 0;

  constructor(limit: number) {
    if (!(limit >= 0)) throw new RangeError(`a request budget must be 0 or more, got ${limit}`);
    this.limit = limit;
  }

  get spent(): number {
    return this.#spent;
  }

  get remaining(): number {
    return Math.max(0, this.limit - this.#spent);
  }

  /** Takes one unit, or throws `BudgetExhausted` when none is left. */
  take(request?: { method: string; path: string }): void {
    if (this.#spent >= this.limit) throw new BudgetExhausted(this.limit, request);
    this.#spent += 1;
  }
}

/** Counts the requests of one part of the work (a scope, a refresh) while spending them from its parent. */
export class SharedBudget extends RequestBudget {
  constructor(private readonly parent: RequestBudget) {
    super(Number.POSITIVE_INFINITY);
  }

  override take(request?: { method: string; path: string }): void {
    this.parent.take(request);
    super.take(request);
  }

  override get remaining(): number {
    return this.parent.remaining;
  }
}
