/**
 * The in-memory master index: blob (type, ID) → (pack, offset, length, uncompressed length).
 *
 * Stored column-wise in typed arrays with an open-addressing hash table, never as one JS
 * object per blob: a repository with millions of blobs costs ~50 bytes per blob and no GC
 * pressure. Packs are few (≥ 4 MiB each) and live in a plain array.
 *
 *   slot = first 4 bytes of the blob ID (uniformly random: it is SHA-256) & mask
 *   linear probing; a slot holds blobIndex + 1 (0 = empty); load factor ≤ 1/2.
 *
 * A blob stored in several packs (as restic's index files may list it: an interrupted prune, a
 * blob stored again because its first copy is damaged) keeps its first location in the columns
 * and the others, rare, in a side map; readers try each copy (`locations`).
 */
import { type Id, idFromBytes } from '../../core/index.js';
import { type BlobType, blobPlaintextLength } from '../pack/header.js';

export interface BlobLocation {
  type: BlobType;
  id: Id;
  packId: Id;
  offset: number;
  length: number;
  uncompressedLength: number;
}

const TYPE_DATA = 0;
const TYPE_TREE = 1;

/** A further copy of a blob: its pack (number), offset, length and uncompressed length. */
type Copy = [pack: number, offset: number, length: number, uncompressedLength: number];

export class MasterIndex {
  private packIds: Id[] = [];
  private packNumbers = new Map<string, number>();
  private count = 0;
  private capacity: number;
  private ids: Uint8Array;
  private types: Uint8Array;
  private packs: Uint32Array;
  private offsets: Uint32Array;
  private lengths: Uint32Array;
  private plainLengths: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  /** Further copies of blobs stored in more than one pack, by blob number. */
  private readonly copies = new Map<number, Copy[]>();
  private readonly scratch = Buffer.alloc(32);

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.ids = new Uint8Array(this.capacity * 32);
    this.types = new Uint8Array(this.capacity);
    this.packs = new Uint32Array(this.capacity);
    this.offsets = new Uint32Array(this.capacity);
    this.lengths = new Uint32Array(this.capacity);
    this.plainLengths = new Uint32Array(this.capacity);
    const slotCount = nextPow2(this.capacity * 2);
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
  }

  get blobCount(): number {
    return this.count;
  }

  get packCount(): number {
    return this.packIds.length;
  }

  /** Number of the pack in this index (added on first use). */
  packNumber(packId: Id): number {
    let n = this.packNumbers.get(packId);
    if (n === undefined) {
      n = this.packIds.length;
      this.packIds.push(packId);
      this.packNumbers.set(packId, n);
    }
    return n;
  }

  hasPack(packId: Id): boolean {
    return this.packNumbers.has(packId);
  }

  /**
   * Adds a blob. A blob already present (same type and ID) keeps its first location; one in
   * another place is remembered as a further copy.
   */
  add(type: BlobType, id: Id, packId: Id, offset: number, length: number, uncompressedLength: number): void {
    this.scratch.write(id, 0, 32, 'hex');
    this.addKey(type, this.scratch, packId, offset, length, uncompressedLength);
  }

  /** `add` with the ID as 32 raw bytes (no hex string per blob on hot paths). */
  addKey(type: BlobType, key: Uint8Array, packId: Id, offset: number, length: number, uncompressedLength: number): void {
    const t = type === 'tree' ? TYPE_TREE : TYPE_DATA;
    const found = this.find(t, key);
    if (found >= 0) {
      this.addCopy(found, this.packNumber(packId), offset, length, uncompressedLength);
      return;
    }
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    this.ids.set(key.subarray(0, 32), i * 32);
    this.types[i] = t;
    this.packs[i] = this.packNumber(packId);
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.plainLengths[i] = uncompressedLength;
    this.insertSlot(i);
  }

  has(type: BlobType, id: Id): boolean {
    this.scratch.write(id, 0, 32, 'hex');
    return this.find(type === 'tree' ? TYPE_TREE : TYPE_DATA, this.scratch) >= 0;
  }

  /** `has` with the ID as 32 raw bytes. */
  hasKey(type: BlobType, key: Uint8Array): boolean {
    return this.find(type === 'tree' ? TYPE_TREE : TYPE_DATA, key) >= 0;
  }

  lookup(type: BlobType, id: Id): BlobLocation | undefined {
    this.scratch.write(id, 0, 32, 'hex');
    const i = this.find(type === 'tree' ? TYPE_TREE : TYPE_DATA, this.scratch);
    return i < 0 ? undefined : this.location(i);
  }

  /** Every known copy of a blob, its first location first; empty if the blob is unknown. */
  locations(type: BlobType, id: Id): BlobLocation[] {
    this.scratch.write(id, 0, 32, 'hex');
    const i = this.find(type === 'tree' ? TYPE_TREE : TYPE_DATA, this.scratch);
    if (i < 0) return [];
    const first = this.location(i);
    return [first, ...(this.copies.get(i) ?? []).map(([pack, offset, length, uncompressedLength]) => ({ ...first, packId: this.packIds[pack]!, offset, length, uncompressedLength }))];
  }

  /** Number of blobs stored in more than one place. */
  get duplicateCount(): number {
    return this.copies.size;
  }

  /** Plaintext size of a blob, or -1 if unknown. */
  plaintextSize(type: BlobType, id: Id): number {
    this.scratch.write(id, 0, 32, 'hex');
    const i = this.find(type === 'tree' ? TYPE_TREE : TYPE_DATA, this.scratch);
    if (i < 0) return -1;
    return blobPlaintextLength(this.lengths[i]!, this.plainLengths[i]!);
  }

  /** Every blob, in insertion order (its first location). */
  *blobs(): IterableIterator<BlobLocation> {
    for (let i = 0; i < this.count; i++) yield this.location(i);
  }

  /** Every copy of every blob: `blobs()` and then the further copies. */
  *allCopies(): IterableIterator<BlobLocation> {
    yield* this.blobs();
    for (const [i, copies] of this.copies) {
      const first = this.location(i);
      for (const [pack, offset, length, uncompressedLength] of copies) yield { ...first, packId: this.packIds[pack]!, offset, length, uncompressedLength };
    }
  }

  private addCopy(i: number, pack: number, offset: number, length: number, uncompressedLength: number): void {
    if (this.packs[i] === pack && this.offsets[i] === offset) return;
    const known = this.copies.get(i);
    if (!known) {
      this.copies.set(i, [[pack, offset, length, uncompressedLength]]);
      return;
    }
    if (known.some(([p, o]) => p === pack && o === offset)) return;
    known.push([pack, offset, length, uncompressedLength]);
  }

  private location(i: number): BlobLocation {
    return {
      type: this.types[i] === TYPE_TREE ? 'tree' : 'data',
      id: idFromBytes(this.ids.subarray(i * 32, i * 32 + 32)),
      packId: this.packIds[this.packs[i]!]!,
      offset: this.offsets[i]!,
      length: this.lengths[i]!,
      uncompressedLength: this.plainLengths[i]!,
    };
  }

  private hashOf(key: Uint8Array, t: number): number {
    return ((key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) ^ t) & this.mask;
  }

  private find(t: number, key: Uint8Array): number {
    const ids = this.ids;
    for (let s = this.hashOf(key, t); ; s = (s + 1) & this.mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      const i = v - 1;
      if (this.types[i] !== t) continue;
      const base = i * 32;
      let same = true;
      for (let k = 0; k < 32; k++) {
        if (ids[base + k] !== key[k]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }

  private insertSlot(i: number): void {
    const key = this.ids.subarray(i * 32, i * 32 + 32);
    let s = this.hashOf(key, this.types[i]!);
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = i + 1;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const grown = <T extends Uint8Array | Uint32Array>(old: T, make: (n: number) => T, per = 1): T => {
      const a = make(cap * per);
      a.set(old);
      return a;
    };
    this.ids = grown(this.ids, (n) => new Uint8Array(n), 32);
    this.types = grown(this.types, (n) => new Uint8Array(n));
    this.packs = grown(this.packs, (n) => new Uint32Array(n));
    this.offsets = grown(this.offsets, (n) => new Uint32Array(n));
    this.lengths = grown(this.lengths, (n) => new Uint32Array(n));
    this.plainLengths = grown(this.plainLengths, (n) => new Uint32Array(n));
    this.capacity = cap;
    const slotCount = nextPow2(cap * 2);
    this.slots = new Int32Array(slotCount);
    this.mask = slotCount - 1;
    for (let i = 0; i < this.count; i++) this.insertSlot(i);
  }
}

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
