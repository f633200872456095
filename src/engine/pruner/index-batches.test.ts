/** The index files prune and repair index write: runs of packs of at most REWRITTEN_INDEX_MAX_BLOBS blobs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REWRITTEN_INDEX_MAX_BLOBS, indexBatches } from './index-batches.js';

test('indexBatches: every pack once and in order, each run within the limit unless one pack is larger', () => {
  const max = REWRITTEN_INDEX_MAX_BLOBS;
  const packs = [max - 10, 10, 1, 2 * max, 0, 5, max, max - 5, 3];
  const runs = [...indexBatches(packs, (n) => n)];
  assert.deepEqual(runs.flat(), packs);
  assert.deepEqual(runs, [[max - 10, 10], [1], [2 * max], [0, 5], [max], [max - 5, 3]]);
  for (const run of runs) assert.ok(run.length === 1 || run.reduce((a, n) => a + n, 0) <= max);
  assert.deepEqual([...indexBatches([], (n: number) => n)], []);
});
