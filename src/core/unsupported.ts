/**
 * Which failures of a metadata call mean "this file system (or this user) cannot hold that",
 * as opposed to a real failure that must be reported. Callers catch only the former; anything
 * else becomes a warning naming the path and counts towards exit code 3 (restic's rule).
 */
import { errnoCode } from './errors.js';

export type MetadataCall = 'chmod' | 'chown' | 'utimes' | 'listxattr' | 'getxattr' | 'setxattr';

/** The file system has no support for the call at all (ENOTSUP and EOPNOTSUPP are one value on Linux). */
const NOT_SUPPORTED = new Set(['ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * True when `err` from `call` means the call cannot work here, so nothing is lost by ignoring it:
 * no support in the file system; chown by a user who is not root (only root may give files
 * away); an attribute removed between listing and reading it.
 */
export function isUnsupportedHere(call: MetadataCall, err: unknown, options: { root?: boolean } = {}): boolean {
  const code = errnoCode(err);
  if (code === undefined) return false;
  if (NOT_SUPPORTED.has(code)) return true;
  if (call === 'chown' && code === 'EPERM' && !(options.root ?? process.getuid?.() === 0)) return true;
  if (call === 'getxattr' && code === 'ENODATA') return true;
  return false;
}
