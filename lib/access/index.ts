export * from './access-facts.js';
export * from './access-answers.js';
export { effectiveUserAccess, effectiveResourceAccess, ResourceNotInFactsError } from './effective-access.js';
