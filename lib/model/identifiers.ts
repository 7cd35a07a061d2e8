// Bitbucket's rules for the identifiers that become DynamoDB key parts and URL path segments. Checked
// wherever an identifier enters (a listing's items before they are stored, a webhook payload, an API
// caller's path), so `..`, `/`, `#` or a control character never reaches a key or a URL.
import { InvalidIdentifierError } from './ids.js';

/** The identifier kinds Bitbucket names things by. */
export type IdentifierKind =
  'workspace slug' | 'repository slug' | 'project key' | 'group slug' | 'account id';

/**
 * Each kind's pattern and the rule in words (for error messages). Sources: Bitbucket's UI and
 * OpenAPI descriptions (`workspace.slug`, `repository.slug` are lower-case URL-safe names; a project key
 * starts with a letter and holds letters, digits and `_`; group slugs are lower-cased names; account ids
 * are Atlassian's `{n}:{id}` or 24-character ids).
 */
const RULES: Record<IdentifierKind, { pattern: RegExp; rule: string }> = {
  'workspace slug': {
    pattern: /^[a-z0-9][a-z0-9._-]{0,61}$/,
    rule: 'lower case letters, digits, ".", "_", "-", starting with a letter or digit',
  },
  'repository slug': {
    pattern: /^(?!\.{1,2}$)[a-z0-9_.-]{1,128}$/,
    rule: 'lower case letters, digits, ".", "_", "-" (not "." or "..")',
  },
  'project key': {
    pattern: /^[A-Za-z][A-Za-z0-9_]{0,127}$/,
    rule: 'a letter, then letters, digits and "_"',
  },
  'group slug': {
    pattern: /^[a-z0-9_-][a-z0-9_.-]{0,127}$/,
    rule: 'lower case letters, digits, ".", "_", "-", not starting with "."',
  },
  'account id': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9:_-]{0,127}$/,
    rule: 'letters, digits, ":", "_", "-"',
  },
};

/** True when `value` fits Bitbucket's rule for `kind`. */
export function isIdentifier(kind: IdentifierKind, value: string): boolean {
  return RULES[kind].pattern.test(value);
}

/**
 * `value` unchanged when it fits Bitbucket's rule for `kind`.
 * @throws InvalidIdentifierError naming the kind and its rule.
 */
export function checkIdentifier(kind: IdentifierKind, value: string): string {
  if (!isIdentifier(kind, value)) throw new InvalidIdentifierError(`${kind} (${RULES[kind].rule})`, value);
  return value;
}
