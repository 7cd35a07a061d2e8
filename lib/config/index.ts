export * from './schemas.js';
export * from './config.js';
export * from './secrets.js';
