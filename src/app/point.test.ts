import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { loadSnapshots } from '../repository/index.js';
import { MANIFEST_TAG, PINNED_TAG, pointTag } from '../rollback/index.js';
import { type PointEvent, pointCreate, pointFind, pointList, pointRelease } from './point.js';
import { withAppFixture } from './testing/index.js';

const USERS_CSV = 'SipAddress,DisplayName,Enabled,RegistrarPool\nsip:ann@example.org,Ann,True,pool01.example.org\nsip:bob@example.org,Bob,True,pool02.example.org\n';

test('point create runs every phase in order: before hooks, sources, inventory, after hooks, proof, manifest', async () => {
  await withAppFixture(async (f) => {
    const data = f.write({ 'a.txt': 'alpha', sub: { 'b.txt': 'beta' } }, 'data');
    f.write({ 'users.csv': USERS_CSV });
    const log = f.path('hooks.log');
    const plan = f.plan({
      host: 'db1',
      sources: [
        { name: 'files', files: ['data'] },
        { name: 'db', command: { backup: 'printf "dump of the database"', verify: 'grep -q "dump of" -' } },
      ],
      inventory: { sources: [{ type: 'csv', path: 'users.csv', preset: 'sfb' }] },
      hooks: { before: [`echo before >> ${log}`], after: [`echo after >> ${log}`] },
    });
    const events: PointEvent[] = [];
    const m = await pointCreate(f.repo, plan, { name: 'pre-migration', onEvent: (e) => events.push(e) });

    assert.equal(readFileSync(log, 'utf8'), 'before\nafter\n');
    const order = events.map((e) => (e.type === 'hook' ? `hook-${e.phase}` : e.type === 'source-start' ? `start-${e.source}` : e.type === 'proof' ? `proof-${e.check.name}` : e.type));
    assert.deepEqual(order, [
      'hook-before',
      'start-files',
      'source-done',
      'start-db',
      'source-done',
      'start-inventory',
      'source-done',
      'hook-after',
      'proof-structure:files',
      'proof-structure:db',
      'proof-structure:inventory',
      'proof-drill:files',
      'proof-verify:db',
    ]);
    assert.equal(m.proof.ok, true, JSON.stringify(m.proof.checks));
    assert.equal(m.name, 'pre-migration');
    assert.equal(m.host, 'db1');
    assert.deepEqual(
      m.sources.map((s) => [s.name, s.kind, s.paths]),
      [
        ['files', 'files', [data]],
        ['db', 'command', ['/db.dump']],
      ],
    );
    assert.equal(m.inventory?.accounts, 2);
    assert.deepEqual(m.commands.db, { restore: null, verify: ['/bin/sh', '-c', 'grep -q "dump of" -'] });

    // every snapshot of the point is tagged with it and pinned; the manifest snapshot is written last
    const tagged = await loadSnapshots(f.repo, { tags: [[pointTag(m.id)]] });
    assert.equal(tagged.length, 4);
    assert.ok(tagged.every((e) => e.snapshot.tags?.includes(PINNED_TAG)));
    assert.ok(tagged.at(-1)!.snapshot.tags?.includes(MANIFEST_TAG));

    const [listed] = await pointList(f.repo);
    assert.equal(listed?.id, m.id);
    assert.equal(listed?.pinned, true);
    assert.equal(listed?.snapshots, 4);
    assert.deepEqual(listed?.manifest, m);
    assert.equal((await pointFind(f.repo, 'pre-migration')).id, m.id);
    assert.equal((await pointFind(f.repo, 'latest')).id, m.id);
  });
});

test('a failing verify command fails the proof; a failing before hook backs up nothing; release unpins', async () => {
  await withAppFixture(async (f) => {
    const bad = f.plan({ sources: [{ name: 'db', command: { backup: 'printf dump', verify: 'exit 7' } }] });
    const m = await pointCreate(f.repo, bad);
    assert.equal(m.proof.ok, false);
    assert.match(m.proof.checks.find((c) => c.name === 'verify:db')!.detail, /exited 7/);

    const hooked = f.plan({ sources: [{ name: 'db', command: { backup: 'printf dump' } }], hooks: { before: ['echo stop >&2; exit 2'] } });
    await assert.rejects(pointCreate(f.repo, hooked), (err: unknown) => err instanceof LifeboatError && err.code === 'E_COMMAND_FAILED' && /before hook/.test(err.message));
    assert.equal((await pointList(f.repo)).length, 1);

    const released = await pointRelease(f.repo, m.id);
    assert.equal(released.released, 2);
    const [after] = await pointList(f.repo);
    assert.equal(after?.pinned, false);
    await assert.rejects(pointFind(f.repo, 'nope'), (err: unknown) => err instanceof LifeboatError && err.code === 'E_NOT_FOUND');
  });
});
