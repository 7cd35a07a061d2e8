// The Bitbucket Cloud client's public API.
export { BitbucketClient, bitbucketClientFromConfig, createBitbucketClient } from './client.js';
export type {
  BitbucketClientOptions,
  CallOptions,
  ProjectPermissionValue,
  RepositoryPermissionValue,
} from './client.js';
export { RequestBudget, SharedBudget } from './request-budget.js';
export { DEFAULT_RETRY_POLICY, backoffCeilingMs, parseRetryAfter, retryDelayMs } from './backoff.js';
export type { RetryPolicy } from './backoff.js';
export type { Capability, CapabilityAnswer, CapabilityReport } from './capabilities.js';
export { endpoints } from './endpoints.js';
export * from './errors.js';
export * from './schemas.js';
export { BitbucketCloudSource, sourceOf } from './cloud-source.js';
export { bitbucketGrantChannel } from './grant-channels.js';
export * from './capability-gaps.js';
