// Identifiers from any source are held to Bitbucket's rules before they can become a key part or a URL
// segment: the store's item validation refuses what a listing, a webhook or a caller could smuggle in.
import { describe, expect, it } from 'vitest';
import {
  checkIdentifier,
  groupMembershipGrant,
  InvalidIdentifierError,
  isIdentifier,
  resource,
  validateItem,
} from '../../../lib/model/index.js';

const REPO = '2c6e0f3a-9f4b-4a8e-8d7c-5b1a2e3f4d5c';
const repository = (slug: string) =>
  resource('repository', REPO, {
    slug,
    name: slug,
    fullName: `acme/${slug}`,
    projectUuid: null,
    isPrivate: true,
  });

describe('Bitbucket identifier rules', () => {
  it('takes the identifiers Bitbucket makes and refuses path tricks', () => {
    expect(isIdentifier('repository slug', 'deploy-tools.v2')).toBe(true);
    expect(isIdentifier('project key', 'CORE_2')).toBe(true);
    expect(isIdentifier('account id', '557058:f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f')).toBe(true);
    expect(isIdentifier('group slug', 'bb-admins')).toBe(true);
    for (const slug of ['', '.', '..', 'a/b', 'a#b', 'A b', 'x\n'])
      expect(isIdentifier('repository slug', slug), JSON.stringify(slug)).toBe(false);
    for (const key of ['', '1CORE', '../x', 'CO RE']) expect(isIdentifier('project key', key)).toBe(false);
    for (const id of ['', '..', 'a/b', 'a#b', '{x}']) expect(isIdentifier('account id', id)).toBe(false);
    expect(() => checkIdentifier('group slug', '..')).toThrow(
      'invalid group slug (lower case letters, digits, ".", "_", "-", not starting with "."): ".."',
    );
  });

  it('refuses items naming things by identifiers outside the rules', () => {
    expect(() => validateItem(repository('api'))).not.toThrow();
    expect(() => validateItem(repository('..'))).toThrow(InvalidIdentifierError);
    expect(() =>
      validateItem(
        resource('project', '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d', {
          key: '../x',
          name: 'x',
          isPrivate: true,
        }),
      ),
    ).toThrow(InvalidIdentifierError);
    expect(() => validateItem(groupMembershipGrant('devs', '..'))).toThrow(InvalidIdentifierError);
    expect(() => validateItem(groupMembershipGrant('../devs', '557058:ada'))).toThrow(InvalidIdentifierError);
    expect(() => validateItem(groupMembershipGrant('devs', '557058:ada'))).not.toThrow();
  });
});
