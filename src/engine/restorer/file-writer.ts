/**
 * Writes restored files: each file goes to a temporary name in its final directory, receives
 * its blobs at their offsets (in whatever order packs deliver them), and is renamed into place
 * once complete. All-zero blobs are not written: the file was truncated to its full size when
 * created, so they stay holes (sparse files stay sparse).
 *
 * Open descriptors are capped (LRU): a file whose blobs span many packs is reopened as needed.
 */
import { closeSync, ftruncateSync, openSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
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

  /** Creates the temporary file (truncated to the final size) if it does not exist yet. */
  private fdFor(file: number): number {
    let fd = this.open.get(file);
    if (fd !== undefined) {
      this.open.delete(file);
      this.open.set(file, fd);
      return fd;
    }
    if (this.open.size >= MAX_OPEN_FILES) {
      const [oldest, oldFd] = this.open.entries().next().value as [number, number];
      closeSync(oldFd);
      this.open.delete(oldest);
    }
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

  /** Closes the file and returns its temporary path (for metadata before the rename). */
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

  /** Drops a file that cannot be completed: nothing half-written is left under any name. */
  discard(file: number): void {
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

  closeAll(): void {
    for (const fd of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}
