/**
 * @module backend/location
 * Location strings → backends: the parser (restic's location syntax) and the scheme registry
 * (`registerScheme`, `openBackend`); local is registered as the built-in scheme.
 * May import: backend (its index.ts) and its implementations (local/), core.
 */
export * from './location.js';
export * from './registry.js';
