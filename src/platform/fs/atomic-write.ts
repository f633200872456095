/**
 * The one way Lifeboat writes a file outside the repository (rollback journal, reports,
 * inventory output, metrics, schedules, the console's token): a reader sees the old file or
 * the whole new one, never half of it, and after a crash the new one is on disk or not at all.
 *
 *   write a temporary file beside the target (same directory: same file system, so the
 *   rename is atomic), exclusive create, the mode set explicitly (not left to the umask)
 *   fsync it → rename it over the target (or link it, when the target must not exist yet)
 *   → fsync the directory, so that the rename itself survives a crash
 *
 * The temporary file is removed when any step fails.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LifeboatError, errnoCode, errorMessage } from '../../core/index.js';

export type AtomicWriteData = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

export interface AtomicWriteOptions {
  /** Permission bits of the file, whatever the umask (default 0o600: our files may hold secrets). */
  mode?: number;
  /** Refuse to replace an existing file (EEXIST) instead of replacing it. */
  exclusive?: boolean;
}

const WRITE_BYTES = 256 * 1024;

async function writeAll(fh: FileHandle, data: AtomicWriteData): Promise<void> {
  if (typeof data === 'string' || data instanceof Uint8Array) {
    await fh.writeFile(data);
    return;
  }
  // small chunks (a document's lines) are gathered into writes of about WRITE_BYTES; writeFile
  // continues at the current position and writes all of its bytes
  let pending: Uint8Array[] = [];
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (bytes > 0) await fh.writeFile(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
    pending = [];
    bytes = 0;
  };
  for await (const chunk of data) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    pending.push(b);
    bytes += b.length;
    if (bytes >= WRITE_BYTES) await flush();
  }
  await flush();
}

/** fsync of a directory: makes a rename or link in it durable. */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // some file systems cannot sync a directory; the rename is still atomic there
    if (errnoCode(err) !== 'EINVAL' && errnoCode(err) !== 'ENOTSUP') throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path` atomically and durably (see the module comment). Throws a
 * LifeboatError E_IO naming the path; its `cause` is the system error.
 */
export async function writeFileAtomic(path: string, data: AtomicWriteData, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx', mode);
    created = true;
    try {
      await fh.chmod(mode);
      await writeAll(fh, data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (options.exclusive) {
      await link(tmp, path);
      await rm(tmp);
    } else {
      await rename(tmp, path);
    }
    created = false;
    await syncDirectory(dir);
  } catch (err) {
    if (created) await rm(tmp, { force: true }).catch(() => undefined);
    const exists = errnoCode(err) === 'EEXIST' && options.exclusive;
    throw new LifeboatError('E_IO', `cannot write ${path}: ${errorMessage(err)}`, {
      cause: err,
      hint: exists ? 'move the existing file away first' : 'check that the directory exists, is writable and has space',
    });
  }
}
