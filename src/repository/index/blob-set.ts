/**
 * A set of blobs (type, ID) for walks over every snapshot (prune's used blobs, stats' blobs
 * counted): 33 bytes a slot in two typed arrays and nothing else per blob — no hex string, no
 * pack entry, no JS object. A MasterIndex used as a set costs its 46-byte row plus a pack entry
 * (32 bytes and a hash slot) per blob, since the set's "pack" is the blob itself.
 *
 *   slots   open addressing with linear probing; a slot holds the 32-byte ID (eight 32-bit words)
 *           and a flags byte: one bit per type present, one "marked" bit per type, 0 = empty
 *   home    the ID's first word scaled to the capacity (IDs are SHA-256: evenly spread), so the
 *           capacity need not be a power of two and `expected` sizes it exactly
 *   growth  at 3/4 full the capacity doubles (every slot moves once)
 *
 * A blob's mark (`mark`, `unmarked`) lets one pass over the index pick one copy per member and
 * then name the members no copy was found for, without a second set.
 */
import { type Id, idFromBytes } from '../../core/index.js';
import type { BlobType } from '../pack/header.js';
import { wordOf } from './blob-table.js';

const MAX_LOAD = 0.75;
/** Flag bits: member of that type, and marked. */
const MEMBER = { data: 1, tree: 2 } as const;
const MARKED = { data: 4, tree: 8 } as const;
const TWO_32 = 4294967296;

export class BlobSet {
  private capacity: number;
  private words: Uint32Array;
  private flags: Uint8Array;
  private members = 0;
  /** Slots holding an ID (a blob of both types takes one). */
  private slotsUsed = 0;
  private readonly keyBytes = new Uint8Array(32);
  private readonly scratch = Buffer.from(this.keyBytes.buffer, 0, 32);
  private readonly keyWords = new Uint32Array(8);

  /** `expected`: how many blobs it will hold at most, if known (no growth up to that). */
  constructor(expected = 768) {
    this.capacity = Math.max(16, Math.ceil(expected / MAX_LOAD) + 1);
    this.words = new Uint32Array(this.capacity * 8);
    this.flags = new Uint8Array(this.capacity);
  }

  /** Blobs held (a blob present as data and as tree counts twice). */
  get size(): number {
    return this.members;
  }

  /** Adds a blob; false when it was already there. */
  add(type: BlobType, id: Id): boolean {
    this.scratch.write(id, 0, 32, 'hex');
    return this.addKey(type, this.keyBytes);
  }

  /** `add` with the ID as 32 raw bytes. */
  addKey(type: BlobType, key: Uint8Array): boolean {
    if (this.slotsUsed + 1 > this.capacity * MAX_LOAD) this.grow();
    const slot = this.slotOf(key);
    const f = this.flags[slot]!;
    if (f & MEMBER[type]) return false;
    if (f === 0) {
      this.words.set(this.keyWords, slot * 8);
      this.slotsUsed++;
    }
    this.flags[slot] = f | MEMBER[type];
    this.members++;
    return true;
  }

  has(type: BlobType, id: Id): boolean {
    this.scratch.write(id, 0, 32, 'hex');
    return this.hasKey(type, this.keyBytes);
  }

  /** `has` with the ID as 32 raw bytes. */
  hasKey(type: BlobType, key: Uint8Array): boolean {
    return (this.flags[this.slotOf(key)]! & MEMBER[type]) !== 0;
  }

  /** Marks a member; true when it is one and was not marked before. */
  markKey(type: BlobType, key: Uint8Array): boolean {
    const slot = this.slotOf(key);
    const f = this.flags[slot]!;
    if ((f & MEMBER[type]) === 0 || (f & MARKED[type]) !== 0) return false;
    this.flags[slot] = f | MARKED[type];
    return true;
  }

  /** Every member, in no particular order; do not add while iterating. */
  *blobs(): Generator<{ type: BlobType; id: Id }> {
    yield* this.select((f, type) => (f & MEMBER[type]) !== 0);
  }

  /** The members never marked. */
  *unmarked(): Generator<{ type: BlobType; id: Id }> {
    yield* this.select((f, type) => (f & MEMBER[type]) !== 0 && (f & MARKED[type]) === 0);
  }

  private *select(pick: (flags: number, type: BlobType) => boolean): Generator<{ type: BlobType; id: Id }> {
    const bytes = new Uint8Array(this.words.buffer);
    for (let slot = 0; slot < this.capacity; slot++) {
      const f = this.flags[slot]!;
      if (f === 0) continue;
      for (const type of ['data', 'tree'] as const) {
        if (pick(f, type)) yield { type, id: idFromBytes(bytes.subarray(slot * 32, slot * 32 + 32)) };
      }
    }
  }

  /** The slot holding `key`, or the empty slot where it goes; leaves its words in keyWords. */
  private slotOf(key: Uint8Array): number {
    const k = this.keyWords;
    for (let w = 0; w < 8; w++) k[w] = wordOf(key, w * 4);
    const words = this.words;
    let slot = Math.floor((k[0]! / TWO_32) * this.capacity);
    for (;;) {
      if (this.flags[slot] === 0) return slot;
      const at = slot * 8;
      if (
        words[at] === k[0] &&
        words[at + 1] === k[1] &&
        words[at + 2] === k[2] &&
        words[at + 3] === k[3] &&
        words[at + 4] === k[4] &&
        words[at + 5] === k[5] &&
        words[at + 6] === k[6] &&
        words[at + 7] === k[7]
      ) {
        return slot;
      }
      slot = slot + 1 === this.capacity ? 0 : slot + 1;
    }
  }

  private grow(): void {
    const { capacity: oldCapacity, words: oldWords, flags: oldFlags } = this;
    this.capacity = oldCapacity * 2;
    this.words = new Uint32Array(this.capacity * 8);
    this.flags = new Uint8Array(this.capacity);
    for (let old = 0; old < oldCapacity; old++) {
      const f = oldFlags[old]!;
      if (f === 0) continue;
      let slot = Math.floor((oldWords[old * 8]! / TWO_32) * this.capacity);
      while (this.flags[slot] !== 0) slot = slot + 1 === this.capacity ? 0 : slot + 1;
      this.words.set(oldWords.subarray(old * 8, old * 8 + 8), slot * 8);
      this.flags[slot] = f;
    }
  }
}
