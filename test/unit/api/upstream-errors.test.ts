// Bitbucket client failures mapped to the API's answers, in the one place that does it.
import { describe, expect, it } from 'vitest';
import { governanceErrorOf } from '../../../lib/api/index.js';
import {
  BadRequest,
  BudgetExhausted,
  Forbidden,
  Gone,
  NotFound,
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

  it('402 is 422 "plan user limit reached"; 404 is 404; 410 and 5xx are 502 with the status', () => {
    expect(answerOf(new PlanLimit({ ...at, status: 402 }, 'limit'))).toMatchObject({
      status: 422,
      body: { message: expect.stringContaining('plan user limit reached') },
    });
    expect(answerOf(new NotFound({ ...at, status: 404 }, 'gone')).status).toBe(404);
    expect(answerOf(new Gone({ ...at, status: 410 }, 'removed, see CHANGE-2770'))).toMatchObject({
      status: 502,
      body: { details: { upstreamStatus: 410, change: 'CHANGE-2770' } },
    });
    expect(answerOf(new UpstreamError({ ...at, status: 500 }, 'boom')).body.details.upstreamStatus).toBe(500);
    expect(answerOf(new BadRequest({ ...at, status: 400 }, 'bad')).status).toBe(502);
  });

  it('leaves errors it does not know alone (they become a 500 that reveals nothing)', () => {
    const error = new Error('secret detail');
    expect(governanceErrorOf(error)).toBe(error);
    expect(errorResponse(error).body).not.toContain('secret');
  });
});
