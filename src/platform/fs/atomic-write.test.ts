import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { LifeboatError } from '../../core/index.js';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeboat-atomic-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const entries = (): string[] => readdirSync(dir).sort();

test('writes strings, bytes and chunk sequences; mode 0600 unless told, whatever the umask', async () => {
  const old = process.umask(0o000);
  try {
    await writeFileAtomic(join(dir, 'a'), 'text\n');
    await writeFileAtomic(join(dir, 'b'), Buffer.from([0, 1, 2]));
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`);
    await writeFileAtomic(join(dir, 'c'), lines);
    await writeFileAtomic(
      join(dir, 'd'),
      (async function* () {
        yield 'x';
        yield Buffer.from('y');
      })(),
    );
    process.umask(0o077);
    await writeFileAtomic(join(dir, 'e'), 'for the exporter\n', { mode: 0o644 });
  } finally {
    process.umask(old);
  }
  assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'text\n');
  assert.deepEqual(readFileSync(join(dir, 'b')), Buffer.from([0, 1, 2]));
  assert.equal(readFileSync(join(dir, 'c'), 'utf8'), Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`).join(''));
  assert.equal(readFileSync(join(dir, 'd'), 'utf8'), 'xy');
  for (const name of ['a', 'b', 'c', 'd']) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
  assert.equal(statSync(join(dir, 'e')).mode & 0o777, 0o644);
  assert.deepEqual(entries(), ['a', 'b', 'c', 'd', 'e']);
});

test('replaces a file by rename (a reader holding the old one keeps it whole); a failure leaves the old file and no temporary', async () => {
  const path = join(dir, 'journal');
  writeFileSync(path, 'old\n');
  linkSync(path, join(dir, 'journal.reader'));
  await writeFileAtomic(path, 'new\n');
  assert.equal(readFileSync(path, 'utf8'), 'new\n');
  assert.equal(readFileSync(join(dir, 'journal.reader'), 'utf8'), 'old\n', 'the old file was rewritten in place');

  const failing = (function* () {
    yield 'half of a document';
    throw new Error('the producer failed');
  })();
  await assert.rejects(writeFileAtomic(path, failing), (err: unknown) => {
    assert.ok(err instanceof LifeboatError);
    assert.equal(err.code, 'E_IO');
    assert.match(err.message, /cannot write .*journal: the producer failed/);
    return true;
  });
  assert.equal(readFileSync(path, 'utf8'), 'new\n');
  assert.ok(!entries().some((n) => n.endsWith('.tmp')), entries().join(' '));
});

test('exclusive: creates, but never replaces; unwritable directories are E_IO with a hint', async () => {
  const path = join(dir, 'env');
  await writeFileAtomic(path, 'A=1\n', { exclusive: true });
  await assert.rejects(writeFileAtomic(path, 'A=2\n', { exclusive: true }), (err: unknown) => {
    assert.ok(err instanceof LifeboatError && err.code === 'E_IO');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'EEXIST');
    assert.match(err.hint ?? '', /move the existing file away/);
    return true;
  });
  assert.equal(readFileSync(path, 'utf8'), 'A=1\n');
  assert.ok(!entries().some((n) => n.endsWith('.tmp')));

  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'report.md'), 'x'), (err: unknown) => {
    assert.ok(err instanceof LifeboatError && err.code === 'E_IO');
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ENOENT');
    assert.match(err.hint ?? '', /directory exists/);
    return true;
  });
});

test('system calls in order: temporary created beside the target, fsync, rename, fsync of the directory (strace)', async () => {
  const target = join(dir, 'traced.json');
  const trace = join(dir, 'strace.out');
  const module = new URL('./atomic-write.js', import.meta.url).href;
  const script = `import { writeFileAtomic } from ${JSON.stringify(module)}; await writeFileAtomic(${JSON.stringify(target)}, '{}\\n');`;
  await promisify(execFile)('strace', ['-f', '-o', trace, '-e', 'trace=openat,fsync,fdatasync,rename,renameat,renameat2', process.execPath, '--input-type=module', '-e', script]);
  const lines = readFileSync(trace, 'utf8').split('\n');
  rmSync(trace);
  const at = (re: RegExp, from = 0): number => lines.findIndex((l, i) => i >= from && re.test(l));
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const open = at(new RegExp(`openat\\(AT_FDCWD, "${esc(dir)}/\\.traced\\.json\\.[0-9a-f]+\\.tmp", O_WRONLY\\|O_CREAT\\|O_EXCL.*\\) = (\\d+)`));
  assert.ok(open >= 0, 'the temporary file is created exclusively in the target directory');
  const fd = /= (\d+)$/.exec(lines[open]!)![1];
  const sync = at(new RegExp(`fsync\\(${fd}\\)\\s+= 0`), open);
  const rename = at(new RegExp(`rename(at2?)?\\(.*\\.traced\\.json\\.[0-9a-f]+\\.tmp", .*"${esc(target)}".*= 0`), open);
  const openDir = at(new RegExp(`openat\\(AT_FDCWD, "${esc(dir)}", O_RDONLY.*\\) = (\\d+)`), rename);
  assert.ok(sync > open && rename > sync, `fsync of the file before the rename:\n${lines.join('\n')}`);
  assert.ok(openDir > rename, 'the directory is opened after the rename');
  const dirFd = /= (\d+)$/.exec(lines[openDir]!)![1];
  assert.ok(at(new RegExp(`fsync\\(${dirFd}\\)\\s+= 0`), openDir) > openDir, 'the directory is synced after the rename');
  assert.equal(readFileSync(target, 'utf8'), '{}\n');
});
