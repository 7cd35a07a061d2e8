// The reviewer page's server side and its plain-words helpers: files with strict security headers, built
// from the sources on first use; the data routes map onto /v1 routes; paths read as sentences.
import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../../lib/api/routes.js';
import type { ApiRequest } from '../../../lib/api/index.js';
import { oidcPrincipalOf, serveUiFile, v1RequestOf } from '../../../lib/ui/index.js';
import { ITEM_OUTCOME_STATUSES } from '../../../lib/reviews/review-model.js';
import {
  flagLabel,
  OUTCOME_WORDS,
  outcomeLabel,
  pathText,
  resourceLabel,
} from '../../../lib/ui/page/words.js';

const request: ApiRequest = {
  routeKey: 'GET /ui/api/{proxy+}',
  pathParameters: { proxy: 'x' },
  query: {},
  headers: {},
  body: undefined,
  actor: 'oidc:abc',
};

describe('reviewer page files', () => {
  it('serves index.html at /ui and /ui/ with a CSP that allows this origin only and forbids framing', async () => {
    const answer = await serveUiFile(undefined);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    expect(answer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(answer.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['referrer-policy']).toBe('no-referrer');
    // No inline script or style: everything comes from /ui/ files.
    expect(answer.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(answer.body).not.toMatch(/\sstyle=|<style/);
    expect(answer.body).not.toMatch(/https?:\/\//);
  });

  it('serves the bundled script and stylesheet, with no third-party address in them', async () => {
    const script = await serveUiFile('app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('/ui/api/');
    expect(script.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const css = await serveUiFile('app.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).not.toMatch(/@import|url\(\s*['"]?https?:/);
  });

  it('answers 404 for any other name, with the same headers', async () => {
    for (const name of ['secret.txt', '..%2Fpackage.json', 'toString', 'constructor']) {
      const answer = await serveUiFile(name);
      expect(answer.statusCode).toBe(404);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('reviewer page data routes', () => {
  it('match /ui/api/{proxy+} with the rest of the path, and /ui/ like /ui', () => {
    expect(matchRoute('GET', '/ui/api/reviews/r1/items')?.pathParameters).toEqual({
      proxy: 'reviews/r1/items',
    });
    expect(matchRoute('POST', '/ui/api/access-requests/a1/approve')?.route.auth).toBe('jwt');
    expect(matchRoute('GET', '/ui/')?.route.path).toBe('/ui');
    expect(matchRoute('GET', '/ui/app.js')?.pathParameters).toEqual({ file: 'app.js' });
    expect(matchRoute('GET', '/ui/api')?.route.path).toBe('/ui/{file}');
  });

  it('stand for the /v1 route the rest of the path names, parameters decoded once', () => {
    const mapped = v1RequestOf(request, 'GET', 'workspaces/acme/users/557058%3Aada/access');
    expect(mapped?.routeKey).toBe('GET /v1/workspaces/{workspace}/users/{accountId}/access');
    expect(mapped?.pathParameters).toEqual({ workspace: 'acme', accountId: '557058:ada' });
    expect(mapped?.actor).toBe('oidc:abc');
    expect(v1RequestOf(request, 'POST', 'reviews/r1/decisions')?.routeKey).toBe(
      'POST /v1/reviews/{id}/decisions',
    );
  });

  it('never reach the webhook or the page itself through /ui/api', () => {
    expect(v1RequestOf(request, 'POST', '../webhooks/bitbucket/acme')).toBeUndefined();
    expect(v1RequestOf(request, 'GET', 'nothing/here')).toBeUndefined();
  });

  it('name the JWT caller oidc:<sub>, and nobody without a subject', () => {
    expect(oidcPrincipalOf({ sub: '00u1abc', email: 'ada@example.com' })).toBe('oidc:00u1abc');
    expect(oidcPrincipalOf({ email: 'ada@example.com' })).toBeUndefined();
    expect(oidcPrincipalOf(undefined)).toBeUndefined();
  });
});

describe('plain words', () => {
  it('say how a permission reaches someone', () => {
    expect(
      pathText({ via: 'project-group', project: 'CORE', group: 'developers', permission: 'write' }),
    ).toBe('write via group developers on project CORE');
    expect(pathText({ via: 'workspace-owner', permission: 'admin' })).toBe('admin as workspace owner');
    expect(pathText({ via: 'group', group: 'qa', permission: 'read' })).toBe('read via group qa');
    expect(pathText({ via: 'direct', permission: 'admin' })).toBe('admin granted directly');
    expect(pathText({ via: 'project', project: 'OPS', permission: 'write' })).toBe(
      'write via a direct grant on project OPS',
    );
  });

  it('label flags and resources', () => {
    expect(flagLabel('inactive-90-days')).toBe('No activity in 90 days');
    expect(resourceLabel({ type: 'repository', name: 'api', projectKey: 'CORE' })).toBe(
      'repository api (project CORE)',
    );
    expect(resourceLabel({ type: 'project', name: 'CORE' })).toBe('project CORE');
  });

  it('have words for exactly the outcome statuses the close writes (the Record type makes a missing one a compile error)', () => {
    expect(Object.keys(OUTCOME_WORDS).sort()).toEqual([...ITEM_OUTCOME_STATUSES].sort());
    for (const status of ITEM_OUTCOME_STATUSES) {
      expect(outcomeLabel(status)).not.toBe(status);
    }
    expect(outcomeLabel('not-decided')).toBe('Not decided');
    expect(outcomeLabel('planned')).toBe('Planned');
    expect(outcomeLabel('something-new')).toBe('something-new');
  });
});
