/**
 * Issue 20, "also seen": one undecodable snapshot file made `snapshots` and `forget` fail
 * outright. Now both name the file in a warning and go on (exit 3), and a forget policy never
 * decides for a group it cannot read: a file whose JSON still tells its host and paths keeps its
 * whole group; a file that does not even decrypt stops the policy (exit 1, nothing removed).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestRepository } from '../helpers/crafted.js';
import { lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

interface SnapshotJson {
  id: string;
  hostname: string;
  paths: string[];
}

describe('an undecodable snapshot file', () => {
  let work: string;

  before(async () => {
    work = await makeTempDir('lifeboat-bad-snapshot-');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('snapshots and forget warn, name it and go on; forget keeps the group it may belong to', async () => {
    const repo = join(work, 'repo');
    const [one, two] = [join(work, 'one'), join(work, 'two')];
    for (const dir of [one, two]) {
      mkdirSync(dir);
      writeFileSync(join(dir, 'f.txt'), `${dir}\n`);
    }
    await lifeboatOk(repo, ['init']);
    for (const dir of [one, one, two, two]) await lifeboatOk(repo, ['backup', dir]);
    const listed = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as SnapshotJson[];
    const host = listed[0]!.hostname;

    // encrypted and named correctly, but not a snapshot: no tree, a time that is no time
    const craft = await openTestRepository(repo);
    const partial = await craft.saveUnpacked('snapshots', Buffer.from(JSON.stringify({ time: 'yesterday', paths: [one], hostname: host })));
    await craft.backend.close();

    const snapshots = await lifeboat(repo, ['snapshots']);
    assert.equal(snapshots.code, 3, snapshots.stderr);
    assert.match(snapshots.stdout.toString(), /^4 snapshots$/m);
    assert.match(snapshots.stderr, new RegExp(`^lifeboat: warning: snapshot file snapshots/${partial} cannot be read and was skipped: `, 'm'));
    const json = await lifeboat(repo, ['snapshots', '--json']);
    assert.equal(json.code, 3, json.stderr);
    assert.equal((JSON.parse(json.stdout.toString()) as unknown[]).length, 4);
    // restic 0.14 lists the same four and names the file too ("could not load snapshot")
    const theirs = await restic(repo, ['snapshots', '--json']);
    assert.equal((JSON.parse(theirs.stdout.toString()) as unknown[]).length, 4);
    assert.match(theirs.stderr, new RegExp(partial.slice(0, 8)));

    const forget = await lifeboat(repo, ['forget', '--keep-last', '1']);
    assert.equal(forget.code, 3, forget.stderr);
    assert.match(forget.stderr, new RegExp(`snapshot file snapshots/${partial} cannot be read`));
    assert.match(forget.stdout.toString(), new RegExp(`nothing removed from this group: snapshots/${partial.slice(0, 8)} of it cannot be read`));
    const left = JSON.parse((await lifeboat(repo, ['snapshots', '--json'])).stdout.toString()) as SnapshotJson[];
    assert.deepEqual(left.map((s) => s.paths[0]).sort(), [one, one, two], 'the group of the unreadable file keeps both, the other keeps its newest');

    // bytes that do not even decrypt: the group is unknown, so the policy is not applied at all
    const garbage = randomBytes(200);
    const garbageId = createHash('sha256').update(garbage).digest('hex');
    writeFileSync(join(repo, 'snapshots', garbageId), garbage);
    const refused = await lifeboat(repo, ['forget', '--keep-last', '1', '--path', one]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, new RegExp(`refusing to apply the policy: snapshot file snapshots/${garbageId} cannot be read, so the group it belongs to is unknown`));
    assert.doesNotMatch(refused.stderr, / {4}at /);
    const still = JSON.parse((await lifeboat(repo, ['snapshots', '--json'])).stdout.toString()) as SnapshotJson[];
    assert.equal(still.length, 3, 'nothing removed');

    // the way out the hint names: forget the unreadable files by ID, then the policy applies
    const byId = await lifeboat(repo, ['forget', garbageId.slice(0, 8), partial]);
    assert.equal(byId.code, 0, byId.stderr);
    for (const id of [garbageId, partial]) assert.match(byId.stdout.toString(), new RegExp(`removed unreadable snapshot file snapshots/${id}`));
    await lifeboatOk(repo, ['forget', '--keep-last', '1']);
    const last = JSON.parse((await lifeboatOk(repo, ['snapshots', '--json'])).stdout.toString()) as SnapshotJson[];
    assert.deepEqual(last.map((s) => s.paths[0]).sort(), [one, two]);
  });
});
