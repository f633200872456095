/**
 * Issue 20: one unreadable snapshot file beside readable ones. `snapshots` and `forget` went on
 * past it already (unreadable-snapshot.test.ts); resolving `latest` (`restore`, `ls`, `dump`) and
 * listing points failed outright. Now they warn naming the file and go on with the readable
 * snapshots; `latest` says which snapshot it stands for and that the unreadable file may be newer,
 * and exits 3 (finished, something could not be read). With no readable snapshot matching, the
 * resolution fails naming the file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestRepository } from '../helpers/crafted.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('latest and point lookups past an unreadable snapshot file', () => {
  let work: string;
  let repo: string;
  let files: string;
  let planFile: string;
  let newest: string;
  let unreadable: string;
  const env = (): Record<string, string> => ({ LIFEBOAT_PASSWORD: '', HOME: work });

  before(async () => {
    work = await makeTempDir('lifeboat-bad-latest-');
    repo = join(work, 'repo');
    files = join(work, 'srv', 'app');
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, 'f.txt'), 'first\n');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    planFile = join(work, 'lifeboat.yaml');
    writeFileSync(planFile, [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: app01', 'sources:', '  - name: app-files', `    files: [${files}]`, ''].join('\n'));
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(undefined, ['point', 'create', '-c', planFile, '--name', 'before-change'], { env: env() });
    writeFileSync(join(files, 'f.txt'), 'second\n');
    const backup = await lifeboatOk(repo, ['backup', '--json', files]);
    newest = JSON.parse(backup.stdout.toString().trim().split('\n').at(-1)!).snapshot_id as string;
    // encrypted and named correctly, but not a snapshot: no tree, a time that is no time
    const craft = await openTestRepository(repo);
    unreadable = await craft.saveUnpacked('snapshots', Buffer.from(JSON.stringify({ time: 'tomorrow', paths: [files], hostname: 'app01' })));
    await craft.backend.close();
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const latestWarning = (): RegExp =>
    new RegExp(
      `^lifeboat: warning: snapshot file snapshots/${unreadable} cannot be read and was skipped: .*; it may hold a newer snapshot than ${newest.slice(0, 8)} of .*, the newest readable one, which 'latest' stands for here$`,
      'm',
    );

  test('restore, ls and dump of latest: the newest readable snapshot, a warning naming the file, exit 3', async () => {
    const out = join(work, 'restored');
    const restored = await lifeboat(repo, ['restore', 'latest', '--target', out]);
    assert.equal(restored.code, 3, restored.stderr);
    assert.match(restored.stderr, latestWarning());
    assert.equal(readFileSync(join(out, files, 'f.txt'), 'utf8'), 'second\n');

    const ls = await lifeboat(repo, ['ls', 'latest']);
    assert.equal(ls.code, 3, ls.stderr);
    assert.match(ls.stderr, latestWarning());
    assert.match(ls.stdout.toString(), new RegExp(`^${join(files, 'f.txt')}$`, 'm'));

    const dump = await lifeboat(repo, ['dump', 'latest', join(files, 'f.txt')]);
    assert.equal(dump.code, 3, dump.stderr);
    assert.match(dump.stderr, latestWarning());
    assert.equal(dump.stdout.toString(), 'second\n');

    // a snapshot named by its ID reads that file only: no warning
    const byId = await lifeboat(repo, ['dump', newest.slice(0, 8), join(files, 'f.txt')]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.equal(byId.stderr, '');
  });

  test('no readable snapshot matches: latest fails naming the unreadable file (exit 1)', async () => {
    const r = await lifeboat(repo, ['ls', 'latest', '--host', 'nosuchhost']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `cannot tell which snapshot is the latest: 1 snapshot file\\(s\\) cannot be read \\(snapshot file snapshots/${unreadable} cannot be read: .*\\) and no readable snapshot matched the filter`,
      ),
    );
    assert.match(r.stderr, /hint: name the snapshot by its ID/);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  });

  test('point list: the point is listed, the unreadable file named in a warning', async () => {
    const r = await lifeboat(undefined, ['point', 'list', '-c', planFile, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout.toString()) as Array<{ name: string | null; complete: boolean }>;
    assert.deepEqual(
      listed.map((p) => [p.name, p.complete]),
      [['before-change', true]],
    );
    assert.match(r.stderr, new RegExp(`"message":"snapshot file snapshots/${unreadable} cannot be read and was skipped: `));
  });
});
