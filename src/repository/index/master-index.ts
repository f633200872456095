/**
 * The in-memory master index: blob (type, ID) → (pack, offset, length, uncompressed length).
 *
 * The rows live in a BlobTable: typed-array columns, 46 bytes per blob and no JS object per blob
 * (no GC pressure); packs are few (≥ 4 MiB each) and live in a PackTable (32 bytes a pack, and a hash).
 * `footprint` tells what each part holds. Two phases:
 *
 *   loading     `add` only appends (no lookup per blob). The first question asked (`has`,
 *               `lookup`, `blobCount`, iteration…) sorts the rows once and merges the rows of a
 *               blob listed more than once.
 *   afterwards  `add` looks the blob up first; new blobs are appended after the sorted rows and
 *               found through a small hash of those rows only. When they outgrow 1/16 of the
 *               sorted rows (at least 4096), they are sorted and merged in (each row moves once).
 *
 * A blob stored in several packs (as restic's index files may list it: an interrupted prune, a
 * blob stored again because its first copy is damaged) keeps one location in the rows and the
 * others, rare, in a side map; readers try each copy (`locations`). The location kept is the
 * first one added after loading; among the copies loaded together, the one in the pack seen first
 * (then the lowest offset): index files load concurrently, so their order means nothing.
 *
 * Iteration (`blobs`) follows the key order, not the order of `add`; do not add while iterating.
 */
import type { Id } from '../../core/index.js';
import { type BlobType, blobPlaintextLength } from '../pack/header.js';
import { BlobTable, PACK_MASK, TREE_BIT, wordOf } from './blob-table.js';
import { PackBlobs, type RowCopy } from './pack-blobs.js';
import { PackTable } from './pack-table.js';

export interface BlobLocation {
  type: BlobType;
  id: Id;
  packId: Id;
  offset: number;
  length: number;
  uncompressedLength: number;
}

/** Bytes each part of the master index holds (typed arrays: the pages written, not the room reserved). */
export interface IndexFootprint {
  blobs: number;
  /** The rows: ID, pack and type, offset, lengths. */
  rows: number;
  /** The table of bucket starts over the sorted rows. */
  buckets: number;
  /** Pack IDs and their hash. */
  packs: number;
  /** The hash of the rows added since the last sort. */
  pendingHash: number;
  /** Lengths of blobs too large for a row's 24-bit fields (a JS array). */
  largeLengths: number;
  /** Blobs with further copies (kept in a Map in the JS heap; not counted in bytes). */
  duplicates: number;
}

/** A further copy of a blob: its pack (number), offset, length and uncompressed length. */
type Copy = [pack: number, offset: number, length: number, uncompressedLength: number];

/** Rows added after the last sort that trigger a new one: at least this many… */
const MIN_TAIL = 4096;
/** …and at least sorted rows >> TAIL_SHIFT. */
const TAIL_SHIFT = 4;

export class MasterIndex {
  private readonly packs = new PackTable();
  private readonly table: BlobTable;
  /** False while loading: `add` appends without looking up. */
  private settled = false;
  /** Open-addressing hash of the rows after the sorted ones: row + 1, 0 = empty. */
  private tail = new Int32Array(0);
  private tailMask = 0;
  /** Further copies of blobs stored in more than one pack, by type bit and hex ID. */
  private readonly copies = new Map<string, Copy[]>();
  private readonly keyBytes = new Uint8Array(32);
  private readonly scratch = Buffer.from(this.keyBytes.buffer, 0, 32);
  private idText: Buffer = Buffer.alloc(0);

  constructor(initialCapacity = 1024) {
    this.table = new BlobTable(initialCapacity);
  }

  get blobCount(): number {
    this.settle();
    return this.table.count;
  }

  get packCount(): number {
    return this.packs.count;
  }

  /** Number of the pack in this index (added on first use). */
  packNumber(packId: Id): number {
    return this.packs.number(packId);
  }

  hasPack(packId: Id): boolean {
    return this.packs.has(packId);
  }

  /** Bytes each part holds (settles the index first: the rows sorted, as a question leaves them). */
  footprint(): IndexFootprint {
    this.settle();
    const { rows, buckets, largeLengths } = this.table.footprint;
    return { blobs: this.table.count, rows, buckets, packs: this.packs.footprint, pendingHash: this.tail.byteLength, largeLengths, duplicates: this.copies.size };
  }

  /**
   * Makes room for `blobs` blobs in all, so that loading them copies nothing when the rows grow.
   * Room no blob uses costs address space only (its pages are never written): an upper bound
   * is the right hint.
   */
  reserve(blobs: number): void {
    this.table.reserve(blobs);
  }

  /**
   * Adds a blob. A blob already present (same type and ID) keeps its location; one in another
   * place is remembered as a further copy.
   */
  add(type: BlobType, id: Id, packId: Id, offset: number, length: number, uncompressedLength: number): void {
    this.scratch.write(id, 0, 32, 'hex');
    this.addKey(type, this.keyBytes, packId, offset, length, uncompressedLength);
  }

  /** `add` with the ID as 32 raw bytes (no hex string per blob on hot paths). */
  addKey(type: BlobType, key: Uint8Array, packId: Id, offset: number, length: number, uncompressedLength: number): void {
    const t = type === 'tree' ? 1 : 0;
    const pack = this.packs.number(packId);
    if (!this.settled) {
      this.table.append(key, t === 1 ? (pack | TREE_BIT) >>> 0 : pack, offset, length, uncompressedLength);
      return;
    }
    const found = this.find(t, key);
    if (found >= 0) {
      this.addCopy(found, t, pack, offset, length, uncompressedLength);
      return;
    }
    const i = this.table.append(key, t === 1 ? (pack | TREE_BIT) >>> 0 : pack, offset, length, uncompressedLength);
    const tailRows = this.table.count - this.table.sortedCount;
    if (tailRows > Math.max(MIN_TAIL, this.table.sortedCount >>> TAIL_SHIFT)) this.resort();
    else this.insertTail(i, t);
  }

  has(type: BlobType, id: Id): boolean {
    this.scratch.write(id, 0, 32, 'hex');
    return this.find(type === 'tree' ? 1 : 0, this.keyBytes) >= 0;
  }

  /** `has` with the ID as 32 raw bytes. */
  hasKey(type: BlobType, key: Uint8Array): boolean {
    return this.find(type === 'tree' ? 1 : 0, key) >= 0;
  }

  lookup(type: BlobType, id: Id): BlobLocation | undefined {
    this.scratch.write(id, 0, 32, 'hex');
    const i = this.find(type === 'tree' ? 1 : 0, this.keyBytes);
    return i < 0 ? undefined : this.location(i);
  }

  /** Every known copy of a blob, the location kept in the rows first; empty if the blob is unknown. */
  locations(type: BlobType, id: Id): BlobLocation[] {
    this.scratch.write(id, 0, 32, 'hex');
    const t = type === 'tree' ? 1 : 0;
    const i = this.find(t, this.keyBytes);
    if (i < 0) return [];
    const first = this.location(i);
    const copies = this.copies.size > 0 ? this.copies.get(copyKey(t, first.id)) : undefined;
    return [first, ...(copies ?? []).map(([pack, offset, length, uncompressedLength]) => ({ ...first, packId: this.packs.idOf(pack), offset, length, uncompressedLength }))];
  }

  /** Number of blobs stored in more than one place. */
  get duplicateCount(): number {
    this.settle();
    return this.copies.size;
  }

  /** Plaintext size of a blob, or -1 if unknown. */
  plaintextSize(type: BlobType, id: Id): number {
    this.scratch.write(id, 0, 32, 'hex');
    const i = this.find(type === 'tree' ? 1 : 0, this.keyBytes);
    if (i < 0) return -1;
    return blobPlaintextLength(this.table.length(i), this.table.plainLength(i));
  }

  /** Every blob once (the location kept in the rows), in key order. */
  *blobs(): IterableIterator<BlobLocation> {
    this.settle();
    for (let i = 0; i < this.table.count; i++) yield this.location(i);
  }

  /** Every copy of every blob: `blobs()` and then the further copies. */
  *allCopies(): IterableIterator<BlobLocation> {
    yield* this.blobs();
    for (const [key, copies] of this.copies) {
      const first = this.lookup(key[0] === '1' ? 'tree' : 'data', key.slice(1) as Id)!;
      for (const [pack, offset, length, uncompressedLength] of copies) yield { ...first, packId: this.packs.idOf(pack), offset, length, uncompressedLength };
    }
  }

  /** Every pack's blobs, every copy counted (check); do not add while it is in use. */
  packBlobs(): PackBlobs {
    this.settle();
    const copies: RowCopy[] = [];
    for (const [key, list] of this.copies) {
      this.scratch.write(key.slice(1), 0, 32, 'hex');
      const row = this.find(Number(key[0]), this.keyBytes);
      for (const [pack, offset, length, uncompressedLength] of list) copies.push({ row, pack, offset, length, uncompressedLength });
    }
    return new PackBlobs(this.table, copies, this.packs.allIds());
  }

  /** Ends the loading phase: sorts the rows and merges those of the same blob. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const table = this.table;
    table.sort();
    table.removeDuplicates((kept, dropped) => {
      const t = table.packs[kept]! >>> 31;
      this.addCopy(kept, t, table.packs[dropped]! & PACK_MASK, table.offsets[dropped]!, table.length(dropped), table.plainLength(dropped));
    });
  }

  /** Sorts the rows added since the last sort in with the others (no duplicates among them). */
  private resort(): void {
    this.table.mergeUnsorted();
    this.tail.fill(0);
  }

  private addCopy(i: number, t: number, pack: number, offset: number, length: number, uncompressedLength: number): void {
    const table = this.table;
    if ((table.packs[i]! & PACK_MASK) === pack && table.offsets[i] === offset) return;
    const key = copyKey(t, this.idOf(i));
    const known = this.copies.get(key);
    if (!known) {
      this.copies.set(key, [[pack, offset, length, uncompressedLength]]);
      return;
    }
    if (known.some(([p, o]) => p === pack && o === offset)) return;
    known.push([pack, offset, length, uncompressedLength]);
  }

  private idOf(i: number): Id {
    const ids = this.table.ids;
    // a Buffer over the IDs (made again when they grow): its toString takes a range, no view per call
    if (this.idText.buffer !== ids.buffer) this.idText = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
    return this.idText.toString('hex', i * 32, i * 32 + 32) as Id;
  }

  private location(i: number): BlobLocation {
    const table = this.table;
    const p = table.packs[i]!;
    return {
      type: p >>> 31 === 1 ? 'tree' : 'data',
      id: this.idOf(i),
      packId: this.packs.idOf(p & PACK_MASK),
      offset: table.offsets[i]!,
      length: table.length(i),
      uncompressedLength: table.plainLength(i),
    };
  }

  /** Row of the blob, or -1. `key` is 32 raw bytes (any alignment). */
  private find(t: number, key: Uint8Array): number {
    this.settle();
    const table = this.table;
    const i = table.searchSorted(key, wordOf(key, 0), t);
    if (i >= 0 || table.count === table.sortedCount) return i;
    const mask = this.tailMask;
    for (let s = (wordOf(key, 4) ^ t) & mask; ; s = (s + 1) & mask) {
      const v = this.tail[s]!;
      if (v === 0) return -1;
      if (table.matches(v - 1, key, t)) return v - 1;
    }
  }

  /** Adds row i (after the sorted ones) to the tail hash, sized for the most rows allowed there. */
  private insertTail(i: number, t: number): void {
    const limit = Math.max(MIN_TAIL, this.table.sortedCount >>> TAIL_SHIFT);
    if (this.tail.length < limit * 2) {
      const slots = nextPow2(limit * 2);
      const old = this.tail;
      this.tail = new Int32Array(slots);
      this.tailMask = slots - 1;
      for (const v of old) if (v !== 0) this.placeTail(v - 1, this.table.packs[v - 1]! >>> 31);
    }
    this.placeTail(i, t);
  }

  private placeTail(i: number, t: number): void {
    const mask = this.tailMask;
    let s = (this.table.words[i * 8 + 1]! ^ t) & mask;
    while (this.tail[s] !== 0) s = (s + 1) & mask;
    this.tail[s] = i + 1;
  }
}

function copyKey(t: number, id: Id): string {
  return `${t}${id}`;
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
