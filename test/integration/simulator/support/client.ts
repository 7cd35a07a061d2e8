// Real HTTP to a running simulator with node's fetch; every 2.0 JSON answer is checked against the spec.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers are inspected loosely in tests */
import { expect } from 'vitest';
import { checkContract } from './contract.js';

export const ADA = { email: 'ada@example.com', token: 't0k3n', accountId: '557058:ada' };

export const basic = (user: string, secret: string) =>
  `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
export const adaAuth = basic(ADA.email, ADA.token);
export const bearer = (token: string) => `Bearer ${token}`;

/** Every spec template whose response was validated in this process (the contract test reports them). */
export const validatedTemplates = new Set<string>();

export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export async function call<T = any>(
  base: string,
  path: string,
  init: { method?: string; auth?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const url = path.startsWith('http') ? path : `${base}${path}`;
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { ...init.headers };
  if (init.auth !== null) headers.authorization = init.auth ?? adaAuth;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('application/json') && text !== '')
    json = JSON.parse(text);
  const parsedUrl = new URL(url);
  const pathname = parsedUrl.pathname;
  // A `fields` whitelist trims required members such as `type`; the spec describes untrimmed answers.
  const whitelisted = (parsedUrl.searchParams.get('fields') ?? '')
    .split(',')
    .some((f) => f !== '' && !/^[-+]/.test(f));
  if (pathname.startsWith('/2.0/') && json !== undefined && !whitelisted) {
    const result = checkContract(method, pathname, response.status, json);
    expect(result.errors, `${method} ${pathname} ${response.status} vs ${result.template ?? '?'}`).toEqual(
      [],
    );
    if (result.checked && result.template)
      validatedTemplates.add(`${method} ${result.template} ${response.status}`);
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
}

/** Follows `next` links to the end, returning every value. */
export async function collect<T = any>(
  base: string,
  path: string,
  auth?: string,
): Promise<{ values: T[]; pages: number }> {
  const values: T[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const answer: Answer<{ values: T[]; next?: string }> = await call(
      base,
      next,
      auth === undefined ? {} : { auth },
    );
    expect(answer.status).toBe(200);
    values.push(...answer.json.values);
    next = answer.json.next;
    pages++;
  }
  return { values, pages };
}

export async function control<T = any>(
  base: string,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<Answer<T>> {
  return call<T>(base, `/_simulator/${path}`, {
    method,
    auth: null,
    ...(body === undefined ? {} : { body }),
  });
}
