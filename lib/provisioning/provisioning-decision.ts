// The rule that makes provisioning safe to call twice and never surprising, as one pure function:
// an already-true state is success, a lower permission never silently replaces a higher one, and a
// revocation removes only the permission it names.
import type { ProvisioningAction } from './provisioning-target.js';

export type ProvisioningDecision =
  | { kind: 'unchanged' }
  | { kind: 'write' }
  | { kind: 'delete' }
  | { kind: 'would-downgrade'; current: string }
  | { kind: 'names-other-permission'; current: string };

export function decide(
  action: ProvisioningAction,
  current: string | null,
  requested: string,
  replace: boolean,
  ladder: readonly string[],
): ProvisioningDecision {
  if (action === 'revoke') {
    if (current === null) return { kind: 'unchanged' };
    return current === requested ? { kind: 'delete' } : { kind: 'names-other-permission', current };
  }
  if (current === requested) return { kind: 'unchanged' };
  if (current !== null && ladder.indexOf(requested) < ladder.indexOf(current) && !replace) {
    return { kind: 'would-downgrade', current };
  }
  return { kind: 'write' };
}
