// What the connector needs to reach an Atlassian organization (ADMIN-API.md): the Admin API client, the
// credential (null when none is configured), the Admin API's own rolling hour and the configured
// administration mode. Built once by a composition root (functions/commons, lib/local) from the config.
import type { HourLedger } from '../budget/index.js';
import { AdminApiClient, type AdminApiClientOptions } from './client.js';
import type { OrganizationCredential } from './transport.js';

/** BITBUCKET_ADMINISTRATION: discover each workspace's administration (`auto`) or force it. */
export type AdministrationSetting = 'auto' | 'bitbucket' | 'organization';

export interface OrganizationAccess {
  /** Calls the Admin API; its calls throw OrganizationNotConfigured when `credential()` is null. */
  client: AdminApiClient;
  /** The organization and its key, or null when no organization credential is configured. */
  credential(): Promise<OrganizationCredential | null>;
  /** Requests spent on the Admin API per rolling hour (its own ledger, apart from Bitbucket's). */
  ledger: HourLedger;
  /** ATLASSIAN_ADMIN_HOURLY_REQUEST_LIMIT: requests per rolling hour the connector allows itself. */
  hourlyRequestLimit: number;
  administration: AdministrationSetting;
}

/** A call needed the organization credential and none is configured (ATLASSIAN_ORG_ID + ATLASSIAN_ADMIN_API_KEY). */
export class OrganizationNotConfigured extends Error {
  constructor() {
    super(
      'no organization credential is configured: set ATLASSIAN_ORG_ID and ATLASSIAN_ADMIN_API_KEY ' +
        '(in AWS: "admin": {"orgId", "apiKey"} in the credentials secret)',
    );
    this.name = 'OrganizationNotConfigured';
  }
}

/**
 * The client's credential callback over a provider that may hold none: the Admin API is only called
 * once a credential is known to exist, so a missing one is a programming or configuration error here.
 */
export function requireOrganizationCredential(
  provider: () => Promise<OrganizationCredential | null>,
): () => Promise<OrganizationCredential> {
  return async () => {
    const credential = await provider();
    if (!credential) throw new OrganizationNotConfigured();
    return credential;
  };
}

/** How to reach the organization: the settings of AppConfig.organization apart from the credential. */
export interface OrganizationSettings {
  apiUrl: string;
  administration: AdministrationSetting;
  hourlyRequestLimit: number;
}

/**
 * The organization side over a credential provider that may hold none (`current()` resolving null): the
 * Admin API client asks it before every call, so a rotated key is used at once. Sends nothing.
 */
export function organizationAccess(
  settings: OrganizationSettings,
  credentials: { current(): Promise<OrganizationCredential | null> },
  ledger: HourLedger,
  clientOptions: Omit<AdminApiClientOptions, 'apiUrl' | 'credential'> = {},
): OrganizationAccess {
  const credential = () => credentials.current();
  return {
    client: new AdminApiClient({
      ...clientOptions,
      apiUrl: settings.apiUrl,
      credential: requireOrganizationCredential(credential),
    }),
    credential,
    ledger,
    hourlyRequestLimit: settings.hourlyRequestLimit,
    administration: settings.administration,
  };
}
