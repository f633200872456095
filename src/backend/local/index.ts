/**
 * @module backend/local
 * A repository in a local directory, restic's layout. May import: backend, core.
 */
export * from './local-backend.js';
