export * from './hourly-budget.js';
