// Plain words for what the API answers in codes: how a permission reaches someone, what a flag means.
// Pure functions (no DOM), so the unit tests read them directly.
import type { ItemOutcomeStatus } from '../../reviews/review-model.js';

/** One path as the review items carry it (lib/access AccessPath, plus the organization group's). */
export interface PathLike {
  via: string;
  permission: string;
  group?: string;
  project?: string;
}

/** A fragment of a sentence: plain text, or a name to emphasise. */
export type Phrase = { text: string } | { name: string };

/** "write via group developers on project CORE", as phrases so the page can emphasise the names. */
export function describePath(path: PathLike): Phrase[] {
  const permission = { text: `${path.permission} ` };
  switch (path.via) {
    case 'direct':
      return [permission, { text: 'granted directly' }];
    case 'group':
      return [permission, { text: 'via group ' }, { name: path.group ?? '?' }];
    case 'project':
      return [permission, { text: 'via a direct grant on project ' }, { name: path.project ?? '?' }];
    case 'project-group':
      return [
        permission,
        { text: 'via group ' },
        { name: path.group ?? '?' },
        { text: ' on project ' },
        { name: path.project ?? '?' },
      ];
    case 'workspace-owner':
      return [permission, { text: 'as workspace owner' }];
    case 'public':
      return [permission, { text: 'because the repository is public' }];
    case 'org-group':
      return [permission, { text: 'via organization group ' }, { name: path.group ?? '?' }];
    default:
      return [permission, { text: `via ${path.via}` }];
  }
}

/** The phrases as one plain string ("write via group developers on project CORE"). */
export function pathText(path: PathLike): string {
  return describePath(path)
    .map((phrase) => ('text' in phrase ? phrase.text : phrase.name))
    .join('');
}

const FLAG_WORDS: Record<string, string> = {
  'inactive-90-days': 'No activity in 90 days',
  'admin-via-group': 'Admin through a group',
  'group-default-access-only': "Only a group's default access",
  owner: 'Workspace owner',
};

/** A risk flag as a badge label. */
export function flagLabel(flag: string): string {
  return FLAG_WORDS[flag] ?? flag;
}

/**
 * Every outcome status the close can write (lib/reviews ITEM_OUTCOME_STATUSES), in words. Typed as a
 * Record over the model's union: a new status without words here is a compile error.
 */
export const OUTCOME_WORDS: Readonly<Record<ItemOutcomeStatus, string>> = {
  kept: 'Kept',
  'not-decided': 'Not decided',
  'revoked-verified': 'Revoked (verified)',
  'still-reachable': 'Still reachable',
  'revoke-failed': 'Revoke failed',
  'cannot-remove': 'Cannot be removed here',
  'removed-by-another-revoke': 'Kept, but removed by another revoke',
};

/** What a dry run lists before any outcome: an item with a plan, or one without. */
const PREVIEW_WORDS: Readonly<Record<string, string>> = { planned: 'Planned', listed: 'Listed' };

/** A closed item's outcome (or a preview's `planned`/`listed`) in words. */
export function outcomeLabel(status: ItemOutcomeStatus | 'planned' | 'listed' | (string & {})): string {
  return Object.hasOwn(OUTCOME_WORDS, status)
    ? OUTCOME_WORDS[status as ItemOutcomeStatus]
    : (PREVIEW_WORDS[status] ?? status);
}

/** "repository api (project CORE)" or "project CORE". */
export function resourceLabel(resource: { type: string; name: string; projectKey?: string }): string {
  return resource.type === 'repository' && resource.projectKey
    ? `repository ${resource.name} (project ${resource.projectKey})`
    : `${resource.type} ${resource.name}`;
}
