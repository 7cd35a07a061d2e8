// The scheduled expiry function as EventBridge Scheduler calls it: every governed workspace (the store's
// list) is looked at, each outcome is logged, and the run's figures are published as metrics.
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGrantExpiryHandler } from '../../../lib/handlers/grant-expiry-handler.js';
import { logger, METRIC_NAMES, metrics } from '../../../lib/observability/index.js';
import type { GrantExpiryDependencies } from '../../../lib/requests/grant-expiry.js';
import type { AccessRequestRecord } from '../../../lib/store/access-requests.js';

const CONTEXT = {
  functionName: 'expire-grants',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const NOW = new Date('2025-01-01T12:00:00.000Z');

function dueRecord(id: string, workspaceId: string): AccessRequestRecord {
  return {
    id,
    workspaceId,
    workspaceSlug: 'gone',
    status: 'active',
    resource: { type: 'repository', slug: 'api' },
    principal: { type: 'user', accountId: '557058:ada' },
    permission: 'write',
    durationMinutes: 1,
    reason: 'incident',
    requestedBy: 'ada',
    createdAt: '2025-01-01T11:00:00.000Z',
    expiresAt: '2025-01-01T11:59:00.000Z',
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('grant expiry function', () => {
  it('runs over every governed workspace, logs each outcome and publishes GrantsExpired / GrantExpiryFailures', async () => {
    const listed: string[] = [];
    const dependencies = {
      store: {
        listWorkspaces: async () => [
          { uuid: '{ws-1}', slug: 'acme', name: 'Acme' },
          { uuid: '{ws-2}', slug: 'beta', name: 'Beta' },
        ],
      },
      accessRequests: {
        list: async (workspaceId: string, status: string) => {
          listed.push(`${workspaceId} ${status}`);
          return workspaceId === '{ws-2}' && status === 'active'
            ? [dueRecord('ar-8', '{ws-2}'), dueRecord('ar-9', '{ws-2}')]
            : [];
        },
      },
      // A retry after a crash replays the first run's answer: a 502 is a failure, not a revocation.
      provisioning: {
        now: () => NOW,
        requests: {
          begin: async () => ({
            kind: 'replay',
            record: {
              answer: {
                status: 502,
                body: JSON.stringify({
                  error: { code: 'upstream_failure', message: 'Bitbucket answered 502' },
                }),
              },
            },
          }),
        },
      },
      now: () => NOW,
    } as unknown as GrantExpiryDependencies;
    const added: [string, number][] = [];
    vi.spyOn(metrics, 'addMetric').mockImplementation((name, _unit, value) => {
      added.push([name, value]);
      return metrics;
    });
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);

    const report = await createGrantExpiryHandler(() => dependencies)({}, CONTEXT);

    // Active requests are listed once per workspace, not again for each due request (stacked grants
    // read the list the run keeps current).
    expect(listed).toEqual(['{ws-1} approved', '{ws-1} active', '{ws-2} approved', '{ws-2} active']);
    expect(report).toEqual({
      workspaces: 2,
      outcomes: [
        { id: 'ar-8', outcome: 'failed', detail: 'Bitbucket answered 502' },
        { id: 'ar-9', outcome: 'failed', detail: 'Bitbucket answered 502' },
      ],
      resumed: [],
    });
    expect(warn).toHaveBeenCalledWith(
      'time-boxed grant not expired yet',
      expect.objectContaining({ id: 'ar-9', outcome: 'failed' }),
    );
    expect(added).toEqual(
      expect.arrayContaining([
        [METRIC_NAMES.GrantsExpired, 0],
        [METRIC_NAMES.GrantExpiryFailures, 2],
      ]),
    );
  });
});
