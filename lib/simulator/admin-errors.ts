// Atlassian Admin API errors: `{"errors": [{"status": "404", "code", "title", "detail"}]}`, status a string.
import { STATUS_CODES } from 'node:http';

/**
 * An Admin API answer other than success; `code` defaults to the status title in upper snake case, and
 * `headers` go out with it (e.g. `Retry-After` on a 429).
 */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';
  readonly code: string;
  readonly title: string;
  constructor(
    readonly status: number,
    readonly detail: string,
    code?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.title = STATUS_CODES[status] ?? 'Error';
    this.code = code ?? this.title.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  }

  body() {
    return {
      errors: [{ status: String(this.status), code: this.code, title: this.title, detail: this.detail }],
    };
  }
}

export const adminBadRequest = (detail: string, code?: string) => new AdminApiError(400, detail, code);
export const adminNotFound = (detail: string) => new AdminApiError(404, detail);

/** What the Admin API answers for a membership change of a group synced from an identity provider. */
export const IDP_MANAGED_DETAIL = 'This group is synced from an identity provider; change its members there.';
