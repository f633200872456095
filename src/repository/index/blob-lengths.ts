/**
 * The master index's length columns: a blob's length and uncompressed length in 6 bytes a row
 * instead of 8, with a side list for the rare blob that does not fit.
 *
 * Data blobs are chunks of at most 8 MiB (restic's chunker), so both lengths fit in 24 bits for
 * nearly every blob; only big tree blobs (a directory of a million entries makes a tree of over
 * 100 MB) do not. Row i holds
 *
 *   packed[i] = length (low 24 bits) | uncompressed length bits 16–23 (top 8 bits)
 *   low[i]    = uncompressed length bits 0–15
 *
 * A row whose length is ESCAPE (2^24 − 1) holds, in its 24 uncompressed-length bits, the number
 * of an entry in `large` (two numbers: length, uncompressed length) instead: that number moves
 * with the row when the rows are sorted or merged, so nothing else has to know where the row
 * went. A row dropped as a duplicate leaves its entry unused (a few bytes, and rare).
 */
import { LifeboatError } from '../../core/index.js';

/** The length field's value that sends a row to `large`; lengths from it on do not fit. */
export const ESCAPE = 0xffffff;
/** Bytes a row takes in these columns. */
export const LENGTH_ROW_BYTES = 6;

export class BlobLengths {
  packed: Uint32Array;
  low: Uint16Array;
  /** Length and uncompressed length of escaped rows, two numbers an entry. */
  private readonly large: number[] = [];

  constructor(capacity: number) {
    this.packed = new Uint32Array(capacity);
    this.low = new Uint16Array(capacity);
  }

  set(i: number, length: number, plainLength: number): void {
    let plain = plainLength;
    if (length >= ESCAPE || plainLength > ESCAPE) {
      plain = this.large.length / 2;
      if (plain > ESCAPE) throw new LifeboatError('E_UNSUPPORTED', 'the master index holds at most 16,777,216 blobs of 16 MiB or more');
      this.large.push(length, plainLength);
      length = ESCAPE;
    }
    this.packed[i] = (length | ((plain >>> 16) << 24)) >>> 0;
    this.low[i] = plain & 0xffff;
  }

  length(i: number): number {
    const length = this.packed[i]! & ESCAPE;
    return length === ESCAPE ? this.large[2 * this.field(i)]! : length;
  }

  plainLength(i: number): number {
    const plain = this.field(i);
    return (this.packed[i]! & ESCAPE) === ESCAPE ? this.large[2 * plain + 1]! : plain;
  }

  /** Row i's 24-bit uncompressed-length field. */
  private field(i: number): number {
    return ((this.packed[i]! >>> 24) << 16) | this.low[i]!;
  }

  move(from: number, to: number): void {
    this.packed[to] = this.packed[from]!;
    this.low[to] = this.low[from]!;
  }

  swap(i: number, j: number): void {
    const p = this.packed[i]!;
    this.packed[i] = this.packed[j]!;
    this.packed[j] = p;
    const l = this.low[i]!;
    this.low[i] = this.low[j]!;
    this.low[j] = l;
  }

  /** A copy of rows [from, to) (MasterIndex's merge sets them aside); `put` writes one back. */
  slice(from: number, to: number): RowLengths {
    return { packed: this.packed.slice(from, to), low: this.low.slice(from, to) };
  }

  /** Writes row j of `aside` (from `slice`) to row i. */
  put(i: number, aside: RowLengths, j: number): void {
    this.packed[i] = aside.packed[j]!;
    this.low[i] = aside.low[j]!;
  }

  /** New columns for `capacity` rows (more than now), holding the rows there are. */
  grow(capacity: number): void {
    const packed = new Uint32Array(capacity);
    packed.set(this.packed);
    const low = new Uint16Array(capacity);
    low.set(this.low);
    this.packed = packed;
    this.low = low;
  }

  /** Bytes the side list holds (8 a number in V8's heap). */
  get largeBytes(): number {
    return this.large.length * 8;
  }
}

/** Rows' lengths set aside by `BlobLengths.slice`. */
export interface RowLengths {
  packed: Uint32Array;
  low: Uint16Array;
}
