/**
 * @module repository/chunker
 * restic's Rabin content-defined chunker (spec 11) and its GF(2) polynomial arithmetic.
 *
 *   per chunk: reset (zero window, slide(1)); take MinSize − 64 bytes unhashed; then slide each
 *   byte and cut after it when (digest & (2^20 − 1)) == 0 or the chunk reaches MaxSize
 *
 * `Chunker.next` reports cut positions in caller-owned buffers, so callers stream files through
 * it without holding them whole. `testing/` holds test-only inputs (a Go math/rand port).
 * May import: core.
 */
export * from './chunker.js';
export * from './polynomial.js';
