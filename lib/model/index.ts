export * from './ids.js';
export * from './entitlements.js';
export * from './resources.js';
export * from './grants.js';
export * from './items.js';
export * from './scopes.js';
export * from './identifiers.js';
