// The /v1 HTTP API Lambda (API Gateway, IAM auth): lib/handlers/api-handler.ts over AWS.
import { createApiHandler } from '../lib/handlers/api-handler.js';
import { apiDependencies } from './commons/dependencies.js';

export const handler = createApiHandler(apiDependencies);
