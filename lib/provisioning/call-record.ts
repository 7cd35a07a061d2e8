// The record of the calls a provisioning request makes: each is listed before it is sent, with how it
// ended, so the request record shows every call even when one fails.
import { AdminApiError, AdminDeadlineExceeded } from '../atlassian-admin/index.js';
import { BitbucketError, BudgetExhausted, DeadlineExceeded } from '../bitbucket/index.js';
import type { CallDescription, CapabilityNeed } from '../source/index.js';
import { ProvisioningCallFailed } from './provisioning-errors.js';

/**
 * One call a provisioning request made (or, for a dry run, would make) to Bitbucket or, for group
 * membership in a workspace administered in admin.atlassian.com, to the Atlassian Admin API; its record
 * lists them.
 */
export interface BitbucketCallRecord {
  method: string;
  /** Route template, e.g. `PUT /2.0/repositories/{workspace}/{repo_slug}/permissions-config/users/{selected_user_id}`. */
  endpoint: string;
  /** Concrete path. */
  path: string;
  /**
   * The absolute URL the last request of this call went to on the wire (query included), as the
   * transport sent it; absent when nothing was sent.
   */
  url?: string;
  sent: boolean;
  /** `ok`: 2xx; `absent`: the read found no permission; `failed`: see status. Absent when not sent. */
  outcome?: 'ok' | 'absent' | 'failed';
  /** Bitbucket's status on failure, when it answered. */
  status?: number;
}

/** Passed to a call's CallOptions (`onSend`): records the URL each request really went to. */
export type SentUrlObserver = (request: { method: string; url: string }) => void;

/**
 * Runs one call of a provisioning request, recording it in `calls` first (so a failure is recorded too).
 * `run` gets the observer to pass as its CallOptions' `onSend`, so the record keeps the URL as sent.
 * Throws ProvisioningCallFailed wrapping the Bitbucket or Admin API error (unknown errors unchanged).
 * `absentStatus`: the status to record when the read found nothing (see GrantChannel.readAbsentStatus).
 */
export async function send<T>(
  calls: BitbucketCallRecord[],
  description: CallDescription,
  run: (onSend: SentUrlObserver) => Promise<T>,
  need?: CapabilityNeed,
  absentStatus?: number,
): Promise<T> {
  const record: BitbucketCallRecord = { ...description, sent: true };
  calls.push(record);
  try {
    const value = await run(({ url }) => {
      record.url = url;
    });
    // `absent`: the read found no permission (Bitbucket's 404, or a listing without the member).
    record.outcome = value === null ? 'absent' : 'ok';
    if (value === null && absentStatus !== undefined) record.status = absentStatus;
    return value;
  } catch (error) {
    if (!(error instanceof BitbucketError) && !(error instanceof AdminApiError)) throw error;
    record.outcome = 'failed';
    if (error.status !== undefined) record.status = error.status;
    // Refused before the first attempt: nothing left the process.
    if (
      error instanceof DeadlineExceeded ||
      error instanceof AdminDeadlineExceeded ||
      (error instanceof BudgetExhausted && !error.cause)
    ) {
      record.sent = false;
    }
    throw new ProvisioningCallFailed(description, error, need);
  }
}
