// The reviewer page in a real browser: Debian's chromium (no browser download) driven by playwright-core
// against the local API (simulator + DynamoDB Local + the real handler behind the local HTTP adapter).
// Sign-in with a token, the screens, an axe-core scan with no serious or critical violation, a keep made
// with the keyboard only, and the whole flow: a campaign over project CORE, one reviewer keeps
// everything but one user's group-derived write, an administrator previews and closes, the simulator no
// longer has the membership, the item is revoked-verified and the report's SHA-256 matches its bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalTokenEntry } from '../../../lib/config/index.js';
import { API_TOKEN, startApiFixture, type ApiAnswer, type ApiFixture } from '../api/api-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
/** Each decision is an API call and a re-render: on a loaded 2-core machine that takes more than vitest's 1 s. */
const POLL = { timeout: 15_000, interval: 100 };
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const token = (name: string) => `${name}-token-Ui7XvR2mT5kLw9Yp3Hn7Bc4Jd6Fg1Ks`;
const CALLERS: LocalTokenEntry[] = [
  // The reviewer every CORE item is named to; she is no Bitbucket user, so nothing is her own access.
  { token: token('rhea'), principal: 'rhea', roles: ['reader'], workspaces: ['*'] },
  {
    token: token('april'),
    principal: 'april',
    accountId: '557058:grace',
    roles: ['approver'],
    workspaces: ['*'],
  },
  {
    token: token('reza'),
    principal: 'reza',
    accountId: '557058:radia',
    roles: ['requester'],
    workspaces: ['*'],
  },
];

let fixture: ApiFixture;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const offOrigin: string[] = [];
const cspErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run installs it)`);
  }
  fixture = await startApiFixture('demo', { callers: CALLERS });
  userDataDir = mkdtempSync(join(tmpdir(), 'bbgov-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(fixture.url) && !/^(blob|data):/.test(url)) offOrigin.push(url);
  });
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspErrors.push(message.text());
  });
  mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await fixture?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/** Fails with who owes the route when it is not there yet (501, or 404 for a missing route). */
function requireRoute<T>(answer: ApiAnswer<T>, what: string, expected = 200): ApiAnswer<T> {
  if (answer.status === 501 || answer.status === 404) {
    throw new Error(
      `${what} answered ${answer.status} (${answer.text.slice(0, 200)}): this route is issue 21's campaign ` +
        'and report work (lib/api review handlers, lib/reviews), not finished yet. This test fails until it is.',
    );
  }
  expect(answer.status, `${what}: ${answer.text.slice(0, 500)}`).toBe(expected);
  return answer;
}

async function signIn(secret: string): Promise<void> {
  await page.goto(`${fixture.url}/ui/`);
  await page.getByLabel('API token').fill(secret);
  await page.getByLabel('API token').press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** axe-core's scan of the current screen: no serious or critical violation. */
async function expectAccessible(screen: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not govern.
  if (!(await page.evaluate('typeof axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) })))`)) as {
    id: string;
    impact: string;
    targets: string[];
  }[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${screen}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

async function bytesOf(path: string, secret = API_TOKEN): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(`${fixture.url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('reviewer page', () => {
  it('is public static content under strict security headers; its data routes need a token', async () => {
    const index = await fetch(`${fixture.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toMatch(
      /default-src 'self'.*frame-ancestors 'none'/,
    );
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${fixture.url}/ui/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${fixture.url}/ui/api/session`)).status).toBe(401);
    const session = await fixture.call('GET', '/ui/api/session', { token: token('april') });
    expect(session.body).toEqual({
      principal: 'april',
      accountId: '557058:grace',
      workspaces: [{ slug: 'acme', name: 'Acme', roles: ['approver'] }],
    });
  });

  it('signs in with a token, shows home and the request queue, denies a request, signs out', async () => {
    const slug = fixture.workspace.slug;
    const asked = await fixture.call('POST', `/v1/workspaces/${slug}/access-requests`, {
      token: token('reza'),
      body: {
        resource: { type: 'repository', slug: 'runbooks' },
        principal: { type: 'user', accountId: '557058:radia' },
        permission: 'read',
        reason: 'on-call runbooks for the night shift',
      },
    });
    expect(asked.status, asked.text).toBe(201);

    await page.goto(`${fixture.url}/ui/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('That token was refused');
    await expectAccessible('sign-in');

    await signIn(token('april'));
    await page.getByRole('heading', { name: 'Access reviews', level: 2 }).waitFor();
    expect(await page.getByRole('table', { name: 'Your workspaces and roles' }).textContent()).toContain(
      'Acme (acme)approver',
    );
    await page.getByText('No campaigns yet.').waitFor();
    await expectAccessible('home');

    await page.getByRole('link', { name: `Requests: ${slug}` }).click();
    const card = page.locator(`[data-request="${asked.body.id}"]`);
    await card.waitFor();
    expect(await card.textContent()).toContain('on-call runbooks for the night shift');
    await expectAccessible('access-request queue');
    await card.getByLabel('Comment (optional)').fill('use the shared on-call account');
    await card.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('No pending requests.').waitFor();
    const denied = await fixture.call('GET', `/v1/access-requests/${asked.body.id}`);
    expect(denied.body).toMatchObject({
      status: 'denied',
      decidedBy: 'april',
      comment: 'use the shared on-call account',
    });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("bbgov.token")')).toBeNull();
  });

  describe('a campaign over project CORE', () => {
    let reviewId: string;
    const repositoryId = (slug: string) =>
      fixture.seed.workspaces[0]!.repositories.find((r) => r.slug === slug)!
        .uuid.replace(/[{}]/g, '')
        .toLowerCase();
    const alanOnApi = () => `repository:${repositoryId('api')}:557058:alan`;
    const developers = async () =>
      (await fixture.harness.groundTruth()).workspaces[0]!.groups.find((g) => g.slug === 'developers')!
        .members;

    it('shows my open items with paths in plain words and flags; a keep made with the keyboard only', async () => {
      const created = requireRoute(
        await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
          body: {
            name: 'Q4 CORE review',
            dueAt: '2026-12-31T00:00:00Z',
            scope: { projects: ['CORE'] },
            reviewers: { projects: { CORE: ['rhea'] } },
          },
        }),
        'POST /v1/workspaces/{ws}/reviews',
        201,
      );
      reviewId = created.body.id;

      // Opened from the home screen's list of the workspace's campaigns, not by typing its id.
      await signIn(token('rhea'));
      const listed = page.getByRole('table', { name: `Campaigns in ${fixture.workspace.slug}` });
      await listed.getByRole('link', { name: 'Q4 CORE review' }).waitFor();
      expect(await listed.locator(`[data-campaign="${reviewId}"]`).textContent()).toMatch(/open.*0 of \d+/);
      // A reader reviews; the campaign page is for administrators.
      expect(await listed.getByRole('link', { name: /Campaign page/ }).count()).toBe(0);
      await expectAccessible('home with campaigns');
      await listed.getByRole('link', { name: 'Q4 CORE review' }).click();
      const alan = page.locator(`[data-item="${alanOnApi()}"]`);
      await alan.waitFor();
      expect(await alan.textContent()).toContain('write via group developers on project CORE');
      expect(await alan.getByRole('list', { name: 'Flags' }).textContent()).toContain(
        'No activity in 90 days',
      );
      expect(await page.getByText(/Your progress: 0 of \d+ decided/).count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, 'reviewer-page-my-items.png') });
      await expectAccessible('my open items');

      // Keyboard only: Tab to the first single-item Keep, Enter, and focus moves on to the next one.
      let label: string | null = null;
      for (let tabs = 0; tabs < 40 && !label?.startsWith('Keep '); tabs++) {
        await page.keyboard.press('Tab');
        label = (await page.evaluate('document.activeElement?.getAttribute("aria-label") ?? null')) as
          string | null;
      }
      expect(label, 'a Keep button reachable with Tab').toMatch(/^Keep /);
      await page.keyboard.press('Enter');
      await page.getByText(/Your progress: 1 of \d+ decided/).waitFor();
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-label") ?? ""')).toMatch(
        /^Keep /,
      );
      const decided = await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=keep`);
      expect(decided.body.items).toHaveLength(1);
      expect(decided.body.items[0].decision).toMatchObject({ decision: 'keep', decidedBy: 'rhea' });
    });

    it('revokes a group-derived write, keeps the rest, closes after a preview, verified in the simulator', async () => {
      expect(reviewId, 'the campaign of the previous test').toBeDefined();
      const alan = page.locator(`[data-item="${alanOnApi()}"]`);
      await alan.getByRole('button', { name: /^Revoke Alan Turing: write on repository api/ }).click();
      await alan.getByLabel(/Why revoke/).fill('left the core team in October');
      await alan.getByRole('button', { name: 'Confirm revoke' }).click();
      await alan.getByText('To be revoked').waitFor();
      // Everything else is kept: keep-all per resource, single keeps where a resource has one open item.
      const keeps = page.locator('main .resource > button.keep, main .item button.keep');
      for (let round = 0; round < 60 && (await keeps.count()) > 0; round++) {
        const before = await keeps.count();
        await keeps.first().click();
        // Each click is one decisions call and a re-render: wait for it before the next.
        await expect
          .poll(
            async () => ({
              keeps: await keeps.count(),
              alert: await page.getByRole('alert').textContent(),
            }),
            POLL,
          )
          .toMatchObject({ keeps: expect.any(Number), alert: '' });
        await expect.poll(() => keeps.count(), POLL).toBeLessThan(before);
      }
      const total = (await fixture.call('GET', `/v1/reviews/${reviewId}`)).body.progress.total as number;
      await page.getByText(`Your progress: ${total} of ${total} decided`).waitFor();
      const plan = (await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=revoke`)).body.items;
      expect(plan).toHaveLength(1);
      expect(plan[0].plan.actions[0]).toMatchObject({ kind: 'remove-group-member' });
      expect(plan[0].plan.actions[0].description).toContain('developers');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(API_TOKEN);
      await page.getByRole('link', { name: 'Campaign page for Q4 CORE review' }).click();
      await page.getByRole('table', { name: 'Progress per reviewer' }).waitFor();
      // The plan in words: which group removal revokes it, and what else goes with it.
      const revoke = page.locator(`[data-revoke="${alanOnApi()}"]`);
      expect(await revoke.textContent()).toMatch(/developers.*also removes: .*shared-libs/);
      await expectAccessible('campaign page');
      await page.getByRole('button', { name: 'Preview close (dry run)' }).click();
      await page.getByRole('heading', { name: 'Preview (dry run): nothing changed' }).waitFor();
      expect(await developers()).toContain('557058:alan');

      await page.getByLabel(/execute the revocations/).check();
      await page.getByRole('button', { name: 'Close campaign' }).click();
      await page.getByRole('heading', { name: 'Campaign closed' }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'reviewer-page-campaign.png'), fullPage: true });
      expect(await developers()).not.toContain('557058:alan');
      // Listed by outcome, not as the close answer's JSON.
      const verified = page.locator('[data-outcome="revoked-verified"]');
      expect(await verified.getByRole('heading').textContent()).toBe('Revoked (verified) (1)');
      expect(await verified.locator(`[data-outcome-item="${alanOnApi()}"]`).textContent()).toMatch(
        /Alan Turing: write on repository api.*Change: .*developers/,
      );
      expect(await page.locator('[data-outcome="still-reachable"]').textContent()).toContain('None.');
      // Alan's kept items that the developers removal took too, with what is left of each.
      const alsoTaken = page.locator('[data-outcome="removed-by-another-revoke"] [data-outcome-item]');
      expect(await alsoTaken.count()).toBeGreaterThan(0);
      expect(await alsoTaken.first().textContent()).toMatch(/^Alan Turing: .*developers.*Now: /);
      expect(await page.locator('#close-output pre').count()).toBe(0);
      await expectAccessible('closed campaign page');
      const closed = await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=revoke`);
      expect(closed.body.items[0].outcome).toMatchObject({ status: 'revoked-verified' });
    });

    it("downloads the report from the page; the manifest's SHA-256 match the bytes", async () => {
      expect(reviewId, 'the campaign of the previous tests').toBeDefined();
      const manifest = requireRoute(
        await fixture.call('GET', `/v1/reviews/${reviewId}/report?format=manifest`),
        'GET /v1/reviews/{id}/report?format=manifest',
      ).body as { files: Record<'csv' | 'json', { sha256: string }> };
      for (const format of ['csv', 'json'] as const) {
        const file = await bytesOf(`/v1/reviews/${reviewId}/report?format=${format}`);
        expect(file.status).toBe(200);
        expect(sha256(file.bytes), format).toBe(manifest.files[format].sha256);
      }
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      const saved = join(ARTIFACTS, download.suggestedFilename());
      await download.saveAs(saved);
      expect(sha256(readFileSync(saved))).toBe(manifest.files.csv.sha256);
    });
  });

  describe('a campaign with unassigned items (nobody else could review them)', () => {
    let reviewId: string;
    let unassigned: { itemId: string; displayName: string }[];

    it('shows a reader the campaign without any close control or the unassigned items', async () => {
      const created = requireRoute(
        await fixture.call('POST', `/v1/workspaces/${fixture.workspace.slug}/reviews`, {
          body: { name: 'Unassigned check', dueAt: '2026-12-31T00:00:00Z' },
        }),
        'POST /v1/workspaces/{ws}/reviews',
        201,
      );
      reviewId = created.body.id;
      const items = (await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=undecided`)).body
        .items as { itemId: string; displayName: string; reviewer: string | null }[];
      unassigned = items.filter((item) => item.reviewer === null);
      expect(
        unassigned.length,
        'a campaign without named reviewers leaves some items unassigned',
      ).toBeGreaterThan(0);

      // Whoever the earlier tests left signed in is forgotten: the reader signs in afresh.
      await page.evaluate('sessionStorage.clear()');
      await signIn(token('rhea'));
      await page.goto(`${fixture.url}/ui/#/reviews/${reviewId}/campaign`);
      await page.getByRole('table', { name: 'Progress per reviewer' }).waitFor();
      expect(await page.getByRole('heading', { name: 'Campaign: Unassigned check' }).count()).toBe(1);
      expect(await page.getByRole('button', { name: /Preview close|Close campaign/ }).count()).toBe(0);
      expect(await page.getByLabel(/execute the revocations/).count()).toBe(0);
      expect(await page.getByRole('heading', { name: /Unassigned items/ }).count()).toBe(0);
      await expectAccessible('campaign page for a reader');
    });

    it('lets an administrator decide an unassigned item on the campaign page', async () => {
      expect(reviewId, 'the campaign of the previous test').toBeDefined();
      const admin = (await fixture.call('GET', '/ui/api/session')).body.principal as string;
      await page.getByRole('button', { name: 'Sign out' }).click();
      // A revoke of a workspace owner's access: the plan holds back the changes that would not remove it.
      const all = (await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=undecided`)).body
        .items as { itemId: string; flags: string[]; paths: unknown[]; reviewer: string | null }[];
      const owner = all.find((item) => item.flags.includes('owner') && item.paths.length > 1);
      expect(owner, 'an owner item with another path than ownership').toBeDefined();
      const revoked = await fixture.call('POST', `/v1/reviews/${reviewId}/decisions`, {
        body: [{ itemId: owner!.itemId, decision: 'revoke', comment: 'owner check' }],
      });
      expect(revoked.status, revoked.text).toBe(200);
      unassigned = unassigned.filter((item) => item.itemId !== owner!.itemId);
      const held = (
        await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=revoke`)
      ).body.items.find((item: { itemId: string }) => item.itemId === owner!.itemId).plan as {
        wouldAlsoNeed?: { description: string }[];
      };
      expect(held.wouldAlsoNeed?.length, JSON.stringify(held)).toBeGreaterThan(0);

      await signIn(API_TOKEN);
      await page.goto(`${fixture.url}/ui/#/reviews/${reviewId}/campaign`);
      const notRun = page
        .locator(`[data-revoke="${owner!.itemId}"]`)
        .getByRole('list', { name: 'Changes not run' });
      await notRun.waitFor();
      expect(await notRun.textContent()).toContain(`Not run: ${held.wouldAlsoNeed![0]!.description}`);
      const section = page.getByRole('region', { name: /^Unassigned items/ });
      await section.waitFor();
      expect(await section.getByRole('heading', { level: 3 }).first().textContent()).toBe(
        `Unassigned items (${unassigned.length})`,
      );
      const first = unassigned[0]!;
      const row = section.locator(`[data-item="${first.itemId}"]`);
      await row.waitFor();
      await expectAccessible('campaign page with unassigned items');
      await row
        .getByRole('button', { name: `Keep ${first.displayName}`, exact: false })
        .first()
        .click();
      await row.getByText('Kept').waitFor();
      expect(await page.getByRole('alert').textContent()).toBe('');
      const kept = (await fixture.call('GET', `/v1/reviews/${reviewId}/items?decision=keep`)).body.items as {
        itemId: string;
        decision: { decidedBy: string };
      }[];
      expect(kept.find((item) => item.itemId === first.itemId)?.decision.decidedBy).toBe(admin);
    });

    it('warns how many items are undecided before closing and needs it acknowledged', async () => {
      expect(reviewId, 'the campaign of the previous tests').toBeDefined();
      const progress = (await fixture.call('GET', `/v1/reviews/${reviewId}`)).body.progress as {
        decided: number;
        total: number;
      };
      const undecided = progress.total - progress.decided;
      expect(undecided).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Preview close (dry run)' }).click();
      const preview = page.locator('#close-output');
      await preview.getByRole('heading', { name: 'Preview (dry run): nothing changed' }).waitFor();
      expect(await preview.textContent()).toContain(
        `${undecided} ${undecided === 1 ? 'item is' : 'items are'} still undecided`,
      );
      expect(await preview.textContent()).toContain('not-decided');
      const acknowledge = page.getByLabel(/will end not-decided/);
      await acknowledge.waitFor();
      expect(await acknowledge.getAttribute('aria-describedby')).toBe('undecided-warning');
      await expectAccessible('campaign page with the undecided warning');

      // Only the revocations confirmed: the close waits for the acknowledgement.
      await page.getByLabel(/execute the revocations/).check();
      await page.getByRole('button', { name: 'Close campaign' }).click();
      await expect
        .poll(() => page.locator('#status').textContent(), POLL)
        .toMatch(/undecided: acknowledge it first/);
      expect(await page.evaluate('document.activeElement?.id')).toBe('confirm-undecided');
      expect((await fixture.call('GET', `/v1/reviews/${reviewId}`)).body.status).toBe('open');

      await page.keyboard.press('Space');
      expect(await acknowledge.isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Close campaign' }).click();
      await page.getByRole('heading', { name: 'Campaign closed' }).waitFor({ timeout: 60_000 });
      const items = (await fixture.call('GET', `/v1/reviews/${reviewId}/items`)).body.items as {
        outcome?: { status: string };
      }[];
      expect(items.filter((item) => item.outcome?.status === 'not-decided')).toHaveLength(undecided);
    });
  });

  it('made no request off its own origin and broke no Content-Security-Policy rule', () => {
    expect(offOrigin).toEqual([]);
    expect(cspErrors).toEqual([]);
  });
});
