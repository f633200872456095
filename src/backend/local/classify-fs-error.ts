/**
 * Turns a Node file-system error into the backend's error families, so retry layers can decide
 * without knowing about errno: ENOENT is a NotFoundError (never retried), a full or read-only
 * disk and missing permissions are permanent BackendErrors, I/O hiccups and exhausted file
 * descriptors are transient ones. Errors that are already classified (LifeboatError) and
 * aborts pass through unchanged, and so do programmer errors (no errno code).
 */
import { BackendError, LifeboatError, NotFoundError, errnoCode, errorMessage } from '../../core/index.js';

/** Worth trying again: the same call may succeed a moment later. */
const TRANSIENT = new Set(['EIO', 'EMFILE', 'ENFILE', 'EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR', 'ETIMEDOUT']);

const HINTS: Record<string, string> = {
  EACCES: 'check the permissions of the repository directory',
  EPERM: 'check the permissions of the repository directory',
  ENOSPC: 'free disk space or inodes on the repository file system (df -h, df -i show both)',
  EDQUOT: 'the disk quota is exhausted: free space or raise the quota',
  EROFS: 'the repository is on a read-only file system',
  EIO: 'the disk holding the repository reports I/O errors: check its health (dmesg, smartctl) before trusting it',
  EMFILE: 'too many open files: raise the limit (ulimit -n) or lower the concurrency',
  ENFILE: 'too many open files system-wide',
};

/**
 * @param op what was being done ("save", "load", …), for the message
 * @param what the object, e.g. `data/2b59… in /srv/repo` (handle and location)
 */
export function classifyFsError(err: unknown, op: string, what: string): Error {
  if (err instanceof LifeboatError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = errnoCode(err);
  // no errno: a programmer error (TypeError, ERR_INVALID_ARG_…), not a storage failure
  if (err instanceof Error && (code === undefined || code.startsWith('ERR_'))) return err;
  if (code === 'ENOENT') return new NotFoundError(`${what} does not exist`, { cause: err });
  return new BackendError(`${op} ${what} failed: ${errorMessage(err)}`, {
    cause: err,
    transient: code !== undefined && TRANSIENT.has(code),
    hint: code === undefined ? undefined : HINTS[code],
  });
}
