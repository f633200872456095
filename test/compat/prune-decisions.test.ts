/**
 * prune decides as restic's prune does: on the same repository, with the same --max-unused, it
 * deletes and repacks as many packs as restic's dry run says restic would, and after it restic
 * finds nothing to do. The repository is shaped for it: packs from six backups, each with its
 * own share of files gone in the last one (none, a twelfth, a quarter, half, three quarters,
 * all), and tree packs of snapshots that are forgotten.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const FILES = 12;
/** Files of each backup's directory removed before the last backup. */
const GONE = [0, 1, 3, 6, 9, 12];

/** restic's dry run: how many packs it would repack and delete. */
async function resticDecision(repo: string, maxUnused: string): Promise<{ repack: number; delete: number }> {
  const out = (await restic(repo, ['prune', '--dry-run', '-v', '--max-unused', maxUnused])).stdout.toString();
  const count = (what: string): number => Number(new RegExp(`to ${what}:\\s+(\\d+) packs`).exec(out)?.[1] ?? Number.NaN);
  return { repack: count('repack'), delete: count('delete') };
}

describe('prune decisions', () => {
  let work: string;
  let base: string;

  before(async () => {
    work = await makeTempDir('lifeboat-prune-decisions-');
    const src = join(work, 'src');
    base = join(work, 'base');
    await lifeboatOk(base, ['init']);
    for (const [round] of GONE.entries()) {
      mkdirSync(join(src, `d${round}`), { recursive: true });
      for (let f = 0; f < FILES; f++) writeFileSync(join(src, `d${round}`, `f${f}.bin`), randomBytes(150 * 1024));
      await lifeboatOk(base, ['backup', src]);
    }
    for (const [round, gone] of GONE.entries()) for (let f = 0; f < gone; f++) rmSync(join(src, `d${round}`, `f${f}.bin`));
    await lifeboatOk(base, ['backup', src]);
    await lifeboatOk(base, ['forget', '--keep-last', '1']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('prune deletes and repacks the packs restic prune would, for percentages, sizes and 0; after it, restic finds nothing to do', async (t) => {
    const seen = new Set<string>();
    for (const maxUnused of ['5%', '20%', '60%', '1M', '0']) {
      const repo = join(work, `decide-${maxUnused.replace('%', 'pc')}`);
      cpSync(base, repo, { recursive: true });
      const ours = JSON.parse((await lifeboatOk(repo, ['prune', '--json', '--dry-run', '--max-unused', maxUnused])).stdout.toString()) as Record<string, number>;
      const theirs = await resticDecision(repo, maxUnused);
      t.diagnostic(`--max-unused ${maxUnused}: restic repacks ${theirs.repack} and deletes ${theirs.delete} packs`);
      assert.deepEqual({ repack: ours.packsToRepack, delete: ours.packsToDelete }, theirs, `--max-unused ${maxUnused}`);
      seen.add(`${theirs.repack}/${theirs.delete}`);
      await lifeboatOk(repo, ['prune', '--max-unused', maxUnused]);
      assert.deepEqual(await resticDecision(repo, maxUnused), { repack: 0, delete: 0 }, `--max-unused ${maxUnused}: restic would prune again`);
      await restic(repo, ['check']);
    }
    assert.ok(seen.size >= 3, `the limits made ${seen.size} different decisions: the fixture does not tell them apart`);
  });

  test('a backup holding an empty directory leaves restic prune nothing to repack (its tree is stored compressed)', async () => {
    const repo = join(work, 'empty-dir');
    const dir = join(work, 'with-empty-dir');
    mkdirSync(join(dir, 'empty'), { recursive: true });
    writeFileSync(join(dir, 'file.txt'), 'a file beside an empty directory\n');
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(repo, ['backup', dir]);
    assert.deepEqual(await resticDecision(repo, '5%'), { repack: 0, delete: 0 });
  });
});
