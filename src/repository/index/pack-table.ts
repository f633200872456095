/**
 * The master index's pack list: pack number ⇄ pack ID. The IDs sit in one byte array, 32 bytes a
 * pack, and an open-addressing hash of pack numbers (4 bytes a slot, at most half full) finds a
 * pack's number from its ID: 40–48 bytes a pack instead of a hex string, an array slot and a Map
 * entry (about 150). Pack IDs are SHA-256 hashes, so their first word spreads them evenly.
 *
 * `number` remembers the last pack it was asked for: the blobs of an index file come grouped by
 * pack, so a load hashes each pack once per index file, not once per blob. `idOf` keeps the hex
 * IDs it made last, RECENT of them by pack number: blobs looked up one after another (a file's,
 * a tree's) mostly share their packs, and get the same string (its hash already computed).
 */
import type { Id } from '../../core/index.js';
import { wordOf } from './blob-table.js';

/** Hex IDs `idOf` keeps (a power of 2). */
const RECENT = 1024;

export class PackTable {
  /** Packs 0 … count − 1. */
  count = 0;
  private ids = Buffer.alloc(32 * 64);
  /** Pack number + 1 by the first word of its ID; 0 = empty. */
  private slots = new Int32Array(128);
  private readonly key = Buffer.alloc(32);
  private lastId: string | undefined;
  private lastNumber = -1;
  private readonly recentIds: (Id | undefined)[] = new Array<Id | undefined>(RECENT);
  private readonly recentNumbers = new Int32Array(RECENT).fill(-1);

  /** The pack's number, the next one when it is new. */
  number(id: Id): number {
    if (id === this.lastId) return this.lastNumber;
    this.key.write(id, 0, 32, 'hex');
    let n = this.find(this.key);
    if (n < 0) n = this.append(this.key);
    this.lastId = id;
    this.lastNumber = n;
    return n;
  }

  has(id: Id): boolean {
    this.key.write(id, 0, 32, 'hex');
    return this.find(this.key) >= 0;
  }

  /** Pack n's ID. */
  idOf(n: number): Id {
    const r = n & (RECENT - 1);
    if (this.recentNumbers[r] === n) return this.recentIds[r]!;
    const id = this.ids.toString('hex', n * 32, n * 32 + 32) as Id;
    this.recentIds[r] = id;
    this.recentNumbers[r] = n;
    return id;
  }

  /** Every pack's ID, by number. */
  allIds(): Id[] {
    return Array.from({ length: this.count }, (_, n) => this.idOf(n));
  }

  /** Bytes the IDs (those written), the hash and the numbers of the recent IDs hold (those IDs: in the JS heap). */
  get footprint(): number {
    return this.count * 32 + this.slots.byteLength + this.recentNumbers.byteLength;
  }

  private find(key: Uint8Array): number {
    const mask = this.slots.length - 1;
    for (let s = wordOf(key, 0) & mask; ; s = (s + 1) & mask) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.holds(v - 1, key)) return v - 1;
    }
  }

  private holds(n: number, key: Uint8Array): boolean {
    const ids = this.ids;
    for (let k = 0, at = n * 32; k < 32; k++) if (ids[at + k] !== key[k]) return false;
    return true;
  }

  private append(key: Uint8Array): number {
    const n = this.count++;
    if (this.ids.length < this.count * 32) {
      const ids = Buffer.alloc(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    this.ids.set(key, n * 32);
    if (this.count * 2 > this.slots.length) {
      this.slots = new Int32Array(this.slots.length * 2);
      for (let m = 0; m < n; m++) this.place(m);
    }
    this.place(n);
    return n;
  }

  private place(n: number): void {
    const mask = this.slots.length - 1;
    let s = wordOf(this.ids, n * 32) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = n + 1;
  }
}
