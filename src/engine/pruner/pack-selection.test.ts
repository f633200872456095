import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { TARGET_PACK_SIZE } from '../../repository/pack/index.js';
import { type PackSelectionOptions, type PrunePack, maxUnusedBytes, selectPacks } from './pack-selection.js';

const MiB = 1024 * 1024;

/** A pack of `size` bytes with `unused` of them unused (the selection reads only these figures). */
function pack(name: string, size: number, unused: number, kind: PrunePack['kind'] = 'data', uncompressed = false): PrunePack {
  return { id: name as Id, size, blobs: {} as CompactPack, used: new Uint8Array(0), usedBytes: size - unused - 100, unusedBytes: unused, kind, uncompressed };
}

function decide(packs: PrunePack[], options: PackSelectionOptions = {}, version = 2): { kept: string[]; repack: string[]; delete: string[]; bytes: number } {
  const used = packs.reduce((a, p) => a + p.usedBytes, 0);
  const unused = packs.reduce((a, p) => a + p.unusedBytes, 0);
  const s = selectPacks(packs, used, unused, version, options);
  const ids = (ps: PrunePack[]): string[] => ps.map((p) => p.id).sort();
  return { kept: ids(s.keptPacks), repack: ids(s.toRepack), delete: ids(s.toDelete), bytes: s.bytesToRepack };
}

test('maxUnusedBytes: a percentage is of the repository after the prune, as restic reads it', () => {
  assert.equal(maxUnusedBytes({ percent: 5 }, 950), 50);
  assert.equal(maxUnusedBytes({ percent: 0 }, 950), 0);
  assert.equal(maxUnusedBytes({ bytes: 0 }, 950), 0);
  assert.equal(maxUnusedBytes({ bytes: 4096 }, 950), 4096);
  assert.equal(maxUnusedBytes({ unlimited: true }, 950), Number.POSITIVE_INFINITY);
});

test('a pack with no used blob is deleted; a tree pack with any unused blob is repacked, a data pack only over the limit', () => {
  const packs = [pack('gone', 8 * MiB, 8 * MiB - 100), pack('tree', 2 * MiB, 1000, 'tree'), pack('data', 16 * MiB, 1000), pack('full', 16 * MiB, 0)];
  assert.deepEqual(decide(packs), { kept: ['data', 'full'], repack: ['tree'], delete: ['gone'], bytes: 2 * MiB });
  // no unused bytes tolerated: the data pack goes too, most unused per used byte first
  assert.deepEqual(decide(packs, { maxUnused: { bytes: 0 } }).repack, ['data', 'tree']);
  // the repack budget counts whole packs and stops at the pack that would reach it
  assert.deepEqual(decide(packs, { maxUnused: { bytes: 0 }, maxRepackBytes: 18 * MiB }).repack, ['tree']);
  assert.deepEqual(decide(packs, { maxUnused: { bytes: 0 }, maxRepackBytes: 0 }).repack, []);
  // tree packs only
  assert.deepEqual(decide(packs, { maxUnused: { bytes: 0 }, repackCacheableOnly: true }), { kept: ['data', 'full'], repack: ['tree'], delete: ['gone'], bytes: 2 * MiB });
});

test('data packs are repacked from the most unused per used byte until the unused bytes left are below the limit', () => {
  const packs = [pack('a', 16 * MiB, 2 * MiB), pack('b', 16 * MiB, 4 * MiB), pack('c', 16 * MiB, 3 * MiB), pack('d', 160 * MiB, 0)];
  // used ≈ 199 MiB: 5 % tolerates ≈ 10.5 MiB, more than the 9 MiB unused
  assert.deepEqual(decide(packs).repack, []);
  // 4 % tolerates ≈ 8.3 MiB: b (the most unused per used byte) goes, and 5 MiB is left
  assert.deepEqual(decide(packs, { maxUnused: { percent: 4 } }).repack, ['b']);
  assert.deepEqual(decide(packs, { maxUnused: { bytes: 4 * MiB } }).repack, ['b', 'c']);
  assert.deepEqual(decide(packs, { maxUnused: { unlimited: true } }).repack, []);
});

test('in a version 2 repository a tree pack holding an uncompressed blob is repacked, and with --repack-uncompressed a data pack too', () => {
  const packs = [pack('tree', 16 * MiB, 0, 'tree', true), pack('data', 16 * MiB, 0, 'data', true), pack('mixed', 16 * MiB, 0, 'mixed')];
  assert.deepEqual(decide(packs).repack, ['mixed', 'tree']);
  assert.deepEqual(decide(packs, { repackUncompressed: true }).repack, ['data', 'mixed', 'tree']);
  assert.deepEqual(decide(packs, { repackUncompressed: true }, 1).repack, ['mixed']);
});

test('small packs are repacked when there are ten or more of them; --repack-small counts packs below 80 % of the target as small', () => {
  const small = TARGET_PACK_SIZE / 25 - 1;
  const nine = Array.from({ length: 9 }, (_, i) => pack(`s${i}`, small, 0));
  assert.deepEqual(decide(nine).repack, []);
  const ten = [...nine, pack('s9', small, 0)];
  assert.equal(decide(ten).repack.length, 10);
  const medium = Array.from({ length: 10 }, (_, i) => pack(`m${i}`, TARGET_PACK_SIZE / 2, 0));
  assert.deepEqual(decide(medium).repack, []);
  assert.equal(decide(medium, { repackSmall: true }).repack.length, 10);
  // a small data pack with unused bytes is repacked even under the limit
  assert.deepEqual(decide([pack('tiny', small, 10), pack('big', 64 * MiB, 0)]).repack, ['tiny']);
});
