// The page's only way to the server: `/ui/api/…` (the /v1 routes under the page's own authorizer) with the
// bearer token kept for this tab in sessionStorage (gone when the tab closes; never in localStorage).

// Type-only: the shapes are the server's own (lib/reviews/review-model.ts); nothing of it reaches the bundle.
import type { ReviewCampaign, ReviewItem as StoredReviewItem } from '../../reviews/review-model.js';

const TOKEN_KEY = 'bbgov.token';

/** The signed-in token, or null. */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps the token for this tab. */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Forgets the token (sign out). */
export function clearToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A refusal or failure the API answered, with its `{error: {code, message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
  const token = storedToken();
  const response = await fetch(`/ui/api/${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    credentials: 'omit',
  });
  if (!response.ok) {
    let code = 'error';
    let message = `${response.status} ${response.statusText}`;
    try {
      const answer = (await response.json()) as { error?: { code?: string; message?: string } };
      code = answer.error?.code ?? code;
      message = answer.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, code, message);
  }
  return response;
}

/** GET a JSON answer. `path` is relative to /v1 (e.g. `reviews/abc`). */
export async function getJson<T>(path: string): Promise<T> {
  return (await (await send('GET', path)).json()) as T;
}

/** POST a JSON body and read the JSON answer. */
export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return (await (await send('POST', path, body)).json()) as T;
}

/** GET a file (report) as a Blob, with the answer's content type. */
export async function getBlob(path: string): Promise<Blob> {
  return (await send('GET', path)).blob();
}

/** One path segment or query value, encoded. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/** Who the caller is and what they may do: GET /ui/api/session. */
export interface Session {
  principal: string;
  accountId?: string;
  workspaces: { slug: string; name: string; roles: string[] }[];
}

/** Progress of a campaign: items decided out of all, overall and per reviewer (null: unassigned). */
export interface Progress {
  decided: number;
  total: number;
  byReviewer: { reviewer: string | null; decided: number; total: number }[];
}

/**
 * A campaign as the API answers it (lib/api `campaignAnswer`): the stored record with the workspace by
 * slug and the store's ids left out.
 */
type CampaignAnswer = Omit<ReviewCampaign, 'workspaceId' | 'workspaceSlug' | 'decidedCount'> & {
  workspace: string;
};

/** A campaign with its progress (GET /v1/reviews/{id}). */
export type Campaign = CampaignAnswer & { progress: Progress };

/** One campaign of a workspace's list (GET /v1/workspaces/{ws}/reviews), newest first. */
export type CampaignSummary = CampaignAnswer & { progress: Pick<Progress, 'decided' | 'total'> };

/** One frozen item (GET /v1/reviews/{id}/items): the stored item without its campaign id (the URL's). */
export type ReviewItem = Omit<StoredReviewItem, 'campaignId'>;

/** One access request (GET /v1/workspaces/{ws}/access-requests). */
export interface AccessRequest {
  id: string;
  status: string;
  resource: Record<string, string>;
  principal: Record<string, string>;
  permission: string;
  durationMinutes?: number;
  reason: string;
  requestedBy: string;
  createdAt: string;
}
