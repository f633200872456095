/**
 * A backup whose repository disk fills up (ENOSPC) or fails (EIO) from its N-th write on — the
 * fault-injection decorator's `-o fault.enospc-from-save=N` / `fault.eio-from-save=N`, honoured
 * only with the test hook preloaded (test/helpers/fault-kill-hook.ts) — for every N the backup makes: it fails with exit 1 and one
 * message naming the error and the object it was writing, with the hint for that error and no
 * stack trace; it leaves no lock; `lifeboat check` and `restic check --read-data` accept the
 * repository; the next backup without the fault finishes and its snapshot restores identically
 * (restored by restic). 2 × 5 cases.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';
import { IO_FAULTS } from './io-faults.js';

/**
 * More saves than a backup of the source below makes: its lock, one data pack (one file with
 * content: two would land in one or two packs, as the file lanes pick them up), the tree pack,
 * the index and the snapshot.
 */
const MAX_SAVES = 12;

const CASES = (['ENOSPC', 'EIO'] as const).map((errno) => ({ errno, ...IO_FAULTS[errno] }));

describe('ENOSPC and EIO from every write step: backup', () => {
  let work: string;
  let base: string;
  let src: string;

  before(async () => {
    work = await makeTempDir('lifeboat-io-errors-');
    src = join(work, 'src');
    mkdirSync(join(src, 'etc'), { recursive: true });
    mkdirSync(join(src, 'var', 'db'), { recursive: true });
    writeFileSync(join(src, 'etc', 'empty.conf'), '');
    symlinkSync('../var/db/data.bin', join(src, 'etc', 'data'));
    writeFileSync(join(src, 'var', 'db', 'data.bin'), randomBytes(256 * 1024));
    base = join(work, 'base');
    await lifeboatOk(base, ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the options are refused without the test hook', async () => {
    const r = await lifeboat(base, ['-o', 'fault.enospc-from-save=1', 'backup', src]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown option "fault\.enospc-from-save"/);
    assert.deepEqual(readdirSync(join(base, 'snapshots')), []);
  });

  for (const c of CASES) {
    test(`${c.errno} from each save on: named, nothing broken, the next backup restores identically`, async (t) => {
      let completedAt: number | undefined;
      /** Per N, the kind of object whose save failed. */
      const objects: string[] = [];
      for (let n = 1; n <= MAX_SAVES; n++) {
        const repo = join(work, `${c.errno}-${n}`);
        cpSync(base, repo, { recursive: true });
        const failed = await lifeboat(repo, ['-o', `${c.option}=${n}`, ...c.extra, 'backup', src], { faultHook: true });
        if (failed.code === 0) {
          completedAt = n;
          await rm(repo, { recursive: true, force: true });
          break;
        }
        assert.equal(failed.code, 1, `save ${n}: exit ${failed.code}: ${failed.stderr}`);
        const object = new RegExp(`save (locks|data|index|snapshots)/[0-9a-f]{64} in ${repo} failed: `).exec(failed.stderr);
        assert.ok(object, `save ${n}: the message names the object: ${failed.stderr}`);
        objects.push(object[1]!);
        assert.match(failed.stderr, c.message, `save ${n}`);
        assert.match(failed.stderr, c.hint, `save ${n}`);
        assert.doesNotMatch(failed.stderr, /^\s+at /m, `save ${n}: a stack trace reached the user`);
        assert.deepEqual(readdirSync(join(repo, 'snapshots')), [], `save ${n}: no snapshot`);
        assert.deepEqual(readdirSync(join(repo, 'locks')), [], `save ${n}: the failed backup removed its lock`);
        await lifeboatOk(repo, ['check']);
        await restic(repo, ['check', '--read-data']);
        const again = await lifeboatOk(repo, ['backup', '--json', src]);
        const id = JSON.parse(again.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string;
        const target = join(work, `restore-${c.errno}-${n}`);
        // restored by restic: an independent reader of the new snapshot (and a process cheaper to start)
        await restic(repo, ['restore', id, '--target', target]);
        assert.deepEqual(diffTrees(describeTree(src, { times: false }), describeTree(join(target, src), { times: false })), [], `save ${n}`);
        await rm(repo, { recursive: true, force: true });
        await rm(target, { recursive: true, force: true });
      }
      t.diagnostic(`the backup made ${(completedAt ?? 0) - 1} saves; ${c.errno} from each, failing on: ${objects.join(', ')}`);
      assert.ok(completedAt !== undefined && completedAt > 4, `a backup makes more than ${MAX_SAVES} saves, or too few: ${completedAt}`);
      // every kind of object the backup writes was hit: its lock, a pack, the index and the snapshot
      assert.deepEqual([...new Set(objects)].sort(), ['data', 'index', 'locks', 'snapshots']);
    });
  }
});
