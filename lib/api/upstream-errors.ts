// The one mapping from Bitbucket and Atlassian Admin API client failures to the API's answers. Messages
// name the call and the upstream status; they never carry a credential (client errors are already scrubbed).
import {
  AdminApiError,
  AdminBadRequest,
  AdminForbidden,
  AdminNotFound,
  AdminRateLimited,
  AdminUnauthorized,
} from '../atlassian-admin/index.js';
import {
  BadRequest,
  BitbucketError,
  BudgetExhausted,
  Forbidden,
  Gone,
  NotFound as BitbucketNotFound,
  PlanLimit,
  RateLimited,
  Unauthorized,
} from '../bitbucket/index.js';
import { InvalidIdentifierError } from '../model/index.js';
import {
  Conflict,
  GovernanceError,
  NotFound,
  NotGrantable,
  PlanUserLimitReached,
  UpstreamFailure,
  UpstreamRateLimited,
  ValidationError,
} from '../errors/index.js';
import { ProvisioningCallFailed } from '../provisioning/index.js';

/** Wait suggested when Bitbucket sent no Retry-After (it usually does not) or our budget refused. */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/**
 * What Bitbucket said, as the client kept it: its `error.message` and `detail`, an OAuth
 * `error_description`, a removal's announcement (lib/bitbucket/errors.ts), without the call and status
 * that lead the message. Credentials are already cut out by the client.
 */
function bitbucketSaid(error: BitbucketError): string {
  const colon = error.message.indexOf(': ');
  return colon < 0 ? error.message : error.message.slice(colon + 2);
}

function upstreamDetails(error: BitbucketError): Record<string, unknown> {
  return {
    upstreamStatus: error.status ?? null,
    upstreamEndpoint: error.endpoint ?? `${error.method} ${error.path}`,
    upstreamMessage: bitbucketSaid(error),
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
    if (cause instanceof AdminApiError && !(cause instanceof AdminRateLimited))
      return fromAdminApi(cause, failed);
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
    return new PlanUserLimitReached(
      "plan user limit reached: Bitbucket refused to add another user to the workspace (402); a workspace admin must free a seat or raise the plan's user limit, then send the request again",
      { ...details, reason: 'plan-user-limit' },
    );
  }
  if (need && (error instanceof Forbidden || error instanceof Unauthorized)) {
    return new NotGrantable(
      `Bitbucket refused the change (${error.status}): the credential lacks ${need.capability} (scopes ${need.scopes.join(', ')}, and workspace administration). Bitbucket said: ${bitbucketSaid(error)}`,
      { ...details, capability: need.capability, requiredScopes: need.scopes },
    );
  }
  if (need && error instanceof BadRequest) {
    // Bitbucket refuses a user grant for a non-member or an owner with 400 (API-NOTES "Endpoints"); the
    // stored picture said otherwise, so it is behind Bitbucket. Sending it again would change nothing.
    return new NotGrantable(
      `Bitbucket refused the change (${error.status}): ${bitbucketSaid(error)}. A user grant needs a workspace member who is not an owner; the stored picture may be stale (a sync will catch up).`,
      { ...details, reason: 'refused-by-bitbucket' },
    );
  }
  if (error instanceof BitbucketNotFound) {
    return new NotFound(
      `Bitbucket does not know ${failed ? failed.call.path : error.path} (the stored picture may be stale)`,
      details,
    );
  }
  if (error instanceof Gone) {
    // A 410, or a 404 on an endpoint Atlassian announced as removed: the same answer either way.
    const announcement = [error.change, error.removedOn && `removed ${error.removedOn}`].filter(Boolean);
    return new UpstreamFailure(
      `Bitbucket removed ${error.method} ${error.path} (${error.status ?? 410}${announcement.length > 0 ? `, ${announcement.join(', ')}` : ''})`,
      {
        ...details,
        reason: 'endpoint-removed',
        change: error.change ?? null,
        removedOn: error.removedOn ?? null,
      },
    );
  }
  return new UpstreamFailure(
    `Bitbucket failed: ${error.method} ${error.path}${error.status === undefined ? '' : ` answered ${error.status}`}: ${bitbucketSaid(error)}`,
    details,
  );
}

/** An Atlassian Admin API failure (group membership of an organization-administered workspace). */
function fromAdminApi(error: AdminApiError, failed?: ProvisioningCallFailed): GovernanceError {
  const details = {
    upstream: 'atlassian-admin',
    upstreamStatus: error.status ?? null,
    upstreamEndpoint: error.endpoint,
    upstreamMessage: error.adminSaid,
    ...(error.code === undefined ? {} : { upstreamCode: error.code }),
  };
  const need = failed?.need;
  if (error instanceof AdminRateLimited) {
    const seconds =
      error.retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.ceil(error.retryAfterMs / 1000);
    return new UpstreamRateLimited('Atlassian Admin API rate limit reached', seconds, details);
  }
  if (error instanceof AdminForbidden && error.managedByIdentityProvider) {
    return new Conflict('this group is managed by your identity provider: change it there', {
      ...details,
      reason: 'managed-by-identity-provider',
    });
  }
  if (need && (error instanceof AdminForbidden || error instanceof AdminUnauthorized)) {
    return new NotGrantable(
      `the Atlassian Admin API refused the change (${error.status}): the organization API key lacks ${need.scopes.join(', ')} or is no longer valid (ATLASSIAN_ADMIN_API_KEY). Atlassian said: ${error.adminSaid}`,
      { ...details, capability: need.capability, requiredScopes: need.scopes },
    );
  }
  if (error instanceof AdminBadRequest && error.code === 'USER_LIMIT_EXCEEDED') {
    return new PlanUserLimitReached(
      "plan user limit reached: the Atlassian Admin API refused to add another user (the group would push the workspace past its plan's user limit); free a seat or raise the plan, then send the request again",
      { ...details, reason: 'plan-user-limit' },
    );
  }
  if (need && error instanceof AdminBadRequest) {
    return new NotGrantable(
      `the Atlassian Admin API refused the change (${error.status}): ${error.adminSaid}`,
      {
        ...details,
        reason: 'refused-by-atlassian',
      },
    );
  }
  if (error instanceof AdminNotFound) {
    return new NotFound(
      `the Atlassian Admin API does not know ${failed ? failed.call.path : error.path} (the stored picture may be stale)`,
      details,
    );
  }
  return new UpstreamFailure(`Atlassian Admin API failed: ${error.message}`, details);
}

/** Any error a handler meets, as a GovernanceError when it is one we know; otherwise unchanged. */
export function governanceErrorOf(error: unknown): unknown {
  if (error instanceof GovernanceError) return error;
  if (error instanceof ProvisioningCallFailed) {
    return error.upstream instanceof AdminApiError
      ? fromAdminApi(error.upstream, error)
      : fromBitbucket(error.upstream, error);
  }
  if (error instanceof AdminApiError) return fromAdminApi(error);
  // An identifier that cannot be one URL path segment (`.`, `..`, empty): nothing was sent.
  if (error instanceof InvalidIdentifierError)
    return new ValidationError(error.message, { reason: 'invalid-identifier' });
  if (error instanceof BitbucketError) return fromBitbucket(error);
  return error;
}
