/**
 * Issue 20: the console's snapshot list with a snapshot file that cannot be read. Before, the
 * page failed as a whole (the error page, 500); now it lists the readable snapshots and shows a
 * warning naming the file, which may hold a newer snapshot than those listed.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Id } from '../../core/index.js';
import type { Repository } from '../../app/index.js';
import { makeTestRepository } from '../../repository/testing/test-repository.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { createConsoleApp, type ConsoleApp } from './app.js';

const TOKEN = 'test-token-snapshots-unreadable';

let work: string;
let repo: Repository;
let web: ConsoleApp;
let cookie: string;
const readable: Id[] = [];
let unreadable: Id;

before(async () => {
  work = await makeTempDir('lifeboat-web-snapshots-');
  repo = await makeTestRepository();
  for (const [n, time] of ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z'].entries()) {
    const snapshot = { time, tree: `${n + 1}`.repeat(64), paths: [`/srv/app${n}`], hostname: 'web1', username: 'root' };
    readable.push(await repo.saveUnpacked('snapshots', Buffer.from(JSON.stringify(snapshot))));
  }
  // encrypted and named as it should be, but not a snapshot (no tree, a time that is no time)
  unreadable = await repo.saveUnpacked('snapshots', Buffer.from(JSON.stringify({ time: 'tomorrow', paths: ['/srv/app0'], hostname: 'web1' })));
  web = createConsoleApp({ repo, env: { ...process.env }, stateDir: join(work, 'state'), token: TOKEN });
  const login = await web.app.request(`/login?token=${TOKEN}`);
  cookie = login.headers.get('set-cookie')!.split(';')[0]!;
});

after(async () => {
  await web?.close();
  await rm(work, { recursive: true, force: true });
});

test('issue 20: the snapshot list shows the readable snapshots and a warning naming the unreadable file', async () => {
  const res = await web.app.request('/snapshots', { headers: { cookie } });
  const body = await res.text();
  assert.equal(res.status, 200, body.slice(0, 400));
  for (const id of readable) assert.match(body, new RegExp(`href="/snapshots/${id}/tree"`));
  assert.doesNotMatch(body, new RegExp(`href="/snapshots/${unreadable}/tree"`));
  assert.match(body, /2 of 2 snapshots/);
  assert.match(body, /role="alert"><p>1 snapshot file cannot be read and is not listed; any of them may be newer than the snapshots shown/);
  assert.match(body, new RegExp(`<li class="mono">snapshot file snapshots/${unreadable} cannot be read and was skipped: `));

  // the host filter applies to the readable ones; the warning stays
  const filtered = await (await web.app.request('/snapshots?host=other', { headers: { cookie } })).text();
  assert.match(filtered, /0 of 2 snapshots/);
  assert.match(filtered, new RegExp(`snapshots/${unreadable} cannot be read`));
});
