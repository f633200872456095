import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backup } from './backup.js';
import { checkRepositoryUseCase } from './check.js';
import { withAppFixture } from './testing/index.js';

test('check --read-data counts the packs it read, with and without a progress listener', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ 'a.txt': 'alpha'.repeat(20_000), sub: { 'b.txt': 'beta' } }, 'data');
    await backup(f.repo, { paths: [data] });

    const quiet = await checkRepositoryUseCase(f.repo, { readData: true });
    assert.equal(quiet.errors, 0);
    assert.ok(quiet.packs > 0);
    assert.equal(quiet.packsRead, quiet.packs, 'every pack is read and counted when nobody listens to progress (--json)');

    const seen: number[] = [];
    const listened = await checkRepositoryUseCase(f.repo, { readData: true, onProgress: (p) => p.phase === 'read-data' && seen.push(p.done) });
    assert.equal(listened.packsRead, listened.packs);
    assert.deepEqual(
      seen,
      Array.from({ length: listened.packs }, (_, i) => i + 1),
    );

    const structureOnly = await checkRepositoryUseCase(f.repo, {});
    assert.equal(structureOnly.packsRead, 0);
  });
});
