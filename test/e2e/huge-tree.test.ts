/**
 * Issue 20: a directory of a huge number of entries costs its tree blob's bytes, not an array of
 * node objects. A 200,000-entry tree (≈ 40 MB of JSON, written straight through the repository
 * writer) is listed by `ls`, compared by `diff` with a copy that differs in two entries, and
 * checked by `check`, through bin/lifeboat as a user runs it, under a peak resident memory far
 * below what the whole-document decoder took.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type NodeJson, dirNode, fileNode, writeCraftedSnapshot } from '../helpers/crafted.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const ENTRIES = 200_000;
const name = (i: number): string => `file-${String(i).padStart(7, '0')}`;
const entries = (): NodeJson[] => Array.from({ length: ENTRIES }, (_, i) => fileNode(name(i), [], 0));

/** Runs bin/lifeboat (through its shebang, as users do) under GNU time: the result and its peak RSS in MiB. */
async function measured(repo: string, args: string[]): Promise<{ stdout: Buffer; peakMiB: number }> {
  const r = await run('/usr/bin/time', ['-f', '%M', lifeboatBin, '-r', repo, ...args], { env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
  const lines = r.stderr.trim().split('\n');
  assert.equal(r.code, 0, r.stderr);
  return { stdout: r.stdout, peakMiB: Number(lines.at(-1)) / 1024 };
}

describe('issue 20: a 200,000-entry directory', { timeout: 120_000 }, () => {
  let work: string;
  let repo: string;
  let first: string;

  before(async () => {
    work = await makeTempDir('lifeboat-huge-tree-');
    repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    first = await writeCraftedSnapshot(repo, async (t) => t.saveTree([dirNode('big', await t.saveTree(entries()))]));
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  // the whole-document decoder peaked at 226–228 MiB for each of these, 343 MiB for diff
  // (2026-12-05); streamed they take 115–140 MiB (diff 151 MiB): the ≈ 40 MB blob (two for
  // diff), the walk's garbage, and Node's own ≈ 60–80 MiB. With 300,000 entries: 315–347 MiB
  // before, 139–161 MiB after (diff 460 and 199 MiB)
  const BOUND_MIB = 170;
  const DIFF_BOUND_MIB = 240;

  test('ls lists every entry in order within the bound', async () => {
    const { stdout, peakMiB } = await measured(repo, ['ls', first]);
    const lines = stdout.toString().split('\n');
    assert.equal(lines.length, ENTRIES + 2, 'the directory, its entries and the final newline');
    assert.equal(lines[0], '/big');
    assert.equal(lines[1], `/big/${name(0)}`);
    assert.equal(lines[ENTRIES], `/big/${name(ENTRIES - 1)}`);
    assert.ok(peakMiB < BOUND_MIB, `ls: peak resident memory ${peakMiB.toFixed(0)} MiB`);
  });

  test('ls SNAPSHOT:PATH of one entry looks it up in its parent within the bound', async () => {
    const { stdout, peakMiB } = await measured(repo, ['ls', `${first}:/big/${name(ENTRIES - 1)}`]);
    assert.equal(stdout.toString(), `/big/${name(ENTRIES - 1)}\n`);
    assert.ok(peakMiB < BOUND_MIB, `ls SNAPSHOT:PATH: peak resident memory ${peakMiB.toFixed(0)} MiB`);
  });

  // find, stats and dump walk with the same walkTree as ls; check has its own walk
  test('check within the bound', async () => {
    const checked = await measured(repo, ['check']);
    assert.match(checked.stdout.toString(), /checked 1 snapshots, 2 trees/);
    assert.match(checked.stdout.toString(), /no errors were found/);
    assert.ok(checked.peakMiB < BOUND_MIB, `check: peak resident memory ${checked.peakMiB.toFixed(0)} MiB`);
  });

  test('diff of two such directories streams both trees side by side within the bound', async () => {
    // the same directory with one entry removed and one added (made after check, which then has one snapshot to walk)
    const changed = [...entries().filter((_, i) => i !== 7), fileNode(name(9_999_999), [], 0)];
    const second = await writeCraftedSnapshot(repo, async (t) => t.saveTree([dirNode('big', await t.saveTree(changed))]));
    const { stdout, peakMiB } = await measured(repo, ['diff', first, second]);
    const changes = stdout
      .toString()
      .split('\n')
      .filter((l) => /^[-+M] {2}/.test(l));
    assert.deepEqual(changes, [`-    /big/${name(7)}`, `+    /big/${name(9_999_999)}`]);
    // two blobs held at once
    assert.ok(peakMiB < DIFF_BOUND_MIB, `diff: peak resident memory ${peakMiB.toFixed(0)} MiB`);
  });
});
