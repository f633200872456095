/**
 * The web console in a real Chromium (playwright-core driving Debian's /usr/bin/chromium) over a
 * real repository: a point of a directory, a PostgreSQL dump and a slapd inventory, made with the
 * CLI. `lifeboat serve` is started as a process; the browser logs in with the printed token,
 * opens each page and checks it against the CLI's --json, creates a point from the console and
 * watches its progress reach 100 %, then — after a simulated migration — approves and applies a
 * rollback and the test checks the files, the rows and the directory.
 * LIFEBOAT_SCREENSHOTS=DIR saves a screenshot of each page there (docs/console/ is made so).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import pg from 'pg';
import { type Browser, type Page, chromium } from 'playwright-core';
import { startPostgres, type Postgres } from '../../src/inventory/testing/postgres.js';
import { startSlapd, type Slapd } from '../../src/inventory/testing/slapd.js';
import { homeServerDn } from '../../src/inventory/testing/directory-fixture.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const POOL1 = homeServerDn('1:1').toLowerCase();
const POOL2 = homeServerDn('1:2');
const SHOTS = process.env.LIFEBOAT_SCREENSHOTS;

describe('web console in Chromium', () => {
  let work: string;
  let slapd: Slapd;
  let pgsrv: Postgres;
  let dbUrl: string;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;

  before(async () => {
    work = await makeTempDir('lifeboat-console-');
    [slapd, pgsrv] = await Promise.all([startSlapd({ accounts: 60 }), startPostgres()]);
    const admin = new pg.Client({ connectionString: pgsrv.url('postgres', pgsrv.superuserPassword) });
    await admin.connect();
    await admin.query('CREATE DATABASE appdb');
    await admin.end();
    dbUrl = pgsrv.url('postgres', pgsrv.superuserPassword, 'appdb');
    await sql('CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL); INSERT INTO orders SELECT g, $$item $$ || g FROM generate_series(1, 50) g');
  });

  after(async () => {
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
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
      return new Map(searchEntries.map((e) => [e.dn, String(e['msRTCSIP-PrimaryHomeServer']).toLowerCase()]));
    });
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  }

  /** Starts `lifeboat serve` on a free port; resolves to the login URL it prints. */
  function serve(planFile: string, state: string, env: Record<string, string>): Promise<string> {
    return new Promise((resolve, reject) => {
      server = spawn(process.execPath, [lifeboatBin, 'serve', '-c', planFile, '--listen', '127.0.0.1:0', '--state-dir', state], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /log in: (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      server.once('exit', (code) => reject(new Error(`lifeboat serve exited ${code}: ${err}`)));
    });
  }

  test('log in, every page against the CLI, a point created from the console, a rollback approved and applied', async () => {
    const repo = join(work, 'repo');
    const files = join(work, 'srv', 'app');
    const state = join(work, 'state');
    mkdirSync(join(files, 'conf'), { recursive: true });
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=production\n');
    writeFileSync(join(files, 'keep.txt'), 'unchanged\n');
    writeFileSync(join(files, 'doomed.txt'), 'will be deleted by the migration\n');
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
    const created = await lifeboat(undefined, ['point', 'create', '-c', planFile, '--name', 'before-move', '--note', 'CHG-1234', '--json'], { env });
    assert.equal(created.code, 0, created.stderr);
    const show = JSON.parse((await lifeboatOk(undefined, ['point', 'show', 'before-move', '-c', planFile, '--json'], { env })).stdout.toString()) as {
      id: string;
      sources: { name: string; snapshot: string; files: number; bytes: number; dataAdded: number }[];
      proof: { checks: { name: string; ok: boolean }[] };
      inventory: { snapshot: string; accounts: number; accountsPerPool: { pool: string | null; count: number }[] };
    };

    const loginUrl = await serve(planFile, state, env);
    const origin = new URL(loginUrl).origin;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
    const page = await context.newPage();
    const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });

    // without the token: the login page
    await page.goto(`${origin}/points`);
    assert.equal(await page.locator('h1').textContent(), 'Log in');
    await page.goto(loginUrl);
    assert.equal(new URL(page.url()).pathname, '/');
    const cookies = await context.cookies();
    assert.ok(cookies.some((c) => c.name === 'lifeboat_session' && c.httpOnly && c.sameSite === 'Strict'));
    consoleErrors.length = 0; // the 401 of the page before logging in

    // overview: the verdict
    const verdict = await page.locator('[data-verdict]').textContent();
    assert.match(verdict!, new RegExp(`point before-move, proven just now; 2 sources; ${show.inventory.accounts} accounts on \\d+ pools`));
    await shot(page, 'overview');

    // points: the list, then the detail against point show --json
    await nav('Restore points').click();
    assert.equal(await page.locator(`tr[data-point="${show.id}"] td`).nth(2).textContent(), 'before-move');
    await shot(page, 'points');
    await page.locator(`tr[data-point="${show.id}"] a`).click();
    for (const s of show.sources) {
      const row = page.locator(`tr[data-source="${s.name}"]`);
      assert.equal(await row.locator('td').nth(2).textContent(), s.snapshot.slice(0, 8));
      assert.equal(await row.locator('[data-files]').textContent(), String(s.files));
      assert.equal(await row.locator('[data-bytes]').getAttribute('data-bytes'), String(s.bytes));
      assert.equal(await row.locator('[data-added]').getAttribute('data-added'), String(s.dataAdded));
    }
    for (const c of show.proof.checks) assert.equal(await page.locator(`tr[data-check="${c.name}"] td`).nth(1).textContent(), c.ok ? 'pass' : 'FAIL');
    await shot(page, 'point-detail');

    // inventory: the chart's bars, the account search with paging
    await nav('Inventory').click();
    assert.equal(new URL(page.url()).pathname, `/inventory/${show.inventory.snapshot}`);
    for (const p of show.inventory.accountsPerPool) {
      assert.match((await page.locator('svg.chart desc').textContent())!, new RegExp(`${(p.pool ?? '(unassigned)').replace(/[.()]/g, '\\$&')}: ${p.count}`));
    }
    assert.match((await page.locator('[data-field="matches"]').textContent())!, new RegExp(`1–50 of ${show.inventory.accounts} accounts`));
    await page.getByRole('link', { name: 'Next' }).click();
    assert.match((await page.locator('[data-field="matches"]').textContent())!, new RegExp(`51–${show.inventory.accounts} of ${show.inventory.accounts}`));
    await page.getByLabel('Name or SIP address').fill('user0');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.match((await page.locator('[data-field="matches"]').textContent())!, /of \d+ accounts/);
    await page.goto(`${origin}/inventory/${show.inventory.snapshot}`);
    await shot(page, 'inventory');

    // snapshots: a directory of the files snapshot
    const filesSnapshot = show.sources.find((s) => s.name === 'app-files')!.snapshot;
    await page.goto(`${origin}/snapshots/${filesSnapshot}/tree?path=${encodeURIComponent(files)}`);
    assert.ok(await page.getByRole('link', { name: 'doomed.txt' }).isVisible());
    await shot(page, 'snapshot-tree');

    // a point created from the console: live progress reaches 100 %
    await nav('Jobs').click();
    await page.getByLabel('Name').fill('from-console');
    await page.getByRole('button', { name: 'Create a restore point' }).click();
    const jobDone = page.locator('section[data-job-id]:not([data-job-status="running"])');
    await jobDone.waitFor({ timeout: 180_000 }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await page.locator('main').textContent()}\nbrowser console: ${consoleErrors.join('; ')}`);
    });
    assert.equal(await jobDone.getAttribute('data-job-status'), 'succeeded', (await page.locator('[data-job-log]').textContent())!);
    assert.equal(await page.locator('[data-job-percent]').textContent(), '100 %');
    assert.equal(await page.locator('progress').getAttribute('value'), '100');
    assert.match((await page.locator('[data-job-log]').textContent())!, /proof ok drill:app-files/);
    await shot(page, 'job');
    const list = JSON.parse((await lifeboatOk(undefined, ['point', 'list', '-c', planFile, '--json'], { env })).stdout.toString()) as { name: string; proof_ok: boolean }[];
    assert.ok(list.some((p) => p.name === 'from-console' && p.proof_ok));

    // --- the migration ---
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=migrated\n');
    writeFileSync(join(files, 'new.txt'), 'added by the migration\n');
    await rm(join(files, 'doomed.txt'));
    await sql("INSERT INTO orders VALUES (51, 'written after the point'); DELETE FROM orders WHERE id <= 5");
    const beforeHomes = await homes();
    const moved = [...beforeHomes]
      .filter(([, v]) => v === POOL1)
      .map(([dn]) => dn)
      .filter((_, i) => i % 2 === 0);
    assert.ok(moved.length >= 3);
    await ldap(async (c) => {
      for (const dn of moved) await c.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'msRTCSIP-PrimaryHomeServer', values: [POOL2] }) }));
    });

    // diff against the present
    await page.goto(`${origin}/diff?from=${show.id}&to=live`);
    assert.equal(await page.locator('[data-field="moved"]').textContent(), String(moved.length));
    const filesDiff = (await page.locator('[data-source-diff="app-files"]').textContent())!;
    for (const kind of ['changed', 'added', 'deleted']) assert.match(filesDiff, new RegExp(`\\b1 ${kind}\\b`), filesDiff);
    await shot(page, 'diff');

    // the rollback plan, approved by typing the name, applied; the journal's steps stream in
    await page.goto(`${origin}/rollback/before-move`);
    assert.equal(await page.locator('[data-step="accounts:directory"] [data-moves]').textContent(), String(moved.length));
    await shot(page, 'rollback-plan');
    await page.getByLabel('Type before-move to approve this plan').fill('before-mov');
    await page.getByRole('button', { name: 'Apply the rollback' }).click();
    assert.match((await page.locator('.error').first().textContent())!, /does not name the point/);
    assert.deepEqual(consoleErrors.splice(0), ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await page.getByLabel('Type before-move to approve this plan').fill('before-move');
    await page.getByLabel('also remove files added since the point').check();
    await page.getByRole('button', { name: 'Apply the rollback' }).click();
    await page.locator('section[data-job-id]').waitFor();
    await page
      .locator('section[data-job-id]:not([data-job-status="running"])')
      .waitFor({ timeout: 300_000 })
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}\n${await page.locator('main').textContent()}\nbrowser console: ${consoleErrors.join('; ')}`);
      });
    const log = (await page.locator('[data-job-log]').textContent())!;
    assert.equal(await page.locator('section[data-job-id]').getAttribute('data-job-status'), 'succeeded', log);
    assert.match(log, /step 5\/5: verify/);
    assert.ok(!log.includes(pgsrv.superuserPassword), 'no password in the log');

    // on disk, in PostgreSQL and in slapd
    assert.equal(readFileSync(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=production\n');
    assert.equal(readFileSync(join(files, 'doomed.txt'), 'utf8'), 'will be deleted by the migration\n');
    assert.throws(() => readFileSync(join(files, 'new.txt')), /ENOENT/);
    assert.deepEqual((await sql('SELECT count(*)::int AS n, max(id) AS max, min(id) AS min FROM orders')).rows[0], { n: 50, max: 50, min: 1 });
    assert.deepEqual(await homes(), beforeHomes);
    assert.deepEqual(consoleErrors, []);
  });
});
