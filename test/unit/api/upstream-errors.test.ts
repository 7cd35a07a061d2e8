// Bitbucket client failures mapped to the API's answers, in the one place that does it.
import { describe, expect, it } from 'vitest';
import { governanceErrorOf } from '../../../lib/api/index.js';
import {
  BadRequest,
  BudgetExhausted,
  Forbidden,
  Gone,
  NotFound,
  OAuthTokenRefused,
  PlanLimit,
  RateLimited,
  Unauthorized,
  UpstreamError,
} from '../../../lib/bitbucket/index.js';
import { errorResponse, GovernanceError } from '../../../lib/errors/index.js';
import { ProvisioningCallFailed, type CallDescription } from '../../../lib/provisioning/index.js';

const at = { method: 'PUT', path: '/2.0/repositories/acme/api/permissions-config/users/x' };
const call: CallDescription = { method: 'PUT', endpoint: 'PUT /2.0/…', path: at.path };
const need = { capability: 'writePermissions' as const, scopes: ['admin:repository:bitbucket'] };

function answerOf(error: unknown) {
  const mapped = governanceErrorOf(error);
  expect(mapped).toBeInstanceOf(GovernanceError);
  const answer = errorResponse(mapped);
  return { status: answer.statusCode, headers: answer.headers, body: JSON.parse(answer.body).error };
}

describe('governanceErrorOf', () => {
  it('429 keeps Retry-After from Bitbucket, or suggests a minute', () => {
    expect(answerOf(new RateLimited({ ...at }, 'slow down', 7000))).toMatchObject({
      status: 429,
      headers: { 'retry-after': '7' },
    });
    expect(answerOf(new RateLimited({ ...at }, 'slow down')).headers['retry-after']).toBe('60');
    expect(answerOf(new BudgetExhausted(10, at)).status).toBe(429);
  });

  it('a budget spent on retries answers as the failure that caused them', () => {
    const cause = new UpstreamError({ ...at, status: 503 }, 'unavailable');
    expect(answerOf(new BudgetExhausted(10, at, cause))).toMatchObject({
      status: 502,
      body: { details: { upstreamStatus: 503 } },
    });
  });

  it('a refused write is 422 naming the capability; a refused read stays an upstream failure', () => {
    const refused = new Forbidden({ ...at, status: 403 }, 'no');
    expect(answerOf(new ProvisioningCallFailed(call, refused, need))).toMatchObject({
      status: 422,
      body: { code: 'not_grantable', details: { capability: 'writePermissions', upstreamStatus: 403 } },
    });
    expect(
      answerOf(new ProvisioningCallFailed(call, new Unauthorized({ ...at, status: 401 }, 'no'), need)).status,
    ).toBe(422);
    expect(answerOf(refused).status).toBe(502);
  });

  it('402 is 402 "plan user limit reached"; 404 is 404; 410 and 5xx are 502 with the status', () => {
    expect(answerOf(new PlanLimit({ ...at, status: 402 }, 'limit'))).toMatchObject({
      status: 402,
      body: {
        code: 'plan_user_limit_reached',
        message: expect.stringContaining('plan user limit reached'),
        details: { upstreamStatus: 402, reason: 'plan-user-limit', upstreamMessage: 'limit' },
      },
    });
    expect(answerOf(new NotFound({ ...at, status: 404 }, 'gone')).status).toBe(404);
    expect(answerOf(new Gone({ ...at, status: 410 }, 'removed, see CHANGE-2770'))).toMatchObject({
      status: 502,
      body: { details: { upstreamStatus: 410, change: 'CHANGE-2770', reason: 'endpoint-removed' } },
    });
    expect(answerOf(new UpstreamError({ ...at, status: 500 }, 'boom')).body.details.upstreamStatus).toBe(500);
    expect(answerOf(new BadRequest({ ...at, status: 400 }, 'bad')).status).toBe(502);
  });

  it("keeps Bitbucket's own words in the message and in details.upstreamMessage", () => {
    const failed = answerOf(
      new UpstreamError({ ...at, status: 500 }, 'Something went wrong (repository is read-only)'),
    );
    expect(failed.body.message).toContain('Something went wrong (repository is read-only)');
    expect(failed.body.details.upstreamMessage).toBe('Something went wrong (repository is read-only)');
    const refused = answerOf(
      new ProvisioningCallFailed(
        call,
        new Forbidden({ ...at, status: 403 }, 'Your credentials lack scope X'),
        need,
      ),
    );
    expect(refused.body.message).toContain('Bitbucket said: Your credentials lack scope X');
  });

  it('an OAuth token refusal keeps its error_description, and nothing of the credential', () => {
    const token = { method: 'POST', path: '/site/oauth2/access_token', status: 400 };
    const refusal = new OAuthTokenRefused(token, {
      error: 'invalid_grant',
      description:
        'Cannot use client_credentials with a consumer marked as "public" (Bearer abcdef0123456789)',
    });
    const answer = answerOf(refusal);
    expect(answer.status).toBe(502);
    expect(answer.body.message).toContain('consumer marked as "public"');
    expect(answer.body.details.upstreamMessage).toContain('invalid_grant');
    expect(JSON.stringify(answer.body)).not.toContain('abcdef0123456789');
  });

  it('a 404 on an announced removal answers like a 410: 502, the CHANGE id and the date', () => {
    const removed = new Gone({ method: 'GET', path: '/2.0/workspaces', status: 404 }, 'Not found', {
      change: 'CHANGE-2770',
      removedOn: '2026-04-14',
    });
    expect(answerOf(removed)).toMatchObject({
      status: 502,
      body: {
        message: expect.stringContaining('CHANGE-2770'),
        details: {
          upstreamStatus: 404,
          reason: 'endpoint-removed',
          change: 'CHANGE-2770',
          removedOn: '2026-04-14',
        },
      },
    });
  });

  it("Bitbucket's 400 on a user write is 422: the user cannot hold the grant (the store was stale)", () => {
    const refused = new BadRequest({ ...at, status: 400 }, 'not a valid user to update');
    expect(answerOf(new ProvisioningCallFailed(call, refused, need))).toMatchObject({
      status: 422,
      body: {
        code: 'not_grantable',
        details: { reason: 'refused-by-bitbucket', upstreamMessage: 'not a valid user to update' },
      },
    });
  });

  it('leaves errors it does not know alone (they become a 500 that reveals nothing)', () => {
    const error = new Error('secret detail');
    expect(governanceErrorOf(error)).toBe(error);
    expect(errorResponse(error).body).not.toContain('secret');
  });
});
