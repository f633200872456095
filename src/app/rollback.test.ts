import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { pointCreate, pointList } from './point.js';
import { type RollbackEvent, rollbackApply, rollbackPlan } from './rollback.js';
import { withAppFixture } from './testing/index.js';

const csv = (annPool: string): string => `SipAddress,DisplayName,Enabled,RegistrarPool\nsip:ann@example.org,Ann,True,${annPool}\nsip:bob@example.org,Bob,True,pool02.example.org\n`;

test('rollback plan compares the present with the point; apply restores files, runs the restore command, writes a Move-CsUser script for moved accounts', async () => {
  await withAppFixture(async (f) => {
    const tree = { 'config.ini': 'port=1', sub: { 'keep.txt': 'keep' } };
    const data = f.write(tree, 'live');
    f.write({ 'users.csv': csv('pool01.example.org') });
    const restored = f.path('restored.dump');
    const plan = f.plan({
      sources: [
        { name: 'app', files: ['live'] },
        { name: 'db', command: { backup: 'printf "the database"', restore: `cat > ${restored}` } },
      ],
      inventory: { sources: [{ type: 'csv', name: 'users', path: 'users.csv', preset: 'sfb' }] },
    });
    const point = await pointCreate(f.repo, plan, { name: 'before' });
    assert.equal(point.proof.ok, true);

    // the migration: files change, one is added, an account moves to another pool
    writeFileSync(`${data}/config.ini`, 'port=2');
    rmSync(`${data}/sub/keep.txt`);
    writeFileSync(`${data}/added.txt`, 'new');
    writeFileSync(f.path('users.csv'), csv('pool02.example.org'));

    const p = await rollbackPlan(f.repo, plan, 'before', { env: {} });
    assert.equal(p.point.id, point.id);
    assert.deepEqual(
      p.steps.map((s) => s.id),
      ['safety-point', 'files:app', 'command:db', 'accounts:users', 'verify'],
    );
    const files = p.steps.find((s) => s.kind === 'files');
    assert.deepEqual(files?.kind === 'files' && files.changes.map((c) => `${c.kind} ${c.path.slice(data.length)}`).sort(), ['added /added.txt', 'changed /config.ini', 'deleted /sub/keep.txt']);
    assert.deepEqual(p.accounts && [p.accounts.added.length, p.accounts.removed.length], [0, 0]);

    const events: RollbackEvent[] = [];
    const r = await rollbackApply(f.repo, plan, 'before', { env: {}, stateDir: f.dir, delete: true, onEvent: (e) => events.push(e) });
    assert.equal(r.resumed, false);
    assert.deepEqual(
      events.filter((e) => e.type === 'step-done').map((e) => e.type === 'step-done' && e.step.id),
      p.steps.map((s) => s.id),
    );
    assert.deepEqual(f.read('live'), tree, "the files are the point's again, the added one removed");
    assert.equal(readFileSync(restored, 'utf8'), 'the database');
    // a Skype for Business export cannot be written back: a Move-CsUser script is, and the verify step still sees the move
    const script = f.path(`rollback-${point.id}-users.ps1`);
    assert.ok(r.problems.includes(`users: run ${script} in the Skype for Business Management Shell to move 1 accounts back`), r.problems.join('\n'));
    assert.match(readFileSync(script, 'utf8'), /@\{ Identity = 'sip:ann@example\.org'; Target = 'pool01\.example\.org'; From = 'pool02\.example\.org' \}/);
    assert.ok(r.problems.includes('1 accounts are still not on their original pool'));
    assert.equal(r.remaining?.accounts.moved.length, 1);
    assert.ok(Object.values(r.journal.steps).every((s) => s.state === 'done'));
    assert.ok(existsSync(r.journalFile));

    // the safety point was made before anything changed
    const points = await pointList(f.repo);
    assert.equal(points.length, 2);
    const safety = points.find((x) => x.id !== point.id);
    assert.equal(safety?.manifest?.name, `before rollback to ${point.id}`);
  });
});
