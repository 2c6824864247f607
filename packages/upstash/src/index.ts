// Public entry point of @limitrate/upstash.
export { UpstashStore, type UpstashStoreOptions } from './store.js';
export { escapeKey, unescapeKey } from './codec.js';
