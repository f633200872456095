/**
 * Issue 20: a directory of a huge number of entries costs its tree blob's bytes, not an array of
 * node objects. A 300,000-entry tree (≈ 60 MB of JSON, written straight through the repository
 * writer) is listed by `ls` and checked by `check`, through bin/lifeboat as a user runs it, under a
 * peak resident memory far below what the whole-document decoder took.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dirNode, fileNode, writeCraftedSnapshot } from '../helpers/crafted.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const ENTRIES = 300_000;
const name = (i: number): string => `file-${String(i).padStart(7, '0')}`;

/** Runs bin/lifeboat (through its shebang, as users do) under GNU time: the result and its peak RSS in MiB. */
async function measured(repo: string, args: string[]): Promise<{ stdout: Buffer; peakMiB: number }> {
  const r = await run('/usr/bin/time', ['-f', '%M', lifeboatBin, '-r', repo, ...args], { env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
  const lines = r.stderr.trim().split('\n');
  assert.equal(r.code, 0, r.stderr);
  return { stdout: r.stdout, peakMiB: Number(lines.at(-1)) / 1024 };
}

describe('issue 20: a 300,000-entry directory', { timeout: 120_000 }, () => {
  let work: string;
  let repo: string;

  before(async () => {
    work = await makeTempDir('lifeboat-huge-tree-');
    repo = join(work, 'repo');
    await lifeboatOk(repo, ['init']);
    await writeCraftedSnapshot(repo, async (t) => {
      const nodes = Array.from({ length: ENTRIES }, (_, i) => fileNode(name(i), [], 0));
      const big = await t.saveTree(nodes);
      return t.saveTree([dirNode('big', big)]);
    });
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  // the whole-document decoder peaked at 310–335 MiB for each of these (2026-12-05); streamed
  // they take 135–160 MiB: the ≈ 60 MB blob, the walk's garbage, and Node's own ≈ 60–80 MiB
  const BOUND_MIB = 220;

  test('ls lists every entry in order within the bound', async () => {
    const { stdout, peakMiB } = await measured(repo, ['ls', 'latest']);
    const lines = stdout.toString().split('\n');
    assert.equal(lines.length, ENTRIES + 2, 'the directory, its entries and the final newline');
    assert.equal(lines[0], '/big');
    assert.equal(lines[1], `/big/${name(0)}`);
    assert.equal(lines[ENTRIES], `/big/${name(ENTRIES - 1)}`);
    assert.ok(peakMiB < BOUND_MIB, `ls: peak resident memory ${peakMiB.toFixed(0)} MiB`);
  });

  test('ls SNAPSHOT:PATH of one entry looks it up in its parent within the bound', async () => {
    const { stdout, peakMiB } = await measured(repo, ['ls', `latest:/big/${name(ENTRIES - 1)}`]);
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
});
