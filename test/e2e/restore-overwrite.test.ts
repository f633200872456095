/**
 * `restore --overwrite always|if-changed|if-newer|never` and `--delete`, with restic 0.17's
 * documented semantics (restic 0.14 has neither), and `--dry-run -v` listing each action
 * (issue 14).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

let work: string;
let src: string;
let repo: string;
const OLD = new Date('2024-03-01T10:00:00Z');

before(async () => {
  work = await makeTempDir('lifeboat-overwrite-');
  src = join(work, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'app.ini'), 'mode=production\n');
  writeFileSync(join(src, 'sub', 'users.csv'), 'id,name\n1,alice\n');
  writeFileSync(join(src, 'notes.txt'), 'keep me\n');
  for (const f of ['app.ini', 'sub/users.csv', 'notes.txt']) utimesSync(join(src, f), OLD, OLD);
  repo = join(work, 'repo');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A restored target, then changed the way a migration changes things. */
async function changedTarget(name: string): Promise<string> {
  const t = join(work, name);
  await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', t]);
  // same size and mtime, other content: only a content comparison sees it
  writeFileSync(join(t, 'app.ini'), 'mode=migrations\n');
  utimesSync(join(t, 'app.ini'), OLD, OLD);
  // other size, newer than the snapshot
  writeFileSync(join(t, 'sub', 'users.csv'), 'id,name\n1,alice\n2,bob\n');
  rmSync(join(t, 'notes.txt'));
  writeFileSync(join(t, 'sub', 'added.txt'), 'added since\n');
  mkdirSync(join(t, 'newdir'));
  writeFileSync(join(t, 'newdir', 'x'), 'x');
  writeFileSync(join(t, 'cache.tmp'), 'excluded\n');
  writeFileSync(join(t, '.lifeboat-0a1b2c-7'), 'left by an interrupted restore');
  return t;
}

const read = (t: string, f: string): string => readFileSync(join(t, f), 'utf8');

test('always compares content: the same-size, same-mtime change is found; --delete removes what the snapshot lacks, not excluded entries', async () => {
  const t = await changedTarget('always');
  const r = await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', t, '--overwrite', 'always', '--delete', '--exclude', '*.tmp', '-v']);
  const out = r.stdout.toString();
  assert.match(out, /^updated \/app\.ini$/m);
  assert.match(out, /^updated \/sub\/users\.csv$/m);
  assert.match(out, /^restored \/notes\.txt$/m);
  assert.match(out, /^deleted \/sub\/added\.txt$/m);
  assert.match(out, /^deleted \/newdir$/m);
  assert.equal(read(t, 'app.ini'), 'mode=production\n');
  assert.equal(read(t, 'sub/users.csv'), 'id,name\n1,alice\n');
  assert.equal(read(t, 'notes.txt'), 'keep me\n');
  assert.deepEqual(readdirSync(t).sort(), ['app.ini', 'cache.tmp', 'notes.txt', 'sub']);
  assert.deepEqual(readdirSync(join(t, 'sub')), ['users.csv']);
  rmSync(join(t, 'cache.tmp'));
  assert.deepEqual(diffTrees(describeTree(src), describeTree(t)), []);
});

test("if-changed trusts size and mtime; without --delete added entries stay, but a restore's temporary file goes", async () => {
  const t = await changedTarget('if-changed');
  const r = await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', t, '--overwrite', 'if-changed', '-v']);
  const out = r.stdout.toString();
  assert.match(out, /^unchanged \/app\.ini$/m);
  assert.match(out, /^updated \/sub\/users\.csv$/m);
  assert.equal(read(t, 'app.ini'), 'mode=migrations\n', 'same size and mtime: taken as unchanged');
  assert.equal(read(t, 'sub/users.csv'), 'id,name\n1,alice\n');
  assert.equal(read(t, 'notes.txt'), 'keep me\n');
  assert.equal(read(t, 'sub/added.txt'), 'added since\n');
  assert.equal(existsSync(join(t, '.lifeboat-0a1b2c-7')), false);
});

test('if-newer keeps what is newer than the snapshot; never keeps every existing file', async () => {
  const t = await changedTarget('if-newer');
  const older = new Date('2020-01-01T00:00:00Z');
  utimesSync(join(t, 'app.ini'), older, older);
  await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', t, '--overwrite', 'if-newer']);
  assert.equal(read(t, 'app.ini'), 'mode=production\n', 'older than the snapshot: overwritten');
  assert.equal(read(t, 'sub/users.csv'), 'id,name\n1,alice\n2,bob\n', 'newer than the snapshot: kept');
  assert.equal(read(t, 'notes.txt'), 'keep me\n');

  const n = await changedTarget('never');
  const r = await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', n, '--overwrite', 'never', '--json']);
  assert.equal(read(n, 'app.ini'), 'mode=migrations\n');
  assert.equal(read(n, 'sub/users.csv'), 'id,name\n1,alice\n2,bob\n');
  assert.equal(read(n, 'notes.txt'), 'keep me\n', 'a missing file is restored');
  const summary = r.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((m) => m.message_type === 'summary')!;
  assert.equal(summary.files_restored, 1);
  assert.equal(summary.skipped, 2);
});

test('--dry-run -v lists every action and changes nothing', async () => {
  const t = await changedTarget('dry');
  const before = describeTree(t);
  const r = await lifeboatOk(repo, ['restore', `latest:${src}`, '--target', t, '--overwrite', 'if-changed', '--delete', '--dry-run', '-v']);
  const actions = r.stdout
    .toString()
    .split('\n')
    .filter((l) => /^(would |unchanged )/.test(l) && !l.includes(' snapshot '))
    .sort();
  assert.deepEqual(actions, [
    'unchanged /app.ini',
    'would delete /.lifeboat-0a1b2c-7',
    'would delete /cache.tmp',
    'would delete /newdir',
    'would delete /sub/added.txt',
    'would restore /notes.txt',
    'would update /sub/users.csv',
  ]);
  assert.deepEqual(diffTrees(before, describeTree(t)), []);
  assert.ok(statSync(join(t, 'newdir')).isDirectory());
});
