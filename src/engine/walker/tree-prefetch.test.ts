import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import { TreePrefetch } from './tree-prefetch.js';

/** A tree source that records which trees were loaded; tree 'bad' fails. */
function source(): { loaded: string[]; loadTree(id: Id): Promise<Node[]> } {
  const loaded: string[] = [];
  return {
    loaded,
    loadTree(id: Id) {
      loaded.push(id);
      return id === 'bad' ? Promise.reject(new Error(`tree ${id} is damaged`)) : Promise.resolve([{ name: Buffer.from(id) } as Node]);
    },
  };
}

test('TreePrefetch loads at most its limit ahead, in order, and each tree once', async () => {
  const src = source();
  const trees = new TreePrefetch(src, undefined, 2);
  const ids = ['a', 'b', 'c', 'd'] as Id[];
  assert.equal(trees.hint(ids, 0), 2);
  assert.deepEqual(src.loaded, ['a', 'b']);
  assert.equal((await trees.load('a' as Id))[0]!.name.toString(), 'a');
  assert.equal(trees.hint(ids, 2), 3, 'one place freed: one more started');
  assert.deepEqual(src.loaded, ['a', 'b', 'c']);
  await trees.load('b' as Id);
  await trees.load('c' as Id);
  assert.deepEqual(src.loaded, ['a', 'b', 'c'], 'trees loaded ahead are not loaded again');
  await trees.load('d' as Id);
  assert.deepEqual(src.loaded, ['a', 'b', 'c', 'd'], 'a tree not loaded ahead is loaded when asked for');
});

test('TreePrefetch: a failed tree fails when asked for; forgotten trees free their places', async () => {
  const src = source();
  const trees = new TreePrefetch(src, undefined, 2);
  const ids = ['bad', 'x'] as Id[];
  assert.equal(trees.hint(ids, 0), 2);
  // nothing asked for 'bad' yet: no unhandled rejection in between
  await new Promise((resolve) => setImmediate(resolve));
  await assert.rejects(trees.load('bad' as Id), /tree bad is damaged/);
  trees.forget(ids, 2);
  assert.equal(trees.hint(['y', 'z'] as Id[], 0), 2, 'both places free again');
  assert.deepEqual(src.loaded, ['bad', 'x', 'y', 'z']);
});
