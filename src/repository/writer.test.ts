import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedBytes, onTmpfs } from '../../test/helpers/page-cache.js';
import type { Id } from '../core/index.js';
import { makeTestRepository } from './testing/test-repository.js';
import { RepositoryWriter } from './writer.js';

test('in a local repository a data pack leaves the page cache once stored, a tree pack stays (the next backup reads it first)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-writer-'));
  try {
    if (onTmpfs(root)) return t.skip(`${tmpdir()} is tmpfs`);
    const repo = await makeTestRepository({ dir: join(root, 'repo') });
    const writer = new RepositoryWriter(repo, 'off');
    const dataId = await writer.saveDataBlob(randomBytes(1 << 20));
    const treeId = await writer.saveTree(Buffer.from(JSON.stringify({ nodes: [{ name: randomBytes(8).toString('hex'), type: 'file', content: [dataId] }] })));
    await writer.flush();
    const packOf = (type: 'data' | 'tree', id: Id): string => repo.packFilePath(repo.index.lookup(type, id)!.packId)!;
    assert.ok(cachedBytes(packOf('data', dataId)) < 64 << 10, 'the data pack is not cached');
    assert.ok(cachedBytes(packOf('tree', treeId)) > 0, 'the tree pack is cached');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('trees are stored compressed in a version 2 repository even when that does not make them smaller, with compression off too (as restic stores them)', async () => {
  const empty = Buffer.from('{"nodes":[]}\n');
  const random = randomBytes(300);
  for (const mode of ['auto', 'off'] as const) {
    const repo = await makeTestRepository();
    const writer = new RepositoryWriter(repo, mode);
    const trees = [await writer.saveTree(empty), await writer.saveTree(random)];
    const data = await writer.saveDataBlob(randomBytes(300));
    const text = await writer.saveDataBlob(Buffer.from('compressible '.repeat(100)));
    await writer.flush();
    for (const id of trees) assert.ok(repo.index.lookup('tree', id)!.uncompressedLength > 0, `${mode}: tree ${id} stored uncompressed`);
    // a data blob that does not compress stays as it is (restic's prune repacks data packs for that only when asked)
    assert.equal(repo.index.lookup('data', data)!.uncompressedLength, 0);
    // and with compression off no data blob is compressed
    assert.equal(repo.index.lookup('data', text)!.uncompressedLength > 0, mode === 'auto', `${mode}: compressible data`);
    assert.deepEqual(await repo.loadBlob('tree', trees[0]!), empty);
  }
  const v1 = await makeTestRepository({ version: 1 });
  const writer = new RepositoryWriter(v1);
  const id = await writer.saveTree(empty);
  await writer.flush();
  assert.equal(v1.index.lookup('tree', id)!.uncompressedLength, 0);
});
