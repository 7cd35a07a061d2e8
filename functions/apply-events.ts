// The queued webhook events' applier Lambda (SQS batch): lib/handlers/apply-events-handler.ts over AWS.
import {
  createApplyEventsHandler,
  type ApplyEventsHandlerDependencies,
} from '../lib/handlers/apply-events-handler.js';
import { bitbucketClient } from './commons/bitbucket.js';
import { config, stores } from './commons/clients.js';

function applyEventsDependencies(): ApplyEventsHandlerDependencies {
  const { store, syncState, ledger, activity } = stores();
  return {
    client: bitbucketClient(),
    store,
    syncState,
    ledger,
    activity,
    hourlyRequestLimit: config().bitbucket.hourlyRequestLimit,
  };
}

export const handler = createApplyEventsHandler(applyEventsDependencies);
