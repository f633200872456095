/**
 * @module backend
 * The storage contract (see backend.ts) and what is shared by its implementations.
 * May import: core.
 */
export * from './backend.js';
