/**
 * Errors of the addon's system calls shaped like Node's fs errors ("ENOENT: no such file or
 * directory, lstat '/x'", with code, errno, syscall and path), so callers handle both alike.
 */
import { getSystemErrorMap } from 'node:util';

/** A path or an xattr name: a string (encoded as UTF-8) or raw bytes. */
export type NativePath = string | Uint8Array;

/** Name and description of an errno as Node reports them: ['ENOENT', 'no such file or directory']. */
function describeErrno(errno: number): [string, string] {
  const known = getSystemErrorMap().get(-errno);
  return known ? [known[0], known[1]] : [`E${errno}`, 'unknown error'];
}

/** An Error shaped like Node's fs errors: "ENOENT: no such file or directory, lstat '/x'". */
export function errnoError(errno: number, syscall: string, path: NativePath): NodeJS.ErrnoException {
  const [code, description] = describeErrno(errno);
  const shown = typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString();
  const err = new Error(`${code}: ${description}, ${syscall} '${shown}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.errno = -errno;
  err.syscall = syscall;
  err.path = shown;
  return err;
}
