/**
 * Writes restored files: each file goes to a temporary name in its final directory, receives
 * its blobs at their offsets (in whatever order packs deliver them), and is renamed into place
 * once complete. All-zero blobs are not written: the file was truncated to its full size when
 * created, so they stay holes (sparse files stay sparse).
 *
 * Blobs are written on libuv's thread pool (`writeAsync`), beside the blobs being opened there:
 * written by the main thread, the 2 GiB dataset's large files made it the restore's bound (five
 * of its seven CPU-seconds were the kernel's, copying into fresh pages).
 *
 * Open descriptors are capped (LRU, a descriptor with writes in flight is never closed): a file
 * whose blobs span many packs is reopened as needed.
 */
import { closeSync, ftruncateSync, openSync, renameSync, unlinkSync, write, writeSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { FileTable } from './file-table.js';

const MAX_OPEN_FILES = 256;
const ZEROS = Buffer.alloc(8 * 1024 * 1024);

let tmpCounter = 0;
const tmpPrefix = `.lifeboat-${randomBytes(3).toString('hex')}-`;
const TMP_NAME = /^\.lifeboat-[0-9a-f]{6}-[0-9a-z]+$/;

/**
 * Whether `name` has the shape of a restorer's temporary file name. A restore that was killed
 * leaves such files behind; whoever resumes it (rollback apply) removes them.
 */
export function isRestoreTemporaryName(name: string): boolean {
  return TMP_NAME.test(name);
}

function tmpPathFor(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  const dir = slash >= 0 ? path.subarray(0, slash + 1) : Buffer.alloc(0);
  return Buffer.concat([dir, Buffer.from(`${tmpPrefix}${(tmpCounter++).toString(36)}`)]);
}

/** Whether every byte of `buf` is zero (such content is left a hole of a sparse file). */
export function isZero(buf: Buffer): boolean {
  // most blobs answer at their first or last byte, without a comparison's two subarrays and call
  if (buf.length > 0 && (buf[0] !== 0 || buf[buf.length - 1] !== 0)) return false;
  for (let off = 0; off < buf.length; off += ZEROS.length) {
    const n = Math.min(ZEROS.length, buf.length - off);
    if (!buf.subarray(off, off + n).equals(ZEROS.subarray(0, n))) return false;
  }
  return true;
}

/** Writes the files of a FileTable, each known by its number there. */
export class FileWriter {
  private readonly open = new Map<number, number>();
  /** Temporary names of the files created and not yet committed or discarded. */
  private readonly tmps = new Map<number, Buffer>();
  /** Writes in flight per file (only files with some). */
  private readonly busy = new Map<number, number>();
  /** Files discarded while writes were in flight: the last of them discards the file. */
  private readonly doomed = new Set<number>();

  constructor(
    private readonly files: FileTable,
    /** All-zero blobs are left holes. */
    readonly sparse: boolean,
  ) {}

  /** Whether the file's temporary file was created (a blob of it was written). */
  started(file: number): boolean {
    return this.tmps.has(file);
  }

  /** Writes `data` at `offset` of `file`, creating the temporary file on first use. */
  write(file: number, offset: number, data: Buffer): void {
    const fd = this.fdFor(file);
    if (this.sparse && isZero(data)) return;
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done);
  }

  /**
   * Writes `data` at `offset` of `file` on the thread pool, creating the temporary file on first
   * use. `data` must stay unchanged until the promise settles.
   */
  async writeAsync(file: number, offset: number, data: Buffer): Promise<void> {
    const fd = this.fdFor(file);
    if (this.sparse && isZero(data)) return;
    this.busy.set(file, (this.busy.get(file) ?? 0) + 1);
    try {
      let done = 0;
      while (done < data.length) done += await pwrite(fd, data.subarray(done), offset + done);
    } finally {
      const left = this.busy.get(file)! - 1;
      if (left > 0) this.busy.set(file, left);
      else {
        this.busy.delete(file);
        if (this.doomed.delete(file)) this.discard(file);
      }
    }
  }

  /** Creates the temporary file (truncated to the final size) if it does not exist yet. */
  private fdFor(file: number): number {
    let fd = this.open.get(file);
    if (fd !== undefined) {
      this.open.delete(file);
      this.open.set(file, fd);
      return fd;
    }
    if (this.open.size >= MAX_OPEN_FILES) this.closeOldestIdle();
    const tmp = this.tmps.get(file);
    if (tmp === undefined) {
      const created = tmpPathFor(this.files.path(file));
      fd = openSync(created, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      this.tmps.set(file, created);
      ftruncateSync(fd, this.files.size(file));
    } else {
      fd = openSync(tmp, constants.O_WRONLY);
    }
    this.open.set(file, fd);
    return fd;
  }

  /** Closes the least recently used descriptor without writes in flight, if there is one. */
  private closeOldestIdle(): void {
    for (const [file, fd] of this.open) {
      if (this.busy.has(file)) continue;
      closeSync(fd);
      this.open.delete(file);
      return;
    }
  }

  /** Closes the file and returns its temporary path (for metadata before the rename; no writes may be in flight). */
  close(file: number): Buffer {
    if (!this.tmps.has(file)) this.fdFor(file); // an empty or all-hole file still needs creating
    const fd = this.open.get(file);
    if (fd !== undefined) {
      closeSync(fd);
      this.open.delete(file);
    }
    return this.tmps.get(file)!;
  }

  /** Renames the closed file to its final path. */
  commit(file: number): void {
    renameSync(this.tmps.get(file)!, this.files.path(file));
    this.tmps.delete(file);
  }

  /**
   * Drops a file that cannot be completed: nothing half-written is left under any name (with
   * writes in flight, once the last of them is done).
   */
  discard(file: number): void {
    if (this.busy.has(file)) {
      this.doomed.add(file);
      return;
    }
    const fd = this.open.get(file);
    if (fd !== undefined) {
      closeSync(fd);
      this.open.delete(file);
    }
    const tmp = this.tmps.get(file);
    if (tmp !== undefined) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone: nothing to clean up
      }
      this.tmps.delete(file);
    }
  }

  /** Closes every descriptor (no writes may be in flight). */
  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

/** One positional write on the thread pool: the bytes written. */
function pwrite(fd: number, data: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    write(fd, data, 0, data.length, position, (err, written) => (err ? reject(err) : resolve(written)));
  });
}
