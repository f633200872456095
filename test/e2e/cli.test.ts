/**
 * The CLI as a user runs it: repository and password from flags and environment, help, exit
 * codes, a backup/restore round trip with Lifeboat alone, corrupted packs.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees, makeEveryKindTree } from '../helpers/tree-fixture.js';

describe('lifeboat CLI', () => {
  let work: string;

  before(async () => {
    work = await makeTempDir('lifeboat-e2e-');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('--help explains commands, options and exit codes', async () => {
    const r = await lifeboatOk(undefined, ['--help']);
    const text = r.stdout.toString();
    for (const word of ['init', 'backup', 'restore', 'snapshots', 'ls', 'dump', 'cat', 'Exit codes']) assert.match(text, new RegExp(word));
    const b = await lifeboatOk(undefined, ['backup', '--help']);
    assert.match(b.stdout.toString(), /--exclude-if-present/);
    const bad = await lifeboat(undefined, ['no-such-command']);
    assert.equal(bad.code, 1);
  });

  test('repository and password from environment, password file and command', async () => {
    const repo = join(work, 'env-repo');
    const pwFile = join(work, 'pw');
    writeFileSync(pwFile, `${TEST_PASSWORD}\n`);
    await lifeboatOk(undefined, ['init'], { env: { LIFEBOAT_REPOSITORY: repo } });
    const viaFile = await run(process.execPath, [join(process.cwd(), 'bin', 'lifeboat'), 'snapshots', '--json'], {
      env: { LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: repo, LIFEBOAT_PASSWORD: '', RESTIC_PASSWORD_FILE: pwFile },
    });
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.deepEqual(JSON.parse(viaFile.stdout.toString()), []);
    const viaCommand = await lifeboat(repo, ['--password-command', `cat ${pwFile}`, 'snapshots', '-q'], { env: { LIFEBOAT_PASSWORD: 'wrong' } });
    assert.equal(viaCommand.code, 0, viaCommand.stderr);
    const noRepo = await run(process.execPath, [join(process.cwd(), 'bin', 'lifeboat'), 'snapshots'], { env: { LIFEBOAT_REPOSITORY: '', RESTIC_REPOSITORY: '' } });
    assert.equal(noRepo.code, 1);
    assert.match(noRepo.stderr, /no repository given/);
    const again = await lifeboat(repo, ['init']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  test('backup and restore round trip, incremental, dry run, excludes', async () => {
    const src = join(work, 'src');
    mkdirSync(src);
    makeEveryKindTree(src, { largeSize: 3 * 1024 * 1024 });
    mkdirSync(join(src, 'cache'));
    writeFileSync(join(src, 'cache', 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n');
    writeFileSync(join(src, 'cache', 'junk'), 'junk');
    writeFileSync(join(src, 'skip.tmp'), 'tmp');
    const repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    const dry = await lifeboatOk(repo, ['backup', '--dry-run', src]);
    assert.match(dry.stdout.toString(), /nothing was saved/);
    assert.equal(readdirSync(join(repo, 'snapshots')).length, 0);
    assert.equal(readdirSync(join(repo, 'index')).length, 0);
    const r = await lifeboatOk(repo, ['backup', '--exclude-caches', '--exclude', '*.tmp', '--tag', 'pre-migration', src]);
    assert.match(r.stdout.toString(), /snapshot [0-9a-f]{8} saved/);
    const target = join(work, 'target');
    await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', target, '--verify']);
    const expected = describeTree(src);
    for (const k of [...expected.keys()]) if (k === 'cache' || k.startsWith('cache/') || k === 'skip.tmp') expected.delete(k);
    assert.deepEqual(diffTrees(expected, describeTree(target)), []);
    const ls = await lifeboatOk(repo, ['ls', '--long', 'latest']);
    assert.match(ls.stdout.toString(), /-rw-r--r-- .*\/src\/hello\.txt\n/);
  });

  test('a corrupted pack names the pack and the blob; other files are still restored', async () => {
    const src = join(work, 'corrupt-src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'first file');
    const repo = join(work, 'corrupt-repo');
    const listPacks = (): string[] => readdirSync(join(repo, 'data')).flatMap((d) => readdirSync(join(repo, 'data', d)).map((f) => join(repo, 'data', d, f)));
    await lifeboatOk(repo, ['init', '--repository-version', '2']);
    await lifeboatOk(repo, ['backup', src]);
    const firstPacks = listPacks();
    writeFileSync(join(src, 'b.txt'), 'second file, in another pack');
    await lifeboatOk(repo, ['backup', src]);
    // the first backup's packs hold a.txt's data (and trees the latest snapshot no longer uses)
    for (const p of firstPacks) {
      const bytes = readFileSync(p);
      bytes[20] = bytes[20]! ^ 0xff;
      chmodSync(p, 0o600);
      writeFileSync(p, bytes);
    }
    const target = join(work, 'corrupt-target');
    const r = await lifeboat(repo, ['restore', `latest:${src}`, '--target', target]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a\.txt.*blob [0-9a-f]{64} in pack [0-9a-f]{64}/);
    assert.deepEqual(readdirSync(target), ['b.txt']);
    assert.equal(readFileSync(join(target, 'b.txt'), 'utf8'), 'second file, in another pack');
  });
});
