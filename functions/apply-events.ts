// The queued webhook events' applier Lambda (SQS batch): lib/handlers/apply-events-handler.ts over AWS.
import { createApplyEventsHandler } from '../lib/handlers/apply-events-handler.js';
import { applyEventsDependencies } from './commons/dependencies.js';

export const handler = createApplyEventsHandler(applyEventsDependencies);
