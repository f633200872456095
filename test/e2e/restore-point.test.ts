/**
 * The workflow the product exists for, with real components: a PostgreSQL database, a slapd
 * directory whose accounts are homed on several Skype for Business pools, and a directory of
 * files. Create a point; "migrate" (files changed, added, deleted; rows written; half the
 * accounts of one pool moved to another); `rollback plan` lists exactly that; `rollback apply`
 * is killed midway, run again, resumes and finishes; files, rows and pools are back, and a fresh
 * inventory equals the point's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import pg from 'pg';
import { startPostgres, type Postgres } from '../../src/inventory/testing/postgres.js';
import { startSlapd, type Slapd } from '../../src/inventory/testing/slapd.js';
import { homeServerDn } from '../../src/inventory/testing/directory-fixture.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const POOL1 = homeServerDn('1:1').toLowerCase();
const POOL2 = homeServerDn('1:2');

describe('restore point and rollback, end to end', () => {
  let work: string;
  let slapd: Slapd;
  let pgsrv: Postgres;
  let dbUrl: string;

  before(async () => {
    work = await makeTempDir('lifeboat-point-');
    [slapd, pgsrv] = await Promise.all([startSlapd({ accounts: 120 }), startPostgres()]);
    const admin = new pg.Client({ connectionString: pgsrv.url('postgres', pgsrv.superuserPassword) });
    await admin.connect();
    await admin.query('CREATE DATABASE appdb');
    await admin.end();
    dbUrl = pgsrv.url('postgres', pgsrv.superuserPassword, 'appdb');
    await sql('CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL); INSERT INTO orders SELECT g, $$item $$ || g FROM generate_series(1, 50) g');
  });

  after(async () => {
    await Promise.allSettled([slapd?.stop(), pgsrv?.stop()]);
    await rm(work, { recursive: true, force: true });
  });

  async function sql(text: string): Promise<pg.QueryResult> {
    const c = new pg.Client({ connectionString: dbUrl });
    await c.connect();
    try {
      return await c.query(text);
    } finally {
      await c.end();
    }
  }

  async function ldap<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ url: slapd.url });
    await c.bind(slapd.rootDn, readFileSync(slapd.rootPasswordFile, 'utf8').trim());
    try {
      return await fn(c);
    } finally {
      await c.unbind();
    }
  }

  async function homes(): Promise<Map<string, string>> {
    return ldap(async (c) => {
      const { searchEntries } = await c.search(slapd.baseDn, { filter: '(msRTCSIP-PrimaryHomeServer=*)', attributes: ['msRTCSIP-PrimaryHomeServer'] });
      // OpenLDAP keeps a DN value written by a client with its attribute types in lower case
      return new Map(searchEntries.map((e) => [e.dn, String(e['msRTCSIP-PrimaryHomeServer']).toLowerCase()]));
    });
  }

  function inventoryOf(repo: string, args: string[]): Promise<Record<string, unknown>> {
    return lifeboatOk(repo, ['inventory', ...args], { env: { HOME: work } }).then((r) => JSON.parse(r.stdout.toString()) as Record<string, unknown>);
  }

  test('point create → migrate → rollback plan → apply killed midway → apply resumes → everything is back', async () => {
    const repo = join(work, 'repo');
    const files = join(work, 'srv', 'app');
    const state = join(work, 'state');
    mkdirSync(join(files, 'conf'), { recursive: true });
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=production\n');
    writeFileSync(join(files, 'keep.txt'), 'unchanged\n');
    writeFileSync(join(files, 'doomed.txt'), 'will be deleted by the migration\n');
    writeFileSync(join(files, 'cache.tmp'), 'excluded\n');
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`);
    const planFile = join(work, 'lifeboat.yaml');
    writeFileSync(
      planFile,
      [
        `repository: ${repo}`,
        'passwordFile: repo.pw',
        'host: fe01',
        'sources:',
        '  - name: app-files',
        `    files: [${files}]`,
        "    exclude: ['*.tmp']",
        '  - name: appdb',
        '    command:',
        `      backup: [pg_dump, -Fc, '${dbUrl}']`,
        `      restore: [pg_restore, --clean, --if-exists, -d, '${dbUrl}']`,
        `      verify: [pg_restore, --list]`,
        'inventory:',
        '  sources:',
        '    - type: ldap',
        '      name: directory',
        `      url: ${slapd.url}`,
        `      bindDn: ${slapd.serviceDn}`,
        `      passwordFile: ${slapd.servicePasswordFile}`,
        `      rollbackBindDn: ${slapd.rootDn}`,
        `      rollbackPasswordFile: ${slapd.rootPasswordFile}`,
        `      baseDn: ${slapd.baseDn}`,
        '      preset: sfb',
        '',
      ].join('\n'),
    );
    const env = { LIFEBOAT_PASSWORD: '', HOME: work };

    await lifeboatOk(repo, ['init']);
    const created = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', 'before-move', '--note', 'CHG-1234'], { env });
    assert.equal(created.code, 0, created.stderr);
    const out = created.stdout.toString();
    assert.match(out, /proof {5}passed/);
    assert.match(out, /ok {3}drill:app-files: \d+ files restored, \d+ identical/);
    assert.match(out, /ok {3}verify:appdb/);
    const pointId = /restore point ([0-9a-f]{8})/.exec(out)![1]!;

    // restic sees ordinary, tagged snapshots and verifies them
    const snaps = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', `point:${pointId}`])).stdout.toString()) as { id: string; tags: string[] }[];
    assert.equal(snaps.length, 4); // files, dump, inventory, manifest
    assert.ok(snaps.every((s) => s.tags.includes('lifeboat-pinned')));
    await restic(repo, ['check', '--read-data']);

    // pinned: forget keeps every snapshot of the point, and refuses to remove one by ID
    const forget = await lifeboatOk(repo, ['forget', '--keep-last', '1', '--json'], { env: { HOME: work } });
    assert.equal(
      (JSON.parse(forget.stdout.toString()) as { remove: unknown[] | null }[]).every((g) => !g.remove?.length),
      true,
    );
    const byId = await lifeboat(repo, ['forget', snaps[0]!.id]);
    assert.equal(byId.code, 1);
    assert.match(byId.stderr, /pinned/);

    const list = await lifeboatOk(undefined, ['point', 'list', '-c', planFile], { env });
    assert.match(list.stdout.toString(), new RegExp(`${pointId} .*before-move.*passed.*pinned`));
    const inventorySnapshot = snaps.find((s) => s.tags.includes('inventory'))!.id;
    writeFileSync(join(work, 'point-inventory.json'), JSON.stringify(await inventoryOf(repo, ['show', '--format', 'json', inventorySnapshot])));

    // --- the migration ---
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=migrated\n');
    writeFileSync(join(files, 'new.txt'), 'added by the migration\n');
    rmSync(join(files, 'doomed.txt'));
    writeFileSync(join(files, 'cache.tmp'), 'changed but excluded\n');
    await sql("INSERT INTO orders VALUES (51, 'written after the point'); DELETE FROM orders WHERE id <= 5");
    const before = await homes();
    const onPool1 = [...before]
      .filter(([, v]) => v === POOL1)
      .map(([dn]) => dn)
      .sort();
    const moved = onPool1.filter((_, i) => i % 2 === 0);
    assert.ok(moved.length >= 5, `only ${moved.length} accounts on pool 1:1`);
    await ldap(async (c) => {
      for (const dn of moved) await c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'msRTCSIP-PrimaryHomeServer', values: [POOL2] }) }));
    });

    // --- the plan lists exactly those changes ---
    const planned = await lifeboat(undefined, ['rollback', 'plan', pointId, '-c', planFile, '--json'], { env });
    assert.equal(planned.code, 2, planned.stderr);
    const plan = JSON.parse(planned.stdout.toString()) as {
      steps: { id: string; kind: string; changes?: { path: string; kind: string }[]; plan?: { method: string; moves: { dn: string; fromPool: string; toPool: string }[] } }[];
    };
    assert.deepEqual(
      plan.steps.map((s) => s.id),
      ['safety-point', 'files:app-files', 'command:appdb', 'accounts:directory', 'verify'],
    );
    const fileChanges = plan.steps[1]!.changes!.map((c) => `${c.kind} ${c.path}`).sort();
    assert.deepEqual(fileChanges, [`added ${join(files, 'new.txt')}`, `changed ${join(files, 'conf', 'app.ini')}`, `deleted ${join(files, 'doomed.txt')}`]);
    const moves = plan.steps[3]!.plan!;
    assert.equal(moves.method, 'ldap-modify');
    assert.deepEqual(moves.moves.map((m) => m.dn).sort(), moved);
    assert.ok(moves.moves.every((m) => m.fromPool === 'pool02.contoso.com' && m.toPool === 'pool01.contoso.com'));
    const md = await lifeboat(undefined, ['rollback', 'plan', pointId, '-c', planFile, '--markdown'], { env });
    assert.match(md.stdout.toString(), /^# Rollback to restore point/m);
    assert.match(md.stdout.toString(), /## 4\. accounts of source directory: \d+ to move back/);

    // a dry run touches nothing
    const dry = await lifeboat(undefined, ['rollback', 'apply', pointId, '-c', planFile, '--state-dir', state], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout.toString(), /dry run: nothing was changed/);
    assert.equal(readFileSync(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=migrated\n');

    utimesSync(join(work, 'srv'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const parentMtime = statSync(join(work, 'srv')).mtimeMs;

    // --- apply, killed once the files step is done ---
    const killed = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [lifeboatBin, 'rollback', 'apply', pointId, '-c', planFile, '--state-dir', state, '--yes', '--delete'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/step 3\/5: command:appdb/.test(stderr)) child.kill('SIGKILL');
      });
      child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.equal(readFileSync(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=production\n', 'files were restored before the kill');

    const resumed = await lifeboat(undefined, ['rollback', 'apply', pointId, '-c', planFile, '--state-dir', state, '--yes', '--delete'], { env });
    assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout.toString());
    assert.match(resumed.stderr, /resuming the interrupted rollback \(2 steps done/);
    assert.match(resumed.stdout.toString(), /applied \(resumed\)/);

    // files back: changed restored, deleted back, added removed, excluded untouched
    assert.equal(readFileSync(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=production\n');
    assert.equal(readFileSync(join(files, 'doomed.txt'), 'utf8'), 'will be deleted by the migration\n');
    assert.equal(existsSync(join(files, 'new.txt')), false);
    assert.equal(readFileSync(join(files, 'cache.tmp'), 'utf8'), 'changed but excluded\n');
    assert.equal(statSync(join(work, 'srv')).mtimeMs, parentMtime, 'directories above the source are left as they were');
    // rows back
    const rows = await sql('SELECT count(*)::int AS n, max(id) AS max, min(id) AS min FROM orders');
    assert.deepEqual(rows.rows[0], { n: 50, max: 50, min: 1 });
    // pools back, and a fresh inventory equals the point's
    assert.deepEqual(await homes(), before);
    const inventoryConfig = readFileSync(planFile, 'utf8').split('inventory:\n')[1]!.replace(/^ {2}/gm, '');
    writeFileSync(join(work, 'inventory.yaml'), inventoryConfig);
    // exit 3: the fixture directory has a referral and pools no pool object names (warnings)
    const collected = await lifeboat(undefined, ['inventory', 'collect', '-c', join(work, 'inventory.yaml'), '-o', join(work, 'fresh.json')], { env });
    assert.equal(collected.code, 3, collected.stderr);
    const diff = JSON.parse((await lifeboatOk(undefined, ['inventory', 'diff', join(work, 'point-inventory.json'), join(work, 'fresh.json'), '--json'], { env })).stdout.toString()) as {
      accounts: { added: unknown[]; removed: unknown[]; moved: unknown[]; changed: unknown[] };
    };
    assert.deepEqual(diff.accounts, { added: [], removed: [], moved: [], changed: [] });

    // the safety point exists, is complete, and the plan against the point is now empty
    const points = JSON.parse((await lifeboatOk(undefined, ['point', 'list', '-c', planFile, '--json'], { env })).stdout.toString()) as { name: string; complete: boolean }[];
    assert.ok(points.some((p) => p.name === `before rollback to ${pointId}` && p.complete));
    const again = await lifeboat(undefined, ['rollback', 'plan', pointId, '-c', planFile, '--json'], { env });
    assert.equal(again.code, 0, again.stdout.toString());

    // the journal holds each applied step once, across the kill and the resumed run, and verifies
    const journal = JSON.parse((await lifeboatOk(undefined, ['journal', '-c', planFile, '--json'], { env })).stdout.toString()) as { event: string; point: string; detail: { step?: string } }[];
    assert.deepEqual(
      journal.filter((r) => r.event === 'rollback-step-applied' && r.point === pointId).map((r) => r.detail.step),
      ['safety-point', 'files:app-files', 'command:appdb', 'accounts:directory', 'verify'],
    );
    assert.equal((await lifeboat(undefined, ['journal', 'verify', '-c', planFile], { env })).code, 0);

    // release unpins: forget may now remove the point's snapshots
    await lifeboatOk(undefined, ['point', 'release', pointId, '-c', planFile], { env });
    const unpinned = JSON.parse((await restic(repo, ['snapshots', '--json', '--tag', `point:${pointId}`])).stdout.toString()) as { tags: string[] }[];
    assert.ok(unpinned.every((s) => !s.tags.includes('lifeboat-pinned')));
    // release wrote the point's snapshots anew (new IDs, `original` naming the first versions):
    // the manifest's IDs follow them, so the point still plans and shows current snapshots
    const current = new Set(unpinned.map((s) => (s as unknown as { id: string }).id));
    const shown = JSON.parse((await lifeboatOk(undefined, ['point', 'show', pointId, '-c', planFile, '--json'], { env })).stdout.toString()) as { sources: { snapshot: string }[] };
    assert.ok(
      shown.sources.every((src) => current.has(src.snapshot)),
      'the manifest names the re-tagged snapshots',
    );
    const afterRelease = await lifeboat(undefined, ['rollback', 'plan', pointId, '-c', planFile, '--json'], { env });
    assert.equal(afterRelease.code, 0, afterRelease.stderr);
  });

  test("a newcomer's plan from the plan directory: hooks run, a failing verify fails the proof loudly", async () => {
    const dir = join(work, 'newcomer');
    mkdirSync(join(dir, 'etc-copy'), { recursive: true });
    writeFileSync(join(dir, 'etc-copy', 'hosts'), '127.0.0.1 localhost\n');
    writeFileSync(join(dir, 'repo.pw'), `${TEST_PASSWORD}\n`);
    const plan = (verify: string): string =>
      [
        'repository: ./repo',
        'passwordFile: repo.pw',
        'sources:',
        '  - name: config',
        '    files: [etc-copy]',
        '  - name: notes',
        '    command: { backup: [printf, "a dump"], verify: ' + verify + ' }',
        'hooks:',
        "  before: ['echo before > hook.log']",
        "  after: ['echo after >> hook.log']",
        '',
      ].join('\n');
    writeFileSync(join(dir, 'lifeboat.yaml'), plan('[grep, -q, "a dump"]'));
    const bin = (args: string[]) => run(process.execPath, [lifeboatBin, ...args], { cwd: dir, env: { LIFEBOAT_PASSWORD: '', HOME: work } });
    assert.equal((await bin(['-r', join(dir, 'repo'), '--password-file', join(dir, 'repo.pw'), 'init'])).code, 0);
    const ok = await bin(['point', 'create']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /ok {3}verify:notes: grep -q a dump accepted the restored dump/);
    assert.equal(readFileSync(join(dir, 'hook.log'), 'utf8'), 'before\nafter\n');

    writeFileSync(join(dir, 'lifeboat.yaml'), plan('[grep, -q, "not in the dump"]'));
    const bad = await bin(['point', 'create', '--name', 'doomed']);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /RESTORE POINT [0-9a-f]{8} FAILED ITS PROOF: verify:notes/);
    const list = JSON.parse((await bin(['point', 'list', '--json'])).stdout.toString()) as { name: string | null; proof_ok: boolean }[];
    assert.deepEqual(
      list.map((p) => p.proof_ok),
      [true, false],
    );

    writeFileSync(join(dir, 'lifeboat.yaml'), plan('["true"]').replace("'echo before > hook.log'", '"false"'));
    const hookFails = await bin(['point', 'create']);
    assert.equal(hookFails.code, 1);
    assert.match(hookFails.stderr, /before hook "false" exited with 1/);
    assert.equal((JSON.parse((await bin(['point', 'list', '--json'])).stdout.toString()) as unknown[]).length, 2, 'nothing was written');

    // one inventory source that cannot be read: the point is written, loudly incomplete (exit 3)
    writeFileSync(join(dir, 'users.csv'), '"SipAddress","RegistrarPool"\r\n"sip:a@x.com","fe01.x.com"\r\n');
    writeFileSync(join(dir, 'lifeboat.yaml'), `${plan('["true"]')}inventory:\n  sources:\n    - { type: csv, name: ok, path: users.csv }\n    - { type: csv, name: gone, path: missing.csv }\n`);
    const partial = await bin(['point', 'create']);
    assert.equal(partial.code, 3, partial.stderr);
    assert.match(partial.stderr, /the inventory is incomplete: gone could not be read/);
  });

  test('Skype for Business export: rollback writes a Move-CsUser script in waves for the accounts that moved', async () => {
    const dir = join(work, 'sfb');
    mkdirSync(join(dir, 'files'), { recursive: true });
    writeFileSync(join(dir, 'files', 'topology-notes.txt'), 'pools\n');
    const csv = (pools: string[]): string =>
      `#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n"SipAddress","DisplayName","RegistrarPool","Enabled"\r\n${pools.map((p, i) => `"sip:u${i}@contoso.com","User ${i}","${p}","True"`).join('\r\n')}\r\n`;
    const original = ['fe01.contoso.com', 'fe01.contoso.com', 'fe01.contoso.com', 'fe02.contoso.com'];
    writeFileSync(join(dir, 'users.csv'), csv(original));
    writeFileSync(join(dir, 'repo.pw'), `${TEST_PASSWORD}\n`);
    writeFileSync(
      join(dir, 'lifeboat.yaml'),
      [
        'repository: ./repo',
        'passwordFile: repo.pw',
        'sources:',
        '  - { name: notes, files: [files] }',
        'inventory:',
        '  sources:',
        '    - { type: csv, name: cs-users, path: users.csv, preset: sfb }',
        '',
      ].join('\n'),
    );
    const bin = (args: string[]) => run(process.execPath, [lifeboatBin, ...args], { cwd: dir, env: { LIFEBOAT_PASSWORD: '', HOME: work } });
    assert.equal((await bin(['-r', join(dir, 'repo'), '--password-file', join(dir, 'repo.pw'), 'init'])).code, 0);
    const created = await bin(['point', 'create', '--name', 'before-move']);
    assert.equal(created.code, 0, created.stderr);

    // the migration moved u0 and u2 to fe02; the operator exports Get-CsUser again
    writeFileSync(join(dir, 'users.csv'), csv(['fe02.contoso.com', 'fe01.contoso.com', 'fe02.contoso.com', 'fe02.contoso.com']));
    const planned = await bin(['rollback', 'plan', 'before-move']);
    assert.equal(planned.code, 2);
    assert.match(planned.stdout.toString(), /accounts of source cs-users: 2 to move back \(a Move-CsUser script/);
    assert.match(planned.stdout.toString(), /User 0 <sip:u0@contoso\.com>: fe02\.contoso\.com → fe01\.contoso\.com/);

    const applied = await bin(['rollback', 'apply', 'before-move', '--yes', '--state-dir', join(dir, 'state')]);
    assert.equal(applied.code, 3, applied.stderr);
    const scriptPath = /run (\S+\.ps1) in the Skype for Business Management Shell/.exec(applied.stderr)?.[1];
    assert.ok(scriptPath, applied.stderr);
    const script = readFileSync(scriptPath, 'utf8');
    assert.match(script, /Identity = 'sip:u0@contoso\.com'; Target = 'fe01\.contoso\.com'/);
    assert.match(script, /Identity = 'sip:u2@contoso\.com'; Target = 'fe01\.contoso\.com'/);
    assert.doesNotMatch(script, /u1@|u3@/);
  });
});
