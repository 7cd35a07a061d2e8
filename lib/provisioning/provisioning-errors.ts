// Failures of provisioning that the API maps to answers: a Bitbucket call that failed (with what it was
// and what a refusal means), and an Idempotency-Key reused with a different body.
import type { AdminApiError } from '../atlassian-admin/index.js';
import type { BitbucketError } from '../bitbucket/index.js';
import { GovernanceError } from '../errors/index.js';
import type { CallDescription, CapabilityNeed } from '../source/index.js';

export class ProvisioningCallFailed extends Error {
  constructor(
    readonly call: CallDescription,
    /** Bitbucket's error, or the Atlassian Admin API's for an organization group's membership. */
    readonly upstream: BitbucketError | AdminApiError,
    /** Set for writes: what a 401/403 means the credential lacks. */
    readonly need?: CapabilityNeed,
  ) {
    super(`${call.endpoint} failed: ${upstream.message}`);
    this.name = 'ProvisioningCallFailed';
  }
}

/**
 * 422: the same Idempotency-Key came with a different body. 422, not 409: retrying cannot help, the
 * request itself is wrong (409 is kept for "the first request is still in flight").
 */
export class IdempotencyKeyReused extends GovernanceError {
  readonly status = 422;
  readonly code = 'idempotency_key_reused';
}
