// The Atlassian Admin API client: one per organization API key, a typed method per call the connector makes
// (ADMIN-API.md "Endpoints"). Listings and searches read every page and return all items.
import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../bitbucket/backoff.js';
import { fieldPath } from '../bitbucket/response-parsing.js';
import type { CallOptions } from '../bitbucket/transport.js';
import { workspaceUuidOfResourceId } from './bitbucket-resources.js';
import {
  adminEndpointName,
  adminEndpoints,
  describeAdminCall,
  expandAdminRoute,
  type AdminCallDescription,
  type AdminEndpoint,
  type AdminEndpointName,
} from './endpoints.js';
import { AdminResponseShapeError, AdminUpstreamError, type AdminErrorDetails } from './errors.js';
import {
  cursorPage,
  type AdminDirectory,
  type AdminGroup,
  type AdminRoleAssignment,
  type AdminUser,
  type AdminWorkspaceRecord,
} from './schemas.js';
import { AdminTransport, type AdminRequestObservation, type OrganizationCredential } from './transport.js';

/** Default API base (ADMIN-API.md "Base and authentication"; configurable as ATLASSIAN_ADMIN_API_URL). */
export const DEFAULT_ADMIN_API_URL = 'https://api.atlassian.com';
/** Items per page asked for (`limit`; the API takes 1..100). */
export const ADMIN_PAGE_LIMIT = 100;
/** `directoryId` that means every directory of the organization. */
export const EVERY_DIRECTORY = '-';

export interface AdminApiClientOptions {
  /** API base, e.g. `https://api.atlassian.com` (default) or a simulator's `http://127.0.0.1:PORT`. */
  apiUrl?: string;
  /**
   * The organization and its API key, asked for before every call (the client keeps no copy), so a
   * rotated key is used as soon as the provider hands it out.
   */
  credential: () => Promise<OrganizationCredential>;
  /** Retries of 429/5xx/network failures; defaults to lib/bitbucket's DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  /** Epoch ms; Date.now by default. Deadlines and Retry-After/X-RateLimit-Reset are read on this clock. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); Math.random by default. */
  random?: () => number;
  /** An axios instance to send with (tests); per-request settings override its status/redirect handling. */
  http?: AxiosInstance;
  /** Upper bound of one attempt, in ms, when no deadline is nearer. Default 60 000. */
  attemptTimeoutMs?: number;
  /** Told about every request sent (retries included), after its answer or failure. */
  onRequest?: (observation: AdminRequestObservation) => void;
}

/** Filters of `POST …/directories/{directoryId}/groups/search` (ADMIN-API.md "search groups"). */
export interface GroupSearchFilter {
  /** Directory to search; `-` (EVERY_DIRECTORY, the default) searches all. */
  directoryId?: string;
  searchTerm?: string;
  groupIds?: string[];
  groupNames?: string[];
  accountIds?: string[];
  /** E.g. `[bitbucketWorkspaceResourceId(uuid)]`: the groups with a role on that workspace. */
  resourceIds?: string[];
  roleIds?: string[];
}

/** Filters of `POST …/directories/{directoryId}/users/search` (ADMIN-API.md "search users"). */
export interface UserSearchFilter {
  /** Directory to search; `-` (EVERY_DIRECTORY, the default) searches all. */
  directoryId?: string;
  /** The members of these groups: how a group's members are listed. */
  groupIds?: string[];
  accountIds?: string[];
  emails?: string[];
  accountStatus?: string[];
  expand?: string[];
}

/** A Bitbucket workspace the organization administers (`POST /admin/v2/orgs/{orgId}/workspaces`). */
export interface AdminBitbucketWorkspace {
  /** `ari:cloud:bitbucket::workspace/<uuid>` as the API gave it. */
  resourceId: string;
  /** `{uuid}` in Bitbucket's braced lower-case form, or null when the resource id is not of that form. */
  workspaceUuid: string | null;
  /** `attributes.slug`, else the last path segment of `attributes.hostUrl`; null when neither is given. */
  slug: string | null;
  name: string | null;
}

export class AdminApiClient {
  readonly #transport: AdminTransport;
  readonly #credential: () => Promise<OrganizationCredential>;

  constructor(options: AdminApiClientOptions) {
    this.#credential = options.credential;
    this.#transport = new AdminTransport({
      apiUrl: options.apiUrl ?? DEFAULT_ADMIN_API_URL,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random,
      http: options.http,
      attemptTimeoutMs: options.attemptTimeoutMs,
      onRequest: options.onRequest,
    });
  }

  /**
   * A call of the table as audit records and dry runs show it, without sending it: method, route template
   * and concrete path (the credential's orgId filled in). Never contains the key. `params` holds the
   * route's other placeholders (`directoryId`, `groupId`, `accountId`).
   */
  async describe(
    name: AdminEndpointName,
    params: Readonly<Record<string, string>> = {},
  ): Promise<AdminCallDescription> {
    const { orgId } = await this.#credential();
    return describeAdminCall(name, { ...params, orgId });
  }

  /** Every directory of the organization (`GET /admin/v2/orgs/{orgId}/directories`, all pages). */
  listDirectories(call: CallOptions = {}): Promise<AdminDirectory[]> {
    return this.#all(adminEndpoints.listDirectories, {}, {}, call);
  }

  /**
   * Every group matching `filter` (`POST …/directories/{directoryId}/groups/search`, all pages), each with
   * `managedByIdentityProvider` derived from `externalSynced` / `managementAccess.modifiable`.
   */
  searchGroups(filter: GroupSearchFilter = {}, call: CallOptions = {}): Promise<AdminGroup[]> {
    const { directoryId = EVERY_DIRECTORY, ...body } = filter;
    return this.#all(adminEndpoints.searchGroups, { directoryId }, body, call);
  }

  /** One group (`GET …/directories/{directoryId}/groups/{groupId}`). Throws AdminNotFound when absent. */
  async getGroup(directoryId: string, groupId: string, call: CallOptions = {}): Promise<AdminGroup> {
    const answer = await this.#one(adminEndpoints.getGroup, { directoryId, groupId }, undefined, call);
    return answer.data;
  }

  /**
   * Every role assignment of a group (`GET …/groups/{groupId}/role-assignments`, all pages). Read the
   * Bitbucket ones with workspaceUuidOfResourceId and bitbucketRoleOf.
   */
  groupRoleAssignments(
    directoryId: string,
    groupId: string,
    call: CallOptions = {},
  ): Promise<AdminRoleAssignment[]> {
    return this.#all(adminEndpoints.groupRoleAssignments, { directoryId, groupId }, {}, call);
  }

  /** Every user matching `filter` (`POST …/directories/{directoryId}/users/search`, all pages). */
  searchUsers(filter: UserSearchFilter = {}, call: CallOptions = {}): Promise<AdminUser[]> {
    const { directoryId = EVERY_DIRECTORY, ...body } = filter;
    return this.#all(adminEndpoints.searchUsers, { directoryId }, body, call);
  }

  /**
   * Adds the account to the group (`POST …/groups/{groupId}/memberships`, 204). Throws AdminForbidden
   * (`managedByIdentityProvider` true for a group synced from an identity provider, or a missing scope or
   * app user limit), AdminNotFound, and the rest of the family.
   */
  async addGroupMember(
    directoryId: string,
    groupId: string,
    accountId: string,
    call: CallOptions = {},
  ): Promise<void> {
    await this.#one(adminEndpoints.addGroupMember, { directoryId, groupId }, { accountId }, call);
  }

  /**
   * Removes the account from the group (`DELETE …/groups/{groupId}/memberships/{accountId}`, 204). Throws
   * AdminNotFound when the account is not a member (or the group is absent), AdminForbidden as above.
   */
  async removeGroupMember(
    directoryId: string,
    groupId: string,
    accountId: string,
    call: CallOptions = {},
  ): Promise<void> {
    await this.#one(adminEndpoints.removeGroupMember, { directoryId, groupId, accountId }, undefined, call);
  }

  /**
   * The Bitbucket workspaces the organization administers (`POST /admin/v2/orgs/{orgId}/workspaces`, all
   * pages, only `typeKey` `bitbucket`), with their resource id, uuid and slug.
   */
  async listWorkspaces(call: CallOptions = {}): Promise<AdminBitbucketWorkspace[]> {
    const records: AdminWorkspaceRecord[] = await this.#all(adminEndpoints.listWorkspaces, {}, {}, call);
    return records
      .filter((record) => record.attributes.typeKey === 'bitbucket')
      .map((record) => ({
        resourceId: record.id,
        workspaceUuid: workspaceUuidOfResourceId(record.id),
        slug: slugOf(record),
        name: record.attributes.name ?? null,
      }));
  }

  /** One answer, checked against the endpoint's schema. */
  async #one<S extends z.ZodType>(
    endpoint: AdminEndpoint<S>,
    params: Record<string, string>,
    body: unknown,
    call: CallOptions,
  ): Promise<z.infer<S>> {
    const credential = await this.#credential();
    const request = this.#request(endpoint, credential.orgId, params);
    const data = await this.#transport.send({ ...request, body }, credential.apiKey, call, endpoint);
    return parseWith(endpoint.schema, data, request);
  }

  /**
   * Every page of a cursor-paged endpoint: `limit=100`, then `links.next` (a cursor, or a URL carrying
   * `cursor=`) passed back as `cursor` (query for GETs, body for searches) until there is none.
   */
  async #all<S extends z.ZodType>(
    endpoint: AdminEndpoint<S>,
    params: Record<string, string>,
    body: object,
    call: CallOptions,
  ): Promise<z.infer<S>[]> {
    const credential = await this.#credential();
    const request = this.#request(endpoint, credential.orgId, params);
    const envelope = cursorPage(endpoint.schema);
    const items: z.infer<S>[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const paging: Record<string, string | number> = { limit: ADMIN_PAGE_LIMIT };
      if (cursor !== undefined) paging.cursor = cursor;
      const data = await this.#transport.send(
        endpoint.paging === 'query'
          ? { ...request, query: stringValues(paging) }
          : { ...request, body: { ...withoutUndefined(body), ...paging } },
        credential.apiKey,
        call,
        endpoint,
      );
      const page = parseWith(envelope, data, request);
      items.push(...(page.data as z.infer<S>[]));
      const next = cursorOf(page.links?.next);
      if (next === undefined) return items;
      if (seen.has(next)) {
        throw new AdminUpstreamError(
          request,
          { said: 'paging did not advance: the same next cursor came back' },
          {
            retryable: false,
          },
        );
      }
      seen.add(next);
      cursor = next;
    }
  }

  #request(endpoint: AdminEndpoint, orgId: string, params: Record<string, string>) {
    return {
      method: endpoint.method,
      path: expandAdminRoute(endpoint.route, { ...params, orgId }),
      endpoint: adminEndpointName(endpoint),
    };
  }
}

/**
 * The cursor of a `links.next`: the string itself, or, when it is a URL (absolute or a path) carrying a
 * `cursor` query parameter, that parameter. Null, absent or empty → undefined (the last page).
 */
export function cursorOf(next: string | null | undefined): string | undefined {
  if (next === null || next === undefined || next.trim() === '') return undefined;
  if (/^(https?:\/\/|\/)/i.test(next) || /[?&]cursor=/.test(next)) {
    try {
      const url = new URL(next, 'http://cursor.invalid');
      const cursor = url.searchParams.get('cursor');
      if (cursor !== null && cursor !== '') return cursor;
    } catch {
      // Not a URL after all: an opaque cursor.
    }
  }
  return next;
}

function slugOf(record: AdminWorkspaceRecord): string | null {
  const slug = record.attributes.slug?.trim();
  if (slug) return slug;
  const host = record.attributes.hostUrl?.trim();
  if (!host) return null;
  try {
    const segments = new URL(host).pathname.split('/').filter((segment) => segment !== '');
    const last = segments[segments.length - 1];
    return last === undefined ? null : decodeURIComponent(last);
  } catch {
    return null;
  }
}

function parseWith<S extends z.ZodType>(schema: S, data: unknown, details: AdminErrorDetails): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  if (!first) throw new AdminResponseShapeError(details, '(body)', 'does not match the expected shape');
  // zod's messages name the expected type, never the value received, so nothing secret leaks here.
  const problem = first.message.replace(/^Invalid (input|option): /, '');
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  throw new AdminResponseShapeError(details, fieldPath(first.path), `${problem}${more}`);
}

function stringValues(values: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, String(value)]));
}

function withoutUndefined(body: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}
