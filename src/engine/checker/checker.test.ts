/**
 * The structure check's index side: the index files are read once (into the master index), and a
 * pack's expected size comes from every index file that lists it (restic's check takes pack
 * sizes from the master index too).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type Backend, handle } from '../../backend/index.js';
import { sha256Id } from '../../core/index.js';
import { Repository, RepositoryWriter } from '../../repository/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
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
