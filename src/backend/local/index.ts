/**
 * @module backend/local
 * A repository in a local directory, in restic's layout (spec 2.1, 12.1): atomic saves
 * (exclusive temporary file, fsync, hard link or rename, fsync of the directory), read-only
 * files, errno classified into NotFoundError / permanent / transient BackendError.
 * May import: backend (its index.ts), core.
 */
export { LocalBackend, repositoryExists } from './local-backend.js';
export { classifyFsError } from './classify-fs-error.js';
