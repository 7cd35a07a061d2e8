// `bbgov doctor` says of each credential kind only what is true of that kind.
import { describe, expect, it } from 'vitest';
import { credentialExpiryNote } from '../../../lib/local/cli.js';

describe('credentialExpiryNote', () => {
  it('speaks of API tokens only for API tokens', () => {
    expect(credentialExpiryNote('api-token')).toMatch(/API tokens expire at most one year/);
    expect(credentialExpiryNote('access-token')).not.toMatch(/API token/);
    expect(credentialExpiryNote('oauth-client-credentials')).not.toMatch(/API token/);
  });

  it('says OAuth access tokens live one hour and are renewed', () => {
    expect(credentialExpiryNote('oauth-client-credentials')).toMatch(/one hour/);
  });

  it('points access tokens at the settings where they were created', () => {
    expect(credentialExpiryNote('access-token')).toMatch(/workspace, project or repository settings/);
  });
});
