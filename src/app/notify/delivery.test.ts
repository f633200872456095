import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { NotifyTarget, PointManifest } from '../../rollback/index.js';
import { makeTempDir } from '../../../test/helpers/tmp.js';
import { type LifeboatEvent, checkEvent, pointEvent, testEvent } from '../events.js';
import { deliver, describeTarget } from './delivery.js';
import { Notifier, notifyAll } from './notifier.js';
import { type HttpReceiver, type SmtpReceiver, refusedPort, startHttpReceiver, startSmtpReceiver } from './testing/receivers.js';
import { assertMatchesSchema } from './testing/schemas.js';

/** A point whose drill failed on one source, as point create writes it. */
function failedManifest(): PointManifest {
  return {
    schema: 'lifeboat-point',
    schemaVersion: 1,
    id: '3fa9c01e',
    name: 'before-pool-move',
    note: 'CHG-1234',
    createdAt: '2026-12-04T02:00:00.000Z',
    finishedAt: '2026-12-04T02:07:31.250Z',
    host: 'fe01.contoso.local',
    planFile: '/etc/lifeboat/lifeboat.yaml',
    lifeboatVersion: '0.1.0',
    repositoryVersion: 2,
    sources: [
      { name: 'config', kind: 'files', snapshot: 'a'.repeat(64), paths: ['/etc'], files: 1843, bytes: 9_412_118, dataAdded: 1_204_331, unreadable: 2 },
      { name: 'rtcdb', kind: 'command', snapshot: 'b'.repeat(64), paths: ['/rtcdb.dump'], files: 1, bytes: 734_003_200, dataAdded: 52_428_800, unreadable: 0 },
    ],
    commands: { rtcdb: { restore: ['pg_restore', '-d', 'rtc'], verify: ['pg_restore', '--list'] } },
    inventory: {
      snapshot: 'c'.repeat(64),
      accounts: 2400,
      accountsPerPool: [
        { pool: 'pool01.contoso.local', count: 1200 },
        { pool: 'pool02.contoso.local', count: 1200 },
      ],
      sources: [{ name: 'sfb', type: 'csv', status: 'ok' }],
    },
    proof: {
      ok: false,
      durationMs: 41_200,
      checks: [
        { name: 'structure:config', ok: true, detail: '212 trees, 1900 data blobs indexed' },
        { name: 'drill:config', ok: false, detail: '/etc/ssl/private/fe01.key: restored content differs from the live file <&>' },
        { name: 'verify:rtcdb', ok: false, detail: 'pg_restore --list exited 1: pg_restore: error: input file appears to be a text format dump' },
      ],
    },
    warnings: ['config: /etc/shadow-: permission denied', 'config: /etc/gshadow-: permission denied'],
  };
}

const quick = { timeout: '2s', retries: 2, retryDelay: '50ms' } as const;

describe('notification delivery to real receivers on loopback', () => {
  let dir: string;
  let http: HttpReceiver;
  let smtp: SmtpReceiver;
  let passwordFile: string;
  const smtpPassword = 'smtp-Secret-9f3a';

  before(async () => {
    dir = await makeTempDir('lifeboat-notify-');
    http = await startHttpReceiver();
    smtp = await startSmtpReceiver(dir, 'lifeboat', smtpPassword);
    passwordFile = join(dir, 'smtp.pw');
    await writeFile(passwordFile, `${smtpPassword}\n`, { mode: 0o600 });
  });

  after(async () => {
    await Promise.all([http?.close(), smtp?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  test('json, teams and slack webhooks: each body matches its published schema', async () => {
    http.behave('ok');
    http.posts.length = 0;
    const events: LifeboatEvent[] = [
      pointEvent(failedManifest()),
      testEvent('fe01'),
      checkEvent({ findings: [], errors: 0, hints: 1, packs: 40, snapshots: 9, trees: 300, packsRead: 4 }, '10%', 5300, 'fe01'),
    ];
    for (const e of events) {
      for (const format of ['json', 'teams', 'slack'] as const) {
        const r = await deliver({ on: ['any'], webhook: http.url(`/${format}`), format, ...quick }, 0, e);
        assert.equal(r.ok, true, r.error);
        assert.equal(r.attempts, 1);
      }
    }
    assert.equal(http.posts.length, events.length * 3);
    for (const p of http.posts) {
      assert.equal(p.headers['content-type'], 'application/json');
      const body = JSON.parse(p.body) as Record<string, unknown>;
      if (p.path === '/json') assertMatchesSchema('events.schema.json', body);
      else if (p.path === '/teams') assertMatchesSchema('notify-teams.schema.json', body);
      else assertMatchesSchema('notify-slack.schema.json', body);
    }
    const json = JSON.parse(http.posts[0]!.body) as LifeboatEvent;
    assert.equal(json.type, 'point.failed');
    assert.deepEqual(
      json.failingSteps.map((s) => s.name),
      ['drill:config', 'verify:rtcdb'],
    );
    assert.equal(json.point?.files, 1844);
    assert.equal(json.point?.dataAdded, 1_204_331 + 52_428_800);
    assert.equal(json.durationMs, 451_250);
    const teams = JSON.parse(http.posts[1]!.body) as { sections: { title?: string; text?: string; facts?: { name: string; value: string }[] }[] };
    assert.match(teams.sections[1]!.text!, /verify:rtcdb: pg_restore --list exited 1/);
    assert.equal(teams.sections[0]!.facts!.find((f) => f.name === 'proof')!.value, 'FAILED');
    const slack = JSON.parse(http.posts[2]!.body) as { blocks: { type: string; text?: { text: string } }[] };
    // Slack mrkdwn needs &, < and > escaped
    assert.match(slack.blocks[2]!.text!.text, /differs from the live file &lt;&amp;&gt;/);
  });

  test('email through STARTTLS with AUTH: a text and an HTML part, the password nowhere in the message', async () => {
    const target: NotifyTarget = {
      on: ['point.failed'],
      email: {
        to: ['ops@contoso.com', 'sfb-team@contoso.com'],
        from: 'lifeboat@contoso.com',
        smtp: `smtp://127.0.0.1:${smtp.port}`,
        startTLS: true,
        user: 'lifeboat',
        passwordFile,
        caFile: smtp.caFile,
      },
      ...quick,
    };
    const r = await deliver(target, 0, pointEvent(failedManifest()));
    assert.equal(r.ok, true, r.error);
    assert.equal(smtp.messages.length, 1);
    const m = smtp.messages[0]!;
    assert.equal(m.secure, true, 'the session was upgraded with STARTTLS');
    assert.equal(m.user, 'lifeboat');
    assert.deepEqual(m.envelopeTo, ['ops@contoso.com', 'sfb-team@contoso.com']);
    assert.match(m.mail.subject ?? '', /^\[lifeboat\] point\.failed on fe01\.contoso\.local: restore point 3fa9c01e "before-pool-move" FAILED its proof/);
    assert.match(m.mail.text ?? '', /verify:rtcdb: pg_restore --list exited 1/);
    assert.match(m.mail.html || '', /<li>drill:config: \/etc\/ssl\/private\/fe01\.key: restored content differs from the live file &lt;&amp;&gt;<\/li>/);
    assert.equal(m.mail.headers.get('x-lifeboat-event'), 'point.failed');
    const raw = JSON.stringify(m.mail);
    assert.ok(!raw.includes(smtpPassword));
  });

  test('email: a wrong password is refused once, not retried', async () => {
    const bad = join(dir, 'bad.pw');
    await writeFile(bad, 'wrong\n', { mode: 0o600 });
    const before = smtp.messages.length;
    const r = await deliver(
      {
        on: ['any'],
        email: { to: ['ops@contoso.com'], from: 'lifeboat@contoso.com', smtp: `smtp://127.0.0.1:${smtp.port}`, startTLS: true, user: 'lifeboat', passwordFile: bad, caFile: smtp.caFile },
        ...quick,
      },
      0,
      testEvent(),
    );
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 1);
    assert.match(r.error!, /Invalid login|auth/i);
    assert.equal(smtp.messages.length, before);
  });

  test('a command target reads the event as JSON on standard input', async () => {
    const out = join(dir, 'paged.json');
    const r = await deliver({ on: ['any'], command: ['/bin/sh', '-c', `cat > '${out}'`], ...quick }, 0, pointEvent(failedManifest()));
    assert.equal(r.ok, true, r.error);
    const e = JSON.parse(await readFile(out, 'utf8')) as LifeboatEvent;
    assertMatchesSchema('events.schema.json', e);
    assert.equal(e.point?.id, '3fa9c01e');
    const failing = await deliver({ on: ['any'], command: ['/bin/sh', '-c', 'cat >/dev/null; echo paging service down >&2; exit 4'], ...quick }, 0, testEvent());
    assert.equal(failing.ok, false);
    assert.equal(failing.attempts, 3);
    assert.match(failing.error!, /exited with 4: paging service down/);
  });

  test('a target answering 500 is retried with growing waits, then reported; 400 is not retried', async () => {
    http.behave('fail500');
    http.posts.length = 0;
    const r = await deliver({ on: ['any'], webhook: http.url('/hook/T0K3N-in-the-path'), timeout: '2s', retries: 3, retryDelay: '100ms' }, 0, testEvent());
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 4);
    assert.equal(http.posts.length, 4);
    assert.match(r.error!, /answered 500/);
    const gaps = http.posts.slice(1).map((p, i) => p.time - http.posts[i]!.time);
    assert.ok(gaps[0]! >= 70 && gaps[1]! >= 140 && gaps[2]! >= 280, `backoff doubles: ${gaps.join(', ')} ms`);
    assert.ok(!r.target.includes('T0K3N') && !r.error!.includes('T0K3N'), 'the URL path (a token) is not shown');

    http.behave('bad400');
    http.posts.length = 0;
    const r400 = await deliver({ on: ['any'], webhook: http.url(), ...quick }, 0, testEvent());
    assert.equal(r400.attempts, 1);
    assert.equal(http.posts.length, 1);
    assert.match(r400.error!, /answered 400 Bad Request: Invalid webhook payload/);
    http.behave('ok');
  });

  test('a target that hangs times out on each attempt; one that refuses is retried', async () => {
    http.behave('hang');
    http.posts.length = 0;
    const started = Date.now();
    const hung = await deliver({ on: ['any'], webhook: http.url(), timeout: '300ms', retries: 1, retryDelay: '10ms' }, 0, testEvent());
    assert.equal(hung.ok, false);
    assert.equal(hung.attempts, 2);
    assert.equal(http.posts.length, 2);
    assert.match(hung.error!, /no answer within 300 ms/);
    assert.ok(Date.now() - started < 5000);
    http.behave('ok');

    const port = await refusedPort();
    const refused = await deliver({ on: ['any'], webhook: `http://127.0.0.1:${port}/hook`, ...quick }, 0, testEvent());
    assert.equal(refused.ok, false);
    assert.equal(refused.attempts, 3);
    assert.match(refused.error!, /ECONNREFUSED/);
  });

  test('the notifier sends each event only to targets subscribed to it; notify test reaches every target', async () => {
    http.behave('ok');
    http.posts.length = 0;
    const targets: NotifyTarget[] = [
      { on: ['point.failed', 'gate.red'], webhook: http.url('/failures'), ...quick },
      { on: ['point.created'], webhook: http.url('/created'), ...quick },
      { on: ['any'], webhook: http.url('/any'), format: 'slack', ...quick },
    ];
    const n = new Notifier(targets);
    n.hook(pointEvent(failedManifest()));
    const results = await n.settle();
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true],
    );
    assert.deepEqual(http.posts.map((p) => p.path).sort(), ['/any', '/failures']);
    http.posts.length = 0;
    const all = await notifyAll(targets, testEvent());
    assert.equal(all.length, 3);
    assert.deepEqual(http.posts.map((p) => p.path).sort(), ['/any', '/created', '/failures']);
    assert.equal(describeTarget(targets[2]!, 2), `webhook 127.0.0.1:${new URL(http.url()).port} (slack)`);
  });
});
