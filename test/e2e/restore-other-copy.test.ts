/**
 * Issue 20, the fault campaign: a data blob stored in two packs whose first copy (the one the
 * index names first, the one restore plans to read) is damaged or gone. The restorer reads packs
 * in spans and decrypts the blobs itself; before the fix a blob that failed there failed its file
 * (exit 3) although the repository held a good copy. Now it is loaded through the repository,
 * which tries every copy: the restore finishes byte-identical and a warning names the bad pack.
 * `dump` reads blob by blob through the same repository call.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Id } from '../../src/core/index.js';
import { openTestRepository } from '../helpers/crafted.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

interface IndexDoc {
  packs: Array<{ id: string; blobs: unknown[] }>;
}

/** Files of a repository's `data/` or `index/` folder, by name → path. */
function objects(repo: string, type: 'data' | 'index'): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(repo, type);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) for (const name of readdirSync(join(dir, entry.name))) out.set(name, join(dir, entry.name, name));
    else out.set(entry.name, join(dir, entry.name));
  }
  return out;
}

describe('restore: a damaged first copy of a blob, another copy intact', () => {
  let work: string;
  let repo: string;
  let src: string;
  /** The pack holding the first copy of big.bin's blob, and where that copy is. */
  let first: { pack: Id; offset: number; length: number; blob: Id };

  before(async () => {
    work = await makeTempDir('lifeboat-other-copy-');
    repo = join(work, 'repo');
    const twin = join(work, 'twin');
    await lifeboatOk(repo, ['init']);
    cpSync(repo, twin, { recursive: true }); // the same keys and chunker polynomial
    const content = randomBytes(300 * 1024); // one blob (restic's chunker cuts at 512 KiB or later)
    src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'big.bin'), content);
    await lifeboatOk(repo, ['backup', src]);
    // the twin stores the same blob beside another one: a second pack holding it
    const other = join(work, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'big.bin'), content);
    writeFileSync(join(other, 'more.bin'), randomBytes(100 * 1024));
    await lifeboatOk(twin, ['backup', other]);
    const ours = objects(repo, 'data');
    for (const [name, path] of objects(twin, 'data')) {
      if (ours.has(name)) continue;
      mkdirSync(join(repo, 'data', name.slice(0, 2)), { recursive: true });
      copyFileSync(path, join(repo, 'data', name.slice(0, 2), name));
    }

    // one index file listing our packs first: big.bin's first copy is the one in our pack
    const craft = await openTestRepository(repo);
    try {
      const merged: IndexDoc = { packs: [] };
      const theirs: IndexDoc['packs'] = [];
      for (const [name, path] of objects(twin, 'index')) {
        if (objects(repo, 'index').has(name)) continue;
        copyFileSync(path, join(repo, 'index', name));
        theirs.push(...(JSON.parse((await craft.loadUnpacked('index', name as Id)).toString()) as IndexDoc).packs);
      }
      const old = [...objects(repo, 'index').keys()] as Id[];
      for (const id of old) if (!existsSync(join(twin, 'index', id))) merged.packs.push(...(JSON.parse((await craft.loadUnpacked('index', id)).toString()) as IndexDoc).packs);
      merged.packs.push(...theirs);
      await craft.saveUnpacked('index', Buffer.from(JSON.stringify(merged)));
      for (const id of old) await craft.removeFile('index', id);
      await craft.loadIndex();
      const snapshots: Id[] = [];
      for await (const id of craft.listIds('snapshots')) snapshots.push(id);
      assert.equal(snapshots.length, 1);
      const root = await craft.loadTree((await craft.loadSnapshot(snapshots[0]!)).tree);
      let tree = root;
      for (const name of src.split('/').filter(Boolean)) tree = await craft.loadTree(tree.find((n) => n.name.toString() === name)!.subtree!);
      const blob = tree.find((n) => n.name.toString() === 'big.bin')!.content![0]!;
      const copies = craft.index.locations('data', blob);
      assert.equal(copies.length, 2, 'the blob is stored in two packs');
      assert.notEqual(copies[0]!.packId, copies[1]!.packId);
      first = { pack: copies[0]!.packId, offset: copies[0]!.offset, length: copies[0]!.length, blob };
      assert.ok(ours.has(first.pack), 'the first copy is the one our backup wrote');
    } finally {
      await craft.backend.close();
    }
    await restic(repo, ['check', '--read-data']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const packFile = (): string => join(repo, 'data', first.pack.slice(0, 2), first.pack);

  test('a byte flipped in the first copy: restore and dump give the file byte-identical, the warning names the pack', async () => {
    const fd = openSync(packFile(), 'r+');
    try {
      const at = first.offset + Math.floor(first.length / 2);
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at);
      byte[0] = byte[0]! ^ 0xff;
      writeSync(fd, byte, 0, 1, at);
    } finally {
      closeSync(fd);
    }
    const out = join(work, 'restored');
    const restored = await lifeboat(repo, ['restore', 'latest', '--target', out]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, new RegExp(`^lifeboat: warning: data blob ${first.blob} in pack ${first.pack}: .*another copy of the blob was restored instead.*repair packs ${first.pack}`, 'm'));
    assert.deepEqual(diffTrees(describeTree(src, { times: false }), describeTree(join(out, src), { times: false })), []);

    const dumped = await lifeboat(repo, ['dump', 'latest', join(src, 'big.bin')]);
    assert.equal(dumped.code, 0, dumped.stderr);
    assert.ok(dumped.stdout.equals(readFileSync(join(src, 'big.bin'))), 'dump gives the same bytes');
  });

  test("the first copy's pack missing: restore reads the other copy, the warning names the pack", async () => {
    rmSync(packFile());
    const out = join(work, 'restored-missing');
    const restored = await lifeboat(repo, ['restore', 'latest', '--target', out]);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stderr, new RegExp(`^lifeboat: warning: .*${first.pack}.*another copy of the blob was restored instead`, 'm'));
    assert.deepEqual(diffTrees(describeTree(src, { times: false }), describeTree(join(out, src), { times: false })), []);
  });

  test('rollback apply restores from the other copy and counts the damaged one as a problem (exit 3)', async () => {
    // the point's backup finds big.bin's blob in the index: its snapshot names the same blob,
    // whose first copy's pack the test before removed
    const planFile = join(work, 'lifeboat.yaml');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${src}]`, ''].join('\n'));
    const env = { LIFEBOAT_PASSWORD: '', HOME: work };
    const created = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', 'before'], { env });
    const pointId = /restore point ([0-9a-f]{8})/.exec(created.stdout.toString())?.[1];
    assert.ok(pointId, created.stderr + created.stdout.toString());
    const want = readFileSync(join(src, 'big.bin'));
    writeFileSync(join(src, 'big.bin'), randomBytes(1000));
    const applied = await lifeboat(undefined, ['rollback', 'apply', pointId, '-c', planFile, '--state-dir', join(work, 'state'), '--yes'], { env });
    assert.equal(applied.code, 3, applied.stderr + applied.stdout.toString());
    assert.match(applied.stderr, new RegExp(`^lifeboat: .*${first.pack}.*another copy of the blob was restored instead`, 'm'));
    assert.ok(readFileSync(join(src, 'big.bin')).equals(want), 'the file has its content of the point again');
  });
});
