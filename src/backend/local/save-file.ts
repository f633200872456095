/**
 * How the local backend stores a file (save, saveFrom) without ever replacing one:
 *
 *   by writing: tmp = <final>-tmp-<random> in the target directory (list skips it: not an ID),
 *     opened exclusively (data/XX made on demand, a missing repository root is not), written
 *     (saveFrom: copied from its file in 1 MiB pieces), made read-only, fsynced, closed
 *   by linking: an anonymous O_TMPFILE file in the repository's data/ (a pack the backup or
 *     prune built in Backend.packFileDir) is made read-only, fsynced and linked as tmp (linkat
 *     through /proc/self/fd, native linkFd). Before, every pack was written three times: into
 *     a temporary file, read back, and written again into the repository.
 *   then both: publish (publish.ts) tmp → final: a hard link that fails if final exists; on
 *     EEXIST the bytes are compared (identical → success, different → BackendError); file
 *     systems without hard links fall back to check + rename. tmp is removed on any failure,
 *     the directory fsynced after.
 * A file saved from a source marked `dropCache` (a backup's data packs, which nothing reads soon)
 * leaves the page cache after its fsync (dropCachedPages): a backup neither evicts the host's
 * working set nor keeps taking fresh pages, whose first touch is costly on a virtual machine whose
 * host reclaims idle guest memory (initial backup of the bench dataset: system time 2.0 instead
 * of 5.2 s; docs/performance.md). Tree packs, indexes and snapshots stay cached: the next backup,
 * check and restore read them first.
 */
import { constants, fchmod, fstat, fsync } from 'node:fs';
import { type FileHandle, mkdir, open, rm, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { NotFoundError, errnoCode } from '../../core/index.js';
import { dropCachedPages, linkFd, nativeAvailable } from '../../native/index.js';
import { type FileSource, readFileRange } from '../index.js';
import { makeDirs } from './make-dirs.js';
import { publishFile, syncDir } from './publish.js';
import { temporaryPath } from './temporaries.js';

/** Stored files are read-only for their owner; directories are the owner's only. */
export const FILE_MODE = 0o400;
export const DIR_MODE = 0o700;
/** Piece size of saveFrom's copy. */
export const COPY_CHUNK = 1024 * 1024;

const fstatAsync = promisify(fstat);
const fsyncAsync = promisify(fsync);
const fchmodAsync = promisify(fchmod);

/**
 * linkat errors meaning "this file cannot be linked from here" (not made with O_TMPFILE, another
 * file system, no hard links, no /proc or no access to it): the caller copies it instead.
 */
const NOT_LINKABLE = new Set(['ENOENT', 'EXDEV', 'EPERM', 'EACCES', 'EOPNOTSUPP', 'ENOTSUP', 'EMLINK', 'ENOSYS', 'EINVAL']);

/** Where a file is stored. */
export interface SaveTarget {
  /** The repository directory (a save never creates it). */
  root: string;
  /** The directory of `final` (data/XX is made on demand). */
  dir: string;
  final: string;
  /** The file as the repository names it ("data/1f…"), and with its place, for messages. */
  name: string;
  what: string;
}

/** Stores what `write` writes into a fresh temporary file as `target.final`; with `dropCache` its pages leave the page cache once synced. */
export async function saveByWriting(target: SaveTarget, signal: AbortSignal | undefined, write: (fh: FileHandle) => Promise<void>, dropCache = false): Promise<void> {
  signal?.throwIfAborted();
  const tmp = temporaryPath(target.final);
  const fh = await openExclusive(tmp, target);
  try {
    try {
      await write(fh);
      await fh.chmod(FILE_MODE);
      await fh.sync();
      if (dropCache) dropCachedPages(fh.fd);
    } finally {
      await fh.close();
    }
    signal?.throwIfAborted();
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await publishTemporary(tmp, target);
}

/**
 * Stores the anonymous file `source.fd` (its first `source.length` bytes are the whole file) as
 * `target.final` by linking it. False, with nothing changed, when it cannot be linked: a file
 * with a name, another size, one made without O_TMPFILE or on another file system, a missing
 * data/ (the repository gone); the caller then copies it and reports what the copy finds.
 */
export async function saveByLinking(source: FileSource, target: SaveTarget): Promise<boolean> {
  if (!nativeAvailable()) return false;
  const st = await fstatAsync(source.fd);
  if (!st.isFile() || st.nlink !== 0 || st.size !== source.length) return false;
  try {
    await mkdir(target.dir, DIR_MODE);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const tmp = temporaryPath(target.final);
  await fchmodAsync(source.fd, FILE_MODE);
  await fsyncAsync(source.fd);
  try {
    linkFd(source.fd, tmp);
  } catch (err) {
    const code = errnoCode(err);
    if (code !== undefined && NOT_LINKABLE.has(code)) return false;
    throw err;
  }
  // only once linked: a pack that must be copied instead is read from the page cache
  if (source.dropCache) dropCachedPages(source.fd);
  await publishTemporary(tmp, target);
  return true;
}

/** Copies bytes [0, source.length) of `source` into `fh` through `buffer`, a piece at a time. */
export async function copyFrom(fh: FileHandle, source: FileSource, buffer: Buffer, target: SaveTarget, signal: AbortSignal | undefined): Promise<void> {
  for (let pos = 0; pos < source.length;) {
    const piece = buffer.subarray(0, Math.min(buffer.length, source.length - pos));
    await readFileRange(source.fd, piece, pos, `the source of ${target.name}`);
    for (let off = 0; off < piece.length;) off += (await fh.write(piece, off, piece.length - off)).bytesWritten;
    pos += piece.length;
    signal?.throwIfAborted();
  }
}

/** Gives the complete `tmp` its final name (publishFile), removes it on failure, syncs the directory. */
async function publishTemporary(tmp: string, target: SaveTarget): Promise<void> {
  try {
    await publishFile(tmp, target.final, target.what);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncDir(target.dir);
}

/** Creates `tmp` exclusively; a missing target directory is made (data/XX on demand), a missing root is not. */
async function openExclusive(tmp: string, target: SaveTarget): Promise<FileHandle> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  try {
    return await open(tmp, flags, 0o600);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  try {
    await stat(target.root);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      throw new NotFoundError(`cannot save ${target.name}: the repository directory ${target.root} does not exist`, { cause: err });
    }
    throw err;
  }
  await makeDirs(target.dir, DIR_MODE, []);
  return open(tmp, flags, 0o600);
}
