import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Id, LifeboatError, sha256Id } from '../core/index.js';
import { handle } from '../backend/index.js';
import { type Repository, RepositoryWriter, loadSnapshots, model } from '../repository/index.js';
import { backup } from './backup.js';
import { withAppFixture } from './testing/index.js';

/**
 * A copy of snapshot `id` whose trees are rewritten bottom up: `rewrite(dir, nodes)` gets each
 * directory's path and nodes (their subtrees already rewritten) and returns the tree's bytes.
 */
async function rewrittenSnapshot(repo: Repository, id: string, rewrite: (dir: string, nodes: model.Node[]) => Uint8Array): Promise<Id> {
  const writer = new RepositoryWriter(repo);
  const copy = async (tree: Id, dir: string): Promise<Id> => {
    const nodes = await repo.loadTree(tree);
    for (const n of nodes) if (n.subtree) n.subtree = await copy(n.subtree, `${dir}/${n.name.toString()}`);
    return writer.saveTree(rewrite(dir, nodes));
  };
  const snapshot = (await loadSnapshots(repo)).find((e) => e.id === id)!.snapshot;
  const tree = await copy(snapshot.tree, '');
  await writer.flush();
  return writer.saveSnapshot({ ...snapshot, tree });
}

test('backup: a snapshot of the paths with tags and host; the next run uses it as parent and reads nothing again', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ 'a.txt': 'alpha', sub: { 'b.txt': 'beta'.repeat(1000) }, link: { symlink: 'a.txt' } }, 'data');
    const first = await backup(f.repo, { paths: [data], tags: ['t1'], host: 'h1' });
    assert.ok(first.snapshotId);
    assert.equal(first.parent, undefined);
    assert.equal(first.stats.filesNew, 2);
    assert.ok(first.dataAdded > 0);
    const second = await backup(f.repo, { paths: [data], host: 'h1' });
    assert.equal(second.parent, first.snapshotId);
    assert.equal(second.stats.filesUnmodified, 2);
    assert.equal(second.dataBlobs, 0);
    const all = await loadSnapshots(f.repo, { hosts: ['h1'] });
    assert.deepEqual(
      all.map((e) => [e.snapshot.paths, e.snapshot.tags ?? []]),
      [
        [[data], ['t1']],
        [[data], []],
      ],
    );
  });
});

test('backup --stdin-from-command: the output is one file; a failing command saves no snapshot', async () => {
  await withAppFixture(async (f) => {
    const ok = await backup(f.repo, { paths: [], stdinCommand: { argv: ['/bin/sh', '-c', 'printf dump-bytes'], filename: 'db.dump' } });
    assert.equal(ok.stats.totalBytesProcessed, 10);
    await assert.rejects(backup(f.repo, { paths: [], stdinCommand: { argv: ['/bin/sh', '-c', 'echo partial; exit 4'], filename: 'db.dump' } }), (err: unknown) => {
      assert.ok(err instanceof LifeboatError);
      assert.equal(err.code, 'E_COMMAND_FAILED');
      assert.match(err.message, /exited with code 4/);
      return true;
    });
    assert.equal((await loadSnapshots(f.repo, {})).length, 1);
  });
});

test('backup --stdin-from-command with a command that does not exist is a LifeboatError, not a crash', async () => {
  await withAppFixture(async (f) => {
    await assert.rejects(backup(f.repo, { paths: [], stdinCommand: { argv: ['/nonexistent/lifeboat-no-such-command'], filename: 'x' } }), (err: unknown) => {
      assert.ok(err instanceof LifeboatError);
      assert.equal(err.code, 'E_COMMAND_FAILED');
      assert.match(err.message, /cannot run \/nonexistent\/lifeboat-no-such-command: .*ENOENT/);
      assert.ok(err.hint);
      return true;
    });
    assert.equal((await loadSnapshots(f.repo, {})).length, 0);
  });
});

test('backup: an unreadable snapshot of the host is reported (with its file), not silently passed over as parent', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ 'a.txt': 'alpha' }, 'data');
    const first = await backup(f.repo, { paths: [data], host: 'h1' });
    const second = await backup(f.repo, { paths: [data], host: 'h1' });
    const h = handle('snapshots', second.snapshotId);
    const bytes = await f.repo.backend.load(h);
    bytes[bytes.length - 1]! ^= 0xff;
    await f.repo.backend.remove(h);
    await f.repo.backend.save(h, bytes);

    const problems: string[] = [];
    const third = await backup(f.repo, { paths: [data], host: 'h1', onError: (path, err) => problems.push(`${path}: ${err.message}`) });
    assert.equal(third.parent, first.snapshotId, 'the readable one is the parent');
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, new RegExp(`^snapshots/${second.snapshotId}: snapshot ${second.snapshotId!.slice(0, 8)} cannot be read, so it is not considered as parent`));
    // without an onError callback the caller gets the error
    await assert.rejects(backup(f.repo, { paths: [data], host: 'h1' }), (err: unknown) => err instanceof LifeboatError && err.code === 'E_INTEGRITY');
  });
});

test('backup: a directory whose files are all unchanged keeps its tree; an added, removed or changed file gives a new one that lists exactly what is there', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ same: { 'b.txt': 'beta', 'c.txt': 'gamma' }, grows: { 'd.txt': 'delta' }, shrinks: { 'e.txt': 'eps', 'f.txt': 'phi' }, edited: { 'g.txt': 'g1' } }, 'data');
    const subtrees = async (snapshotId: string): Promise<Map<string, Id>> => {
      const entry = (await loadSnapshots(f.repo)).find((e) => e.id === snapshotId)!;
      // the target's tree sits below the virtual directories that lead to it
      let tree = entry.snapshot.tree;
      for (const part of data.split('/').filter(Boolean)) tree = (await f.repo.loadTree(tree)).find((n) => n.name.toString() === part)!.subtree!;
      return new Map((await f.repo.loadTree(tree)).map((n) => [n.name.toString(), n.subtree!]));
    };
    const names = async (tree: Id): Promise<string[]> => (await f.repo.loadTree(tree)).map((n) => n.name.toString());
    const first = await backup(f.repo, { paths: [data] });
    const again = await backup(f.repo, { paths: [data] });
    assert.deepEqual(await subtrees(again.snapshotId!), await subtrees(first.snapshotId!), 'nothing changed: the same trees');

    f.write({ 'new.txt': 'new' }, 'data', 'grows');
    rmSync(join(data, 'shrinks', 'f.txt'));
    writeFileSync(join(data, 'edited', 'g.txt'), 'g2, longer');
    const third = await backup(f.repo, { paths: [data] });
    const before = await subtrees(again.snapshotId!);
    const after = await subtrees(third.snapshotId!);
    assert.equal(after.get('same'), before.get('same'));
    for (const dir of ['grows', 'shrinks', 'edited']) assert.notEqual(after.get(dir), before.get(dir), dir);
    assert.deepEqual(await names(after.get('grows')!), ['d.txt', 'new.txt']);
    assert.deepEqual(await names(after.get('shrinks')!), ['e.txt']);
    assert.equal(third.stats.filesUnmodified, 4);
  });
});

test('backup with a parent: new, changed and unchanged entries carry the extended attributes a backup without parent records', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ kept: { 'same.txt': 'same' }, edited: { 'e.txt': 'one' } }, 'data');
    const setXattr = (value: string, ...at: string[]): void => void execFileSync('setfattr', ['-n', 'user.lifeboat', '-v', value, join(data, ...at)]);
    setXattr('same', 'kept', 'same.txt');
    setXattr('before', 'edited', 'e.txt');
    await backup(f.repo, { paths: [data] });

    writeFileSync(join(data, 'edited', 'e.txt'), 'two');
    setXattr('after', 'edited', 'e.txt');
    f.write({ 'n.txt': 'n' }, 'data', 'edited');
    setXattr('new', 'edited', 'n.txt');
    f.write({ 'f.txt': 'f' }, 'data', 'fresh');
    setXattr('fresh-dir', 'fresh');
    setXattr('fresh', 'fresh', 'f.txt');
    setXattr('kept-dir', 'kept');
    const withParent = await backup(f.repo, { paths: [data] });
    const withoutParent = await backup(f.repo, { paths: [data], force: true });
    assert.ok(withParent.parent);
    assert.equal(withParent.stats.filesUnmodified, 1);

    const xattrsByPath = async (snapshotId: string): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      const walk = async (tree: Id, at: string): Promise<void> => {
        for (const n of await f.repo.loadTree(tree)) {
          const path = `${at}/${n.name.toString()}`;
          for (const x of n.extendedAttributes ?? []) out[path] = `${x.name}=${x.value.toString()}`;
          if (n.subtree) await walk(n.subtree, path);
        }
      };
      await walk((await loadSnapshots(f.repo)).find((e) => e.id === snapshotId)!.snapshot.tree, '');
      return out;
    };
    const recorded = await xattrsByPath(withParent.snapshotId!);
    assert.deepEqual(recorded, await xattrsByPath(withoutParent.snapshotId!));
    assert.deepEqual(
      Object.entries(recorded).map(([path, x]) => `${path.slice(data.length + 1)} ${x}`),
      [
        'edited/e.txt user.lifeboat=after',
        'edited/n.txt user.lifeboat=new',
        'fresh user.lifeboat=fresh-dir',
        'fresh/f.txt user.lifeboat=fresh',
        'kept user.lifeboat=kept-dir',
        'kept/same.txt user.lifeboat=same',
      ],
    );
  });
});

test('backup with a parent: directories and symlinks whose inode, mtime and ctime are as in the parent keep its node as it was; changed ones get a new node', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ still: { 'a.txt': 'a', deep: { 'b.txt': 'b' } }, edited: { 'c.txt': 'c1' }, chmodded: {}, link: { symlink: 'still' }, relinked: { symlink: 'old' } }, 'data');
    const first = await backup(f.repo, { paths: [data] });
    // the parent as a restic of another version could have written it: a field our nodes never
    // carry ('user' set to a name no account has) on every node below the target
    const parent = await rewrittenSnapshot(f.repo, first.snapshotId!, (dir, nodes) => {
      if (dir.startsWith(data)) for (const n of nodes) n.user = 'from-parent';
      return model.encodeTree(nodes);
    });
    const firstSnapshot = (await loadSnapshots(f.repo)).find((e) => e.id === first.snapshotId)!.snapshot;

    writeFileSync(join(data, 'edited', 'c.txt'), 'c2, longer');
    chmodSync(join(data, 'chmodded'), 0o700);
    rmSync(join(data, 'relinked'));
    symlinkSync('new', join(data, 'relinked'));
    const second = await backup(f.repo, { paths: [data], parent });
    assert.equal(second.parent, parent);

    const users: Record<string, string | undefined> = {};
    const walk = async (tree: Id, at: string): Promise<void> => {
      for (const n of await f.repo.loadTree(tree)) {
        const path = `${at}/${n.name.toString()}`;
        if (path.startsWith(`${data}/`)) users[path.slice(data.length + 1)] = n.type === 'symlink' ? `${n.user} -> ${model.linkTargetBytes(n).toString()}` : n.user;
        if (n.subtree) await walk(n.subtree, path);
      }
    };
    await walk((await loadSnapshots(f.repo)).find((e) => e.id === second.snapshotId)!.snapshot.tree, '');
    const own = (await f.repo.loadTree(firstSnapshot.tree))[0]!.user;
    assert.deepEqual(users, {
      still: 'from-parent',
      'still/a.txt': 'from-parent',
      'still/deep': 'from-parent',
      'still/deep/b.txt': 'from-parent',
      // its file changed, so its tree did: a new node, although its own metadata did not change
      edited: own,
      'edited/c.txt': own,
      chmodded: own,
      link: 'from-parent -> still',
      relinked: `${own} -> new`,
    });
    // counted by tree: still, still/deep and chmodded (its mode changed, its empty tree did not)
    assert.equal(second.stats.dirsUnmodified, 3);
  });
});

test('backup with a parent whose tree holds a malformed node after good ones: a warning names the tree, and the files are read again', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ 'a.txt': 'alpha', 'b.txt': 'beta' }, 'data');
    const first = await backup(f.repo, { paths: [data] });
    let damaged = '';
    const parent = await rewrittenSnapshot(f.repo, first.snapshotId!, (dir, nodes) => {
      if (dir !== data) return model.encodeTree(nodes);
      const good = model.encodeTree(nodes).toString().trimEnd().slice(0, -2);
      const bytes = Buffer.from(`${good},{"name":"zz","type":"bogus"}]}\n`);
      damaged = sha256Id(bytes);
      return bytes;
    });
    const warnings: string[] = [];
    const second = await backup(f.repo, { paths: [data], parent, onWarning: (what, message) => warnings.push(`${what}: ${message}`) });
    assert.equal(second.parent, parent);
    assert.equal(second.stats.filesUnmodified, 0);
    assert.equal(second.stats.filesNew, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`^${damaged}: parent tree unreadable, files are read again: .*unknown node type`));
  });
});

test('backup with a parent: a directory whose tree is decoded a node at a time keeps its tree unchanged, and lists every entry when one changed or went', async () => {
  await withAppFixture(async (f) => {
    // long names: the directory's tree is over LARGE_TREE_BYTES (1 MiB) with 2,500 files
    const files = Array.from({ length: 2500 }, (_, i) => `${String(i).padStart(5, '0')}-${'n'.repeat(200)}`);
    const data = f.write(Object.fromEntries(files.map((name, i) => [name, `file ${i}`])), 'data');
    const treeOfData = async (snapshotId: string): Promise<Id> => {
      let tree = (await loadSnapshots(f.repo)).find((e) => e.id === snapshotId)!.snapshot.tree;
      for (const part of data.split('/').filter(Boolean)) tree = (await f.repo.loadTree(tree)).find((n) => n.name.toString() === part)!.subtree!;
      return tree;
    };
    const first = await backup(f.repo, { paths: [data] });
    const firstTree = await treeOfData(first.snapshotId!);
    assert.ok((await f.repo.loadBlob('tree', firstTree)).length > 1024 * 1024);

    const same = await backup(f.repo, { paths: [data] });
    assert.equal(await treeOfData(same.snapshotId!), firstTree);
    assert.equal(same.stats.filesUnmodified, 2500);

    writeFileSync(join(data, files[1200]!), 'changed, and longer');
    const edited = await backup(f.repo, { paths: [data] });
    assert.equal(edited.stats.filesUnmodified, 2499);
    const before = await f.repo.loadTree(firstTree);
    const after = await f.repo.loadTree(await treeOfData(edited.snapshotId!));
    assert.deepEqual(
      after.map((n) => n.name.toString()),
      files,
    );
    assert.deepEqual(
      after.filter((_, i) => i !== 1200),
      before.filter((_, i) => i !== 1200),
      'the other nodes as in the parent',
    );
    assert.equal(after[1200]!.size, 'changed, and longer'.length);

    rmSync(join(data, files[600]!));
    const shrunk = await backup(f.repo, { paths: [data] });
    assert.deepEqual(
      (await f.repo.loadTree(await treeOfData(shrunk.snapshotId!))).map((n) => n.name.toString()),
      files.filter((_, i) => i !== 600),
    );
  });
});
