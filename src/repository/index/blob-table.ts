/**
 * The master index's storage: one row per blob in typed-array columns, 46 bytes a row and nothing
 * else per blob: the 32-byte ID, the pack number with the blob type in its top bit, the offset
 * (4 bytes each), and the length and uncompressed length in 6 bytes (BlobLengths: 24 bits each,
 * a side list for the rare blob of 16 MiB or more).
 *
 * Rows are appended unsorted; `sort` orders them by key in place, and a table of bucket starts
 * (about one entry per 16 rows) then narrows a lookup to a few rows:
 *
 *   key order   = the ID as eight 32-bit words (native byte order), then the type bit;
 *                 rows with the same key by pack number, then offset
 *   bucket      = top `bits` bits of the first word (IDs are SHA-256: buckets are even)
 *   sort        = in-place MSD radix on the bucket (American flag sort: each row moved once),
 *                 then each bucket by quicksort / insertion sort (in the addon when it is there:
 *                 native/sort-rows.c, the same steps)
 *   lookup      = bucket → [starts[b], starts[b+1]) → interpolation on the first word, then
 *                 a walk to the first row with that word
 *
 * Capacity doubles when full, or is reserved ahead (`reserve`): pages a row has not reached yet
 * are never written, so the memory the process uses follows the rows, not the capacity, and a
 * capacity reserved once for all (no copy when growing) keeps the peak at the rows' size.
 */

import { nativeAvailable, sortIndexRows } from '../../native/index.js';
import { BlobLengths, LENGTH_ROW_BYTES } from './blob-lengths.js';

/** Bytes a row takes: ID, pack word, offset, lengths. */
export const ROW_BYTES = 32 + 4 + 4 + LENGTH_ROW_BYTES;

/** Top bit of `packs[i]`: set for a tree blob. */
export const TREE_BIT = 0x80000000;
/** The pack number part of `packs[i]`. */
export const PACK_MASK = 0x7fffffff;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The 32-bit word at `at` in `bytes`, as `BlobTable.words` reads it (native byte order). */
export function wordOf(bytes: Uint8Array, at: number): number {
  const [a, b, c, d] = [bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!];
  return (LITTLE_ENDIAN ? a | (b << 8) | (c << 16) | (d << 24) : (a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export class BlobTable {
  count = 0;
  /** Rows [0, sortedCount) are in key order and covered by `starts`. */
  sortedCount = 0;
  ids: Uint8Array;
  /** `ids` as 32-bit words, eight per row. */
  words: Uint32Array;
  /** Pack number | TREE_BIT for trees. */
  packs: Uint32Array;
  offsets: Uint32Array;
  /** Length and uncompressed length: read them with `length(i)` and `plainLength(i)`. */
  private readonly lengths: BlobLengths;
  private capacity: number;
  private starts: Uint32Array = new Uint32Array(3);
  private shift = 31;

  constructor(initialCapacity: number) {
    this.capacity = Math.max(16, initialCapacity);
    this.ids = new Uint8Array(this.capacity * 32);
    this.words = new Uint32Array(this.ids.buffer);
    this.packs = new Uint32Array(this.capacity);
    this.offsets = new Uint32Array(this.capacity);
    this.lengths = new BlobLengths(this.capacity);
  }

  /** Row i's length (as stored in its pack). */
  length(i: number): number {
    return this.lengths.length(i);
  }

  /** Row i's uncompressed length (0: stored uncompressed). */
  plainLength(i: number): number {
    return this.lengths.plainLength(i);
  }

  /** Bytes the rows and the bucket table hold (pages touched; room reserved and unused costs none). */
  get footprint(): { rows: number; buckets: number; largeLengths: number } {
    return { rows: this.count * ROW_BYTES, buckets: this.starts.byteLength, largeLengths: this.lengths.largeBytes };
  }

  /** Appends a row (unsorted); returns its number. */
  append(key: Uint8Array, packWord: number, offset: number, length: number, plainLength: number): number {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.ids.set(key.subarray(0, 32), i * 32);
    this.packs[i] = packWord;
    this.offsets[i] = offset;
    this.lengths.set(i, length, plainLength);
    return i;
  }

  /**
   * Row of the key (32 bytes at any alignment, `k0` its first word as `wordOf` reads it, type bit
   * 0 or 1) among the sorted rows, or -1. IDs are uniform: the first word places the key within
   * its bucket (interpolation), and a short walk from there reaches the first row with that word
   * (the rows touched are neighbours).
   */
  searchSorted(key: Uint8Array, k0: number, typeBit: number): number {
    if (this.sortedCount === 0) return -1;
    const w = this.words;
    const b = k0 >>> this.shift;
    const lo = this.starts[b]!;
    const hi = this.starts[b + 1]!;
    if (lo === hi) return -1;
    // the first word's bits below the bucket's, as a fraction of the bucket
    const below = (k0 << (32 - this.shift)) >>> 0;
    let i = lo + Math.floor((below / 4294967296) * (hi - lo));
    if (w[i * 8]! < k0) {
      do i++;
      while (i < hi && w[i * 8]! < k0);
    } else {
      while (i > lo && w[(i - 1) * 8]! >= k0) i--;
    }
    for (; i < hi && w[i * 8] === k0; i++) if (this.matches(i, key, typeBit, 4)) return i;
    return -1;
  }

  /** True when row i holds the key (bytes before `from` already known to match). */
  matches(i: number, key: Uint8Array, typeBit: number, from = 0): boolean {
    if (this.packs[i]! >>> 31 !== typeBit) return false;
    const ids = this.ids;
    const base = i * 32;
    for (let k = from; k < 32; k++) if (ids[base + k] !== key[k]) return false;
    return true;
  }

  /** True when rows i and j have the same key (ID and type). */
  sameKey(i: number, j: number): boolean {
    const w = this.words;
    const a = i * 8;
    const b = j * 8;
    for (let k = 0; k < 8; k++) if (w[a + k] !== w[b + k]) return false;
    return this.packs[i]! >>> 31 === this.packs[j]! >>> 31;
  }

  /**
   * Sorts every row into key order and makes them all searchable. Rows with the same key end
   * up next to each other, the lowest pack number (then offset) first; `removeDuplicates` merges them.
   */
  sort(inAddon = nativeAvailable()): void {
    const n = this.count;
    const bits = bitsFor(n);
    const shift = 32 - bits;
    if (inAddon) {
      // the same algorithm in C: every command sorts at its first lookup, before V8 has optimised this
      this.starts = sortIndexRows({ words: this.words, packs: this.packs, offsets: this.offsets, packed: this.lengths.packed, low: this.lengths.low }, n, bits);
      this.shift = shift;
      this.sortedCount = n;
      return;
    }
    const buckets = 1 << bits;
    const w = this.words;
    const starts = new Uint32Array(buckets + 1);
    for (let i = 0; i < n; i++) {
      const b = (w[i * 8]! >>> shift) + 1;
      starts[b] = starts[b]! + 1;
    }
    for (let b = 0; b < buckets; b++) starts[b + 1] = starts[b + 1]! + starts[b]!;
    const next = starts.slice(0, buckets);
    for (let b = 0; b < buckets; b++) {
      const end = starts[b + 1]!;
      while (next[b]! < end) {
        const i = next[b]!;
        const c = w[i * 8]! >>> shift;
        if (c === b) next[b] = i + 1;
        else {
          const j = next[c]!;
          next[c] = j + 1;
          this.swap(i, j);
        }
      }
    }
    for (let b = 0; b < buckets; b++) this.sortRange(starts[b]!, starts[b + 1]!);
    this.starts = starts;
    this.shift = shift;
    this.sortedCount = n;
  }

  /**
   * Sorts the rows appended since the last sort (few, beside many sorted ones) in with the
   * others: they are sorted alone, set aside, and merged with the sorted rows from the end, each
   * row moving once and in order. Costs a copy of the new rows; no row may have a sorted twin.
   */
  mergeUnsorted(): void {
    const s = this.sortedCount;
    const n = this.count;
    if (s === 0) return this.sort();
    this.sortRange(s, n);
    const aw = this.words.slice(s * 8, n * 8);
    const ap = this.packs.slice(s, n);
    const ao = this.offsets.slice(s, n);
    const al = this.lengths.slice(s, n);
    const w = this.words;
    let i = s - 1;
    let j = n - s - 1;
    for (let k = n - 1; j >= 0; k--) {
      if (i >= 0 && this.greaterThanAside(i, aw, ap[j]!, j)) {
        this.move(i--, k);
        continue;
      }
      for (let x = 0; x < 8; x++) w[k * 8 + x] = aw[j * 8 + x]!;
      this.packs[k] = ap[j]!;
      this.offsets[k] = ao[j]!;
      this.lengths.put(k, al, j);
      j--;
    }
    this.sortedCount = n;
    this.countStarts(bitsFor(n));
  }

  /** True when row i's key comes after that of row j of the rows set aside (words `aw`, pack word `packWord`). */
  private greaterThanAside(i: number, aw: Uint32Array, packWord: number, j: number): boolean {
    const w = this.words;
    const a = i * 8;
    const b = j * 8;
    for (let k = 0; k < 8; k++) {
      const x = w[a + k]!;
      const y = aw[b + k]!;
      if (x !== y) return x > y;
    }
    return this.packs[i]! >>> 31 > packWord >>> 31;
  }

  /**
   * Merges runs of rows with the same key (after `sort`) into their first row: `onDuplicate(kept,
   * dropped)` sees each other row before it goes. Returns the number of rows dropped.
   */
  removeDuplicates(onDuplicate: (kept: number, dropped: number) => void): number {
    const n = this.sortedCount;
    let write = 0;
    for (let read = 0; read < n; read++) {
      if (write > 0 && this.sameKey(write - 1, read)) {
        onDuplicate(write - 1, read);
        continue;
      }
      if (write !== read) this.move(read, write);
      write++;
    }
    const dropped = n - write;
    if (dropped > 0) {
      // rows after the sorted ones (none when called right after sort) move down with them
      for (let read = n; read < this.count; read++) this.move(read, read - dropped);
      this.count -= dropped;
      this.sortedCount = write;
      this.countStarts(bitsFor(this.sortedCount));
    }
    return dropped;
  }

  /** Rebuilds `starts` over the sorted rows with `bits` bucket bits. */
  private countStarts(bits: number): void {
    if (32 - bits !== this.shift) {
      this.shift = 32 - bits;
      this.starts = new Uint32Array((1 << bits) + 1);
    }
    const starts = this.starts;
    starts.fill(0);
    for (let i = 0; i < this.sortedCount; i++) {
      const b = (this.words[i * 8]! >>> this.shift) + 1;
      starts[b] = starts[b]! + 1;
    }
    for (let b = 0; b + 1 < starts.length; b++) starts[b + 1] = starts[b + 1]! + starts[b]!;
  }

  /** Sort order of rows i and j: key, then pack number, then offset. */
  private compare(i: number, j: number): number {
    const w = this.words;
    const a = i * 8;
    const b = j * 8;
    for (let k = 0; k < 8; k++) {
      const x = w[a + k]!;
      const y = w[b + k]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    const p = this.packs[i]!;
    const q = this.packs[j]!;
    if (p >>> 31 !== q >>> 31) return (p >>> 31) - (q >>> 31);
    if (p !== q) return (p & PACK_MASK) - (q & PACK_MASK);
    return this.offsets[i]! - this.offsets[j]!;
  }

  /** Quicksort (median of three) down to runs of 16, then insertion sort; [lo, hi). */
  private sortRange(lo: number, hi: number): void {
    while (hi - lo > 16) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(mid, lo) < 0) this.swap(mid, lo);
      if (this.compare(hi - 1, lo) < 0) this.swap(hi - 1, lo);
      if (this.compare(hi - 1, mid) < 0) this.swap(hi - 1, mid);
      this.swap(lo, mid); // pivot (the median) at lo
      let i = lo;
      let j = hi;
      for (;;) {
        do i++;
        while (i < hi && this.compare(i, lo) < 0);
        do j--;
        while (this.compare(j, lo) > 0);
        if (i >= j) break;
        this.swap(i, j);
      }
      this.swap(lo, j);
      // the smaller side recursively, the larger one in this loop: depth stays O(log n)
      if (j - lo < hi - j - 1) {
        this.sortRange(lo, j);
        lo = j + 1;
      } else {
        this.sortRange(j + 1, hi);
        hi = j;
      }
    }
    for (let i = lo + 1; i < hi; i++) {
      for (let j = i; j > lo && this.compare(j - 1, j) > 0; j--) this.swap(j - 1, j);
    }
  }

  private swap(i: number, j: number): void {
    const w = this.words;
    const a = i * 8;
    const b = j * 8;
    for (let k = 0; k < 8; k++) {
      const t = w[a + k]!;
      w[a + k] = w[b + k]!;
      w[b + k] = t;
    }
    swapIn(this.packs, i, j);
    swapIn(this.offsets, i, j);
    this.lengths.swap(i, j);
  }

  private move(from: number, to: number): void {
    this.words.copyWithin(to * 8, from * 8, from * 8 + 8);
    this.packs[to] = this.packs[from]!;
    this.offsets[to] = this.offsets[from]!;
    this.lengths.move(from, to);
  }

  /** Makes room for `rows` rows in all (a hint: rows past it still fit, by doubling). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
  }

  private grow(to = this.capacity * 2): void {
    const cap = to;
    const grown = <T extends Uint8Array | Uint32Array>(old: T, make: (n: number) => T, per = 1): T => {
      const a = make(cap * per);
      a.set(old);
      return a;
    };
    this.ids = grown(this.ids, (n) => new Uint8Array(n), 32);
    this.words = new Uint32Array(this.ids.buffer);
    this.packs = grown(this.packs, (n) => new Uint32Array(n));
    this.offsets = grown(this.offsets, (n) => new Uint32Array(n));
    this.lengths.grow(cap);
    this.capacity = cap;
  }
}

/** Bucket bits for n sorted rows: about 16 to 32 rows a bucket. */
function bitsFor(n: number): number {
  return n < 64 ? 1 : Math.min(24, Math.floor(Math.log2(n)) - 4);
}

function swapIn(a: Uint32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
