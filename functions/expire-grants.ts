// The scheduled expiry of time-boxed grants (EventBridge Scheduler, every minute): lib/handlers/grant-expiry-handler.ts over AWS.
import { createGrantExpiryHandler } from '../lib/handlers/grant-expiry-handler.js';
import { grantExpiryDependencies } from './commons/dependencies.js';

export const handler = createGrantExpiryHandler(grantExpiryDependencies);
