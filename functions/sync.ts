// The scheduled sync step Lambda (EventBridge Scheduler): lib/handlers/sync-handler.ts over AWS.
import { createSyncHandler } from '../lib/handlers/sync-handler.js';
import { syncDependencies } from './commons/dependencies.js';

export const handler = createSyncHandler(syncDependencies);
