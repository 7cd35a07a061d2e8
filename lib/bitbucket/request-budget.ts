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
