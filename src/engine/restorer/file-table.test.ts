import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { Node } from '../../repository/model/index.js';
import { FileTable } from './file-table.js';

function fileNode(overrides: Partial<Node> = {}): Node {
  return {
    name: Buffer.from('f'),
    type: 'file',
    mode: 0o640,
    mtime: '2024-01-02T03:04:05.123456789+02:00',
    atime: '',
    ctime: '2024-01-02T03:04:05Z',
    uid: 1000,
    gid: 100,
    inode: 1n,
    deviceId: 1n,
    size: 5,
    links: 1n,
    device: 0n,
    content: [],
    ...overrides,
  };
}

test('file table: metadata in columns gives the times parsed (empty atime = mtime), ids and mode', () => {
  const files = new FileTable({ keepContent: false });
  for (let i = 0; i < 5000; i++) assert.equal(files.add(Buffer.from(`/t/${i}`), fileNode({ size: 2 ** 40 + i, uid: 4_000_000_000 }), i), i);
  assert.equal(files.length, 5000);
  assert.equal(files.path(4321).toString(), '/t/4321');
  assert.equal(files.size(4321), 2 ** 40 + 4321);
  assert.equal(files.remaining(3), 3);
  assert.equal(files.written(3), 2);
  const seconds = Date.UTC(2024, 0, 2, 1, 4, 5) / 1000;
  assert.deepEqual(files.metadata(4999), {
    node: { type: 'file', uid: 4_000_000_000, gid: 100, mode: 0o640 },
    times: { atimeSec: seconds, atimeNsec: 123456789, mtimeSec: seconds, mtimeNsec: 123456789 },
  });
  assert.ok(!files.failed(7));
  files.markFailed(7);
  assert.ok(files.failed(7) && !files.failed(6));
  assert.throws(() => files.content(0), /not kept/);
});

test('file table: metadata that does not fit the columns is kept whole; a bad time is an error to report', () => {
  const files = new FileTable({ keepContent: true });
  const xattrs = [{ name: 'user.k', value: Buffer.from('v') }];
  const a = files.add(Buffer.from('/a'), fileNode({ extendedAttributes: xattrs, atime: '2020-01-01T00:00:00Z' }), 0);
  const b = files.add(Buffer.from('/b'), fileNode({ mtime: 'yesterday' }), 0);
  const c = files.add(Buffer.from('/c'), fileNode({ mtime: '9999-12-31T23:59:59Z', uid: 2 ** 40 }), 0);
  const ma = files.metadata(a);
  assert.deepEqual(ma.node.extendedAttributes, xattrs);
  assert.deepEqual(ma.times, { atimeSec: 1577836800n, atimeNsec: 0, mtimeSec: 1704157445n, mtimeNsec: 123456789 });
  const mb = files.metadata(b);
  assert.ok(mb.times instanceof Error && /invalid time/.test(mb.times.message));
  assert.equal(files.metadata(c).node.uid, 2 ** 40);
  const ids = ['ab'.repeat(32), 'cd'.repeat(32)] as Id[];
  const d = files.add(Buffer.from('/d'), fileNode({ content: ids }), 2);
  assert.deepEqual(files.content(d), ids);
  assert.deepEqual(files.content(a), []);
});

test('file table: hard links belong to their file', () => {
  const files = new FileTable({ keepContent: false });
  const a = files.add(Buffer.from('/a'), fileNode(), 1);
  const b = files.add(Buffer.from('/b'), fileNode(), 1);
  files.addHardlink(a, Buffer.from('/a2'));
  files.addHardlink(a, Buffer.from('/a3'));
  assert.deepEqual(files.hardlinks(a).map(String), ['/a2', '/a3']);
  assert.deepEqual(files.hardlinks(b), []);
  assert.equal(files.path(b).toString(), '/b');
});
