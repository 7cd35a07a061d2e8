// How one step spends its requests (see stepAllowance): a scope starts when what it cost last time fits
// in the step's paced share next to what is spent and still expected from scopes in flight, and the hour
// has that much left. A scope larger than a whole share starts alone in a step that has spent nothing and
// finishes on the hour's remainder.
import { SharedBudget, type RequestBudget } from '../bitbucket/index.js';

interface RunningScope {
  expected: number;
  budget: SharedBudget;
}

export class StepPace {
  private readonly running = new Set<RunningScope>();

  /** `budget` holds what the hour has left; `share` is the step's paced part of it. */
  constructor(
    readonly budget: RequestBudget,
    readonly share: number,
  ) {}

  /** The requests a scope is expected to cost if it may start now (its last cost, at least `leastCost`), else null. */
  startCost(lastCost: number | undefined, leastCost: number): number | null {
    const expected = Math.max(leastCost, lastCost ?? leastCost);
    let committed = this.budget.spent;
    for (const scope of this.running) committed += Math.max(0, scope.expected - scope.budget.spent);
    const fitsShare = committed + expected <= this.share || committed === 0;
    return fitsShare && this.budget.remaining >= expected ? expected : null;
  }

  /** Runs one scope's refresh on a budget of its own (drawn from the step's), counted until it ends. */
  async run<T>(expected: number, refresh: (budget: SharedBudget) => Promise<T>): Promise<T> {
    const scope = { expected, budget: new SharedBudget(this.budget) };
    this.running.add(scope);
    try {
      return await refresh(scope.budget);
    } finally {
      this.running.delete(scope);
    }
  }

  /** The step spent its share, or the hour has nothing left. */
  get spentOut(): boolean {
    return this.budget.remaining === 0 || this.budget.spent >= this.share;
  }
}
