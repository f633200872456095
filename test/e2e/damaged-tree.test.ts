/**
 * Issue 20 defect 5: a backup over a parent whose tree blob is damaged. The unreadable parent
 * tree makes the archiver read the files again, which encode to the very same tree: before the
 * fix its ID was taken as stored (the index lists it) and the new snapshot pointed at the damaged
 * copy. Now the blob that failed verification is stored again in a new pack, and every reader
 * (ours and restic's) reaches the good copy.
 */
import assert from 'node:assert/strict';
import { mkdirSync, openSync, readSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Id } from '../../src/core/index.js';
import { openTestRepository } from '../helpers/crafted.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

function assertSameTree(expected: string, actual: string): void {
  assert.deepEqual(diffTrees(describeTree(expected), describeTree(actual)), []);
}

/** The ID of the tree that holds the entries of directory `path` (absolute) in a snapshot. */
async function treeOf(repoPath: string, snapshotId: string, path: string): Promise<{ tree: Id; pack: Id; offset: number; length: number }> {
  const repo = await openTestRepository(repoPath);
  try {
    await repo.loadIndex();
    let tree = (await repo.loadSnapshot(snapshotId as Id)).tree;
    for (const name of path.split('/').filter(Boolean)) {
      const node = (await repo.loadTree(tree)).find((n) => n.name.toString() === name);
      assert.ok(node?.subtree, `${name} is a directory in the snapshot`);
      tree = node.subtree;
    }
    const loc = repo.lookupBlob('tree', tree);
    return { tree, pack: loc.packId, offset: loc.offset, length: loc.length };
  } finally {
    await repo.backend.close();
  }
}

async function snapshotIds(repo: string): Promise<string[]> {
  const r = await lifeboatOk(repo, ['snapshots', '--json']);
  return (JSON.parse(r.stdout.toString()) as Array<{ id: string }>).map((s) => s.id);
}

describe('issue 20 defect 5: backup over a damaged parent tree', () => {
  let work: string;

  before(async () => {
    work = await makeTempDir('lifeboat-damaged-tree-');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the damaged tree blob is stored again, and the new snapshot restores identically with lifeboat and restic', async () => {
    const repo = join(work, 'repo');
    const src = join(work, 'src');
    mkdirSync(join(src, 'd', 'sub'), { recursive: true });
    writeFileSync(join(src, 'top.txt'), 'top\n');
    writeFileSync(join(src, 'd', 'a.txt'), 'alpha\n'.repeat(1000));
    writeFileSync(join(src, 'd', 'sub', 'b.bin'), Buffer.alloc(100_000, 0x5a));
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(repo, ['backup', src]);
    const [first] = await snapshotIds(repo);
    assert.ok(first);

    // flip one byte in the middle of the stored tree of src/d: its MAC no longer verifies
    const damaged = await treeOf(repo, first, join(src, 'd'));
    const packFile = join(repo, 'data', damaged.pack.slice(0, 2), damaged.pack);
    const fd = openSync(packFile, 'r+');
    try {
      const at = damaged.offset + Math.floor(damaged.length / 2);
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0xff;
      writeSync(fd, byte, 0, 1, at);
    } finally {
      closeSync(fd);
    }

    const second = await lifeboat(repo, ['backup', src]);
    assert.ok(second.code === 0 || second.code === 3, second.stderr);
    assert.match(second.stderr, new RegExp(`${damaged.tree}.*parent tree unreadable`), 'the unreadable parent tree is named');
    const ids = await snapshotIds(repo);
    assert.equal(ids.length, 2);
    const latest = ids.find((id) => id !== first)!;
    const now = await treeOf(repo, latest, join(src, 'd'));
    assert.equal(now.tree, damaged.tree, 'the files encode to the same tree (the case of the defect)');

    const out = join(work, 'restored');
    const restored = await lifeboat(repo, ['restore', latest, '--target', out]);
    assert.equal(restored.code, 0, restored.stderr);
    assertSameTree(src, join(out, src));

    const resticOut = join(work, 'restored-restic');
    await restic(repo, ['restore', latest, '--target', resticOut]);
    assertSameTree(src, join(resticOut, src));

    // the damaged pack salvaged away, both tools find every tree of both snapshots intact
    const repair = await run(process.execPath, [lifeboatBin, '-r', repo, 'repair', 'packs', damaged.pack], { cwd: work, env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
    assert.equal(repair.code, 0, repair.stderr);
    await restic(repo, ['check', '--read-data']);
    const check = await lifeboat(repo, ['check', '--read-data']);
    assert.equal(check.code, 0, check.stderr);
    const again = join(work, 'restored-first');
    await lifeboatOk(repo, ['restore', first, '--target', again]);
    assertSameTree(src, join(again, src));
  });
});
