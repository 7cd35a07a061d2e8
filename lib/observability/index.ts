// The one logger, metrics and tracer of the process (Powertools). Created once at module load and
// shared by every function and by lib/ code that reports progress.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metric-names.js';
import { redactSecrets } from './redaction.js';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;

export const logger = new Logger({ serviceName, jsonReplacerFn: redactSecrets });

export const metrics = new Metrics({
  serviceName,
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
});

export const tracer = new Tracer({ serviceName });

export { redactSecrets, redactString, REDACTED } from './redaction.js';
export * from './metric-names.js';
