/**
 * Packs published without a copy: a pack the backup's file lanes built in an anonymous file
 * (O_TMPFILE) in the repository's own data directory gets its name by a hard link instead of
 * being copied into a new file. Before, every pack was written three times: into the temporary
 * file, read back, and written again into the repository.
 */
import { fstat, fsync, fchmod } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { errnoCode } from '../../core/index.js';
import { linkFd, nativeAvailable } from '../../native/index.js';
import type { FileSource } from '../index.js';
import { publishFile, syncDir } from './publish.js';
import { temporaryPath } from './temporaries.js';

const fstatAsync = promisify(fstat);
const fsyncAsync = promisify(fsync);
const fchmodAsync = promisify(fchmod);

/**
 * linkat errors meaning "this file cannot be linked from here" (not made with O_TMPFILE, another
 * file system, no hard links, no /proc or no access to it): the caller copies it instead.
 */
const NOT_LINKABLE = new Set(['ENOENT', 'EXDEV', 'EPERM', 'EACCES', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK', 'ENOSYS', 'EINVAL']);

/** Where and how a linked file is published (the local backend's rules for every save). */
export interface LinkTarget {
  /** The directory of `final`, made when missing (data/XX on demand; not its parents). */
  dir: string;
  final: string;
  mode: number;
  dirMode: number;
  /** Names the file in errors. */
  what: string;
}

/**
 * Gives the anonymous file `source.fd` (its first `source.length` bytes are the whole file) the
 * name `target.final` through a temporary name beside it, as saves do (publishFile: a name
 * already holding the same bytes is success, other bytes an error), with the file mode
 * `target.mode` and synced first, then syncs the directory. False, with nothing changed, when the
 * file cannot be linked: a file with a name, another size, one made without O_TMPFILE or on
 * another file system, a missing data/ (the repository gone); the caller then copies it and
 * reports what the copy finds.
 */
export async function linkAnonymousFile(source: FileSource, target: LinkTarget): Promise<boolean> {
  if (!nativeAvailable()) return false;
  const st = await fstatAsync(source.fd);
  if (!st.isFile() || st.nlink !== 0 || st.size !== source.length) return false;
  try {
    await mkdir(target.dir, target.dirMode);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const tmp = temporaryPath(target.final);
  await fchmodAsync(source.fd, target.mode);
  await fsyncAsync(source.fd);
  try {
    linkFd(source.fd, tmp);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== undefined && NOT_LINKABLE.has(code)) return false;
    throw err;
  }
  try {
    await publishFile(tmp, target.final, target.what);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(target.dir);
  return true;
}
