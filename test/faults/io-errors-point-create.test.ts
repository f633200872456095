/**
 * `point create` whose repository disk fills up (ENOSPC) or fails (EIO) from its N-th save on
 * (test/faults/io-faults.ts). A point of one files source makes 20 saves in four phases (see
 * kill-point-create.test.ts): the source (1–5), the manifest (6–10), two journal records (11–20).
 * One position per phase, the two errors alternating: the run fails with exit 1 and one message
 * naming the error, the object and the fix; no lock is left; `lifeboat check` and `restic check`
 * accept the repository; `point list` shows the point absent, incomplete, or whole and proven when
 * only its journal record failed (the message says the point is usable); and a second
 * `point create` without the fault gives a whole, proven point.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { type Errno, assertStoppedByFault, faultArgs } from './io-faults.js';

interface ListedPoint {
  id: string;
  name: string | null;
  complete: boolean;
  proof_ok: boolean | null;
}

const CASES: ReadonlyArray<{ errno: Errno; n: number; phase: string; kinds: string; left: 'absent' | 'incomplete' | 'complete' }> = [
  { errno: 'ENOSPC', n: 2, phase: "the source's data pack", kinds: 'data', left: 'absent' },
  { errno: 'EIO', n: 5, phase: "the source's snapshot", kinds: 'snapshots', left: 'absent' },
  { errno: 'ENOSPC', n: 10, phase: "the manifest's snapshot", kinds: 'snapshots', left: 'incomplete' },
  { errno: 'EIO', n: 20, phase: 'the journal record', kinds: 'snapshots', left: 'complete' },
];

describe('ENOSPC and EIO at the write steps of point create', () => {
  let work: string;
  let files: string;
  const env = (): Record<string, string> => ({ LIFEBOAT_PASSWORD: '', HOME: work });

  before(async () => {
    work = await makeTempDir('lifeboat-io-point-');
    files = join(work, 'srv', 'app');
    mkdirSync(join(files, 'data'), { recursive: true });
    // one file with content: one data pack, so the saves are counted the same every run
    writeFileSync(join(files, 'data', 'blob.bin'), randomBytes(192 * 1024));
    writeFileSync(join(files, 'empty.conf'), '');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    await lifeboatOk(join(work, 'base'), ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.errno} from save ${c.n} (${c.phase}): named, checks pass, the point is ${c.left}, a second create succeeds`, async () => {
      const repo = join(work, `${c.errno}-${c.n}`);
      cpSync(join(work, 'base'), repo, { recursive: true });
      const planFile = join(work, `plan-${c.n}.yaml`);
      writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));

      const failed = await lifeboat(undefined, [...faultArgs(c.errno, c.n), 'point', 'create', '-c', planFile, '--name', 'failed'], { faultHook: true, env: env() });
      assertStoppedByFault(failed, c.errno, repo, c.kinds, `save ${c.n}`);
      if (c.left === 'complete') assert.match(failed.stderr, /restore point [0-9a-f]{8,} was saved, but its journal record could not be written: .*\n {2}hint: .*; then: the point is usable/);
      await lifeboatOk(repo, ['check']);
      await restic(repo, ['check']);

      const again = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', 'again'], { env: env() });
      assert.equal(again.code, 0, `save ${c.n}: the second point create failed: ${again.stderr}`);
      const listed = JSON.parse((await lifeboatOk(undefined, ['point', 'list', '-c', planFile, '--json'], { env: env() })).stdout.toString()) as ListedPoint[];
      const second = listed.find((p) => p.name === 'again');
      assert.ok(second?.complete && second.proof_ok === true, `save ${c.n}: the second point is whole and proven: ${JSON.stringify(listed)}`);
      const first = listed.filter((p) => p !== second);
      if (c.left === 'absent') assert.deepEqual(first, [], `save ${c.n}`);
      else if (c.left === 'incomplete')
        assert.deepEqual(
          first.map((p) => [p.complete, p.proof_ok]),
          [[false, null]],
          `save ${c.n}`,
        );
      else
        assert.deepEqual(
          first.map((p) => [p.name, p.complete, p.proof_ok]),
          [['failed', true, true]],
          `save ${c.n}`,
        );
      await rm(repo, { recursive: true, force: true });
    });
  }
});
