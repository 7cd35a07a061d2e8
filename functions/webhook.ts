// The webhook receiver Lambda (POST /webhooks/bitbucket/{workspace}): lib/handlers/webhook-handler.ts over AWS.
import { createWebhookHandler } from '../lib/handlers/webhook-handler.js';
import { webhookDependencies } from './commons/dependencies.js';

export const handler = createWebhookHandler(webhookDependencies);
