// The one mapping from errors to HTTP answers, shared by every HTTP handler.
import { GovernanceError, UpstreamRateLimited } from './governance-errors.js';

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function jsonAnswer(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

/** A GovernanceError becomes its status and code; anything else is a 500 that reveals nothing. */
export function errorResponse(error: unknown): HttpAnswer {
  if (error instanceof GovernanceError) {
    const headers: Record<string, string> =
      error instanceof UpstreamRateLimited
        ? { 'retry-after': String(Math.max(1, Math.ceil(error.retryAfterSeconds))) }
        : {};
    return jsonAnswer(
      error.status,
      { error: { code: error.code, message: error.message, details: error.details } },
      headers,
    );
  }
  return jsonAnswer(500, { error: { code: 'internal_error', message: 'internal error', details: {} } });
}
