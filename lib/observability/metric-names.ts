// Every custom metric the functions publish (Powertools EMF), the one table the alarms and the dashboard
// (infra/) read too, so a renamed metric breaks the build instead of silently blinding an alarm.

/** CloudWatch namespace of every custom metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'BitbucketGovernance';

/**
 * POWERTOOLS_SERVICE_NAME of every function, and so the value of the `service` dimension. One value for
 * every function: an alarm on `SyncErrors` then sees errors from the sync and the applier alike.
 */
export const SERVICE_NAME = 'bitbucket-governance';

/** Dimension names. Alarms read metrics published with `service` alone. */
export const METRIC_DIMENSIONS = {
  service: 'service',
  /** Optional extra dimension for per-workspace series; alarms never depend on it. */
  workspace: 'workspace',
} as const;

export const METRIC_NAMES = {
  /** Count: a sync step or an applier refresh that failed. */
  SyncErrors: 'SyncErrors',
  /**
   * Seconds: age of the least recently refreshed scope. Publish it once per step with `service` only
   * (the maximum over all workspaces), which the freshness alarm watches; a per-`workspace` copy is optional.
   */
  OldestScopeAgeSeconds: 'OldestScopeAgeSeconds',
  /** Count: Bitbucket requests spent by a sync step. */
  RequestsSpent: 'RequestsSpent',
  /** Count: scopes refreshed by a sync step. */
  ScopesRefreshed: 'ScopesRefreshed',
  /** Count: store changes (added, changed, removed items) written. */
  ChangesApplied: 'ChangesApplied',
  /** Count: full passes over every scope completed. */
  PassCompleted: 'PassCompleted',
  /**
   * Count: scopes the credential may not read (401/403 on their listing) after a sync step, over all
   * workspaces; non-zero means the picture has holes an operator can close by widening the credential.
   */
  SyncCapabilityGaps: 'SyncCapabilityGaps',
  /** Count: webhook deliveries verified and queued. */
  WebhookAccepted: 'WebhookAccepted',
  /** Count: webhook deliveries refused (bad signature, unknown workspace, malformed). */
  WebhookRejected: 'WebhookRejected',
  /** Count: repeated deliveries (same X-Request-UUID, or the same signed body) answered without queueing again. */
  WebhookDuplicate: 'WebhookDuplicate',
  /** Count: accepted deliveries whose payload time was later than the receive time (clamped to it). */
  WebhookTimeClamped: 'WebhookTimeClamped',
  /** Count: accepted deliveries without a signature (WEBHOOK_ALLOW_UNSIGNED): they only mark scopes dirty. */
  WebhookUnsigned: 'WebhookUnsigned',
  /** Count: queued webhook events the applier applied. */
  WebhookEventsApplied: 'WebhookEventsApplied',
  /** Count: queued webhook events left as dirty scopes for the sync (no budget or time left). */
  WebhookEventsDeferred: 'WebhookEventsDeferred',
  /** Count: queued webhook events the applier dropped (nothing to do, or not governed). */
  WebhookEventsDropped: 'WebhookEventsDropped',
  /**
   * Count: activity events (push, pull request, comment) recorded as nothing because their actor cannot
   * be named: none, a type we do not record, or an older user object whose uuid is no known member's.
   */
  WebhookActivitySkipped: 'WebhookActivitySkipped',
  /** Count: scope refreshes the applier made. */
  WebhookRefreshes: 'WebhookRefreshes',
  /** Count: Bitbucket requests the applier spent. */
  WebhookRequests: 'WebhookRequests',
  /** Count: time-boxed grants the expiry job ended (revoked, restored, or left alone as changed meanwhile). */
  GrantsExpired: 'GrantsExpired',
  /**
   * Count: due time-boxed grants the expiry job could not end (Bitbucket refused, no budget): they stay
   * active and are tried again on the next run, so non-zero for long means access outlives its end.
   */
  GrantExpiryFailures: 'GrantExpiryFailures',
  /** Count: /v1 answers below 400. */
  ApiSuccess: 'ApiSuccess',
  /** Count: /v1 answers of 400 or more. */
  ApiError: 'ApiError',
  /** Count: /v1 answers of 429 (Bitbucket or our own budget said back off). */
  ApiRateLimited: 'ApiRateLimited',
} as const;

export type MetricName = (typeof METRIC_NAMES)[keyof typeof METRIC_NAMES];
