/**
 * `prune` whose repository disk fills up (ENOSPC) or fails (EIO) from its N-th save on
 * (test/faults/io-faults.ts). The prune below makes three saves: its lock, the repacked pack and
 * the new index (then it removes the old index and packs). The lock is the backup cases' own
 * (io-errors-backup.test.ts); here the fault strikes at the repacked pack and at the index: the
 * run fails with exit 1 and one message naming the error, the object and the fix, leaves no lock
 * and removes nothing; `lifeboat check` and `restic check --read-data` accept the repository;
 * a prune without the fault finishes; every snapshot left restores identically (with restic).
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
import { type Errno, assertStoppedByFault, faultArgs } from './io-faults.js';

/** The repository's data and index files, by folder. */
function objects(repo: string): string[] {
  const data = readdirSync(join(repo, 'data')).flatMap((d) => readdirSync(join(repo, 'data', d)).map((n) => `data/${n}`));
  return [...data, ...readdirSync(join(repo, 'index')).map((n) => `index/${n}`)].sort();
}

const CASES: ReadonlyArray<{ errno: Errno; n: number; kinds: string }> = [
  { errno: 'ENOSPC', n: 2, kinds: 'data' },
  { errno: 'EIO', n: 3, kinds: 'index' },
];

describe('ENOSPC and EIO at the write steps of prune', () => {
  let work: string;
  let base: string;
  /** The snapshots `forget` keeps, with a copy of what each holds. */
  const kept: { id: string; copy: string }[] = [];
  let src: string;

  before(async () => {
    work = await makeTempDir('lifeboat-io-prune-');
    src = join(work, 'src');
    mkdirSync(src);
    base = join(work, 'base');
    await lifeboatOk(base, ['init']);
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      // a pack holding a replaced file and a kept one: prune repacks it
      writeFileSync(join(src, `big-${round % 2}.bin`), randomBytes(600 * 1024));
      writeFileSync(join(src, `small-${round}.txt`), `round ${round}\n`.repeat(100));
      if (round >= 1) rmSync(join(src, `small-${round - 1}.txt`));
      const r = await lifeboatOk(base, ['backup', '--json', src]);
      ids.push(JSON.parse(r.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string);
      if (round === 2) {
        const copy = join(work, 'state-2');
        cpSync(src, copy, { recursive: true });
        kept.push({ id: ids[2]!, copy });
      }
    }
    await lifeboatOk(base, ['forget', '--keep-last', '1']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.errno} from save ${c.n} (${c.kinds === 'data' ? 'the repacked pack' : 'the new index'}): named, nothing removed, checks pass, the next prune finishes`, async () => {
      const repo = join(work, `${c.errno}-${c.n}`);
      cpSync(base, repo, { recursive: true });
      const before = objects(repo);
      const failed = await lifeboat(repo, [...faultArgs(c.errno, c.n), 'prune', '--max-unused', '0%'], { faultHook: true });
      assertStoppedByFault(failed, c.errno, repo, c.kinds, `save ${c.n}`);
      const after = objects(repo);
      assert.deepEqual(
        before.filter((o) => !after.includes(o)),
        [],
        `save ${c.n}: the failed prune removed nothing`,
      );
      await lifeboatOk(repo, ['check']);
      await restic(repo, ['check', '--read-data']);

      const again = await lifeboat(repo, ['prune', '--max-unused', '0%']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout.toString(), /repack [1-9]\d* packs/, 'the prune without the fault repacked');
      await restic(repo, ['check', '--read-data']);
      for (const s of kept) {
        const target = join(work, `restore-${c.errno}-${s.id.slice(0, 8)}`);
        await restic(repo, ['restore', s.id, '--target', target]);
        assert.deepEqual(diffTrees(describeTree(s.copy, { times: false }), describeTree(join(target, src), { times: false })), [], `save ${c.n}`);
      }
      await rm(repo, { recursive: true, force: true });
    });
  }
});
