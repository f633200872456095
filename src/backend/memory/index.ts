/**
 * @module backend/memory
 * In-memory backend for tests. May import: backend, core.
 */
export * from './memory-backend.js';
