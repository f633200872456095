import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WRITE_FILES, writeFiles } from '../../native/index.js';
import { SmallFileBatch } from './small-file-batch.js';

const TIMES = { atimeSec: 1_600_000_000, atimeNsec: 123_456_789, mtimeSec: 1_500_000_000, mtimeNsec: 987_654_321 };
const isRoot = process.getuid?.() === 0;

describe('SmallFileBatch (native writeFiles)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeboat-batch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes each file under its name with its content, mode, times and (as root) owner', async (t) => {
    const batch = new SmallFileBatch();
    // a mode the umask would narrow is set in full (fchmod); others are given at open
    const umask = process.umask(0o027);
    t.after(() => process.umask(umask));
    assert.ok(batch.add(5, Buffer.from(join(dir, 'wide')), Buffer.from('w'), 1, 0o666, 0, 0, TIMES));
    const big = Buffer.alloc(100_000, 7);
    assert.ok(batch.add(0, Buffer.from(join(dir, 'a.txt')), Buffer.from('alpha'), 5, 0o640, 1234, 4321, TIMES));
    assert.ok(batch.add(1, Buffer.from(join(dir, 'empty')), Buffer.alloc(0), 0, 0o4755, 0, 0, TIMES));
    assert.ok(batch.add(2, Buffer.from(join(dir, 'big.bin')), big, big.length, 0o600, 0, 0, TIMES));
    // no content and a size: a hole of that size (an all-zero file restored sparse)
    assert.ok(batch.add(3, Buffer.from(join(dir, 'hole')), Buffer.alloc(0), 65536, 0o444, 0, 0, TIMES));
    // non-UTF-8 name bytes
    const raw = Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x66, 0xff, 0x6f])]);
    assert.ok(batch.add(4, raw, Buffer.from('raw'), 3, 0o600, 0, 0, TIMES));
    await batch.run(isRoot);
    for (let i = 0; i < batch.count; i++) assert.deepEqual(batch.result(i), { warnings: [] }, `file ${i}`);
    assert.deepEqual([...batch.files.subarray(0, 6)], [5, 0, 1, 2, 3, 4]);
    assert.equal(statSync(join(dir, 'wide')).mode & 0o7777, 0o666);
    // before any read: reading may move the atime
    const a = statSync(join(dir, 'a.txt'), { bigint: true });
    assert.equal(a.mode & 0o7777n, 0o640n);
    assert.equal(a.mtimeNs, 1_500_000_000_987_654_321n);
    assert.equal(a.atimeNs, 1_600_000_000_123_456_789n);
    if (isRoot) assert.deepEqual([a.uid, a.gid], [1234n, 4321n]);

    assert.equal(readFileSync(join(dir, 'a.txt'), 'utf8'), 'alpha');
    assert.deepEqual(readFileSync(join(dir, 'big.bin')), big);
    assert.equal(readFileSync(join(dir, 'empty')).length, 0);
    assert.deepEqual(readFileSync(join(dir, 'hole')), Buffer.alloc(65536));
    assert.equal(readFileSync(raw).toString(), 'raw');
    assert.equal(statSync(join(dir, 'empty')).mode & 0o7777, 0o4755, 'setuid survives: fchmod comes after fchown');
    assert.equal(statSync(join(dir, 'hole')).mode & 0o7777, 0o444);
  });

  test('an existing name is EEXIST and never written through, a symlink included; the other files go on', async () => {
    const sub = join(dir, 'exist');
    mkdirSync(sub);
    writeFileSync(join(sub, 'there'), 'old');
    const outside = join(dir, 'outside');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, join(sub, 'link'));
    const batch = new SmallFileBatch();
    batch.add(10, Buffer.from(join(sub, 'there')), Buffer.from('new'), 3, 0o600, 0, 0, TIMES);
    batch.add(11, Buffer.from(join(sub, 'link')), Buffer.from('new'), 3, 0o600, 0, 0, TIMES);
    batch.add(12, Buffer.from(join(sub, 'missing-dir', 'f')), Buffer.from('x'), 1, 0o600, 0, 0, TIMES);
    batch.add(13, Buffer.from(join(sub, 'fine')), Buffer.from('fine'), 4, 0o600, 0, 0, TIMES);
    await batch.run(false);

    for (const [i, name] of [
      [0, 'there'],
      [1, 'link'],
    ] as const) {
      const { error } = batch.result(i);
      assert.equal(error?.code, 'EEXIST');
      assert.equal(error?.syscall, 'open');
      assert.equal(error?.path, join(sub, name));
    }
    assert.equal(batch.result(2).error?.code, 'ENOENT');
    assert.deepEqual(batch.result(3), { warnings: [] });
    assert.equal(readFileSync(join(sub, 'there'), 'utf8'), 'old');
    assert.equal(readFileSync(outside, 'utf8'), 'keep');
    assert.ok(lstatSync(join(sub, 'link')).isSymbolicLink());
    assert.equal(readFileSync(join(sub, 'fine'), 'utf8'), 'fine');
    assert.deepEqual(readdirSync(sub).sort(), ['fine', 'link', 'there']);
  });

  test('a file that cannot be written is not left behind', async (t) => {
    // an error after the file was created (ftruncate past the file system's largest file): the name is removed again
    const sub = join(dir, 'too-big');
    mkdirSync(sub);
    if (acceptsSize(join(sub, 'probe'), 2 ** 62)) return t.skip('this file system takes a 4 EiB file');
    const batch = new SmallFileBatch();
    // a hole past the largest offset ftruncate accepts fails after open
    batch.add(0, Buffer.from(join(sub, 'too-big')), Buffer.from('x'), 2 ** 62, 0o600, 0, 0, TIMES);
    batch.add(1, Buffer.from(join(sub, 'ok')), Buffer.from('ok'), 2, 0o600, 0, 0, TIMES);
    await batch.run(false);
    const { error } = batch.result(0);
    assert.ok(error, 'the oversized file fails');
    assert.equal(error.syscall, 'ftruncate');
    assert.deepEqual(readdirSync(sub), ['ok']);
  });

  test('a batch is reused after clear, and refuses what does not fit', async () => {
    const batch = new SmallFileBatch();
    assert.equal(batch.add(0, Buffer.from(join(dir, 'huge')), Buffer.alloc(2 * 1024 * 1024), 2 * 1024 * 1024, 0o600, 0, 0, TIMES), false);
    assert.equal(batch.count, 0);
    let added = 0;
    while (batch.add(added, Buffer.from(join(dir, `n${added}`)), Buffer.from('n'), 1, 0o600, 0, 0, TIMES)) added++;
    assert.ok(added > 1 && added <= 128, `${added} files fit`);
    await batch.run(false);
    batch.clear();
    assert.equal(batch.count, 0);
    assert.ok(batch.add(0, Buffer.from(join(dir, 'again')), Buffer.from('again'), 5, 0o600, 0, 0, TIMES));
    await batch.run(false);
    assert.deepEqual(batch.result(0), { warnings: [] });
    assert.equal(readFileSync(join(dir, 'again'), 'utf8'), 'again');
  });

  test('symlinks and directory metadata, in order with the files: never through an existing name', async () => {
    const sub = join(dir, 'entries');
    mkdirSync(sub);
    const outside = join(dir, 'outside-entries');
    writeFileSync(outside, 'keep');
    symlinkSync(outside, join(sub, 'taken'));
    mkdirSync(join(sub, 'd'));
    const batch = new SmallFileBatch(4096);
    assert.ok(batch.addSymlink(0, Buffer.from(join(sub, 'link')), Buffer.from('../nowhere'), 1234, 4321, TIMES));
    // the symlink's times are its own: the missing target is not followed
    assert.ok(batch.addSymlink(1, Buffer.from(join(sub, 'taken')), Buffer.from('elsewhere'), 0, 0, TIMES));
    assert.ok(batch.add(2, Buffer.from(join(sub, 'd', 'f')), Buffer.from('f'), 1, 0o600, 0, 0, TIMES));
    // metadata after the file in it: the directory's mtime stays as set
    assert.ok(batch.addDirMetadata(3, Buffer.from(join(sub, 'd')), 0o2750, 1234, 4321, TIMES));
    assert.ok(batch.addDirMetadata(4, Buffer.from(join(sub, 'gone')), 0o755, 0, 0, TIMES));
    await batch.run(isRoot);

    assert.deepEqual(batch.result(0), { warnings: [] });
    const link = lstatSync(join(sub, 'link'), { bigint: true });
    assert.ok(link.isSymbolicLink());
    assert.equal(readlinkSync(join(sub, 'link')), '../nowhere');
    assert.equal(link.mtimeNs, 1_500_000_000_987_654_321n);
    if (isRoot) assert.deepEqual([link.uid, link.gid], [1234n, 4321n]);
    const { error } = batch.result(1);
    assert.equal(error?.code, 'EEXIST');
    assert.equal(error?.syscall, 'symlink');
    assert.equal(readlinkSync(join(sub, 'taken')), outside, 'the existing symlink stays');
    assert.deepEqual(batch.result(2), { warnings: [] });
    assert.deepEqual(batch.result(3), { warnings: [] });
    const d = statSync(join(sub, 'd'), { bigint: true });
    assert.equal(d.mode & 0o7777n, 0o2750n, 'setgid survives: chmod comes after lchown');
    assert.equal(d.mtimeNs, 1_500_000_000_987_654_321n);
    if (isRoot) assert.deepEqual([d.uid, d.gid], [1234n, 4321n]);
    // a directory that is not there: each step is a warning naming its call
    assert.deepEqual(
      batch.result(4).warnings.map((w) => [(w as NodeJS.ErrnoException).code, (w as NodeJS.ErrnoException).syscall]),
      [...(isRoot ? [['ENOENT', 'lchown']] : []), ['ENOENT', 'chmod'], ['ENOENT', 'utimensat']],
    );
    assert.equal(batch.add(5, Buffer.from(join(sub, 'big')), Buffer.alloc(5000), 5000, 0o600, 0, 0, TIMES), false, 'a 4 KiB batch holds no 5,000-byte file');
  });

  test('writeFiles refuses arrays that do not hold `count` files', () => {
    const meta = new Float64Array(WRITE_FILES.metaFields);
    const results = new Int32Array(WRITE_FILES.resultFields);
    meta[WRITE_FILES.meta.length] = 10;
    assert.throws(() => writeFiles(Buffer.from(`${dir}/x\0`), Buffer.alloc(4), meta, results, 1, 0), { code: 'ERR_OUT_OF_RANGE' });
    meta[WRITE_FILES.meta.length] = 1;
    assert.throws(() => writeFiles(Buffer.from(`${dir}/x`), Buffer.alloc(4), meta, results, 1, 0), { code: 'ERR_OUT_OF_RANGE' }, 'path without NUL');
    assert.throws(() => writeFiles(Buffer.from(`${dir}/x\0`), Buffer.alloc(4), meta, results, 2, 0), { code: 'ERR_OUT_OF_RANGE' });
  });
});

/** Whether a file at `path` can be truncated to `size` bytes (the probe file is removed). */
function acceptsSize(path: string, size: number): boolean {
  writeFileSync(path, '');
  try {
    truncateSync(path, size);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(path);
  }
}
