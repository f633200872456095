/**
 * @module backend/http
 * What the remote backends share: a minimal HTTP client (HTTP/1.1 pool, HTTP/2 over a stream),
 * error classification for network and HTTP failures, saves that never overwrite different
 * bytes, and the argument checks of the contract. May import: backend (its index.ts), core.
 */
export * from './http-client.js';
export * from './classify.js';
export * from './exclusive-save.js';
export * from './checks.js';
