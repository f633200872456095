/**
 * restore reports what it wrote (issue 14, "never misreport"): a file that could not be written
 * is counted as failed, not restored, and its error line names it once, as the snapshot names it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;

before(async () => {
  work = await makeTempDir('lifeboat-restore-report-');
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Removes the packs that hold data blobs (the trees stay readable). */
async function removeDataPacks(repo: string): Promise<void> {
  const indexIds = (await restic(repo, ['list', 'index'])).stdout.toString().trim().split('\n');
  for (const id of indexIds) {
    const index = JSON.parse((await restic(repo, ['cat', 'index', id])).stdout.toString()) as { packs: { id: string; blobs: { type: string }[] }[] };
    for (const p of index.packs) if (p.blobs.some((b) => b.type === 'data')) rmSync(join(repo, 'data', p.id.slice(0, 2), p.id));
  }
}

test('a file whose blob is missing is counted as failed, not restored, and named once relative to the target', async () => {
  const src = join(work, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'hello'), 'hello');
  const repo = join(work, 'repo');
  await lifeboatOk(repo, ['init']);
  await lifeboatOk(repo, ['backup', src]);
  await removeDataPacks(repo);
  const target = join(work, 'target');
  const r = await lifeboat(repo, ['restore', 'latest', '--target', target]);
  assert.equal(r.code, 1);
  const out = r.stdout.toString();
  assert.match(out, /: 0 files, \d+ dirs, 0 other entries, 0 B in /);
  assert.match(out, /^1 of 1 files could not be restored$/m);
  const errorLines = r.stderr.split('\n').filter((l) => l.includes('hello'));
  assert.equal(errorLines.length, 1, r.stderr);
  const line = errorLines[0]!;
  // the path as the snapshot has it, once: not TARGET/..., not repeated inside the message
  assert.ok(line.startsWith(`lifeboat: ${src}/hello: `), line);
  assert.equal(line.split('hello').length, 2, line);
  assert.ok(!line.includes(target), line);
  assert.equal(existsSync(join(target, src, 'hello')), false);
  assert.deepEqual(readdirSync(join(target, src)), [], 'no temporary file is left behind');

  const json = await lifeboat(repo, ['restore', 'latest', '--target', join(work, 'target2'), '--json']);
  const summary = json.stdout
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((m) => m.message_type === 'summary')!;
  assert.equal(summary.files_restored, 0);
  assert.equal(summary.files_failed, 1);
  assert.equal(summary.bytes_restored, 0);
  assert.equal(summary.total_files, 1);
  const error = JSON.parse(json.stderr.split('\n').find((l) => l.includes('"error"'))!) as { item: string };
  assert.equal(error.item, `${src}/hello`);
});
