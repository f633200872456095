/**
 * The C addon (native/lifeboat.c, built into build/Release/lifeboat_native.node) and its typed
 * surface, loaded on first use: the wrappers of this folder call `load()`, which throws
 * LifeboatError('E_UNSUPPORTED') with a hint when the addon is missing.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifeboatError, packageRoot } from '../core/index.js';
import type { NativePath } from './errno-error.js';
import type { Lane, LaneReport } from './lane-types.js';

/** A lane's state for verifyPackBlobs (native/verify-pack.c): the pack's running SHA-256 and a zstd context. */
export interface PackVerifier {
  readonly __packVerifier: unique symbol;
}

/** scanIndexJson's result (native/index-scan.c). */
export interface IndexJsonScan {
  /** 32 raw bytes per pack, in file order. */
  packs: ArrayBuffer;
  /** 32 raw bytes per blob, in file order. */
  ids: ArrayBuffer;
  /** 5 per blob: pack number (in `packs`), type (0 data, 1 tree), offset, length, uncompressed length. */
  columns: Float64Array;
}

export interface NativeAddon {
  poly1305(key: Uint8Array, msg: Uint8Array, out: Uint8Array): void;
  utimensat(path: NativePath, aSec: bigint | number, aNsec: number, mSec: bigint | number, mNsec: number, noFollow: boolean): void;
  mknod(path: NativePath, mode: number, dev: bigint | number): void;
  llistxattr(path: NativePath): Buffer[];
  lgetxattr(path: NativePath, name: NativePath): Buffer;
  lsetxattr(path: NativePath, name: NativePath, value: Uint8Array): void;
  lstatInto(path: NativePath, out: BigUint64Array): number;
  sealInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, plaintext: Uint8Array, out: Uint8Array, outOffset: number): number;
  openInto(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, data: Uint8Array, out: Uint8Array, outOffset: number): number;
  releasePages(buf: Uint8Array, from: number): number;
  openTmpfile(dir: NativePath): number;
  linkFd(fd: number, path: NativePath): void;
  dropCachedPages(fd: number): boolean;
  createLane(
    encrypt: Uint8Array,
    macK: Uint8Array,
    macR: Uint8Array,
    polynomial: bigint,
    level: number,
    tmpdir: string,
    packTarget: number,
    packLimit: number,
    packsInFlight: number,
    onReport: (report: LaneReport) => void,
  ): Lane;
  laneFeed(lane: Lane, paths: Uint8Array, sizes: Float64Array): void;
  laneAnswer(lane: Lane, decisions: Uint8Array): void;
  lanePackDone(lane: Lane): void;
  laneFinish(lane: Lane): void;
  laneClose(lane: Lane): void;
  chunkerCuts(polynomial: bigint, data: Uint8Array, slice: number): number[];
  scanDir(path: NativePath, withXattrs: boolean): Promise<ArrayBuffer | number>;
  writeFiles(paths: Uint8Array, data: Uint8Array, meta: Float64Array, results: Int32Array, count: number, flags: number): Promise<void>;
  packVerifier(): PackVerifier;
  verifyPackBlobs(
    verifier: PackVerifier,
    encrypt: Uint8Array,
    macK: Uint8Array,
    macR: Uint8Array,
    pack: Uint8Array,
    blobs: Float64Array,
    ids: Uint8Array,
    plain: Uint8Array,
    out: Uint8Array,
    hashStep: number,
    digest: Uint8Array,
  ): Promise<void>;
  openPackBlobs(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, pack: Uint8Array, blobs: Float64Array, ids: Uint8Array, plain: Uint8Array, out: Uint8Array): Promise<void>;
  verifyPackFile(
    verifier: PackVerifier,
    encrypt: Uint8Array,
    macK: Uint8Array,
    macR: Uint8Array,
    path: string,
    pieces: Float64Array,
    blobs: Float64Array,
    ids: Uint8Array,
    piece: Uint8Array,
    plain: Uint8Array,
    out: Uint8Array,
    digest: Uint8Array,
  ): Promise<void>;
  scanIndexJson(bytes: Uint8Array, minLength: number, maxLength: number): IndexJsonScan | undefined;
  scanTree(bytes: Uint8Array): ArrayBuffer | undefined;
  freeArrayBuffer(buffer: ArrayBuffer): void;
  openBlobSync(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, sealed: Uint8Array, id: Uint8Array, compressed: boolean, out: Uint8Array, result: Float64Array): void;
  scrypt(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, length: number): Promise<ArrayBuffer | number>;
  sortIndexRows(words: Uint32Array, packs: Uint32Array, offsets: Uint32Array, packed: Uint32Array, low: Uint16Array, count: number, bits: number): Uint32Array;
  openUnpacked(encrypt: Uint8Array, macK: Uint8Array, macR: Uint8Array, file: Uint8Array, id: Uint8Array, zstd: boolean, maxLength: number): Promise<ArrayBuffer | number>;
}

const ADDON_FILE = join('build', 'Release', 'lifeboat_native.node');

let addon: NativeAddon | undefined;
let loadError: unknown;

export function load(): NativeAddon {
  if (addon) return addon;
  if (loadError === undefined) {
    try {
      const root = packageRoot(import.meta.url);
      if (!root) throw new Error(`binding.gyp not found in any directory above ${fileURLToPath(import.meta.url)}`);
      addon = createRequire(import.meta.url)(join(root, ADDON_FILE)) as NativeAddon;
      return addon;
    } catch (err) {
      loadError = err;
    }
  }
  throw new LifeboatError('E_UNSUPPORTED', `the native addon (${ADDON_FILE}) could not be loaded: ${(loadError as Error).message}`, {
    hint: 'run `npm ci` (needs g++ and make), or `npm run build:native`',
    cause: loadError,
  });
}

/** True when the addon loads (callers with a pure-JS fallback use it otherwise). */
export function nativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}
