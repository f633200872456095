import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { expectedPackSize } from '../pack/header.js';
import { packBlobs } from './compact-pack.js';
import { MasterIndex } from './master-index.js';

const id = (s: string): Id => createHash('sha256').update(s).digest('hex') as Id;

test('pack blobs: every copy counted in its pack, each place once, sizes and mixed packs as the entries say', () => {
  const index = new MasterIndex();
  const [p1, p2, p3] = [id('pack 1'), id('pack 2'), id('pack 3')];
  index.add('data', id('a'), p1, 0, 100, 0);
  index.add('data', id('b'), p1, 100, 50, 80);
  index.add('tree', id('t'), p2, 0, 30, 0);
  index.add('data', id('c'), p2, 30, 70, 0);
  // "a" stored again in pack 3, and listed twice for pack 1 (two index files)
  index.add('data', id('a'), p3, 0, 100, 0);
  index.add('data', id('a'), p1, 0, 100, 0);
  const byPack = index.packBlobs();
  assert.deepEqual(byPack.packIds, [p1, p2, p3]);
  const contents = byPack.packIds.map((_, n) => [...packBlobs(byPack.compact(n))].map((b) => `${b.type} ${b.id.slice(0, 4)} ${b.offset}+${b.length}/${b.uncompressedLength}`).sort());
  const short = (s: string): string => id(s).slice(0, 4);
  assert.deepEqual(contents, [
    [`data ${short('a')} 0+100/0`, `data ${short('b')} 100+50/80`].sort(),
    [`tree ${short('t')} 0+30/0`, `data ${short('c')} 30+70/0`].sort(),
    [`data ${short('a')} 0+100/0`],
  ]);
  assert.deepEqual(
    byPack.packIds.map((_, n) => byPack.count(n)),
    [2, 2, 1],
  );
  assert.deepEqual(
    byPack.packIds.map((_, n) => byPack.expectedSize(n)),
    byPack.packIds.map((_, n) => expectedPackSize(packBlobs(byPack.compact(n)))),
  );
  assert.equal(byPack.expectedSize(2), expectedPackSize([{ length: 100, uncompressedLength: 0 }]));
  assert.deepEqual(
    byPack.packIds.map((_, n) => byPack.mixed(n)),
    [false, true, false],
  );
});
