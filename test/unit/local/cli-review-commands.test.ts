// `bbgov review …` command lines as API calls: every argument checked before anything is sent.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError, type ParsedCommand } from '../../../lib/local/cli-commands.js';
import { formatReviewItem, planReviewCommand } from '../../../lib/local/cli-review-commands.js';
import { thrownBy } from '../../support/thrown.js';

const plan = (...argv: string[]) => planReviewCommand(parseCommandLine(['review', ...argv]) as ParsedCommand);
const refusal = (...argv: string[]) => thrownBy(UsageError, () => plan(...argv)).message;

describe('bbgov review', () => {
  it('creates a campaign with its scope and named reviewers', () => {
    expect(
      plan(
        'create',
        '--workspace',
        'acme',
        '--name',
        'Q4',
        '--due',
        '2026-12-31T00:00:00Z',
        '--projects',
        'CORE, WEB',
        '--reviewers',
        'project:CORE=alice,repository:api=bob,project:CORE=carol',
      ),
    ).toEqual({
      action: 'create',
      json: false,
      method: 'POST',
      path: '/v1/workspaces/acme/reviews',
      body: {
        name: 'Q4',
        dueAt: '2026-12-31T00:00:00Z',
        scope: { projects: ['CORE', 'WEB'] },
        reviewers: { projects: { CORE: ['alice', 'carol'] }, repositories: { api: ['bob'] } },
      },
    });
  });

  it("lists a workspace's campaigns by slug, with no campaign id", () => {
    expect(plan('list', '--workspace', 'acme', '--json')).toEqual({
      action: 'list',
      json: true,
      method: 'GET',
      path: '/v1/workspaces/acme/reviews',
    });
    expect(refusal('list')).toBe('missing --workspace');
    expect(refusal('list', 'rv-1', '--workspace', 'acme')).toBe('unexpected argument "rv-1"');
    expect(refusal('list', '--workspace', '../x')).toMatch(/^--workspace: /);
    expect(refusal('list', '--workspace', 'acme', '--name', 'x')).toBe(
      '--name is not a flag of "review list"',
    );
  });

  it('reads, decides and closes by campaign id', () => {
    expect(plan('show', 'rv-1', '--json')).toMatchObject({
      method: 'GET',
      path: '/v1/reviews/rv-1',
      json: true,
    });
    expect(plan('items', 'rv-1', '--reviewer', 'dennis', '--decision', 'undecided').path).toBe(
      '/v1/reviews/rv-1/items?reviewer=dennis&decision=undecided',
    );
    expect(
      plan(
        'decide',
        'rv-1',
        '--items',
        'repository:r1:557058:ada,project:p1:557058:ada',
        '--decision',
        'revoke',
      ),
    ).toMatchObject({
      method: 'POST',
      path: '/v1/reviews/rv-1/decisions',
      body: [
        { itemId: 'repository:r1:557058:ada', decision: 'revoke' },
        { itemId: 'project:p1:557058:ada', decision: 'revoke' },
      ],
    });
    expect(plan('close', 'rv-1', '--dry-run')).toMatchObject({
      path: '/v1/reviews/rv-1/close',
      body: { dryRun: true },
    });
    expect(plan('report', 'rv-1', '--format', 'csv', '--out', 'r.csv')).toMatchObject({
      path: '/v1/reviews/rv-1/report?format=csv',
      out: 'r.csv',
    });
  });

  it('refuses bad command lines by flag, before any call', () => {
    expect(refusal('create', '--workspace', 'acme', '--name', 'Q4')).toBe('missing --due');
    expect(refusal('create', '--workspace', 'acme', '--name', 'Q4', '--due', 'soon')).toMatch(/^--due: /);
    expect(
      refusal(
        'create',
        '--workspace',
        'acme',
        '--name',
        'Q4',
        '--due',
        '2026-12-31T00:00:00Z',
        '--reviewers',
        'CORE',
      ),
    ).toMatch(/^--reviewers: expected project:KEY=PRINCIPAL/);
    expect(refusal('decide', 'rv-1', '--items', 'x', '--decision', 'maybe')).toBe(
      '--decision: expected one of keep, revoke, got "maybe"',
    );
    expect(refusal('show')).toBe('missing the review ID (rv-…)');
    expect(refusal('show', '../x')).toBe('not a review ID: "../x"');
    expect(refusal('close', 'rv-1', '--decision', 'keep')).toBe('--decision is not a flag of "review close"');
    expect(refusal('approve', 'rv-1')).toMatch(/^unknown review action "approve"/);
  });

  it('prints an item on one line with what to decide it by', () => {
    expect(
      formatReviewItem({
        itemId: 'repository:r1:557058:frances',
        displayName: 'Frances Allen',
        permission: 'read',
        resource: { type: 'repository', name: 'api' },
        flags: ['inactive-90-days'],
        reviewer: 'dennis',
      }),
    ).toBe(
      '-       Frances Allen: read on repository api  reviewer dennis  [inactive-90-days]  repository:r1:557058:frances',
    );
  });

  it('prints names others chose as visible text: no escape sequence, carriage return or forged line', () => {
    const line = formatReviewItem({
      itemId: 'repository:r1:557058:alan',
      displayName: 'Alan\u001b[2J\u001b[31m EVIL\u001b[0m\rrevoked-verified  forged line',
      permission: 'write',
      resource: { type: 'repository', name: 'api' },
      flags: [],
      reviewer: 'dennis',
    });
    expect(line).toContain('Alan\\u001b[2J\\u001b[31m EVIL\\u001b[0m\\u000drevoked-verified  forged line');
    expect([...line].some((character) => character.charCodeAt(0) < 0x20)).toBe(false);
  });
});
