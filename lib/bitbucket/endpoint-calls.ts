// How an endpoint from the table is called: the first URL (route, fields=, pagelen), one answer or every
// page (following `next` exactly as given), and the answer checked against the endpoint's schema.
import * as z from 'zod';
import { endpointName, expandRoute, type Endpoint } from './endpoints.js';
import { NotFound } from './errors.js';
import { parseWith } from './response-parsing.js';
import { paged } from './schemas.js';
import type { CallOptions, Transport } from './transport.js';

/** Query parameters of a first page (later pages follow `next` exactly as given). */
export type Query = Record<string, string>;

const PAGE_LENGTH = '100';
const PROBE_PAGE_LENGTH = '10';

export class EndpointCalls {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * One small page of a listing (`pagelen=10`, a tight `fields=`) without checking the items' shape:
   * for probing what a credential may read.
   */
  async peek(
    endpoint: Endpoint,
    params: Record<string, string>,
    fields: string,
    call?: CallOptions,
  ): Promise<unknown[]> {
    const url = this.#firstUrl(endpoint, params, { pagelen: PROBE_PAGE_LENGTH, fields });
    const answer = await this.#transport.send(
      { method: endpoint.method, url, endpoint: endpointName(endpoint) },
      call,
    );
    return parseWith(paged(z.unknown()), answer.data, detailsOf(endpoint, url)).values;
  }

  #firstUrl(endpoint: Endpoint, params: Record<string, string>, query: Query): string {
    const url = new URL(this.#transport.url(expandRoute(endpoint.route, params)));
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  }

  async one<S extends z.ZodType>(
    endpoint: Endpoint<S>,
    params: Record<string, string>,
    call?: CallOptions,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const url = this.#firstUrl(endpoint, params, {
      ...endpoint.query,
      ...(endpoint.fields ? { fields: endpoint.fields } : {}),
    });
    const answer = await this.#transport.send(
      { method: endpoint.method, url, endpoint: endpointName(endpoint), body },
      call,
    );
    return parseWith(endpoint.schema, answer.data, detailsOf(endpoint, url));
  }

  async oneOrNull<S extends z.ZodType>(
    endpoint: Endpoint<S>,
    params: Record<string, string>,
    call?: CallOptions,
  ): Promise<z.infer<S> | null> {
    try {
      return await this.one(endpoint, params, call);
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  async none(endpoint: Endpoint, params: Record<string, string>, call?: CallOptions): Promise<void> {
    const url = this.#firstUrl(endpoint, params, {});
    await this.#transport.send({ method: endpoint.method, url, endpoint: endpointName(endpoint) }, call);
  }

  /**
   * The first page of a listing only (`pagelen=100`, the endpoint's `fields=`, `query`), items checked
   * against the endpoint's schema, and whether Bitbucket says more pages follow (`next`). For filtered
   * reads that expect a handful of items (a member by account_id).
   */
  async firstPage<S extends z.ZodType>(
    endpoint: Endpoint<S>,
    params: Record<string, string>,
    query: Query,
    call?: CallOptions,
  ): Promise<{ values: z.infer<S>[]; more: boolean }> {
    const first: Query = { ...query, pagelen: PAGE_LENGTH };
    if (endpoint.fields) first.fields = endpoint.fields;
    const url = this.#firstUrl(endpoint, params, first);
    const answer = await this.#transport.send({ method: 'GET', url, endpoint: endpointName(endpoint) }, call);
    const page: { values: unknown[]; next?: string | null } = parseWith(
      paged(endpoint.schema),
      answer.data,
      detailsOf(endpoint, url),
    );
    return { values: page.values as z.infer<S>[], more: typeof page.next === 'string' && page.next !== '' };
  }

  /** Reads every page: `pagelen=100` on the first, then `next` exactly as Bitbucket gave it. */
  async all<S extends z.ZodType>(
    endpoint: Endpoint<S>,
    params: Record<string, string>,
    query: Query,
    call?: CallOptions,
  ): Promise<z.infer<S>[]> {
    const envelope = paged(endpoint.schema);
    const first: Query = { ...query, pagelen: PAGE_LENGTH };
    if (endpoint.fields) first.fields = endpoint.fields;
    const values: z.infer<S>[] = [];
    let url: string | undefined = this.#firstUrl(endpoint, params, first);
    while (url !== undefined) {
      const answer = await this.#transport.send(
        { method: 'GET', url, endpoint: endpointName(endpoint) },
        call,
      );
      const page: { values: unknown[]; next?: string | null } = parseWith(
        envelope,
        answer.data,
        detailsOf(endpoint, url),
      );
      values.push(...(page.values as z.infer<S>[]));
      url = page.next ?? undefined;
    }
    return values;
  }
}

function detailsOf(endpoint: Endpoint, url: string) {
  return { method: endpoint.method, path: new URL(url).pathname, endpoint: endpointName(endpoint) };
}
