import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { backup } from '../app/backup.js';
import { parseId } from '../core/index.js';
import { PathFilter } from '../engine/filter/index.js';
import { makeTestRepository } from '../repository/testing/test-repository.js';
import { withTempDir } from '../../test/helpers/tmp.js';
import { diffLiveAgainstSnapshot } from './file-changes.js';

test('the live tree against a snapshot: changed, metadata, added, deleted, type changes, excludes', async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, 'data');
    mkdirSync(join(root, 'sub', 'deep'), { recursive: true });
    mkdirSync(join(root, 'gone-dir', 'inner'), { recursive: true });
    writeFileSync(join(root, 'same.txt'), 'same');
    writeFileSync(join(root, 'grows.txt'), 'short');
    writeFileSync(join(root, 'touched.txt'), 'content');
    writeFileSync(join(root, 'chmod.txt'), 'x');
    writeFileSync(join(root, 'sub', 'deep', 'deleted.txt'), 'bye');
    writeFileSync(join(root, 'gone-dir', 'inner', 'f'), 'f');
    writeFileSync(join(root, 'becomes-dir'), 'file first');
    writeFileSync(join(root, 'skip.tmp'), 'excluded');
    symlinkSync('same.txt', join(root, 'link'));

    const repo = await makeTestRepository();
    const r = await backup(repo, { paths: [root] });
    const snapshot = await repo.loadSnapshot(parseId(r.snapshotId!));

    writeFileSync(join(root, 'grows.txt'), 'much longer now');
    utimesSync(join(root, 'touched.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    chmodSync(join(root, 'chmod.txt'), 0o600);
    rmSync(join(root, 'sub', 'deep', 'deleted.txt'));
    rmSync(join(root, 'gone-dir'), { recursive: true });
    rmSync(join(root, 'becomes-dir'));
    mkdirSync(join(root, 'becomes-dir'));
    mkdirSync(join(root, 'new-dir', 'x'), { recursive: true });
    writeFileSync(join(root, 'new-dir', 'x', 'y'), 'y');
    writeFileSync(join(root, 'skip.tmp'), 'changed but excluded');
    rmSync(join(root, 'link'));
    symlinkSync('grows.txt', join(root, 'link'));

    const filter = new PathFilter(['*.tmp']);
    const changes: string[] = [];
    for await (const c of diffLiveAgainstSnapshot(repo, snapshot.tree, [root, join(dir, 'never-existed')], { excluded: (p) => filter.matches(p) })) {
      changes.push(`${c.kind} ${c.path.toString().slice(root.length)} ${c.detail}`);
    }
    assert.deepEqual(changes.sort(), [
      'added /new-dir not in the snapshot',
      'changed /becomes-dir type file → dir',
      'changed /grows.txt size 5 → 15',
      'changed /link link target',
      'changed /touched.txt modification time',
      'deleted /gone-dir missing',
      'deleted /sub/deep/deleted.txt missing',
      'metadata /chmod.txt mode 644 → 600',
    ]);
  });
});

test('issue 20 defect 8: a socket, which backup skips by design, is not reported as added right after the backup', async () => {
  const { createServer } = await import('node:net');
  await withTempDir(async (dir) => {
    const root = join(dir, 'data');
    mkdirSync(root);
    writeFileSync(join(root, 'file.txt'), 'data');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(root, 'app.sock'), resolve));
    try {
      const repo = await makeTestRepository();
      const r = await backup(repo, { paths: [root] });
      const snapshot = await repo.loadSnapshot(parseId(r.snapshotId!));
      const changes: string[] = [];
      for await (const c of diffLiveAgainstSnapshot(repo, snapshot.tree, [root, join(root, 'app.sock')])) changes.push(`${c.kind} ${c.path.toString()}`);
      assert.deepEqual(changes, []);
      // a regular file added beside it is still reported
      writeFileSync(join(root, 'new.txt'), 'new');
      const later: string[] = [];
      for await (const c of diffLiveAgainstSnapshot(repo, snapshot.tree, [root])) later.push(`${c.kind} ${c.path.toString().slice(root.length)}`);
      assert.deepEqual(later, ['added /new.txt']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

test("a directory gone, or no longer a directory, between its parent's listing and its own is reported missing, not an error", async () => {
  await withTempDir(async (dir) => {
    const root = join(dir, 'data');
    // more subdirectories than are listed ahead of the walk: the last ones are listed when the walk gets near them
    const names = Array.from({ length: 200 }, (_, i) => `d${String(i).padStart(3, '0')}`);
    for (const name of names) {
      mkdirSync(join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'f'), name);
    }
    writeFileSync(join(root, 'a.txt'), 'first');
    const repo = await makeTestRepository();
    const r = await backup(repo, { paths: [root] });
    const snapshot = await repo.loadSnapshot(parseId(r.snapshotId!));

    writeFileSync(join(root, 'a.txt'), 'second version');
    const changes: string[] = [];
    for await (const c of diffLiveAgainstSnapshot(repo, snapshot.tree, [root])) {
      changes.push(`${c.kind} ${c.path.toString().slice(root.length)} ${c.detail}`);
      if (changes.length === 1) {
        // the root is listed (d198 and d199 are directories in it), theirs are not yet
        rmSync(join(root, 'd199'), { recursive: true });
        rmSync(join(root, 'd198'), { recursive: true });
        writeFileSync(join(root, 'd198'), 'now a file');
      }
    }
    assert.deepEqual(changes, ['changed /a.txt size 5 → 14', 'deleted /d198 missing', 'deleted /d199 missing']);
  });
});
