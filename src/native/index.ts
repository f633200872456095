/**
 * @module native
 * Loader and typed wrappers for the C addon in `native/lifeboat.c` (built by `npm ci` through
 * node-gyp): nanosecond utimensat, mknod, extended attributes on raw-byte paths, and Poly1305.
 * Hand-written because no maintained npm package covers these together (fs-xattr covers only
 * xattrs and is one more native build; Node 20's fs.utimes takes float seconds and has no mknod).
 * The addon is loaded on first use, so modules that import this one load without it.
 * May import: core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeboatError } from '../core/index.js';

type PathLike = string | Uint8Array;

interface NativeAddon {
  lstatInto(path: PathLike, out: BigUint64Array): number;
  sealInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number;
  openInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, data: Uint8Array, out: Uint8Array, outOffset: number): number;
  poly1305(key: Uint8Array, msg: Uint8Array, out: Uint8Array): void;
  utimensat(path: PathLike, aSec: bigint | number, aNsec: number, mSec: bigint | number, mNsec: number, noFollow: boolean): void;
  mknod(path: PathLike, mode: number, dev: bigint | number): void;
  llistxattr(path: PathLike): Buffer[];
  lgetxattr(path: PathLike, name: PathLike): Buffer;
  lsetxattr(path: PathLike, name: PathLike, value: Uint8Array): void;
}

let addon: NativeAddon | undefined;
let loadError: unknown;

function findRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function load(): NativeAddon {
  if (addon) return addon;
  if (loadError === undefined) {
    try {
      const root = findRoot();
      if (!root) throw new Error('binding.gyp not found above the compiled module');
      addon = createRequire(import.meta.url)(join(root, 'build', 'Release', 'lifeboat_native.node')) as NativeAddon;
      return addon;
    } catch (err) {
      loadError = err;
    }
  }
  throw new LifeboatError('E_UNSUPPORTED', `the native addon is not built: ${(loadError as Error).message}`, {
    hint: 'run `npm ci` (needs g++ and make), or `npm run build:native`',
    cause: loadError,
  });
}

/** True when the addon loads (the pure-JS fallbacks are used otherwise where they exist). */
export function nativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}

/** RFC 8439 Poly1305 with a 32-byte one-time key (r ‖ s); writes 16 bytes to `out`. */
export function poly1305(key: Uint8Array, msg: Uint8Array, out: Uint8Array): void {
  load().poly1305(key, msg, out);
}

/**
 * restic object encryption into `out` at `outOffset`: random IV ‖ AES-256-CTR ‖ Poly1305-AES.
 * Returns the bytes written (plaintext length + 32). The plaintext may sit exactly where the
 * ciphertext goes (in place), but must not partially overlap it.
 */
export function sealInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number {
  return load().sealInto(encrypt, macK, macR, plaintext, out, outOffset);
}

/** Verifies the MAC, then decrypts into `out`; returns the plaintext length or -1 when the MAC fails. */
export function openInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, data: Uint8Array, out: Uint8Array, outOffset: number): number {
  return load().openInto(encrypt, macK, macR, data, out, outOffset);
}

/** Sets access and modification times with nanoseconds; `noFollow` for symlinks themselves. */
export function utimensat(path: PathLike, aSec: bigint | number, aNsec: number, mSec: bigint | number, mNsec: number, noFollow: boolean): void {
  load().utimensat(path, aSec, aNsec, mSec, mNsec, noFollow);
}

/** Creates a fifo or device node; `mode` includes the file type bits (S_IFIFO, S_IFCHR, S_IFBLK). */
export function mknod(path: PathLike, mode: number, dev: bigint | number): void {
  load().mknod(path, mode, dev);
}

/** Fields of `lstatInto`'s output array. */
export const STAT = {
  dev: 0, ino: 1, mode: 2, nlink: 3, uid: 4, gid: 5, rdev: 6, size: 7,
  atimeSec: 8, atimeNsec: 9, mtimeSec: 10, mtimeNsec: 11, ctimeSec: 12, ctimeNsec: 13, blocks: 14,
  /** Size of the extended attribute name list (0: none; always 0 for symlinks). */
  xattrListSize: 15,
} as const;

const ERRNO_NAMES: Record<number, string> = { 2: 'ENOENT', 13: 'EACCES', 1: 'EPERM', 20: 'ENOTDIR', 40: 'ELOOP', 36: 'ENAMETOOLONG', 5: 'EIO' };

/**
 * lstat with nanosecond times and the xattr list size in one call, into a reused
 * BigUint64Array(16) (indices in STAT): no Stats object per file. Throws like fs.lstatSync.
 */
export function lstatInto(path: PathLike, out: BigUint64Array): void {
  const errno = load().lstatInto(path, out);
  if (errno !== 0) {
    const code = ERRNO_NAMES[errno] ?? `E${errno}`;
    const err = new Error(`${code}: lstat '${Buffer.from(path).toString()}'`) as NodeJS.ErrnoException;
    err.code = code;
    err.errno = -errno;
    err.syscall = 'lstat';
    throw err;
  }
}

/** Extended attribute names of a path (not following symlinks), as raw bytes. */
export function llistxattr(path: PathLike): Buffer[] {
  return load().llistxattr(path);
}

export function lgetxattr(path: PathLike, name: PathLike): Buffer {
  return load().lgetxattr(path, name);
}

export function lsetxattr(path: PathLike, name: PathLike, value: Uint8Array): void {
  load().lsetxattr(path, name, value);
}
