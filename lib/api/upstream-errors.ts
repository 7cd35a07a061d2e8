// The one mapping from Bitbucket client failures to the API's answers. Messages name the call and
// Bitbucket's status; they never carry a credential (client errors are already scrubbed).
import {
  BitbucketError,
  BudgetExhausted,
  Forbidden,
  Gone,
  NotFound as BitbucketNotFound,
  PlanLimit,
  RateLimited,
  Unauthorized,
} from '../bitbucket/index.js';
import {
  GovernanceError,
  NotFound,
  NotGrantable,
  UpstreamFailure,
  UpstreamRateLimited,
} from '../errors/index.js';
import { ProvisioningCallFailed } from '../provisioning/index.js';

/** Wait suggested when Bitbucket sent no Retry-After (it usually does not) or our budget refused. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

function upstreamDetails(error: BitbucketError): Record<string, unknown> {
  return {
    upstreamStatus: error.status ?? null,
    upstreamEndpoint: error.endpoint ?? `${error.method} ${error.path}`,
  };
}

function fromBitbucket(error: BitbucketError, failed?: ProvisioningCallFailed): GovernanceError {
  const details = upstreamDetails(error);
  const need = failed?.need;
  if (error instanceof BudgetExhausted) {
    const cause = (error as { cause?: unknown }).cause;
    // The budget ran out while retrying a failure: that failure is the real answer.
    if (cause instanceof BitbucketError && !(cause instanceof RateLimited))
      return fromBitbucket(cause, failed);
    return new UpstreamRateLimited(
      'the Bitbucket request budget for this call is spent',
      DEFAULT_RETRY_AFTER_SECONDS,
      details,
    );
  }
  if (error instanceof RateLimited) {
    const seconds =
      error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : error.retryAfterMs / 1000;
    return new UpstreamRateLimited('Bitbucket rate limit reached', seconds, details);
  }
  if (error instanceof PlanLimit) {
    return new NotGrantable('plan user limit reached: Bitbucket refused to add another user (402)', {
      ...details,
      reason: 'plan-user-limit',
    });
  }
  if (need && (error instanceof Forbidden || error instanceof Unauthorized)) {
    return new NotGrantable(
      `Bitbucket refused the change (${error.status}): the credential lacks ${need.capability} (scopes ${need.scopes.join(', ')}, and workspace administration)`,
      { ...details, capability: need.capability, requiredScopes: need.scopes },
    );
  }
  if (error instanceof BitbucketNotFound) {
    return new NotFound(
      `Bitbucket does not know ${failed ? failed.call.path : error.path} (the stored picture may be stale)`,
      details,
    );
  }
  if (error instanceof Gone) {
    return new UpstreamFailure(
      `Bitbucket removed ${error.path} (410${error.change ? `, ${error.change}` : ''})`,
      {
        ...details,
        change: error.change ?? null,
      },
    );
  }
  return new UpstreamFailure(
    `Bitbucket failed: ${error.method} ${error.path}${error.status === undefined ? '' : ` answered ${error.status}`}`,
    details,
  );
}

/** Any error a handler meets, as a GovernanceError when it is one we know; otherwise unchanged. */
export function governanceErrorOf(error: unknown): unknown {
  if (error instanceof GovernanceError) return error;
  if (error instanceof ProvisioningCallFailed) return fromBitbucket(error.upstream, error);
  if (error instanceof BitbucketError) return fromBitbucket(error);
  return error;
}
