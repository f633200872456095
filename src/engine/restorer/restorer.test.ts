import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { RepositoryWriter } from '../../repository/index.js';
import { type Node, encodeTree } from '../../repository/model/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { withTempDir } from '../../../test/helpers/tmp.js';
import { restoreTree } from './restorer.js';

const TIME = '2024-01-02T03:04:05.123456789Z';

function fileNode(name: string | Buffer, content: Id[], size: number): Node {
  return {
    name: typeof name === 'string' ? Buffer.from(name) : name,
    type: 'file', mode: 0o644, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0,
    inode: 0n, deviceId: 0n, size, links: 1n, device: 0n, content,
  };
}

test('hostile names are refused and nothing is written outside the target', async () => {
  const repo = await makeTestRepository();
  const writer = new RepositoryWriter(repo);
  const blob = await writer.saveDataBlob(Buffer.from('evil'));
  const good = await writer.saveDataBlob(Buffer.from('good'));
  const inner = await writer.saveTree(encodeTree([fileNode('escaped', [blob], 4)]));
  const dotdotDir: Node = { ...fileNode('..', [], 0), type: 'dir', mode: 0x80000000 | 0o755, content: null, subtree: inner };
  const tree = await writer.saveTree(
    encodeTree([
      fileNode('ok.txt', [good], 4),
      fileNode('../outside.txt', [blob], 4),
      fileNode('/etc/abs', [blob], 4),
      fileNode('.', [blob], 4),
      dotdotDir,
    ]),
  );
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
