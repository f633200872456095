import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, read, readFileSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Node } from '../../repository/model/index.js';
import { FileTable } from './file-table.js';
import { FileWriter, isZero } from './file-writer.js';

function fileNode(size: number): Node {
  return { name: Buffer.from('f'), type: 'file', mode: 0o644, mtime: '2024-01-02T03:04:05Z', atime: '', ctime: '', uid: 0, gid: 0, inode: 1n, deviceId: 1n, size, links: 1n, device: 0n, content: [] };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeboat-file-writer-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('isZero: a nonzero byte anywhere, at either end or past the first 8 MiB, is found', () => {
  assert.ok(isZero(Buffer.alloc(0)));
  assert.ok(isZero(Buffer.alloc(9 << 20)));
  for (const at of [0, 1, 4096, (8 << 20) + 5, (9 << 20) - 1]) {
    const buf = Buffer.alloc(9 << 20);
    buf[at] = 1;
    assert.equal(isZero(buf), false, `nonzero at ${at}`);
  }
});

test(
  'file writer: blobs written on the thread pool land at their offsets, a hole stays a hole',
  withDir(async (dir) => {
    const files = new FileTable({ keepContent: false });
    const f = files.add(Buffer.from(join(dir, 'a')), fileNode(12), 3);
    const writer = new FileWriter(files, true);
    await Promise.all([writer.writeAsync(f, 8, Buffer.from('tail')), writer.writeAsync(f, 0, Buffer.from('head')), writer.writeAsync(f, 4, Buffer.alloc(4))]);
    writer.close(f);
    writer.commit(f);
    assert.deepEqual(readFileSync(join(dir, 'a')), Buffer.from('head\0\0\0\0tail'));
  }),
);

test(
  'file writer: a file discarded while its writes are in flight is removed once they are done',
  withDir(async (dir) => {
    const files = new FileTable({ keepContent: false });
    const f = files.add(Buffer.from(join(dir, 'a')), fileNode(4 << 20), 2);
    const writer = new FileWriter(files, false);
    const writes = [writer.writeAsync(f, 0, Buffer.alloc(2 << 20, 1)), writer.writeAsync(f, 2 << 20, Buffer.alloc(2 << 20, 2))];
    writer.discard(f);
    assert.equal(readdirSync(dir).length, 1, 'the temporary file stays while writes are in flight');
    await Promise.all(writes);
    assert.deepEqual(readdirSync(dir), []);
  }),
);

test(
  'file writer: a descriptor with writes in flight is not the one closed to stay under the cap',
  withDir(async (dir) => {
    const files = new FileTable({ keepContent: false });
    const paths = Array.from({ length: 300 }, (_, i) => join(dir, `f${i}`));
    const nums = paths.map((p) => files.add(Buffer.from(p), fileNode(1 << 20), 1));
    const writer = new FileWriter(files, false);
    // every pool thread waits on a pipe, so the first file's write waits while 299 others open:
    // its descriptor is the oldest, and closed it would be reused by a later file, the write landing there
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const pipe = openSync(fifo, constants.O_RDWR);
    const threads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
    const blocked = Array.from({ length: threads }, () => new Promise((resolve) => read(pipe, Buffer.alloc(1), 0, 1, null, resolve)));
    const writes = [writer.writeAsync(nums[0]!, 0, Buffer.alloc(1 << 20, 7))];
    const other = Buffer.alloc(1 << 20, 1);
    for (const n of nums.slice(1)) writes.push(writer.writeAsync(n, 0, other));
    writeSync(pipe, Buffer.alloc(threads));
    await Promise.all([...blocked, ...writes]);
    closeSync(pipe);
    for (const n of nums) {
      writer.close(n);
      writer.commit(n);
    }
    assert.deepEqual(readFileSync(paths[0]!), Buffer.alloc(1 << 20, 7));
    for (const p of paths.slice(1)) assert.deepEqual(readFileSync(p), other);
  }),
);
