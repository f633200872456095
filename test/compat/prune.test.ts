/**
 * prune drops unreferenced data in restic's order: after `forget --prune` and `prune`, restic's
 * `check --read-data` passes and every remaining snapshot restores identically (with restic);
 * a prune killed after each of its steps leaves a valid repository and a second prune finishes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

function du(dir: string): number {
  let total = 0;
  for (const d of readdirSync(join(dir, 'data'))) total += readdirSync(join(dir, 'data', d)).length;
  return total;
}

describe('prune', () => {
  let work: string;
  let base: string;
  let src: string;
  const states: { id: string; copy: string }[] = [];

  before(async () => {
    work = await makeTempDir('lifeboat-prune-');
    src = join(work, 'src');
    mkdirSync(src);
    base = join(work, 'base');
    await lifeboatOk(base, ['init']);
    for (let round = 0; round < 5; round++) {
      // each round replaces some files: older snapshots hold data newer ones do not
      writeFileSync(join(src, `big-${round % 2}.bin`), randomBytes(3 * 1024 * 1024));
      writeFileSync(join(src, `small-${round}.txt`), `round ${round}\n`.repeat(1000));
      if (round >= 2) rmSync(join(src, `small-${round - 2}.txt`));
      const r = await lifeboatOk(base, ['backup', '--json', src]);
      const id = JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string;
      const copy = join(work, `state-${round}`);
      cpSync(src, copy, { recursive: true });
      states.push({ id, copy });
    }
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('forget --prune and prune leave a repository restic verifies, snapshots restore identically', async () => {
    const repo = join(work, 'pruned');
    cpSync(base, repo, { recursive: true });
    const packsBefore = du(repo);
    await lifeboatOk(repo, ['forget', '--keep-last', '2', '--prune', '--max-unused', '0%']);
    assert.ok(du(repo) < packsBefore, `packs ${packsBefore} → ${du(repo)}`);
    await restic(repo, ['check', '--read-data']);
    for (const s of states.slice(-2)) {
      const target = join(work, `restore-${s.id.slice(0, 8)}`);
      await restic(repo, ['restore', s.id, '--target', target]);
      assert.deepEqual(diffTrees(describeTree(s.copy, { times: false }), describeTree(join(target, src), { times: false })), []);
    }
    const again = JSON.parse((await lifeboatOk(repo, ['prune', '--json', '--dry-run', '--max-unused', '0%'])).stdout.toString()) as Record<string, number>;
    assert.equal(again.packsToDelete, 0);
    assert.equal(again.unusedBlobs, 0);
  });

  // killed by the preloaded test hook (test/helpers/fault-kill-hook.ts) after each of its saves
  // (repacked packs, the new index) in turn, until a prune finishes, and after its first removals
  // (old index, old packs)
  /** `kill` is the hook's variable and N, e.g. `KILL_AFTER_SAVE=3`. */
  async function killedPrune(kill: string): Promise<boolean> {
    const [name, n] = kill.split('=') as [string, string];
    const repo = join(work, `killed-${kill}`);
    cpSync(base, repo, { recursive: true });
    await lifeboatOk(repo, ['forget', '--keep-last', '1']);
    const killed = await lifeboat(repo, ['prune', '--max-unused', '0%'], { faultHook: true, env: { [name]: n } });
    if (killed.code === 0) return false;
    assert.equal(killed.code, -1, `${kill}: not killed: exit ${killed.code} ${killed.stderr}`);
    await lifeboatOk(repo, ['unlock']);
    await restic(repo, ['check', '--read-data']);
    await lifeboatOk(repo, ['prune', '--max-unused', '0%']);
    await restic(repo, ['check', '--read-data']);
    const last = states.at(-1)!;
    const target = join(work, `restore-killed-${kill}`);
    await lifeboatOk(repo, ['restore', `${last.id}:${src}`, '--target', target]);
    assert.deepEqual(diffTrees(describeTree(last.copy, { times: false }), describeTree(target, { times: false })), [], kill);
    return true;
  }

  test('a prune killed after each of its saves leaves a valid repository; a second prune finishes', async (t) => {
    let n = 1;
    while (n <= 20 && (await killedPrune(`KILL_AFTER_SAVE=${n}`))) n++;
    t.diagnostic(`the prune made ${n - 1} saves; killed after each`);
    assert.ok(n > 2 && n <= 20, `saves: ${n - 1}`);
  });

  for (const n of [1, 2, 3]) {
    test(`a prune killed after its removal ${n} leaves a valid repository; a second prune finishes`, async () => {
      assert.ok(await killedPrune(`KILL_AFTER_REMOVE=${n}`), 'the prune removed fewer files');
    });
  }
});
