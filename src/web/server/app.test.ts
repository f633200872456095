/**
 * Route tests of the console with app.request(): authentication, CSRF, secure headers, every
 * page and API over a real (in-memory) repository holding a restore point of a directory, a
 * command dump and a Get-CsUser export of 230 accounts on three pools; paging, 404s, hostile
 * paths in the file browser, the approval bound to the plan's hash, jobs and their SSE stream.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type PlanFile, type Repository, loadPlanFile, pointCreate } from '../../app/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { createConsoleApp, type ConsoleApp } from './app.js';
import { parsePrometheus, sampleValue } from '../../../test/helpers/prometheus.js';

const TOKEN = 'test-token-0123456789abcdef';
const ORIGIN = 'http://localhost';
const DB_SECRET = 'S3cretDbPw';
const POOLS = ['pool01.contoso.com', 'pool02.contoso.com', 'pool03.contoso.com'];

/** Get-CsUser | Export-Csv: every field quoted, CRLF. */
function csUsersCsv(n: number): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const header = ['Identity', 'SipAddress', 'DisplayName', 'Enabled', 'RegistrarPool', 'HostingProvider'];
  const rows = Array.from({ length: n }, (_, i) => [`CN=User ${i},OU=Users,DC=contoso,DC=com`, `sip:user${i}@contoso.com`, i === 7 ? 'Zoë "Z" Ünal <b>' : `User ${i}`, 'True', POOLS[i % 3]!, 'SRV:']);
  return `#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\r\n${[header, ...rows].map((r) => r.map(q).join(',')).join('\r\n')}\r\n`;
}

describe('web console routes', () => {
  let work: string;
  let files: string;
  let repo: Repository;
  let plan: PlanFile;
  let web: ConsoleApp;
  let cookie: string;
  let pointId: string;
  let inventorySnapshot: string;
  let fileSnapshot: string;

  before(async () => {
    work = await makeTempDir('lifeboat-web-');
    files = join(work, 'srv', 'app');
    await mkdir(join(files, 'conf'), { recursive: true });
    await writeFile(join(files, 'conf', 'app.ini'), 'mode=production\n');
    await writeFile(join(files, 'keep.txt'), 'unchanged\n');
    await writeFile(join(work, 'users.csv'), csUsersCsv(230));
    await writeFile(
      join(work, 'lifeboat.yaml'),
      [
        'sources:',
        '  - name: app-files',
        `    files: [${files}]`,
        '  - name: appdb',
        '    command:',
        `      backup: [sh, -c, 'echo dump-of-appdb', 'postgresql://app:${DB_SECRET}@db/app']`,
        `      restore: [sh, -c, 'cat > /dev/null', 'postgresql://app:${DB_SECRET}@db/app']`,
        'inventory:',
        '  sources:',
        '    - { type: csv, name: cs-users, path: users.csv, preset: sfb }',
        '',
      ].join('\n'),
    );
    plan = await loadPlanFile(join(work, 'lifeboat.yaml'));
    repo = await makeTestRepository();
    const m = await pointCreate(repo, plan, { name: 'before-pool-move', note: 'CHG-1234' });
    assert.ok(m.proof.ok, JSON.stringify(m.proof));
    pointId = m.id;
    inventorySnapshot = m.inventory!.snapshot;
    fileSnapshot = m.sources[0]!.snapshot;
    web = createConsoleApp({ repo, plan, env: { ...process.env }, stateDir: join(work, 'state'), token: TOKEN });
    const login = await web.app.request(`/login?token=${TOKEN}`);
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  });

  after(async () => {
    await web?.close();
    await rm(work, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => Promise.resolve(web.app.request(path, { headers: { cookie, ...headers } }));
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }): Promise<Response> =>
    Promise.resolve(
      web.app.request(path, { method: 'POST', body: new URLSearchParams(form), headers: { cookie, host: 'localhost', 'content-type': 'application/x-www-form-urlencoded', ...headers } }),
    );
  const text = async (r: Response | Promise<Response>, status = 200): Promise<string> => {
    const res = await r;
    const body = await res.text();
    assert.equal(res.status, status, body.slice(0, 400));
    return body;
  };

  test('without the token: the login page (401), the API answers 401, a wrong token is refused', async () => {
    const page = await web.app.request('/');
    assert.equal(page.status, 401);
    assert.match(await page.text(), /Access token/);
    assert.equal((await web.app.request('/api/points')).status, 401);
    assert.equal((await web.app.request('/login?token=wrong')).status, 401);
    assert.equal((await web.app.request('/', { headers: { cookie: 'lifeboat_session=forged' } })).status, 401);
  });

  test('the token is exchanged for an HttpOnly SameSite=Strict cookie; a bearer header works for the API', async () => {
    const r = await web.app.request(`/login?token=${TOKEN}`);
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), '/');
    const c = r.headers.get('set-cookie')!;
    assert.match(c, /HttpOnly/);
    assert.match(c, /SameSite=Strict/);
    assert.ok(!c.includes(TOKEN), 'the cookie is a session, not the token');
    const api = await web.app.request('/api/points', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(api.status, 200);
    const form = await web.app.request('/login', {
      method: 'POST',
      body: new URLSearchParams({ token: TOKEN }),
      headers: { host: 'localhost', origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.status, 303);
  });

  test('secure headers: a CSP without inline script, no framing, no referrer to other sites', async () => {
    const r = await get('/');
    const csp = r.headers.get('content-security-policy')!;
    assert.match(csp, /script-src 'self'/);
    assert.ok(!csp.includes('unsafe-inline'));
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('referrer-policy'), 'same-origin');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(!/<script>/.test(await r.text()), 'no inline script');
  });

  test('state-changing requests need this origin (CSRF), even with the session cookie', async () => {
    assert.equal((await post('/jobs/check', { subset: '1/10' }, {})).status, 403);
    assert.equal((await post('/jobs/check', { subset: '1/10' }, { origin: 'http://evil.example' })).status, 403);
    assert.equal((await post('/jobs/check', { subset: '1/10' }, { referer: 'http://evil.example/x' })).status, 403);
    assert.equal((await post('/jobs/check', { subset: 'nonsense' })).status, 400);
    const ok = await post('/jobs/check', { subset: '1/2' });
    assert.equal(ok.status, 303);
    const id = ok.headers.get('location')!.split('/').at(-1)!;
    const done = await web.jobs.settled(id);
    assert.equal(done!.status, 'succeeded', done!.summary ?? '');
    assert.match(await text(get('/')), /repository checked just now \(succeeded\)/);
  });

  test('overview: the verdict first', async () => {
    const body = await text(get('/'));
    assert.match(body, /point <a href="\/points\/[0-9a-f]{8}">before-pool-move<\/a>, proven just now; 2 sources; 230 accounts on 3 pools/);
  });

  test('/metrics: the repository series in Prometheus text format, for a bearer token only', async () => {
    assert.equal((await web.app.request('/metrics')).status, 401);
    const r = await web.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheus(await r.text());
    assert.equal(sampleValue(families, 'lifeboat_points'), 1);
    assert.ok(
      families.some((f) => f.name.startsWith('lifeboat_') && f.name !== 'lifeboat_points'),
      'the newest point series too',
    );
  });

  test('points: list with filters, detail, JSON as the CLI prints it, 404 for unknown points', async () => {
    const list = await text(get('/points'));
    assert.match(list, new RegExp(`data-point="${pointId}"`));
    assert.match(await text(get('/points?state=released')), /0 of 1 restore points/);
    assert.match(await text(get('/points?q=before&state=pinned')), /1 of 1 restore points/);
    const detail = await text(get(`/points/${pointId}`));
    assert.match(detail, /CHG-1234/);
    assert.match(detail, /data-check="drill:app-files"><td>drill:app-files<\/td><td><span class="ok">pass/);
    assert.match(detail, /<svg class="chart"/);
    assert.match(detail, /lifeboat rollback plan before-pool-move -c /);
    const json = (await (await get(`/api/points/before-pool-move`)).json()) as { id: string; pinned: boolean; sources: unknown[] };
    assert.equal(json.id, pointId);
    assert.equal(json.pinned, true);
    assert.equal(json.sources.length, 2);
    const all = (await (await get('/api/points')).json()) as { id: string; proof_ok: boolean }[];
    assert.deepEqual(
      all.map((p) => [p.id, p.proof_ok]),
      [[pointId, true]],
    );
    assert.equal((await get('/points/nosuchpoint')).status, 404);
    assert.equal((await get('/api/points/nosuchpoint')).status, 404);
  });

  test('inventory: chart, pools, search by name or SIP address with paging, downloads', async () => {
    const redirect = await get('/inventory');
    assert.equal(redirect.headers.get('location'), `/inventory/${inventorySnapshot}`);
    const body = await text(get(`/inventory/${inventorySnapshot}`));
    for (const p of POOLS) assert.match(body, new RegExp(`<text [^>]*>${p.replace(/\./g, '\\.')}</text>`));
    assert.match(body, /1–50 of 230 accounts/);
    // names are escaped, never markup
    assert.match(await text(get(`/inventory/${inventorySnapshot}?q=%C3%BCnal`)), /Zoë &quot;Z&quot; Ünal &lt;b&gt;/);
    type Page = { total: number; offset: number; accounts: { sipAddress: string }[] };
    const all = (await (await get(`/api/inventory/${inventorySnapshot}/accounts?q=user1&limit=500`)).json()) as Page;
    assert.equal(all.total, 111); // user1, user10–19, user100–199
    assert.ok(all.accounts.every((a) => a.sipAddress.startsWith('sip:user1')));
    const page = (await (await get(`/api/inventory/${inventorySnapshot}/accounts?q=user1&offset=10&limit=5`)).json()) as Page;
    assert.deepEqual([page.total, page.offset], [111, 10]);
    assert.deepEqual(page.accounts, all.accounts.slice(10, 15));
    const bySip = (await (await get(`/api/inventory/${inventorySnapshot}/accounts?q=SIP:USER229@`)).json()) as { total: number };
    assert.equal(bySip.total, 1);
    const pool = (await (await get(`/api/inventory/${inventorySnapshot}/accounts?pool=pool02.contoso.com&limit=100000`)).json()) as { total: number; limit: number };
    assert.deepEqual([pool.total, pool.limit], [77, 500]);
    assert.equal((await get(`/api/inventory/${inventorySnapshot}/accounts?offset=-1`)).status, 400);
    assert.equal((await get('/inventory/0123456789abcdef')).status, 404);
    assert.equal((await get('/inventory/not-hex')).status, 404);
    const csv = await get(`/inventory/${inventorySnapshot}/report/csv`);
    assert.match(csv.headers.get('content-type')!, /text\/csv/);
    assert.match(csv.headers.get('content-disposition')!, /attachment/);
    assert.match(await csv.text(), /sip:user229@contoso\.com/);
    const doc = (await (await get(`/inventory/${inventorySnapshot}/report/json`)).json()) as { accounts: unknown[] };
    assert.equal(doc.accounts.length, 230);
    assert.match(await text(get(`/inventory/${inventorySnapshot}/report/html`)), /<html/);
    assert.equal((await get(`/inventory/${inventorySnapshot}/report/exe`)).status, 404);
  });

  test('snapshots: one directory per request, downloads, find; hostile paths refused', async () => {
    assert.match(await text(get('/snapshots')), new RegExp(fileSnapshot.slice(0, 8)));
    const root = (await (await get(`/api/snapshots/${fileSnapshot}/tree`)).json()) as { path: string; nodes: { name: string; type: string }[] };
    assert.equal(root.path, '/');
    assert.deepEqual(
      root.nodes.map((n) => n.type),
      ['dir'],
    );
    const confDir = `${files}/conf`;
    const conf = await text(get(`/snapshots/${fileSnapshot}/tree?path=${encodeURIComponent(confDir)}`));
    assert.match(conf, /app\.ini/);
    const file = await get(`/snapshots/${fileSnapshot}/download?path=${encodeURIComponent(`${confDir}/app.ini`)}`);
    assert.equal(await file.text(), 'mode=production\n');
    assert.match(file.headers.get('content-disposition')!, /app\.ini/);
    const tar = await get(`/snapshots/${fileSnapshot}/download?path=${encodeURIComponent(files)}`);
    assert.equal(tar.headers.get('content-type'), 'application/x-tar');
    const bytes = Buffer.from(await tar.arrayBuffer());
    assert.ok(bytes.includes(Buffer.from('mode=production')));
    assert.match(await text(get(`/snapshots/${fileSnapshot}/tree?path=/&find=*.INI`)), new RegExp(`${confDir.replace(/\//g, '\\/')}\\/app\\.ini`));
    for (const bad of ['/..', `${files}/../../etc`, '/a%00b', `${files}%5C..`, 'relative', '/./x']) {
      const r = await get(`/snapshots/${fileSnapshot}/tree?path=${bad.includes('%') ? bad : encodeURIComponent(bad)}`);
      assert.equal(r.status, 400, bad);
    }
    assert.equal((await get(`/snapshots/${fileSnapshot}/download?path=${encodeURIComponent('/../etc/passwd')}`)).status, 400);
    assert.equal((await get('/snapshots/..%2F..%2Fetc/tree')).status, 404);
    assert.equal((await get('/snapshots/%2e%2e/download?path=/')).status, 404);
    assert.equal((await get(`/snapshots/${'f'.repeat(64)}/tree`)).status, 404);
    assert.equal((await get(`/snapshots/${fileSnapshot}/tree?path=${encodeURIComponent('/nope')}`)).status, 404);
  });

  test('jobs: a point create job reaches 100 %, its SSE stream gives the whole state, again after reconnecting', async () => {
    const r = await post('/jobs/point-create', { name: 'from-console', note: 'job test' });
    assert.equal(r.status, 303);
    const id = r.headers.get('location')!.split('/').at(-1)!;
    const stream = await get(`/api/jobs/${id}/events`);
    assert.match(stream.headers.get('content-type')!, /text\/event-stream/);
    const events = (await stream.text())
      .split('\n\n')
      .filter((e) => e.includes('event: state'))
      .map((e) => JSON.parse(/^data: (.*)$/m.exec(e)![1]!) as { status: string; progress: { percent: number }; log: string[] });
    assert.ok(events.length >= 1);
    const last = events.at(-1)!;
    assert.equal(last.status, 'succeeded', last.log.join('\n'));
    assert.equal(last.progress.percent, 100);
    assert.ok(last.log.some((l) => /backing up app-files/.test(l)));
    const job = web.jobs.get(id)!;
    assert.deepEqual([job.progress.filesDone, job.progress.filesTotal], [3, 3], 'files of the files source and the dump, not the inventory');
    assert.ok(job.progress.bytesDone > 0 && job.progress.bytesDone === job.progress.bytesTotal);
    const again = await text(get(`/api/jobs/${id}/events`));
    assert.match(again, /"status":"succeeded"/);
    assert.match(await text(get(`/jobs/${id}`)), /data-job-status="succeeded"/);
    assert.match(await text(get('/points')), /from-console/);
    assert.equal((await get('/jobs/000000000000')).status, 404);
    assert.equal((await get('/api/jobs/zzz/events')).status, 404);
    assert.equal((await post('/jobs/000000000000/cancel', {})).status, 404);
  });

  test('rollback: the plan read-only, without secrets; apply needs the typed name and the shown plan', async () => {
    await writeFile(join(files, 'conf', 'app.ini'), 'mode=migrated\n');
    const body = await text(get(`/rollback/${pointId}`));
    assert.ok(!body.includes(DB_SECRET), 'the database password is not on the page');
    assert.match(body, /data-step="files:app-files"/);
    assert.match(body, /app\.ini<\/td><td>changed/);
    const hash = /name="planHash" value="([0-9a-f]{64})"/.exec(body)![1]!;
    assert.equal((await post(`/rollback/${pointId}/apply`, { confirm: 'wrong', planHash: hash })).status, 400);
    assert.equal(await readFile(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=migrated\n');
    // the present changes after the plan was shown: refused, and the new plan is shown
    await writeFile(join(files, 'added.txt'), 'new\n');
    const changed = await post(`/rollback/${pointId}/apply`, { confirm: 'before-pool-move', planHash: hash });
    const changedBody = await text(changed, 409);
    assert.match(changedBody, /The present changed since the plan you approved/);
    assert.match(changedBody, /added\.txt/);
    assert.equal(await readFile(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=migrated\n');
    const newHash = /name="planHash" value="([0-9a-f]{64})"/.exec(changedBody)![1]!;
    assert.notEqual(newHash, hash);
    const applied = await post(`/rollback/${pointId}/apply`, { confirm: 'before-pool-move', planHash: newHash, delete: '1' });
    assert.equal(applied.status, 303);
    const job = await web.jobs.settled(applied.headers.get('location')!.split('/').at(-1)!);
    assert.equal(job!.status, 'succeeded', job!.log.join('\n'));
    assert.ok(!job!.log.join('\n').includes(DB_SECRET));
    assert.equal(await readFile(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=production\n');
    await assert.rejects(readFile(join(files, 'added.txt')), /ENOENT/);
  });

  test('unknown pages are 404s; errors show a message, never a stack trace', async () => {
    const r = await get('/no/such/page');
    assert.equal(r.status, 404);
    const bad = await text(get('/points/%00'), 404);
    assert.ok(!/at \w+ \(/.test(bad));
  });
});
