// The safety rule of provisioning: already true is success, no silent downgrade, revoke names its permission.
import { describe, expect, it } from 'vitest';
import { PROJECT_PERMISSIONS, REPOSITORY_PERMISSIONS } from '../../../lib/model/index.js';
import { decide } from '../../../lib/provisioning/index.js';

describe('decide', () => {
  it.each([
    ['grant', null, 'write', false, { kind: 'write' }],
    ['grant', 'write', 'write', false, { kind: 'unchanged' }],
    ['grant', 'read', 'admin', false, { kind: 'write' }],
    ['grant', 'admin', 'read', false, { kind: 'would-downgrade', current: 'admin' }],
    ['grant', 'admin', 'read', true, { kind: 'write' }],
    ['revoke', null, 'write', false, { kind: 'unchanged' }],
    ['revoke', 'write', 'write', false, { kind: 'delete' }],
    ['revoke', 'admin', 'write', false, { kind: 'names-other-permission', current: 'admin' }],
    ['revoke', 'admin', 'write', true, { kind: 'names-other-permission', current: 'admin' }],
  ] as const)(
    '%s with %s held, %s asked, replace %s → %j',
    (action, current, requested, replace, expected) => {
      expect(decide(action, current, requested, replace, REPOSITORY_PERMISSIONS)).toEqual(expected);
    },
  );

  it('ranks create-repo between write and admin on projects', () => {
    expect(decide('grant', 'create-repo', 'write', false, PROJECT_PERMISSIONS)).toEqual({
      kind: 'would-downgrade',
      current: 'create-repo',
    });
    expect(decide('grant', 'create-repo', 'admin', false, PROJECT_PERMISSIONS)).toEqual({ kind: 'write' });
  });

  it('treats group membership as a one-step ladder', () => {
    expect(decide('grant', 'member', 'member', false, ['member'])).toEqual({ kind: 'unchanged' });
    expect(decide('grant', null, 'member', false, ['member'])).toEqual({ kind: 'write' });
    expect(decide('revoke', 'member', 'member', false, ['member'])).toEqual({ kind: 'delete' });
  });
});
