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
