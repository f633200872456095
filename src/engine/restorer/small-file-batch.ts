/**
 * A batch of small files for the native writeFiles (native/write-files.c): up to BATCH_FILES
 * files whose whole content is in memory, created under their final names, written and given
 * mode, owner and times in one request on libuv's thread pool. A restore of many small files
 * spends its time in the kernel creating files; the batch takes those calls off the main thread
 * and needs five per file (open, write, fchmod, futimens, close; fchown as root) instead of the
 * eight path-based ones of a temporary name renamed into place.
 *
 * A batch also takes symlinks (created, then lchown and utimensat) and existing directories'
 * metadata (lchown, chmod, utimensat), handled in order with the files: the restore's other
 * entries leave the main thread too (EntryBatches).
 *
 * The arrays are allocated once per batch and reused: a batch is filled (`add` copies the content
 * and the path in), run, its results read, then `clear`ed for the next one.
 */
import { WRITE_FILES, systemCallError, writeFiles } from '../../native/index.js';
import type { NodeTimes } from './metadata.js';

/** Largest file written through a batch (restic's chunker makes every smaller file one blob). */
export const SMALL_FILE_BYTES = 512 * 1024;
/** Content bytes a batch holds. */
const BATCH_BYTES = 512 * 1024;
const BATCH_FILES = 128;
const BATCH_PATH_BYTES = 32 * 1024;
const EMPTY = new Uint8Array(0);

const M = WRITE_FILES.meta;
const R = WRITE_FILES.result;
const K = WRITE_FILES.kinds;
/** Names of the calls behind the warnings of each kind (fields fchown, fchmod and futimens of the results). */
const WARNING_CALLS = {
  [K.file]: ['fchown', 'fchmod', 'futimens'],
  [K.symlink]: ['lchown', 'chmod', 'utimensat'],
  [K.dirMetadata]: ['lchown', 'chmod', 'utimensat'],
} as const;
type Kind = (typeof K)[keyof typeof K];

/** What a batch did with one of its files. */
export interface BatchFileResult {
  /** The error that kept the file from being written (nothing is left under its name), if any. */
  error?: NodeJS.ErrnoException;
  /** Problems setting owner, mode or times (the file is written). */
  warnings: Error[];
}

export class SmallFileBatch {
  /** The caller's number of each file (a FileTable row). */
  readonly files = new Uint32Array(BATCH_FILES);
  private readonly paths = Buffer.allocUnsafeSlow(BATCH_PATH_BYTES);
  private readonly data: Buffer;
  private readonly kinds = new Uint8Array(BATCH_FILES);
  private readonly meta = new Float64Array(BATCH_FILES * WRITE_FILES.metaFields);
  private readonly results = new Int32Array(BATCH_FILES * WRITE_FILES.resultFields);
  /** Each file's path and content: start offsets into `paths` and `data`, and the end of both. */
  private readonly pathStarts = new Uint32Array(BATCH_FILES + 1);
  private readonly dataStarts = new Uint32Array(BATCH_FILES + 1);
  private n = 0;

  /** `dataBytes`: content bytes the batch holds (a batch of symlinks and directories needs little). */
  constructor(dataBytes = BATCH_BYTES) {
    this.data = Buffer.allocUnsafeSlow(dataBytes);
  }

  get count(): number {
    return this.n;
  }

  /** Whether a file with a path of `pathLength` bytes and `contentLength` bytes of content fits. */
  fits(pathLength: number, contentLength: number): boolean {
    return this.n < BATCH_FILES && this.pathStarts[this.n]! + pathLength + 1 <= BATCH_PATH_BYTES && this.dataStarts[this.n]! + contentLength <= this.data.length;
  }

  /**
   * Adds a file (false when it does not fit): `content` is copied in; a file whose `size` is
   * larger gets a hole up to it. `mode` is the permission bits to set (setuid etc. included).
   */
  add(file: number, path: Uint8Array, content: Uint8Array, size: number, mode: number, uid: number, gid: number, times: NodeTimes): boolean {
    return this.put(K.file, file, path, content, size, mode, uid, gid, times);
  }

  /** Adds a symlink to `target` (false when it does not fit); an existing name is its error (EEXIST). */
  addSymlink(file: number, path: Uint8Array, target: Uint8Array, uid: number, gid: number, times: NodeTimes): boolean {
    return this.put(K.symlink, file, path, target, target.length, 0, uid, gid, times);
  }

  /** Adds the metadata of the existing directory `path` (false when it does not fit). */
  addDirMetadata(file: number, path: Uint8Array, mode: number, uid: number, gid: number, times: NodeTimes): boolean {
    return this.put(K.dirMetadata, file, path, EMPTY, 0, mode, uid, gid, times);
  }

  private put(kind: Kind, file: number, path: Uint8Array, content: Uint8Array, size: number, mode: number, uid: number, gid: number, times: NodeTimes): boolean {
    if (!this.fits(path.length, content.length)) return false;
    const i = this.n;
    const p = this.pathStarts[i]!;
    this.paths.set(path, p);
    this.paths[p + path.length] = 0;
    this.pathStarts[i + 1] = p + path.length + 1;
    const d = this.dataStarts[i]!;
    this.data.set(content, d);
    this.dataStarts[i + 1] = d + content.length;
    const m = i * WRITE_FILES.metaFields;
    this.meta[m + M.length] = content.length;
    this.meta[m + M.size] = size;
    this.meta[m + M.mode] = mode;
    this.meta[m + M.uid] = uid;
    this.meta[m + M.gid] = gid;
    this.meta[m + M.atimeSec] = Number(times.atimeSec);
    this.meta[m + M.atimeNsec] = times.atimeNsec;
    this.meta[m + M.mtimeSec] = Number(times.mtimeSec);
    this.meta[m + M.mtimeNsec] = times.mtimeNsec;
    this.meta[m + M.kind] = kind;
    this.kinds[i] = kind;
    this.files[i] = file;
    this.n++;
    return true;
  }

  /** Writes the batch's files; with `owner` they get their uid and gid too. */
  run(owner: boolean): Promise<void> {
    return writeFiles(this.paths, this.data, this.meta, this.results, this.n, owner ? WRITE_FILES.owner : 0);
  }

  /** The path of file `i` of the batch (a view, valid until the batch is cleared). */
  path(i: number): Buffer {
    return this.paths.subarray(this.pathStarts[i], this.pathStarts[i + 1]! - 1);
  }

  /** Whether entry `i` is a symlink. */
  isSymlink(i: number): boolean {
    return this.kinds[i] === K.symlink;
  }

  /** The content of file `i` as added (a view, valid until the batch is cleared). */
  content(i: number): Buffer {
    return this.data.subarray(this.dataStarts[i], this.dataStarts[i + 1]);
  }

  /** What `run` did with file `i`. */
  result(i: number): BatchFileResult {
    const r = i * WRITE_FILES.resultFields;
    const path = this.path(i);
    const out: BatchFileResult = { warnings: [] };
    const errno = this.results[r + R.errno]!;
    if (errno !== 0) out.error = systemCallError(errno, WRITE_FILES.calls[this.results[r + R.call]!] ?? 'open', path);
    const calls = WARNING_CALLS[this.kinds[i] as Kind];
    const fields = [R.fchownErrno, R.fchmodErrno, R.futimensErrno] as const;
    fields.forEach((field, k) => {
      const e = this.results[r + field]!;
      if (e !== 0) out.warnings.push(systemCallError(e, calls[k]!, path));
    });
    return out;
  }

  clear(): void {
    this.n = 0;
  }
}
