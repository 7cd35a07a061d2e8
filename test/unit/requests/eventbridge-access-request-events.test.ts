// The AWS publisher of access-request state changes: one PutEvents entry on the default bus per change,
// `source` bitbucket-governance, `detail-type` "Access request <status>", the change as the detail; an
// entry EventBridge refuses throws, so the domain logs it (publishChange never fails the change).
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it, vi } from 'vitest';
import { EventBridgeAccessRequestEvents } from '../../../functions/commons/access-request-events.js';
import { logger } from '../../../lib/observability/index.js';
import { publishChange, type AccessRequestChange } from '../../../lib/requests/access-requests.js';
import type { AccessRequestRecord } from '../../../lib/store/access-requests.js';

const RECORD: AccessRequestRecord = {
  id: 'ar-1',
  workspaceId: '{7d2a}',
  workspaceSlug: 'acme',
  status: 'approved',
  resource: { type: 'repository', slug: 'api' },
  principal: { type: 'user', accountId: '557058:ada' },
  permission: 'write',
  durationMinutes: 60,
  reason: 'incident 42',
  requestedBy: 'arn:aws:sts::123456789012:assumed-role/Engineers/ada',
  createdAt: '2025-01-01T10:00:00.000Z',
  decidedBy: 'arn:aws:sts::123456789012:assumed-role/Leads/bob',
  decidedAt: '2025-01-01T10:05:00.000Z',
};

const CHANGE: AccessRequestChange = {
  id: 'ar-1',
  workspace: 'acme',
  status: 'approved',
  previousStatus: 'pending',
  actor: 'arn:aws:sts::123456789012:assumed-role/Leads/bob',
  at: '2025-01-01T10:05:00.000Z',
  request: (({ workspaceId: _id, ...rest }) => rest)(RECORD),
};

describe('EventBridgeAccessRequestEvents', () => {
  it('puts one event on the default bus: source, detail-type "Access request <status>", the change as detail', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    await new EventBridgeAccessRequestEvents(new EventBridgeClient({ region: 'eu-west-1' })).publish(CHANGE);
    const calls = eventBridge.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    const entries = calls[0]!.args[0].input.Entries!;
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry).toMatchObject({ Source: 'bitbucket-governance', DetailType: 'Access request approved' });
    // The default bus: no bus named.
    expect(entry!.EventBusName).toBeUndefined();
    expect(JSON.parse(entry!.Detail!)).toEqual(CHANGE);
    eventBridge.restore();
  });

  it('names every status in the detail-type (expired from the expiry job too)', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const publisher = new EventBridgeAccessRequestEvents(new EventBridgeClient({ region: 'eu-west-1' }));
    await publisher.publish({
      ...CHANGE,
      status: 'expired',
      previousStatus: 'active',
      actor: 'grant-expiry',
    });
    await publisher.publish({ ...CHANGE, status: 'pending', previousStatus: null });
    expect(
      eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries![0]!.DetailType),
    ).toEqual(['Access request expired', 'Access request pending']);
    eventBridge.restore();
  });

  it('throws when EventBridge refuses the entry (FailedEntryCount > 0), naming its error', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const publisher = new EventBridgeAccessRequestEvents(new EventBridgeClient({ region: 'eu-west-1' }));
    await expect(publisher.publish(CHANGE)).rejects.toThrow(
      /approved event of access request ar-1: InternalFailure \(try again\)/,
    );
    eventBridge.restore();
  });

  it('a refused entry is logged by the domain and does not fail the change', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }],
    });
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const publisher = new EventBridgeAccessRequestEvents(new EventBridgeClient({ region: 'eu-west-1' }));
    await expect(
      publishChange(publisher, RECORD, 'pending', CHANGE.actor, new Date(CHANGE.at)),
    ).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(
      'access request event not published',
      expect.objectContaining({ id: 'ar-1', status: 'approved' }),
    );
    warn.mockRestore();
    eventBridge.restore();
  });
});
