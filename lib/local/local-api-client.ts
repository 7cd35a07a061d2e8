// The running API as a caller sees it: where it listens, the bearer token that says who calls, and one
// JSON call over HTTP. `bbgov requests` acts through it so the API's roles apply, never the store directly.
import axios from 'axios';
import { isLoopbackHost } from '../config/index.js';
import { terminalSafe } from './terminal-text.js';

/** Where the API is and who calls it. `urlFrom` and `tokenFrom` name the flag or variable each came from. */
export interface LocalApiTarget {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:3000`; routes (`/v1/…`) are appended. */
  url: string;
  urlFrom: string;
  token: string;
  tokenFrom: 'BBGOV_API_TOKEN' | 'LOCAL_API_TOKEN';
}

/** A setting that makes the call impossible (a bad URL, no token): said before any request is sent. */
export class LocalApiSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalApiSettingError';
  }
}

/** The API answered with a status other than 2xx: `status`, and its `{error: {code, message}}` when given. */
export class LocalApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'LocalApiError';
  }
}

/** Nothing answered at `url` (refused, timed out, unknown host): `reason` says which. */
export class LocalApiUnreachable extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach the API at ${url} (${reason}); the local API must be running (\`npm start\` or \`bbgov serve\`), or point --api or BBGOV_API_URL at it`,
    );
    this.name = 'LocalApiUnreachable';
  }
}

const LOOPBACK_HOSTS = '127.0.0.0/8, ::1, localhost';

/**
 * The API's base URL and bearer token: the URL from `apiFlag` (`--api`), else `BBGOV_API_URL`, else
 * `http://127.0.0.1:${PORT or 3000}`; the token from `BBGOV_API_TOKEN`, else `LOCAL_API_TOKEN` (never a
 * flag, so it stays out of shell history and the process list).
 * @throws LocalApiSettingError naming the flag or variable to fix: a URL that is not http(s), plain http to a
 *   host that is not loopback (the token would travel in clear text), a URL with credentials, query or
 *   fragment, a bad PORT, or no token.
 */
export function resolveApiTarget(
  apiFlag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): LocalApiTarget {
  let raw: string;
  let urlFrom: string;
  if (apiFlag !== undefined) [raw, urlFrom] = [apiFlag, '--api'];
  else if (env.BBGOV_API_URL) [raw, urlFrom] = [env.BBGOV_API_URL, 'BBGOV_API_URL'];
  else {
    const port = env.PORT ? Number(env.PORT) : 3000;
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new LocalApiSettingError(`PORT: expected a port number 1..65535, got "${env.PORT}"`);
    [raw, urlFrom] = [`http://127.0.0.1:${port}`, 'PORT'];
  }
  const url = checkApiUrl(raw, urlFrom);
  const tokenFrom = env.BBGOV_API_TOKEN
    ? 'BBGOV_API_TOKEN'
    : env.LOCAL_API_TOKEN
      ? 'LOCAL_API_TOKEN'
      : undefined;
  if (!tokenFrom)
    throw new LocalApiSettingError(
      'no API token: set BBGOV_API_TOKEN to your LOCAL_API_TOKENS token (or LOCAL_API_TOKEN, the administrator token `npm start` and `bbgov serve` print)',
    );
  return { url, urlFrom, token: env[tokenFrom] as string, tokenFrom };
}

/** `raw` as a base URL without a trailing slash. @throws LocalApiSettingError naming `from`. */
function checkApiUrl(raw: string, from: string): string {
  if (!URL.canParse(raw))
    throw new LocalApiSettingError(`${from}: not a URL: "${raw}" (expected e.g. http://127.0.0.1:3000)`);
  const parsed = new URL(raw);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new LocalApiSettingError(`${from}: expected an http or https URL, got "${raw}"`);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname))
    throw new LocalApiSettingError(
      `${from}: https is required for ${parsed.hostname} (the bearer token would travel in clear text); http is accepted for a loopback host only (${LOOPBACK_HOSTS})`,
    );
  if (parsed.username || parsed.password || parsed.search || parsed.hash)
    throw new LocalApiSettingError(`${from}: expected a base URL without credentials, query or fragment`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/**
 * Calls `method path` (path starting `/v1/`) with the bearer token and `body` as JSON when given; resolves
 * to the parsed JSON answer of a 2xx (the text when it is not JSON).
 * @throws LocalApiError for any other status, with the API's error code and message.
 * @throws LocalApiUnreachable when no answer came (connection refused, timeout after `timeoutMs`, DNS).
 */
export async function callLocalApi(
  target: LocalApiTarget,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<unknown> {
  const loopback = isLoopbackHost(new URL(target.url).hostname);
  let response;
  try {
    response = await axios.request<string>({
      url: `${target.url}${path}`,
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { data: JSON.stringify(body) } : {}),
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      validateStatus: () => true,
      // A redirect could carry the token elsewhere; a proxy would see it on loopback http.
      maxRedirects: 0,
      ...(loopback ? { proxy: false as const } : {}),
      timeout: timeoutMs,
    });
  } catch (error) {
    if (axios.isAxiosError(error) && !error.response) {
      const reason =
        error.code === 'ECONNREFUSED'
          ? 'connection refused'
          : error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
            ? `no answer within ${timeoutMs / 1000} s`
            : (error.code ?? error.message);
      throw new LocalApiUnreachable(target.url, reason);
    }
    throw error;
  }
  const answer = parseJson(response.data);
  if (response.status >= 200 && response.status < 300) return answer;
  const problem = (answer as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message =
    typeof problem?.message === 'string'
      ? problem.message
      : response.status === 401
        ? 'unauthorized'
        : `no error message (${String(response.statusText || 'empty answer')})`;
  throw new LocalApiError(
    response.status,
    typeof problem?.code === 'string' ? problem.code : undefined,
    response.status === 401
      ? `${message} (the token in ${target.tokenFrom} is not one this API knows)`
      : message,
  );
}

/** What a CLI command's one call came to: the API's answer, or the exit code its failure means. */
export type CommandCallResult = { answer: unknown } | { exitCode: 1 | 2 };

/**
 * One CLI command's call (`bbgov requests …`, `bbgov review …`): resolves the target from `apiFlag` and
 * `env` (resolveApiTarget), calls it, and maps each failure to its exit code, its reason written to `err`
 * after `name` (`bbgov review show: …`): 2 a bad setting (URL, PORT, token), 1 the API refused (`HTTP
 * status code: message`, made terminal-safe: the message comes from the API) or could not be reached.
 * @throws whatever else the call throws (a bug, not a refusal).
 */
export async function callLocalApiForCommand(
  name: string,
  request: { api?: string; method: 'GET' | 'POST'; path: string; body?: unknown },
  env: NodeJS.ProcessEnv,
  err: (line: string) => void,
): Promise<CommandCallResult> {
  let target;
  try {
    target = resolveApiTarget(request.api, env);
  } catch (error) {
    if (!(error instanceof LocalApiSettingError)) throw error;
    err(`${name}: ${error.message}`);
    return { exitCode: 2 };
  }
  try {
    return { answer: await callLocalApi(target, request.method, request.path, request.body) };
  } catch (error) {
    if (error instanceof LocalApiError) {
      err(
        terminalSafe(`${name}: HTTP ${error.status}${error.code ? ` ${error.code}` : ''}: ${error.message}`),
      );
      return { exitCode: 1 };
    }
    if (error instanceof LocalApiUnreachable) {
      err(`${name}: ${error.message}`);
      return { exitCode: 1 };
    }
    throw error;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
