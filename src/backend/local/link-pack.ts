/**
 * Packs published without a copy: a pack the backup's file lanes built in an anonymous file
 * (O_TMPFILE) in the repository's own data directory gets its name by a hard link instead of
 * being copied into a new file. Before, every pack was written three times: into the temporary
 * file, read back, and written again into the repository.
 */
import { fstat, fsync, fchmod } from 'node:fs';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errnoCode } from '../../core/index.js';
import { linkFd, nativeAvailable } from '../../native/index.js';
import { publishFile } from './publish.js';
import { temporaryPath } from './temporaries.js';

const fstatAsync = promisify(fstat);
const fsyncAsync = promisify(fsync);
const fchmodAsync = promisify(fchmod);

/**
 * linkat errors meaning "this file cannot be linked from here" (not made with O_TMPFILE, another
 * file system, no hard links, no /proc or no access to it): the caller copies it instead.
 */
const NOT_LINKABLE = new Set(['ENOENT', 'EXDEV', 'EPERM', 'EACCES', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK', 'ENOSYS', 'EINVAL']);

/**
 * Gives the anonymous file `fd` (its first `length` bytes are the whole file) the name `final`
 * through a temporary name beside it, as saves do (publishFile: a name already holding the same
 * bytes is success, other bytes an error), with the file mode `mode` and synced first. False,
 * with nothing changed, when the file cannot be linked: a file with a name, another size, one
 * made without O_TMPFILE or on another file system; the caller then copies it.
 */
export async function linkAnonymousFile(fd: number, length: number, final: string, mode: number, what: string): Promise<boolean> {
  if (!nativeAvailable()) return false;
  const st = await fstatAsync(fd);
  if (!st.isFile() || st.nlink !== 0 || st.size !== length) return false;
  const tmp = temporaryPath(final);
  await fchmodAsync(fd, mode);
  await fsyncAsync(fd);
  try {
    linkFd(fd, tmp);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== undefined && NOT_LINKABLE.has(code)) return false;
    throw err;
  }
  try {
    await publishFile(tmp, final, what);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  return true;
}
