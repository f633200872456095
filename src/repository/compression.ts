/**
 * zstd for repository version 2 (spec 5.1): blobs and unpacked files. Uses zstd-napi's native
 * contexts so that hot-path calls compress/decompress into caller-provided buffers.
 */
import { createRequire } from 'node:module';
import { decompress as zstdDecompressStream } from 'zstd-napi';
import { IntegrityError } from '../core/index.js';

interface ZstdBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number };
  DCtx: new () => { decompress(dst: Uint8Array, src: Uint8Array): number };
  compressBound(size: number): number;
}

const binding = createRequire(import.meta.url)('zstd-napi/binding') as ZstdBinding;

export type CompressionMode = 'auto' | 'off' | 'max';

/**
 * zstd levels for restic's modes. "auto" is level 2: it compresses the bench dataset as restic's
 * auto does (klauspost's SpeedDefault; repository 0.2 % larger than restic's, level 3: 0.2 %
 * smaller) with about 10 % less CPU for the whole initial backup (zstd was a third of it). See
 * docs/performance.md, 2026-12-03.
 */
export function zstdLevel(mode: CompressionMode): number {
  return mode === 'max' ? 19 : 2;
}

/**
 * The zstd level for blobs written into packs (backup, prune's repacking, repair), or 0 to
 * store them uncompressed: repository version 1 has no compression, `off` turns it off.
 */
export function blobCompressionLevel(repoVersion: number, mode: CompressionMode): number {
  return repoVersion >= 2 && mode !== 'off' ? zstdLevel(mode) : 0;
}

/**
 * The zstd level for tree blobs, or 0 (repository version 1). restic compresses every tree of a
 * version 2 repository, `--compression off` included, and its prune repacks tree packs that hold
 * an uncompressed one: trees are stored compressed even when that does not make them smaller.
 */
export function treeCompressionLevel(repoVersion: number, mode: CompressionMode): number {
  return repoVersion >= 2 ? zstdLevel(mode === 'off' ? 'auto' : mode) : 0;
}

let cctx: InstanceType<ZstdBinding['CCtx']> | undefined;
let dctx: InstanceType<ZstdBinding['DCtx']> | undefined;

export function compressBound(size: number): number {
  return binding.compressBound(size);
}

/** Compresses `src` into `dst` (at least compressBound(src.length) bytes); returns the length. */
export function compressInto(src: Uint8Array, dst: Uint8Array, level: number): number {
  cctx ??= new binding.CCtx();
  return cctx.compress(dst, src, level);
}

export function compress(src: Uint8Array, level: number): Buffer {
  const dst = Buffer.allocUnsafe(compressBound(src.length));
  return dst.subarray(0, compressInto(src, dst, level));
}

/**
 * Decompresses a frame whose plaintext length is known (blobs); checks the length. Writes into
 * `into` when it is large enough (hot paths reuse one buffer), else into a new buffer.
 */
export function decompressExact(src: Uint8Array, length: number, what: string, into?: Buffer): Buffer {
  dctx ??= new binding.DCtx();
  const dst = into && into.length >= length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let n: number;
  try {
    n = dctx.decompress(dst, src);
  } catch (err) {
    throw new IntegrityError(`${what}: zstd decompression failed`, { cause: err });
  }
  if (n !== length) throw new IntegrityError(`${what}: decompressed to ${n} bytes, expected ${length}`);
  return dst;
}

/** Decompresses a stream of unknown length (unpacked files). */
export function decompressAny(src: Uint8Array, what: string): Buffer {
  try {
    return zstdDecompressStream(src);
  } catch (err) {
    throw new IntegrityError(`${what}: zstd decompression failed`, { cause: err });
  }
}
