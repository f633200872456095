import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, cpSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { getSystemErrorMap } from 'node:util';
import { cachedBytes, onTmpfs } from '../../test/helpers/page-cache.js';
import { projectRoot } from '../../test/helpers/paths.js';
import { DirScan, STAT, dropCachedPages, lgetxattr, llistxattr, lsetxattr, lstatInto, mknod, nativeAvailable, releasePages, scanDir, utimensat } from './index.js';

function expectErrno(fn: () => unknown, code: string, syscall: string, path?: string): void {
  assert.throws(fn, (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, code);
    assert.equal(err.syscall, syscall);
    assert.equal(typeof err.errno, 'number');
    assert.ok(err.errno! < 0);
    assert.equal(getSystemErrorMap().get(err.errno!)?.[0], code, 'errno and code agree');
    if (path !== undefined) {
      assert.equal(err.path, path);
      // worded like Node's fs errors; the description may differ slightly from libuv's
      assert.ok(err.message.startsWith(`${code}: `) && err.message.endsWith(`, ${syscall} '${path}'`), err.message);
      assert.match(err.message, /^[A-Z0-9]+: [a-z]/);
    }
    return true;
  });
}

test('the addon is built and loads', () => {
  assert.equal(nativeAvailable(), true, 'build/Release/lifeboat_native.node is missing: run `npm ci` or `npm run build:native`');
});

describe('file system calls', () => {
  let dir = '';

  before(() => {
    dir = mkdtempSync(join(xattrCapableTmp(), 'lifeboat-native-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('xattrs: set, get and list, with string and raw-byte paths and names', () => {
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    assert.deepEqual(llistxattr(file), []);
    lsetxattr(file, 'user.lifeboat.text', Buffer.from('hello'));
    const binary = Buffer.from([0, 1, 2, 0xff, 0, 0x80]);
    lsetxattr(file, Buffer.from('user.bin\xe9', 'latin1'), binary);
    lsetxattr(file, 'user.empty', Buffer.alloc(0));
    const names = llistxattr(file)
      .map((n) => n.toString('latin1'))
      .sort();
    assert.deepEqual(names, ['user.bin\xe9', 'user.empty', 'user.lifeboat.text']);
    assert.ok(llistxattr(file).every((n) => Buffer.isBuffer(n)));
    assert.equal(lgetxattr(file, 'user.lifeboat.text').toString(), 'hello');
    assert.deepEqual(lgetxattr(file, Buffer.from('user.bin\xe9', 'latin1')), binary);
    assert.equal(lgetxattr(file, 'user.empty').length, 0);
    lsetxattr(file, 'user.lifeboat.text', Buffer.alloc(3000, 7)); // replace with a larger value
    assert.deepEqual(lgetxattr(file, 'user.lifeboat.text'), Buffer.alloc(3000, 7));
    // the system tool agrees (the attribute really is on the file)
    const out = spawnSync('getfattr', ['--only-values', '-n', 'user.empty', file], { encoding: 'utf8' });
    if (out.error === undefined) assert.equal(out.status, 0, out.stderr);

    // a non-UTF-8 file name, reachable only as raw bytes
    const rawName = Buffer.concat([Buffer.from(dir), Buffer.from('/caf\xe9-\xff', 'latin1')]);
    writeFileSync(rawName, 'y');
    lsetxattr(rawName, 'user.k', Buffer.from('v'));
    assert.deepEqual(llistxattr(rawName).map(String), ['user.k']);
    assert.equal(lgetxattr(rawName, 'user.k').toString(), 'v');
  });

  test('xattr calls do not follow symlinks', () => {
    const target = join(dir, 'target');
    writeFileSync(target, 't');
    lsetxattr(target, 'user.on-target', Buffer.from('1'));
    const link = join(dir, 'link');
    symlinkSync(target, link);
    assert.deepEqual(llistxattr(link), []);
    expectErrno(() => lgetxattr(link, 'user.on-target'), 'ENODATA', 'lgetxattr', link);
  });

  test('xattr errors are shaped like Node fs errors', () => {
    const missing = join(dir, 'missing');
    expectErrno(() => llistxattr(missing), 'ENOENT', 'llistxattr', missing);
    expectErrno(() => lgetxattr(missing, 'user.x'), 'ENOENT', 'lgetxattr', missing);
    expectErrno(() => lsetxattr(missing, 'user.x', Buffer.alloc(1)), 'ENOENT', 'lsetxattr', missing);
    const file = join(dir, 'e.txt');
    writeFileSync(file, '');
    expectErrno(() => lgetxattr(file, 'user.not-set'), 'ENODATA', 'lgetxattr', file);
    // raw-byte paths appear in the error decoded as UTF-8, like Node's own errors
    const raw = Buffer.concat([Buffer.from(missing), Buffer.from([0xff])]);
    expectErrno(() => llistxattr(raw), 'ENOENT', 'llistxattr', raw.toString());
  });

  test('paths and names with NUL bytes are refused, not truncated', () => {
    const file = join(dir, 'nul');
    writeFileSync(file, '');
    assert.throws(() => lsetxattr(`${file}\0ignored`, 'user.a', Buffer.alloc(1)), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => lsetxattr(file, Buffer.from('user.a\0b'), Buffer.alloc(1)), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => mknod(Buffer.from(`${file}\0x`), constants.S_IFIFO | 0o600, 0), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.deepEqual(llistxattr(file), []);
  });

  test('mknod creates a fifo; EEXIST when the name is taken', () => {
    const fifo = join(dir, 'fifo');
    mknod(fifo, constants.S_IFIFO | 0o640, 0);
    const st = lstatSync(fifo);
    assert.ok(st.isFIFO());
    assert.equal(st.mode & 0o777 & ~0o640, 0);
    expectErrno(() => mknod(fifo, constants.S_IFIFO | 0o600, 0n), 'EEXIST', 'mknod', fifo);
    const raw = Buffer.concat([Buffer.from(dir), Buffer.from('/fifo-\xfe', 'latin1')]);
    mknod(raw, constants.S_IFIFO | 0o600, 0);
    assert.ok(lstatSync(raw).isFIFO());
  });

  test('mknod creates a character device with the given device number (root only)', (t) => {
    const dev = join(dir, 'null-copy');
    const rdev = (1n << 8n) | 3n; // makedev(1, 3), like /dev/null
    try {
      mknod(dev, constants.S_IFCHR | 0o600, rdev);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPERM' || code === 'EACCES') {
        t.skip(`mknod of a device node needs CAP_MKNOD (${code})`);
        return;
      }
      throw err;
    }
    const st = lstatSync(dev, { bigint: true });
    assert.ok(st.isCharacterDevice());
    assert.equal(st.rdev, rdev);
  });

  test('utimensat sets nanosecond times on files and on symlinks themselves', () => {
    const file = join(dir, 'times');
    writeFileSync(file, 'x');
    utimensat(file, 1_600_000_000n, 123_456_789, 1_234_567_890, 987_654_321, false);
    let st = lstatSync(file, { bigint: true });
    assert.equal(st.atimeNs, 1_600_000_000_123_456_789n);
    assert.equal(st.mtimeNs, 1_234_567_890_987_654_321n);

    // before 1970, as a negative BigInt
    utimensat(file, -86_400n, 1, -1n, 999_999_999, false);
    st = lstatSync(file, { bigint: true });
    assert.equal(st.atimeNs, -86_400_000_000_000n + 1n);
    assert.equal(st.mtimeNs, -1n);

    const target = join(dir, 'times-target');
    writeFileSync(target, 't');
    utimensat(target, 1000, 0, 1000, 0, false);
    const link = join(dir, 'times-link');
    symlinkSync(target, link);
    utimensat(link, 1_500_000_000, 5, 1_400_000_000, 500_000_001, true);
    const linkSt = lstatSync(link, { bigint: true });
    assert.ok(linkSt.isSymbolicLink());
    assert.equal(linkSt.mtimeNs, 1_400_000_000_500_000_001n);
    assert.equal(linkSt.atimeNs, 1_500_000_000_000_000_005n);
    assert.equal(lstatSync(target, { bigint: true }).mtimeNs, 1000_000_000_000n, 'the target is untouched');

    // without noFollow the target changes
    utimensat(link, 2000, 0, 2000, 42, false);
    assert.equal(lstatSync(target, { bigint: true }).mtimeNs, 2000_000_000_042n);
    assert.equal(lstatSync(link, { bigint: true }).mtimeNs, 1_400_000_000_500_000_001n);
  });

  test('utimensat validates its arguments and reports errors', () => {
    const file = join(dir, 'times-bad');
    writeFileSync(file, '');
    assert.throws(() => utimensat(file, 1, 1_000_000_000, 1, 0, false), RangeError);
    assert.throws(() => utimensat(file, 1, 0, 1, -1, false), RangeError);
    assert.throws(() => utimensat(file, 1.5, 0, 1, 0, false), RangeError);
    assert.throws(() => utimensat(file, '1' as unknown as number, 0, 1, 0, false), TypeError);
    const missing = join(dir, 'missing-times');
    expectErrno(() => utimensat(missing, 1, 0, 1, 0, true), 'ENOENT', 'utimensat', missing);
  });

  test('lstatInto reports nanosecond times, pre-1970 seconds and the xattr list size', () => {
    const file = join(dir, 'stat');
    writeFileSync(file, 'four');
    utimensat(file, 5, 6, -2, 7, false);
    const out = new BigUint64Array(16);
    lstatInto(file, out);
    const st = lstatSync(file, { bigint: true });
    assert.equal(out[STAT.ino], st.ino);
    assert.equal(out[STAT.size], 4n);
    assert.equal(out[STAT.mode], st.mode);
    assert.equal(BigInt.asIntN(64, out[STAT.mtimeSec]!), -2n);
    assert.equal(out[STAT.mtimeNsec], 7n);
    assert.equal(out[STAT.xattrListSize], 0n);
    lsetxattr(file, 'user.abc', Buffer.from('1'));
    lstatInto(file, out);
    assert.equal(out[STAT.xattrListSize], BigInt('user.abc'.length + 1));
    const missing = join(dir, 'missing-stat');
    expectErrno(() => lstatInto(missing, out), 'ENOENT', 'lstat', missing);
  });

  test("scanDir lists a directory as readdir does, with each entry's lstat as lstatInto gives it", async () => {
    const top = join(dir, 'scan');
    mkdirSync(join(top, 'sub'), { recursive: true });
    writeFileSync(join(top, 'b.txt'), 'bee');
    writeFileSync(join(top, 'a.txt'), '');
    lsetxattr(join(top, 'a.txt'), 'user.k', Buffer.from('v'));
    symlinkSync('b.txt', join(top, 'link'));
    mknod(join(top, 'fifo'), constants.S_IFIFO | 0o600, 0);
    const raw = Buffer.concat([Buffer.from(top), Buffer.from('/\xff\xfe-not-utf8', 'latin1')]);
    writeFileSync(raw, 'x');
    const scan = await scanDir(Buffer.from(top));
    const names = readdirSync(top, { encoding: 'buffer' });
    assert.equal(scan.count, names.length);
    assert.ok(scan.stat(0)[STAT.xattrListSize]! > 0n, 'a.txt has an xattr');
    const expected = new BigUint64Array(16);
    for (let i = 0; i < scan.count; i++) {
      assert.ok(scan.name(i).equals(names[i]!), `entry ${i} in readdir's order`);
      assert.ok(scan.ok(i));
      lstatInto(Buffer.concat([Buffer.from(`${top}/`), names[i]!]), expected);
      assert.deepEqual([...scan.stat(i)], [...expected]);
    }
    assert.equal((await scanDir(Buffer.from(join(top, 'sub')))).count, 0);
    const missing = join(top, 'missing');
    await assert.rejects(scanDir(Buffer.from(missing)), (err: NodeJS.ErrnoException) => {
      expectErrno(
        () => {
          throw err;
        },
        'ENOENT',
        'scandir',
        missing,
      );
      return true;
    });
    await assert.rejects(scanDir(Buffer.from(join(top, 'b.txt'))), { code: 'ENOTDIR', syscall: 'scandir' });
    const without = await scanDir(Buffer.from(top), { xattrs: false });
    assert.equal(without.stat(0)[STAT.xattrListSize], 0n, 'xattrs: false: no list size asked for');
    assert.deepEqual([...without.stat(0).subarray(0, STAT.xattrListSize)], [...scan.stat(0).subarray(0, STAT.xattrListSize)], 'the other fields as before');
    await assert.rejects(scanDir(Buffer.from(`${top}\0x`)), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  test('a DirScan reports an entry whose lstat failed like fs.lstatSync would', () => {
    // one entry "gone", lstat errno ENOENT (2)
    const layout = new ArrayBuffer(8 + 128 + 4 + 4 + 4);
    new Uint32Array(layout, 0, 1)[0] = 1;
    new Int32Array(layout, 136, 1)[0] = 2;
    new Uint32Array(layout, 140, 1)[0] = 4;
    Buffer.from(layout, 144).write('gone', 'latin1');
    const scan = new DirScan(Buffer.from('/some/dir'), layout);
    assert.equal(scan.ok(0), false);
    assert.equal(scan.name(0).toString(), 'gone');
    expectErrno(
      () => {
        throw scan.error(0);
      },
      'ENOENT',
      'lstat',
      '/some/dir/gone',
    );
    expectErrno(
      () => {
        throw new DirScan(Buffer.from('/'), layout).error(0);
      },
      'ENOENT',
      'lstat',
      '/gone',
    );
  });
});

test('without the built addon, importing works and calls throw E_UNSUPPORTED with a hint', () => {
  // A copy of the compiled modules in a project that has binding.gyp but no build/.
  const root = mkdtempSync(join(tmpdir(), 'lifeboat-noaddon-'));
  try {
    const compiled = join(projectRoot, 'dist', 'src');
    cpSync(join(compiled, 'native'), join(root, 'dist', 'src', 'native'), { recursive: true });
    cpSync(join(compiled, 'core'), join(root, 'dist', 'src', 'core'), { recursive: true });
    writeFileSync(join(root, 'binding.gyp'), '{}');
    writeFileSync(join(root, 'package.json'), '{"type":"module"}');
    const script = `
      const m = await import(${JSON.stringify(join(root, 'dist', 'src', 'native', 'index.js'))});
      const result = { available: m.nativeAvailable() };
      try { m.poly1305(new Uint8Array(32), new Uint8Array(0), new Uint8Array(16)); } catch (e) {
        result.code = e.code; result.name = e.name; result.hint = e.hint; result.message = e.message;
      }
      console.log(JSON.stringify(result));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(result.available, false);
    assert.equal(result.code, 'E_UNSUPPORTED');
    assert.equal(result.name, 'LifeboatError');
    assert.match(String(result.hint), /npm ci.*g\+\+ and make/);
    assert.match(String(result.message), /lifeboat_native\.node/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/**
 * A temporary directory whose file system takes user.* xattrs: os.tmpdir(), else /tmp, else
 * /var/tmp. Fails (does not skip) when none does: restore of xattrs must be tested.
 */
function xattrCapableTmp(): string {
  const tried: string[] = [];
  for (const candidate of [...new Set([tmpdir(), '/tmp', '/var/tmp'])]) {
    let probeDir: string | undefined;
    try {
      probeDir = mkdtempSync(join(candidate, 'lifeboat-xattr-probe-'));
      const probe = join(probeDir, 'f');
      writeFileSync(probe, '');
      lsetxattr(probe, 'user.lifeboat-probe', Buffer.from('1'));
      return candidate;
    } catch (err) {
      tried.push(`${candidate}: ${(err as Error).message}`);
    } finally {
      if (probeDir) rmSync(probeDir, { recursive: true, force: true });
    }
  }
  throw new Error(`no temporary directory supports user.* extended attributes (check with setfattr):\n${tried.join('\n')}`);
}

test('releasePages gives back whole pages after `from` only; they read as zeros', () => {
  const buf = Buffer.alloc(1024 * 1024 + 123, 7);
  const from = 5000;
  const released = releasePages(buf, from);
  assert.ok(released > 0 && released <= buf.length - from, `released ${released}`);
  assert.equal(released % 4096, 0);
  // bytes before `from` (including the rest of its page) and after the last whole page are kept
  assert.ok(buf.subarray(0, from).every((b) => b === 7));
  const firstZero = buf.indexOf(0);
  assert.ok(firstZero >= from);
  const zeros = buf.subarray(firstZero, firstZero + released);
  assert.ok(zeros.every((b) => b === 0));
  assert.ok(buf.subarray(firstZero + released).every((b) => b === 7));
  buf.fill(9, firstZero, firstZero + 10); // released pages are usable again
  assert.equal(buf[firstZero], 9);
  assert.equal(releasePages(buf, buf.length), 0);
  assert.throws(() => releasePages(buf, buf.length + 1), RangeError);
});

test('dropCachedPages takes a written, synced file out of the page cache (fincore) and leaves its bytes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeboat-drop-'));
  if (onTmpfs(dir)) {
    rmSync(dir, { recursive: true });
    t.skip(`${tmpdir()} is tmpfs`);
    return;
  }
  try {
    const path = join(dir, 'f');
    const data = randomBytes(4 * 1024 * 1024);
    const fd = openSync(path, 'w+');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
      assert.ok(cachedBytes(path) >= data.length / 2, 'a file just written is cached');
      assert.equal(dropCachedPages(fd), true);
      assert.ok(cachedBytes(path) < data.length / 8, `${cachedBytes(path)} bytes still cached`);
      assert.ok(readFileSync(path).equals(data), 'the bytes are read back from the disk');
    } finally {
      closeSync(fd);
    }
    assert.throws(() => dropCachedPages(1_000_000), { code: 'EBADF', syscall: 'posix_fadvise' });
    assert.throws(() => dropCachedPages(-1), RangeError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
