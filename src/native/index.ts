/**
 * @module native
 * Loader and typed wrappers for the C addon `native/lifeboat.c` (N-API, node_api.h only), built
 * by node-gyp into `build/Release/lifeboat_native.node` when `npm ci` runs (binding.gyp at the root).
 *
 * Why hand-written: Node 20 has no mknod, its fs.utimes takes float seconds (no nanoseconds, no
 * symlinks), it has no extended attributes at all, and node:crypto does not expose raw Poly1305.
 * No maintained npm package covers nanosecond utimensat + mknod + xattrs on Buffer paths + a fast
 * Poly1305 together; fs-xattr covers only xattrs and would be one more native build, and pure-JS
 * Poly1305 (~250 MB/s) would be the slowest step of the pack write path. One small addon, one build.
 *
 * The addon is loaded on first use, not at import: modules that import this one load without it,
 * and a call throws LifeboatError('E_UNSUPPORTED') with a hint. `nativeAvailable()` lets callers
 * with a pure-JS fallback (repository/crypto) choose.
 *
 * The file lane (native/lane.c) is the backup's hot path: read → chunk → hash → compress → seal →
 * pack file, on libuv's thread pool (see createLane). The walk above it lists directories with
 * scanDir (native/scan.c), also on the pool. A restore writes its small files in batches with
 * writeFiles (native/write-files.c), on the pool too. Every command's index load reads its files
 * with scanIndexJson and sorts the rows with sortIndexRows; a backup reads its parent trees with
 * scanTree and frees what it is done with at once (freeArrayBuffer); index and snapshot files are
 * opened on the pool (openUnpacked), single blobs in one call (openBlobSync). Key files' keys are
 * derived with scrypt on the pool.
 *
 * Paths and xattr names are strings (UTF-8) or Uint8Arrays (raw bytes: non-UTF-8 file names).
 * System call failures throw errors shaped like Node's fs errors: `code` ('ENOENT', 'ENOTSUP',
 * 'EPERM', …), `errno` (negative), `syscall`, `path`.
 *
 * May import: core (node: builtins otherwise).
 */
import { type IndexJsonScan, load, nativeAvailable } from './addon.js';
import { DirScan } from './dir-scan.js';
import { type NativePath, errnoError } from './errno-error.js';
import type { Lane, LaneOptions, LaneReport } from './lane-types.js';

export { type IndexJsonScan, type PackVerifier, nativeAvailable } from './addon.js';
export type { NativePath } from './errno-error.js';
export { DirScan } from './dir-scan.js';
export * from './pack-verify.js';

/** RFC 8439 one-time Poly1305: `key` is 32 bytes r ‖ s (r is clamped inside); writes 16 bytes to `out`. */
export function poly1305(key: Uint8Array, msg: Uint8Array, out: Uint8Array): void {
  load().poly1305(key, msg, out);
}

/**
 * restic object encryption (spec 3.2) into `out` at `outOffset`: fresh random non-zero IV ‖
 * AES-256-CTR ‖ Poly1305-AES over the ciphertext. Returns the bytes written (plaintext + 32).
 * The plaintext may sit exactly where the ciphertext goes (`outOffset + 16`), but must not
 * partially overlap it. Allocates nothing.
 */
export function sealInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
  return load().sealInto(encrypt, macK, macR, plaintext, out, outOffset);
}

/**
 * Verifies the MAC (constant time), then decrypts into `out` at `outOffset`. Returns the
 * plaintext length, or -1 when `data` is shorter than 32 bytes, has an all-zero IV or fails the
 * MAC (nothing is written then). `out` may alias `data`.
 */
export function openInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, data: Uint8Array, out: Uint8Array, outOffset: number): number {
  return load().openInto(encrypt, macK, macR, data, out, outOffset);
}

/**
 * Gives the whole memory pages of `buf` at or after byte `from` back to the kernel (they stop
 * counting in the resident set and read as zeros when touched again). For large reused buffers
 * whose high-water mark is rarely reached. Returns the bytes released.
 */
export function releasePages(buf: Uint8Array, from: number): number {
  return load().releasePages(buf, from);
}

/**
 * Sets access and modification times with nanoseconds (utimensat(2)). With `noFollow` a symlink's
 * own times are set (AT_SYMLINK_NOFOLLOW). Seconds may be negative (before 1970).
 */
export function utimensat(path: NativePath, atimeSec: bigint | number, atimeNsec: number, mtimeSec: bigint | number, mtimeNsec: number, noFollow: boolean): void {
  load().utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, noFollow);
}

/** Creates a fifo or device node; `mode` includes the file type bits (S_IFIFO, S_IFCHR, S_IFBLK) and permissions (umask applies). */
export function mknod(path: NativePath, mode: number, dev: bigint | number): void {
  load().mknod(path, mode, dev);
}

/**
 * An anonymous read-write file (O_TMPFILE, mode 0600) on the file system of `dir`, which linkFd
 * can name later; EOPNOTSUPP, EISDIR or EINVAL where the file system or kernel has no O_TMPFILE.
 */
export function openTmpfile(dir: NativePath): number {
  return load().openTmpfile(dir);
}

/**
 * Gives the anonymous file open as `fd` (created with O_TMPFILE) the name `path` on the same file
 * system; EEXIST when the name is taken (nothing is replaced), ENOENT when the file was not made
 * with O_TMPFILE (an unlinked named file cannot be linked again), EXDEV across file systems.
 */
export function linkFd(fd: number, path: NativePath): void {
  load().linkFd(fd, path);
}

/**
 * Asks the kernel to drop the cached pages of the file open as `fd` (POSIX_FADV_DONTNEED; after
 * fsync they are clean and go at once). False where refused or without the addon; data unchanged.
 */
export function dropCachedPages(fd: number): boolean {
  return nativeAvailable() ? load().dropCachedPages(fd) : false;
}

/** Extended attribute names of a path, not following symlinks, as raw bytes. */
export function llistxattr(path: NativePath): Buffer[] {
  return load().llistxattr(path);
}

/** The value of one extended attribute (not following symlinks); ENODATA when it is not set. */
export function lgetxattr(path: NativePath, name: NativePath): Buffer {
  return load().lgetxattr(path, name);
}

/** Creates or replaces an extended attribute (not following symlinks). */
export function lsetxattr(path: NativePath, name: NativePath, value: Uint8Array): void {
  load().lsetxattr(path, name, value);
}

/**
 * Fields of `lstatInto`'s output array. Seconds are stored as two's complement: read times before
 * 1970 with `BigInt.asIntN(64, v)`.
 */
export const STAT = {
  dev: 0,
  ino: 1,
  mode: 2,
  nlink: 3,
  uid: 4,
  gid: 5,
  rdev: 6,
  size: 7,
  atimeSec: 8,
  atimeNsec: 9,
  mtimeSec: 10,
  mtimeNsec: 11,
  ctimeSec: 12,
  ctimeNsec: 13,
  blocks: 14,
  /** Size of the extended attribute name list (0: none; always 0 for symlinks). */
  xattrListSize: 15,
} as const;

/**
 * lstat with nanosecond times and the xattr list size in one call, into a reused
 * BigUint64Array(16) (indices in STAT): no Stats object per file. Throws like fs.lstatSync.
 */
export function lstatInto(path: NativePath, out: BigUint64Array): void {
  const errno = load().lstatInto(path, out);
  if (errno !== 0) throw errnoError(errno, 'lstat', path);
}

/**
 * readdir plus an lstat of every entry (with the xattr list size, like lstatInto, unless
 * `xattrs` is false: then it is 0 and no llistxattr is made) in one request on libuv's thread
 * pool: the main thread only receives the result. Rejects like fs.readdir ("EACCES: permission
 * denied, scandir '/x'") when the directory cannot be read; a single entry's lstat failure is
 * reported per entry (DirScan.ok / error).
 */
export async function scanDir(path: Uint8Array, options: { xattrs?: boolean } = {}): Promise<DirScan> {
  const result = await load().scanDir(path, options.xattrs ?? true);
  if (typeof result === 'number') throw errnoError(result, 'scandir', path);
  return new DirScan(path, result);
}

export type { Lane, LaneFileEvent, LaneOptions, LanePack, LaneReport } from './lane-types.js';

/**
 * A file lane: a thread of its own that reads the files it is fed, cuts them with restic's
 * chunker, hashes the chunks and packs the ones the caller says are new (compressed, sealed) into
 * temporary pack files. It reports to `onReport` on the main thread: generations of chunks to
 * answer (laneAnswer), files finished, packs finished (take each over, then lanePackDone); it
 * goes on reading while up to two generations wait for their answer. Each lane holds ≈ 10 MiB of
 * staging and 8 MiB of scratch address space, resident only as far as used. Free it with
 * `laneClose`.
 */
export function createLane(o: LaneOptions, onReport: (report: LaneReport) => void): Lane {
  return load().createLane(o.key.encrypt, o.key.macK, o.key.macR, o.polynomial, o.level, o.tmpdir, o.packTarget, o.packLimit, o.packsInFlight, onReport);
}

/** Hands a lane a batch: NUL-terminated raw paths back to back, one entry of `sizes` (the size the walk saw) each. */
export function laneFeed(lane: Lane, paths: Uint8Array, sizes: Float64Array): void {
  load().laneFeed(lane, paths, sizes);
}

/** Answers the oldest reported generation not yet answered: one byte per chunk, non-zero = new (store it). */
export function laneAnswer(lane: Lane, decisions: Uint8Array): void {
  load().laneAnswer(lane, decisions);
}

/** A pack the lane reported was taken over (a no-op once the lane is closed). */
export function lanePackDone(lane: Lane): void {
  load().lanePackDone(lane);
}

/** No more batches: the lane stores what is answered, finishes its pack and reports `finished`. */
export function laneFinish(lane: Lane): void {
  load().laneFinish(lane);
}

/** Stops a lane (after the piece of work its thread is on) and frees it; packs not reported are dropped. */
export function laneClose(lane: Lane): void {
  load().laneClose(lane);
}

/** The native chunker's cut positions in `data`, fed `slice` bytes at a time (tests). */
export function chunkerCuts(polynomial: bigint, data: Uint8Array, slice: number): number[] {
  return load().chunkerCuts(polynomial, data, slice);
}

/** "ENOENT: no such file or directory, open '/x'" for a lane's file error, as Node's fs spells it. */
export function laneErrorMessage(errno: number, syscall: string, path: string): { message: string; code: string } {
  const err = errnoError(errno, syscall, path);
  return { message: err.message, code: err.code! };
}

/** Fields per file of writeFiles' `meta` and `results` arrays (see native/write-files.c). */
export const WRITE_FILES = {
  meta: { length: 0, size: 1, mode: 2, uid: 3, gid: 4, atimeSec: 5, atimeNsec: 6, mtimeSec: 7, mtimeNsec: 8, kind: 9 },
  metaFields: 10,
  result: { errno: 0, call: 1, fchownErrno: 2, fchmodErrno: 3, futimensErrno: 4 },
  resultFields: 5,
  /** Names of the calls in `result.call`. */
  calls: ['', 'open', 'write', 'ftruncate', 'close', 'symlink'],
  /** Values of `meta.kind`: a file, a symlink (its target is the content), an existing directory's metadata. */
  kinds: { file: 0, symlink: 1, dirMetadata: 2 },
  /** `flags` bit: fchown each file to its uid and gid. */
  owner: 1,
} as const;

/**
 * Creates `count` files in one request on libuv's thread pool: each is opened under its path with
 * O_CREAT | O_EXCL | O_NOFOLLOW (an existing name is EEXIST, never written through), gets its
 * content (and, when its size is larger, a hole up to it), then fchown (with `WRITE_FILES.owner`
 * in `flags`), fchmod and futimens through its descriptor, and is closed. `paths` holds the
 * NUL-terminated raw paths back to back, `data` the contents back to back, `meta` and `results`
 * WRITE_FILES.metaFields and resultFields per file. A file whose open, write, ftruncate or close
 * failed is not left behind; its errno and call are in its results, and the other files go on.
 * An entry of kind `symlink` is created (symlink, lchown, utimensat without following it), one of
 * kind `dirMetadata` gets its owner, mode and times; the entries are handled in order.
 * The arrays must not be changed until the promise resolves.
 */
export function writeFiles(paths: Uint8Array, data: Uint8Array, meta: Float64Array, results: Int32Array, count: number, flags: number): Promise<void> {
  return load().writeFiles(paths, data, meta, results, count, flags);
}

/**
 * An index file in restic's layout read by the addon (native/index-scan.c), or undefined when
 * the bytes are not in that layout (see repository/model/index-scan.ts, which has the rules).
 */
export function scanIndexJson(bytes: Uint8Array, minLength: number, maxLength: number): IndexJsonScan | undefined {
  return load().scanIndexJson(bytes, minLength, maxLength);
}

/**
 * A tree blob's nodes read by the addon for the backup's comparison with its parent snapshot
 * (native/tree-scan.c), or undefined when the bytes are not in the layout it reads (see
 * repository/model/tree-scan.ts, which reads the result).
 */
export function scanTree(bytes: Uint8Array): ArrayBuffer | undefined {
  return load().scanTree(bytes);
}

/**
 * Frees an ArrayBuffer now: it is detached, its length 0 from then on, and views of it are empty.
 * For buffers nothing else holds that a walk is done with (a listing, a tree scan, a tree's
 * plaintext; see native/fs-calls.c).
 */
export function freeArrayBuffer(buffer: ArrayBuffer): void {
  load().freeArrayBuffer(buffer);
}

/**
 * scrypt (RFC 7914) on libuv's thread pool, its N·128·r-byte table on huge pages (native/scrypt.c):
 * `length` derived bytes, or undefined for parameters the addon leaves to node:crypto (N above
 * 2^32, a table that cannot be mapped). The arguments must already be valid (kdf validates them).
 */
export async function scrypt(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, length: number): Promise<Buffer | undefined> {
  const derived = await load().scrypt(password, salt, N, r, p, length);
  return typeof derived === 'number' ? undefined : Buffer.from(derived);
}

/**
 * The master index's rows sorted in place by the addon (native/sort-rows.c), in the order and by
 * the algorithm of BlobTable.sort (repository/index/blob-table.ts); returns the bucket starts.
 */
export function sortIndexRows(rows: { words: Uint32Array; packs: Uint32Array; offsets: Uint32Array; packed: Uint32Array; low: Uint16Array }, count: number, bits: number): Uint32Array {
  return load().sortIndexRows(rows.words, rows.packs, rows.offsets, rows.packed, rows.low, count, bits);
}

/**
 * An unpacked file (index, snapshot; spec 5) checked against its name (`id`, 32 bytes), decrypted
 * and, with `zstd`, decoded, on libuv's thread pool (native/open-unpacked.c): the plaintext, or
 * undefined when a step fails or does not apply (the caller opens the file itself, and words the error).
 */
export async function openUnpacked(key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array }, file: Uint8Array, id: Uint8Array, zstd: boolean, maxLength: number): Promise<Buffer | undefined> {
  const r = await load().openUnpacked(key.encrypt, key.macK, key.macR, file, id, zstd, maxLength);
  return typeof r === 'number' ? undefined : Buffer.from(r);
}

/** A system call's failure as Node's fs reports it ("EEXIST: file already exists, open '/x'"), with code, errno, syscall and path. */
export function systemCallError(errno: number, syscall: string, path: NativePath): NodeJS.ErrnoException {
  return errnoError(errno, syscall, path);
}
