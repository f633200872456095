import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { backup } from './backup.js';
import { restoreSnapshot } from './restore.js';
import { withAppFixture } from './testing/index.js';

test('restore: a whole snapshot, a path inside it, with --include, and --overwrite never', async () => {
  await withAppFixture(async (f) => {
    const tree = { 'a.txt': 'alpha', sub: { 'b.txt': 'beta'.repeat(5000), deeper: { 'c.txt': 'gamma' } }, link: { symlink: 'a.txt' } };
    const data = f.write(tree, 'data');
    const { snapshotId } = await backup(f.repo, { paths: [data] });

    const whole = await restoreSnapshot(f.repo, { snapshot: snapshotId!, target: f.path('whole') });
    assert.equal(whole.snapshotId, snapshotId);
    assert.equal(whole.filesDone, 3);
    assert.deepEqual(f.read('whole', ...data.split('/').filter(Boolean)), tree);

    await restoreSnapshot(f.repo, { snapshot: 'latest', path: `${data}/sub`, target: f.path('part') });
    assert.deepEqual(f.read('part'), tree.sub, "SNAPSHOT:PATH puts the directory's entries into the target");

    await restoreSnapshot(f.repo, { snapshot: snapshotId!, target: f.path('some'), include: ['*.txt'], exclude: ['deeper'] });
    assert.deepEqual(f.read('some', ...data.split('/').filter(Boolean)), { 'a.txt': 'alpha', sub: { 'b.txt': tree.sub['b.txt'] } });

    const kept = f.path('whole', ...data.split('/').filter(Boolean), 'a.txt');
    writeFileSync(kept, 'edited');
    const never = await restoreSnapshot(f.repo, { snapshot: snapshotId!, target: f.path('whole'), overwrite: 'never' });
    assert.equal(never.filesDone, 0);
    assert.deepEqual(f.read('whole', ...data.split('/').filter(Boolean))['a.txt'], 'edited');
  });
});

test('restore of a snapshot that does not exist is a typed error', async () => {
  await withAppFixture(async (f) => {
    await assert.rejects(restoreSnapshot(f.repo, { snapshot: 'deadbeef', target: f.path('t') }), (err: unknown) => err instanceof LifeboatError && err.code === 'E_SNAPSHOT_NOT_FOUND');
  });
});
