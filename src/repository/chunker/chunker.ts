/**
 * restic's content-defined chunker (spec 11): a Rabin fingerprint over a 64-byte window, cut
 * when the low `averageBits` bits of the digest are zero (and the chunk is at least MinSize),
 * or at MaxSize. Every chunk restarts the hash (zero window, then one slide of the byte 1) and
 * skips hashing its first MinSize − 64 bytes.
 *
 * Hot path: the 53-bit digest lives in two uint32 halves (JS bit operators are 32-bit), the
 * tables are split the same way, and the byte leaving the window is read from the input
 * buffer itself; only the first 64 bytes of each call need the saved window.
 */
import { deg, polyMod } from './polynomial.js';

export const MIN_SIZE = 512 * 1024;
export const MAX_SIZE = 8 * 1024 * 1024;
const WINDOW = 64;

/** The per-polynomial lookup tables (spec 11.3), split into 32-bit halves; built once per polynomial. */
export class ChunkerTables {
  private static readonly cache = new Map<bigint, ChunkerTables>();
  // int32 (not uint32) so the hot loop stays in small integers and never boxes doubles
  readonly outHi = new Int32Array(256);
  readonly outLo = new Int32Array(256);
  readonly modHi = new Int32Array(256);
  readonly modLo = new Int32Array(256);
  readonly shift: number;

  private constructor(pol: bigint) {
    const k = deg(pol);
    // the split digest needs the top byte inside `hi` and room for 8 overflow bits (restic: k = 53)
    if (k < 41 || k > 56) throw new RangeError(`chunker polynomial of degree ${k}: need 41..56`);
    this.shift = k - 8 - 32;
    const append = (h: bigint, b: bigint): bigint => polyMod((h << 8n) | b, pol);
    for (let b = 0; b < 256; b++) {
      let h = append(0n, BigInt(b));
      for (let i = 0; i < WINDOW - 1; i++) h = append(h, 0n);
      const m = polyMod(BigInt(b) << BigInt(k), pol) | (BigInt(b) << BigInt(k));
      this.outHi[b] = Number(BigInt.asIntN(32, h >> 32n));
      this.outLo[b] = Number(BigInt.asIntN(32, h));
      this.modHi[b] = Number(BigInt.asIntN(32, m >> 32n));
      this.modLo[b] = Number(BigInt.asIntN(32, m));
    }
  }

  static for(pol: bigint): ChunkerTables {
    let t = ChunkerTables.cache.get(pol);
    if (!t) {
      t = new ChunkerTables(pol);
      ChunkerTables.cache.set(pol, t);
    }
    return t;
  }
}

export interface ChunkerParams {
  minSize?: number;
  maxSize?: number;
  averageBits?: number;
}

/**
 * Streaming boundary finder for one stream at a time: feed consecutive buffers of the stream to
 * `next`; at end of input the `pending` bytes form the final chunk. Buffers need not be kept: the
 * chunker remembers the last 64 hashed bytes itself. Call `reset` before the next stream.
 */
export class Chunker {
  private readonly t: ChunkerTables;
  private readonly minSize: number;
  private readonly maxSize: number;
  private readonly mask: number;
  /** The last 64 bytes slid through the window, oldest first. */
  private readonly prev = new Uint8Array(WINDOW);
  private hi = 0;
  private lo = 0;
  private count = 0;
  // the digest at the last cut, kept as numbers so a cut allocates nothing
  private cutHi = 0;
  private cutLo = 0;

  /** `params` exist for the upstream test vectors; restic always uses the defaults. */
  constructor(pol: bigint, params: ChunkerParams = {}) {
    this.t = ChunkerTables.for(pol);
    this.minSize = params.minSize ?? MIN_SIZE;
    this.maxSize = params.maxSize ?? MAX_SIZE;
    const bits = params.averageBits ?? 20;
    if (!Number.isInteger(this.minSize) || !Number.isInteger(this.maxSize) || this.minSize < WINDOW || this.maxSize < this.minSize) {
      throw new RangeError(`chunker: need ${WINDOW} ≤ minSize ≤ maxSize, got ${this.minSize}, ${this.maxSize}`);
    }
    if (!Number.isInteger(bits) || bits < 1 || bits > 31) throw new RangeError(`chunker: averageBits ${bits} not in 1..31`);
    this.mask = 2 ** bits - 1;
    this.reset();
  }

  /** Bytes in the current, unfinished chunk. */
  get pending(): number {
    return this.count;
  }

  /** The digest at the last cut (for vector tests). */
  get lastCutFingerprint(): bigint {
    return (BigInt(this.cutHi >>> 0) << 32n) | BigInt(this.cutLo >>> 0);
  }

  private cut(hi: number, lo: number, i: number): number {
    this.cutHi = hi;
    this.cutLo = lo;
    this.reset();
    return i + 1;
  }

  /** Starts a new chunk (and a new stream). */
  reset(): void {
    this.prev.fill(0);
    this.prev[WINDOW - 1] = 1;
    this.hi = 0;
    this.lo = 1;
    this.count = 0;
  }

  /**
   * Scans buf[start, end). Returns the index just after the next cut (the chunk ends there and
   * the chunker starts a new one), or -1 when the range holds no cut (it joins the current chunk).
   */
  next(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    const skipUntil = this.minSize - WINDOW;
    if (this.count < skipUntil) {
      const skip = Math.min(end - i, skipUntil - this.count);
      i += skip;
      this.count += skip;
      if (i === end) return -1;
    }
    const { outHi, outLo, modHi, modLo, shift } = this.t;
    const prev = this.prev;
    const mask = this.mask;
    const minSize = this.minSize;
    const maxSize = this.maxSize;
    let hi = this.hi;
    let lo = this.lo;
    let count = this.count;
    const scanStart = i;
    // head: the first 64 slides of this call take the leaving byte from the saved window
    const headEnd = Math.min(end, scanStart + WINDOW);
    for (; i < headEnd; i++) {
      const o = prev[i - scanStart]!;
      hi ^= outHi[o]!;
      lo ^= outLo[o]!;
      const idx = hi >>> shift;
      hi = (hi << 8) | (lo >>> 24);
      lo = (lo << 8) | buf[i]!;
      hi ^= modHi[idx]!;
      lo ^= modLo[idx]!;
      count++;
      if (count >= minSize && ((lo & mask) === 0 || count >= maxSize)) return this.cut(hi, lo, i);
    }
    // body: count ≥ minSize here, so only the mask and MaxSize decide; the leaving byte is in buf
    const bodyStart = i;
    const limit = Math.min(end, i + (maxSize - count));
    for (; i < limit; i++) {
      const o = buf[i - WINDOW]!;
      hi ^= outHi[o]!;
      lo ^= outLo[o]!;
      const idx = hi >>> shift;
      hi = (hi << 8) | (lo >>> 24);
      lo = (lo << 8) | buf[i]!;
      hi ^= modHi[idx]!;
      lo ^= modLo[idx]!;
      if ((lo & mask) === 0) return this.cut(hi, lo, i);
    }
    count += i - bodyStart;
    if (count >= maxSize) return this.cut(hi, lo, i - 1);
    // remember the last 64 slid bytes for the next call
    const scanned = end - scanStart;
    if (scanned >= WINDOW) {
      prev.set(buf.subarray(end - WINDOW, end));
    } else {
      prev.copyWithin(0, scanned);
      prev.set(buf.subarray(scanStart, end), WINDOW - scanned);
    }
    this.hi = hi;
    this.lo = lo;
    this.count = count;
    return -1;
  }
}

/** Chunk lengths of a whole buffer (tests, small inputs). */
export function chunkBoundaries(pol: bigint, data: Uint8Array, params: ChunkerParams = {}): number[] {
  const c = new Chunker(pol, params);
  const lengths: number[] = [];
  let start = 0;
  for (let pos = 0; pos < data.length;) {
    const cut = c.next(data, pos, data.length);
    if (cut < 0) break;
    lengths.push(cut - start);
    start = cut;
    pos = cut;
  }
  if (start < data.length) lengths.push(data.length - start);
  return lengths;
}
