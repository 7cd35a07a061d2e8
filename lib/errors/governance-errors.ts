// The errors the connector's own interfaces answer with. Each carries a stable code and its HTTP status;
// `errorResponse` (http-response.ts) is the one place that turns them into `{error: {code, message, details}}`.

export type ErrorDetails = Record<string, unknown>;

export abstract class GovernanceError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed; `details.field` names what was wrong. */
export class ValidationError extends GovernanceError {
  readonly status = 400;
  readonly code = 'validation_failed';
}

/** 401: no or wrong credentials / signature. */
export class Unauthenticated extends GovernanceError {
  readonly status = 401;
  readonly code = 'unauthenticated';
}

/** 403: authenticated, but not allowed. */
export class AccessDenied extends GovernanceError {
  readonly status = 403;
  readonly code = 'forbidden';
}

/** 404: unknown workspace, resource, principal or request. */
export class NotFound extends GovernanceError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** 409: would downgrade, or the same request is in flight. */
export class Conflict extends GovernanceError {
  readonly status = 409;
  readonly code = 'conflict';
}

/** 413: body larger than accepted. */
export class PayloadTooLarge extends GovernanceError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

/** 422: understood, but cannot be done (e.g. the credential lacks the capability). */
export class NotGrantable extends GovernanceError {
  readonly status = 422;
  readonly code = 'not_grantable';
}

/**
 * 402: Bitbucket answered 402 Payment Required: the workspace plan's user limit is reached, so a change
 * that would add a user to the workspace (a group membership, which makes its user a member) was refused.
 * Source: API-NOTES "Endpoints" (402 = plan's user limit reached). Nothing changed; a workspace admin must
 * free a seat or raise the plan, after which the same request may be sent again.
 */
export class PlanUserLimitReached extends GovernanceError {
  readonly status = 402;
  readonly code = 'plan_user_limit_reached';
}

/** 429: Bitbucket's (or our budget's) rate limit; `retryAfterSeconds` goes into Retry-After. */
export class UpstreamRateLimited extends GovernanceError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details: ErrorDetails = {},
  ) {
    super(message, details);
  }
}

/** 502: Bitbucket failed; `details.upstreamStatus` says how. */
export class UpstreamFailure extends GovernanceError {
  readonly status = 502;
  readonly code = 'upstream_failure';
}
