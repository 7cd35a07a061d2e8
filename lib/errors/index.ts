export * from './governance-errors.js';
export * from './http-response.js';
