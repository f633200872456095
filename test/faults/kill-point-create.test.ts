/**
 * `point create` killed (SIGKILL) right after one of its writes — the fault-injection
 * test hook preloaded into the run (test/helpers/fault-kill-hook.ts, KILL_AFTER_SAVE=N). A point of
 * one files source makes 20 saves in four phases, each a backup (lock, packs, index, snapshot):
 * the source (saves 1–5), the manifest (6–10), then two journal records (11–20). One kill per
 * phase boundary, not one per save (a create costs two seconds of CPU): after each, `lifeboat check`
 * and `restic check` pass, `point list` shows the point absent (killed before its source
 * snapshot), incomplete (before its manifest) or complete and proven (after it), and a second
 * `point create` finishes with a proven point.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Kill positions: the source's data pack, the source's snapshot, the manifest's snapshot, the last save (a journal record). */
const KILL_AFTER = [2, 5, 10, 20];

type State = 'absent' | 'incomplete' | 'complete';
const ORDER: readonly State[] = ['absent', 'incomplete', 'complete'];

interface ListedPoint {
  id: string;
  name: string | null;
  complete: boolean;
  proof_ok: boolean | null;
}

describe('kill -9 at write steps: point create', () => {
  let work: string;
  let files: string;

  before(async () => {
    work = await makeTempDir('lifeboat-kill-point-');
    files = join(work, 'srv', 'app');
    mkdirSync(join(files, 'data'), { recursive: true });
    // one file with content: one data pack, whichever file lane takes it, so the saves are counted the same every run
    writeFileSync(join(files, 'data', 'blob.bin'), randomBytes(192 * 1024));
    writeFileSync(join(files, 'empty.conf'), '');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    await lifeboatOk(join(work, 'base'), ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test(`after saves ${KILL_AFTER.join(', ')}: checks pass, the point is absent, incomplete or whole, a second create succeeds`, async (t) => {
    const states: State[] = [];
    for (const n of KILL_AFTER) {
      const repo = join(work, `killed-${n}`);
      cpSync(join(work, 'base'), repo, { recursive: true });
      const planFile = join(work, `plan-${n}.yaml`);
      writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
      const env = { LIFEBOAT_PASSWORD: '', HOME: work };

      const killed = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', `killed-${n}`], { faultHook: true, env: { ...env, KILL_AFTER_SAVE: String(n) } });
      assert.equal(killed.code, -1, `save ${n}: point create was not killed but exited ${killed.code}: ${killed.stderr}`);
      await lifeboatOk(repo, ['unlock']);
      await lifeboatOk(repo, ['check']);
      await restic(repo, ['check']);

      const again = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', `again-${n}`], { env });
      assert.equal(again.code, 0, `save ${n}: the second point create failed: ${again.stderr}`);
      const listed = JSON.parse((await lifeboatOk(undefined, ['point', 'list', '-c', planFile, '--json'], { env })).stdout.toString()) as ListedPoint[];
      const second = listed.filter((p) => p.name === `again-${n}`);
      assert.equal(second.length, 1, `save ${n}: ${JSON.stringify(listed)}`);
      assert.ok(second[0]!.complete && second[0]!.proof_ok === true, `save ${n}: the second point is whole and proven`);
      const others = listed.filter((p) => p !== second[0]);
      assert.ok(others.length <= 1, `save ${n}: at most the killed point besides: ${JSON.stringify(others)}`);
      const first = others[0];
      let state: State;
      if (!first) state = 'absent';
      else if (!first.complete) {
        state = 'incomplete';
        assert.equal(first.proof_ok, null, `save ${n}: an incomplete point has no proof`);
      } else {
        state = 'complete';
        assert.equal(first.name, `killed-${n}`, `save ${n}`);
        assert.equal(first.proof_ok, true, `save ${n}: a point with a manifest was proven before it was written`);
      }
      // an incomplete point is never offered for rollback
      if (state === 'incomplete' && !states.includes('incomplete')) {
        const plan = await lifeboat(undefined, ['rollback', 'plan', first!.id, '-c', planFile], { env });
        assert.equal(plan.code, 1, `save ${n}: rollback plan of an incomplete point: ${plan.stderr}`);
        assert.match(plan.stderr, /is incomplete \(its creation was interrupted\)/);
        assert.doesNotMatch(plan.stderr, /^\s+at /m);
      }
      states.push(state);
      await rm(repo, { recursive: true, force: true });
    }
    t.diagnostic(`after saves ${KILL_AFTER.join(', ')} the killed point was: ${states.join(', ')}`);
    // the kills cover every phase, and a later kill never leaves less of the point than an earlier one
    assert.deepEqual([...new Set(states)], ORDER);
    for (let i = 1; i < states.length; i++) assert.ok(ORDER.indexOf(states[i]!) >= ORDER.indexOf(states[i - 1]!), states.join(', '));
  });
});
