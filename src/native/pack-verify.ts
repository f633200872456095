/**
 * Work on the blobs of packs in the addon: check --read-data's and restore's on libuv's thread
 * pool (native/verify-pack.c, native/pack-verifier.c), and one blob at a time on the calling
 * thread (native/open-blob.c).
 */
import { type PackVerifier, load } from './addon.js';

/** A new PackVerifier: one per lane, used by one verifyPackBlobs request at a time. */
export function packVerifier(): PackVerifier {
  return load().packVerifier();
}

/** verifyPackBlobs' `hashStep`: the piece starts the pack (its SHA-256 begins) and/or ends it (`digest` is written). */
export const PACK_HASH_FIRST = 1;
export const PACK_HASH_LAST = 2;

/**
 * check --read-data's work on a piece of a pack, on libuv's thread pool (native/verify-pack.c):
 * the piece goes into the pack's SHA-256 (kept in `verifier` from piece to piece; with
 * PACK_HASH_LAST in `hashStep` the pack's hash is written to `digest`), then `out` receives one
 * status per blob, 0 when it verified. `blobs` holds offset (in `pack`), length and uncompressed
 * length (0: not compressed) per blob, `ids` their IDs (32 bytes each). Blobs are decrypted in
 * place: `pack` is unusable afterwards; compressed ones are decompressed into `plain`. No array
 * may be touched until the promise resolves.
 */
export function verifyPackBlobs(
  verifier: PackVerifier,
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array },
  piece: { pack: Uint8Array; blobs: Float64Array; ids: Uint8Array; plain: Uint8Array; out: Uint8Array; hashStep: number; digest: Uint8Array },
): Promise<void> {
  const p = piece;
  return load().verifyPackBlobs(verifier, key.encrypt, key.macK, key.macR, p.pack, p.blobs, p.ids, p.plain, p.out, p.hashStep, p.digest);
}

/** The code of verifyPackFile's rejection when the file could not be opened or read (or ended early). */
export const PACK_FILE_READ_ERROR = 'ERR_PACK_FILE_READ';

/**
 * verifyPackBlobs for a whole pack stored in a local file, in one request: each piece of
 * `pieces` (4 numbers: start and end in the file, first and end index in `blobs`) is read from
 * `path` into `piece` and verified as verifyPackBlobs verifies it; `blobs` offsets are the pack's.
 * The main thread is not needed between pieces. Afterwards `piece` holds the last piece, its
 * bytes after the last blob (the header) untouched. Rejects with code PACK_FILE_READ_ERROR when
 * the file cannot be read.
 */
export function verifyPackFile(
  verifier: PackVerifier,
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array },
  file: { path: string; pieces: Float64Array; blobs: Float64Array; ids: Uint8Array; piece: Uint8Array; plain: Uint8Array; out: Uint8Array; digest: Uint8Array },
): Promise<void> {
  return load().verifyPackFile(verifier, key.encrypt, key.macK, key.macR, file.path, file.pieces, file.blobs, file.ids, file.piece, file.plain, file.out, file.digest);
}

/** verifyPackBlobs' work on the blobs (no pack hash, no verifier), keeping each blob's plaintext: 4 numbers per blob, the 4th its place in `plain` (see native/verify-pack.c). */
export function openPackBlobs(
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array },
  pack: Uint8Array,
  blobs: Float64Array,
  ids: Uint8Array,
  plain: Uint8Array,
  out: Uint8Array,
): Promise<void> {
  return load().openPackBlobs(key.encrypt, key.macK, key.macR, pack, blobs, ids, plain, out);
}

/** openBlobSync's statuses in `result[0]` (native/open-blob.c). */
export const OPEN_BLOB = { ok: 0, sealed: 1, zstd: 2, size: 3, hash: 4 } as const;

/**
 * One blob opened on the calling thread in one call (native/open-blob.c): MAC, decryption into
 * `out` (or into the addon's buffer, then zstd into `out`, when `compressed`), SHA-256 against
 * `id`. `result[0]` gets a status (OPEN_BLOB), `result[1]` the length a frame gave when it is
 * OPEN_BLOB.size. `sealed` is written only when `out` is `sealed` itself (decrypted in place).
 */
export function openBlobSync(
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array },
  blob: { sealed: Uint8Array; id: Uint8Array; compressed: boolean; out: Uint8Array },
  result: Float64Array,
): void {
  load().openBlobSync(key.encrypt, key.macK, key.macR, blob.sealed, blob.id, blob.compressed, blob.out, result);
}
