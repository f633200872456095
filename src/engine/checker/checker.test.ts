/**
 * The structure check's index side: the index files are read once (into the master index), and a
 * pack's expected size comes from every index file that lists it (restic's check takes pack
 * sizes from the master index too). With read-data, the packs are read while the trees are
 * walked, and the findings still come in the order of the steps.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type Backend, handle } from '../../backend/index.js';
import { type Id, sha256Id } from '../../core/index.js';
import { Repository, RepositoryWriter } from '../../repository/index.js';
import { type Node, encodeTree } from '../../repository/model/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { testFileNode } from '../../repository/testing/test-node.js';
import { checkRepository } from './checker.js';

/** The backend, counting the loads of each index file. */
function countingIndexLoads(backend: Backend): { backend: Backend; loads: Map<string, number> } {
  const loads = new Map<string, number>();
  const counting = new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === 'load') {
        return (h: Parameters<Backend['load']>[0], ...rest: unknown[]) => {
          if (h.type === 'index') loads.set(h.name, (loads.get(h.name) ?? 0) + 1);
          return (target.load as (...a: unknown[]) => unknown).call(target, h, ...rest);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { backend: counting, loads };
}

test('a pack whose blobs two index files share between them: its size is their union, each index file is read once', async () => {
  const repo = await makeTestRepository();
  const w = new RepositoryWriter(repo);
  for (let i = 0; i < 4; i++) await w.saveDataBlob(randomBytes(20_000 + i));
  await w.flush();
  const written: Awaited<ReturnType<Repository['loadIndexFile']>> = [];
  for await (const f of repo.listFiles('index')) {
    written.push(...(await repo.loadIndexFile(f.id)));
    await repo.removeFile('index', f.id);
  }
  assert.equal(written.length, 1);
  const pack = written[0]!;
  assert.equal(pack.blobs.length, 4);
  // index A lists the first two blobs, index B the last three (one of them also in A)
  await repo.saveIndexFile([{ id: pack.id, blobs: pack.blobs.slice(0, 2) }]);
  await repo.saveIndexFile([{ id: pack.id, blobs: pack.blobs.slice(1) }]);
  // and an index file that does not decrypt
  const garbage = randomBytes(200);
  const garbageId = sha256Id(garbage);
  await repo.backend.save(handle('index', garbageId), garbage);

  const { backend, loads } = countingIndexLoads(repo.backend);
  const reopened = await Repository.open(backend, { password: 'test' });
  const result = await checkRepository(reopened, { readData: true });

  assert.deepEqual(
    result.findings.map((f) => [f.kind, f.severity, f.pack ?? f.index]),
    [
      ['index-unreadable', 'error', garbageId],
      ['pack-in-several-indexes', 'hint', pack.id],
    ],
  );
  assert.match(result.findings[1]!.message, /listed in 2 index files/);
  assert.equal(result.packsRead, 1);
  assert.equal(loads.size, 3);
  assert.deepEqual([...loads.values()], [1, 1, 1], 'each index file is read once');
});

const TIME = '2026-12-06T03:00:00Z';

function node(name: string, type: 'file' | 'dir', ref: { content?: Id[]; subtree?: Id }): Node {
  return testFileNode(name, { type, content: ref.content ?? null, ...(ref.subtree ? { subtree: ref.subtree } : {}) });
}

test('read-data: the packs are read while the trees are walked, the walk findings still come first', async () => {
  const repo = await makeTestRepository();
  const w = new RepositoryWriter(repo);
  const data = await w.saveDataBlob(randomBytes(50_000));
  const missing = sha256Id(Buffer.from('a blob no pack holds'));
  let tree = await w.saveTree(encodeTree([node('a', 'file', { content: [data] }), node('b', 'file', { content: [missing] })]));
  for (let depth = 0; depth < 5; depth++) tree = await w.saveTree(encodeTree([node(`d${depth}`, 'dir', { subtree: tree })]));
  await w.flush();
  await w.saveSnapshot({ time: TIME, tree, paths: ['/srv'] });
  // the data blob's pack damaged: its hash and the blob fail
  const dataPack = repo.index.lookup('data', data)!.packId;
  const h = handle('data', dataPack);
  const bytes = await repo.backend.load(h, 0, 0);
  bytes[20]! ^= 0xff;
  await repo.backend.remove(h);
  await repo.backend.save(h, bytes);

  const reopened = await Repository.open(repo.backend, { password: 'test' });
  let treesLoaded = 0;
  let treesLoadedAtFirstPackRead: number | undefined;
  const watched = Object.assign(Object.create(reopened) as Repository, {
    loadTreeNodes: (id: Id, signal?: AbortSignal) => {
      treesLoaded++;
      return reopened.loadTreeNodes(id, signal);
    },
    loadPackRangeInto: (packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal) => {
      treesLoadedAtFirstPackRead ??= treesLoaded;
      return reopened.loadPackRangeInto(packId, offset, target, signal);
    },
  });
  const result = await checkRepository(watched, { readData: true });

  assert.equal(result.trees, 6);
  assert.equal(treesLoaded, 6);
  assert.ok(treesLoadedAtFirstPackRead !== undefined && treesLoadedAtFirstPackRead < treesLoaded, `the first pack was read after ${treesLoadedAtFirstPackRead} of ${treesLoaded} trees`);
  assert.equal(result.packsRead, 2);
  assert.equal(result.findings[0]!.path, '/d4/d3/d2/d1/d0/b');
  assert.deepEqual(
    result.findings.map((f) => [f.kind, f.blob ?? f.pack]),
    [
      ['blob-not-indexed', missing],
      ['pack-hash-mismatch', dataPack],
      ['blob-corrupt', data],
    ],
  );
});

test('read-data: packs finish while the trees are still being walked, even when every tree is read at once', async () => {
  const repo = await makeTestRepository();
  const w = new RepositoryWriter(repo);
  for (let i = 0; i < 4; i++) await w.saveDataBlob(randomBytes(30_000));
  const subtrees: Node[] = [];
  for (let i = 0; i < 600; i++) subtrees.push(node(`d${String(i).padStart(4, '0')}`, 'dir', { subtree: await w.saveTree(encodeTree([node(`f${i}`, 'file', { content: [] })])) }));
  const root = await w.saveTree(encodeTree(subtrees));
  await w.flush();
  await w.saveSnapshot({ time: TIME, tree: root, paths: ['/srv'] });

  // the memory backend answers at once: without turns of the event loop, no pack verified on the
  // thread pool could be seen done before the walk ends
  const reopened = await Repository.open(repo.backend, { password: 'test' });
  let treesLoaded = 0;
  let treesLoadedAtFirstPackDone: number | undefined;
  const watched = Object.assign(Object.create(reopened) as Repository, {
    loadTreeNodes: (id: Id, signal?: AbortSignal) => {
      treesLoaded++;
      return reopened.loadTreeNodes(id, signal);
    },
  });
  const result = await checkRepository(watched, {
    readData: true,
    onProgress: (p) => {
      if (p.phase === 'read-data') treesLoadedAtFirstPackDone ??= treesLoaded;
    },
  });

  assert.equal(result.errors, 0);
  assert.equal(result.trees, 601);
  assert.ok(treesLoadedAtFirstPackDone !== undefined && treesLoadedAtFirstPackDone < 601, `the first pack was done after ${treesLoadedAtFirstPackDone} of 601 trees`);
});
