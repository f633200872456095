/**
 * How the local backend gives a finished temporary file its final name: never replacing a file
 * (a name already holding the same bytes is success, other bytes an error), hard links where the
 * file system has them, and directory fsyncs so the name survives a crash.
 */
import { constants } from 'node:fs';
import { type FileHandle, link, open, rename, unlink } from 'node:fs/promises';
import { BackendError, errnoCode } from '../../core/index.js';

/** link(2) errors meaning "this file system has no hard links": fall back to rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);
/** fsync(2) of a directory is refused by some file systems (FUSE, CIFS); restic ignores that too. */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP']);
/** Piece size of the comparison with an existing file. */
const COMPARE_CHUNK = 1024 * 1024;

/** Gives the complete `tmp` the name `final` without ever replacing an existing file; `what` names it in errors. */
export async function publishFile(tmp: string, final: string, what: string): Promise<void> {
  try {
    await link(tmp, final);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EEXIST') {
      if (await holds(final, tmp, what)) {
        await unlink(tmp);
        return;
      }
      // removed between link and the comparison: it is free again
      await link(tmp, final);
    } else if (code !== undefined && NO_HARD_LINKS.has(code)) {
      if (await holds(final, tmp, what)) {
        await unlink(tmp);
        return;
      }
      await rename(tmp, final);
      return;
    } else {
      throw err;
    }
  }
  await unlink(tmp);
}

/**
 * True if `final` holds exactly the bytes of `tmp`, false if it does not exist; throws if it
 * exists with other content (a name is never reused for different bytes). Compared piece by piece.
 */
async function holds(final: string, tmp: string, what: string): Promise<boolean> {
  let fh: FileHandle;
  try {
    fh = await open(final, 'r');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new BackendError(`${what} exists but is not a regular file: refusing to replace it`);
    if (await sameBytes(fh, tmp, st.size)) return true;
  } finally {
    await fh.close();
  }
  throw new BackendError(`${what} already exists with different content: refusing to overwrite it`, {
    hint: 'run `lifeboat check`: the repository may be damaged',
  });
}

/** True when the file at `path` has `size` bytes, the same as `fh`'s. */
async function sameBytes(fh: FileHandle, path: string, size: number): Promise<boolean> {
  const other = await open(path, 'r');
  try {
    if ((await other.stat()).size !== size) return false;
    const a = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, size));
    const b = Buffer.allocUnsafe(a.length);
    for (let pos = 0; pos < size;) {
      const n = Math.min(a.length, size - pos);
      const [ra, rb] = await Promise.all([fh.read(a, 0, n, pos), other.read(b, 0, n, pos)]);
      if (ra.bytesRead !== n || rb.bytesRead !== n || !a.subarray(0, n).equals(b.subarray(0, n))) return false;
      pos += n;
    }
    return true;
  } finally {
    await other.close();
  }
}

/** fsync of a directory, so a rename or link in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const dh = await open(dir, constants.O_RDONLY);
  try {
    await dh.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code === undefined || !DIR_SYNC_UNSUPPORTED.has(code)) throw err;
  } finally {
    await dh.close();
  }
}
