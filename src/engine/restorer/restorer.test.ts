import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { RepositoryWriter } from '../../repository/index.js';
import { type Node, encodeTree } from '../../repository/model/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { testFileNode } from '../../repository/testing/test-node.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { restoreTree } from './restorer.js';

const fileNode = (name: string | Buffer, content: Id[], size: number): Node => testFileNode(name, { content, size });

test('hostile names are refused and nothing is written outside the target', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const blob = await writer.saveDataBlob(Buffer.from('evil'));
  const good = await writer.saveDataBlob(Buffer.from('good'));
  const inner = await writer.saveTree(encodeTree([fileNode('escaped', [blob], 4)]));
  const dotdotDir: Node = { ...fileNode('..', [], 0), type: 'dir', mode: 0x80000000 | 0o755, content: null, subtree: inner };
  const tree = await writer.saveTree(encodeTree([fileNode('ok.txt', [good], 4), fileNode('../outside.txt', [blob], 4), fileNode('/etc/abs', [blob], 4), fileNode('.', [blob], 4), dotdotDir]));
  await writer.flush();
  await withTempDir(async (dir) => {
    const target = join(dir, 'target');
    const errors: string[] = [];
    const summary = await restoreTree(repo, { tree, target, onError: (p, e) => errors.push(`${p}: ${e.message}`) });
    assert.equal(summary.errors, 4, errors.join('\n'));
    assert.deepEqual(readdirSync(dir), ['target']);
    assert.deepEqual(readdirSync(target), ['ok.txt']);
    assert.equal(readFileSync(join(target, 'ok.txt'), 'utf8'), 'good');
    assert.ok(!existsSync(join(dir, 'escaped')));
    assert.ok(errors.every((e) => /unsafe name/.test(e)));
  });
});

test('a file whose blob is not in the index fails alone; the others are restored', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const good = await writer.saveDataBlob(Buffer.from('good'));
  const missing = 'f'.repeat(64) as Id;
  const tree = await writer.saveTree(encodeTree([fileNode('a-good', [good], 4), fileNode('b-broken', [good, missing], 8)]));
  await writer.flush();
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    const summary = await restoreTree(repo, { tree, target: dir, onError: (p, e) => errors.push(`${p}: ${e.message}`) });
    assert.equal(summary.errors, 1);
    assert.match(errors[0]!, /ffffffff.* is not in the index/);
    assert.deepEqual(readdirSync(dir), ['a-good']);
  });
});

test('blobs shared across packs, spans, files and offsets; hard links; metadata; --verify', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo, 'off');
  // pack 1: three 1 MiB blobs (more than one 2 MiB span), a 5 MiB one (a span of its own) and a
  // small one; pack 2: a 6 MiB blob (the large-span buffer grows) and two more
  const big = [randomBytes(1 << 20), randomBytes(1 << 20), randomBytes(1 << 20), randomBytes(5 << 20)];
  const small = Buffer.from('small blob');
  const [b0, b1, b2, b3, s0] = [...(await Promise.all(big.map((b) => writer.saveDataBlob(b)))), await writer.saveDataBlob(small)];
  await writer.flush();
  const later = [randomBytes(100_000), Buffer.alloc(200_000), randomBytes(6 << 20)];
  const [l0, l1, l2] = await Promise.all(later.map((b) => writer.saveDataBlob(b)));
  const files: [string, Id[], Buffer[]][] = [
    ['one-pack', [b0, b1!, b3!, b2!], [big[0]!, big[1]!, big[3]!, big[2]!]],
    ['two-packs', [b2!, l0!, b0, s0!, l2!], [big[2]!, later[0]!, big[0]!, small, later[2]!]],
    ['repeated', [s0!, s0!, l1!, s0!, b3!], [small, small, later[1]!, small, big[3]!]],
    ['empty', [], []],
  ];
  const nodes = files.map(([name, ids, parts]) => ({ ...fileNode(name, ids, Buffer.concat(parts).length), mode: 0o604 }));
  const linked = (name: string): Node => ({ ...fileNode(name, [l0!, s0!], later[0]!.length + small.length), links: 2n, inode: 42n, deviceId: 7n });
  const tree = await writer.saveTree(encodeTree([...nodes, linked('link-a'), linked('link-b')]));
  await writer.flush();
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    const summary = await restoreTree(repo, { tree, target: dir, verify: true, onError: (p, e) => errors.push(`${p}: ${e.message}`) });
    assert.deepEqual(errors, []);
    for (const [name, , parts] of files) {
      assert.ok(readFileSync(join(dir, name)).equals(Buffer.concat(parts)), name);
      const st = statSync(join(dir, name), { bigint: true });
      assert.equal(st.mode & 0o777n, 0o604n, name);
      assert.equal(st.mtimeNs, 1704164645123456789n, name);
    }
    assert.ok(readFileSync(join(dir, 'link-b')).equals(Buffer.concat([later[0]!, small])));
    assert.equal(statSync(join(dir, 'link-a')).ino, statSync(join(dir, 'link-b')).ino);
    assert.deepEqual(readdirSync(dir).sort(), ['empty', 'link-a', 'link-b', 'one-pack', 'repeated', 'two-packs']);
    assert.equal(summary.filesTotal, 6);
    assert.equal(summary.filesDone, 6);
    assert.equal(summary.verified, 5);
    assert.equal(summary.bytesDone, summary.bytesTotal);
  });
});

test('a pack that cannot be read fails only the files needing it, and leaves nothing half-written', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo, 'off');
  // large blobs too: a failed read of a large span must not break the ones after it
  const keptBytes = [Buffer.from('kept'), randomBytes(5 << 20)];
  const [kept, keptLarge] = await Promise.all(keptBytes.map((b) => writer.saveDataBlob(b)));
  await writer.flush();
  const [lost, lostLarge] = await Promise.all([randomBytes(50_000), randomBytes(5 << 20)].map((b) => writer.saveDataBlob(b)));
  const tree = await writer.saveTree(
    encodeTree([fileNode('a-kept', [kept!], 4), fileNode('b-lost', [kept!, lost!], 50_004), fileNode('c-lost', [lostLarge!], 5 << 20), fileNode('d-kept', [keptLarge!, kept!], (5 << 20) + 4)]),
  );
  await writer.flush();
  const lostPack = repo.index.lookup('data', lost!)!.packId;
  assert.equal(repo.index.lookup('data', lostLarge!)!.packId, lostPack);
  assert.notEqual(lostPack, repo.index.lookup('data', kept!)!.packId);
  await repo.backend.remove({ type: 'data', name: lostPack });
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    const summary = await restoreTree(repo, { tree, target: dir, onError: (p, e) => errors.push(`${p}: ${e.message}`) });
    assert.equal(summary.errors, 2, errors.join('\n'));
    assert.ok(
      errors.every((e) => e.includes(lostPack)),
      errors.join('\n'),
    );
    assert.deepEqual(readdirSync(dir).sort(), ['a-kept', 'd-kept']);
    assert.equal(readFileSync(join(dir, 'a-kept'), 'utf8'), 'kept');
    assert.ok(readFileSync(join(dir, 'd-kept')).equals(Buffer.concat(keptBytes.reverse())));
  });
});

test('a small file whose name is taken after the walk is still restored (temporary name, rename), an empty one too', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const blob = await writer.saveDataBlob(Buffer.from('snapshot'));
  const tree = await writer.saveTree(encodeTree([fileNode('empty', [], 0), fileNode('small', [blob], 8), fileNode('untouched', [blob], 8)]));
  await writer.flush();
  await withTempDir(async (dir) => {
    const errors: string[] = [];
    // onAction runs during the walk, before any file is written: the names appear in between
    const summary = await restoreTree(repo, {
      tree,
      target: join(dir, 'new'),
      onAction: (action, path) => {
        assert.equal(action, 'restore');
        if (path !== '/untouched') writeFileSync(join(dir, 'new', path), 'in the way, longer than the snapshot');
      },
      onError: (p, e) => errors.push(`${p}: ${e.message}`),
    });
    assert.deepEqual(errors, []);
    assert.equal(summary.filesDone, 3);
    assert.equal(readFileSync(join(dir, 'new', 'small'), 'utf8'), 'snapshot');
    assert.equal(readFileSync(join(dir, 'new', 'untouched'), 'utf8'), 'snapshot');
    assert.equal(readFileSync(join(dir, 'new', 'empty'), 'utf8'), '');
    for (const name of ['small', 'empty']) assert.equal(statSync(join(dir, 'new', name)).mode & 0o777, 0o644, name);
    assert.deepEqual(readdirSync(join(dir, 'new')).sort(), ['empty', 'small', 'untouched']);
  });
});
