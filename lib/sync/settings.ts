// Sync settings from the validated configuration (lib/config), with the defaults of DESIGN §4.
import type { AppConfig } from '../config/index.js';
import { DEFAULT_SYNC_SETTINGS, type SyncSettings } from './sync-step.js';

export function syncSettingsFromConfig(config: AppConfig): SyncSettings {
  return {
    ...DEFAULT_SYNC_SETTINGS,
    membershipIntervalMs: config.sync.membershipIntervalMs,
    listingIntervalMs: config.sync.listingIntervalMs,
    // Grant scopes follow the listing interval: both are "how stale may a listing get when budget allows".
    grantIntervalMs: config.sync.listingIntervalMs,
    hourlyRequestBudget: config.sync.hourlyRequestBudget,
    hourlyRequestLimit: config.bitbucket.hourlyRequestLimit,
    deletionGuard: {
      ...DEFAULT_SYNC_SETTINGS.deletionGuard,
      maxRemovalShare: config.sync.deletionGuardShare,
    },
    stepIntervalMs: config.sync.stepIntervalMs,
  };
}
