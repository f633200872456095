/**
 * Issue 19 end to end: `point create`, `check`, `prune` and `rollback apply` feed one event to
 * the plan file's notification targets (a real HTTP listener on loopback, a command), to
 * `--log-file` and to `--metrics-file`; the metrics are parsed with an independent Prometheus
 * parser and compared with the command's own `--json`. A target that fails makes exit 3 and a
 * warning, never a failed point.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type HttpReceiver, refusedPort, startHttpReceiver } from '../../src/app/notify/testing/receivers.js';
import { assertMatchesSchema } from '../../src/app/notify/testing/schemas.js';
import type { LifeboatEvent } from '../../src/app/events.js';
import { renderMetrics, repositoryMetrics } from '../../src/app/metrics.js';
import { openRepository } from '../../src/app/wiring/index.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('operations: notifications, metrics file and log file', () => {
  let work: string;
  let http: HttpReceiver;
  let repo: string;
  let files: string;
  const env = (): Record<string, string> => ({ LIFEBOAT_PASSWORD: '', HOME: work });

  before(async () => {
    work = await makeTempDir('lifeboat-ops-');
    http = await startHttpReceiver();
    repo = join(work, 'repo');
    files = join(work, 'srv', 'app');
    mkdirSync(join(files, 'conf'), { recursive: true });
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=production\n');
    writeFileSync(join(files, 'data.bin'), Buffer.alloc(300_000, 7));
    writeFileSync(join(work, 'repo.pw'), `${TEST_PASSWORD}\n`, { mode: 0o600 });
    await lifeboatOk(repo, ['init']);
  });

  after(async () => {
    await http?.close();
    await rm(work, { recursive: true, force: true });
  });

  function writePlan(name: string, notify: string[], extraSources: string[] = []): string {
    const planFile = join(work, name);
    writeFileSync(
      planFile,
      [`repository: ${repo}`, 'passwordFile: repo.pw', 'host: fe01', 'sources:', '  - name: app-files', `    files: [${files}]`, ...extraSources, 'notify:', ...notify, ''].join('\n'),
    );
    return planFile;
  }

  test('point create: the webhook, the command, the log file and the metrics file get the same event; metrics equal --json', async () => {
    http.behave('ok');
    http.posts.length = 0;
    const paged = join(work, 'paged.jsonl');
    const plan = writePlan('ok.yaml', [
      '  - on: [point.created, point.failed]',
      `    webhook: ${http.url('/json')}`,
      '  - on: [any]',
      `    command: ['/bin/sh', '-c', 'cat >> ${paged}']`,
      '  - on: [check.failed]',
      `    webhook: ${http.url('/never')}`,
    ]);
    const metrics = join(work, 'lifeboat.prom');
    const log = join(work, 'events.jsonl');
    const r = await lifeboat(undefined, ['--json', 'point', 'create', '-c', plan, '--name', 'nightly', '--metrics-file', metrics, '--log-file', log], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const m = jsonLines(r.stdout.toString()).find((l) => l.message_type === 'point') as unknown as {
      id: string;
      finishedAt: string;
      createdAt: string;
      sources: { files: number; bytes: number; dataAdded: number }[];
      proof: { ok: boolean };
    };
    assert.ok(m.proof.ok);

    assert.deepEqual(
      http.posts.map((p) => p.path),
      ['/json'],
    );
    const posted = JSON.parse(http.posts[0]!.body) as LifeboatEvent;
    assertMatchesSchema('events.schema.json', posted);
    assert.equal(posted.type, 'point.created');
    assert.equal(posted.point?.id, m.id);
    assert.equal(posted.host, 'fe01');
    const logged = jsonLines(readFileSync(log, 'utf8')) as unknown as LifeboatEvent[];
    assert.deepEqual(logged, [posted]);
    assert.equal(statSync(log).mode & 0o777, 0o600);
    assert.deepEqual(jsonLines(readFileSync(paged, 'utf8')), [posted]);
    for (const text of [readFileSync(log, 'utf8'), http.posts[0]!.body]) assert.ok(!text.includes(TEST_PASSWORD), 'no password in events');

    const families = parsePrometheus(readFileSync(metrics, 'utf8'));
    const sum = (k: 'files' | 'bytes' | 'dataAdded'): number => m.sources.reduce((n, s) => n + s[k], 0);
    assert.equal(sampleValue(families, 'lifeboat_point_files'), sum('files'));
    assert.equal(sampleValue(families, 'lifeboat_point_bytes'), sum('bytes'));
    assert.equal(sampleValue(families, 'lifeboat_point_bytes_added'), sum('dataAdded'));
    assert.ok(sum('dataAdded') > 0);
    assert.equal(sampleValue(families, 'lifeboat_point_proof_ok'), 1);
    assert.equal(sampleValue(families, 'lifeboat_gate_red'), 0);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'point' }), 1);
    assert.equal(sampleValue(families, 'lifeboat_last_success_timestamp_seconds', { operation: 'point' }), Math.floor(Date.parse(posted.time) / 1000));
    assert.equal(sampleValue(families, 'lifeboat_last_run_duration_seconds', { operation: 'point' }), (Date.parse(m.finishedAt) - Date.parse(m.createdAt)) / 1000);

    // the same point series, computed from the repository alone (what a /metrics endpoint serves)
    const opened = await openRepository({ flags: { repo, passwordFile: join(work, 'repo.pw') }, env: {} });
    try {
      const fromRepo = parsePrometheus(renderMetrics(await repositoryMetrics(opened)));
      for (const name of ['lifeboat_point_files', 'lifeboat_point_bytes', 'lifeboat_point_bytes_added', 'lifeboat_point_proof_ok']) {
        assert.equal(sampleValue(fromRepo, name), sampleValue(families, name), name);
      }
      assert.equal(sampleValue(fromRepo, 'lifeboat_points'), 1);
      assert.equal(sampleValue(fromRepo, 'lifeboat_last_success_timestamp_seconds', { operation: 'point' }), Math.floor(Date.parse(m.finishedAt) / 1000));
    } finally {
      await opened.backend.close();
    }

    // check and prune, through the same plan file, add their series to the same file
    const check = await lifeboat(undefined, ['--json', 'check', '--read-data', '-c', plan, '--metrics-file', metrics, '--log-file', log], { env: env() });
    assert.equal(check.code, 0, check.stderr);
    const summary = jsonLines(check.stdout.toString()).find((l) => l.message_type === 'summary') as { errors: number; hints: number; packs_read: number };
    const prune = await lifeboat(undefined, ['--json', 'prune', '-c', plan, '--metrics-file', metrics], { env: env() });
    assert.equal(prune.code, 0, prune.stderr);
    const pruned = jsonLines(prune.stdout.toString())[0] as { bytesFreed: number };
    const after = parsePrometheus(readFileSync(metrics, 'utf8'));
    assert.equal(sampleValue(after, 'lifeboat_check_errors'), summary.errors);
    assert.equal(sampleValue(after, 'lifeboat_check_hints'), summary.hints);
    assert.equal(sampleValue(after, 'lifeboat_check_packs_read'), summary.packs_read);
    assert.ok(summary.packs_read > 0);
    assert.equal(sampleValue(after, 'lifeboat_last_run_success', { operation: 'check' }), 1);
    assert.equal(sampleValue(after, 'lifeboat_prune_bytes_freed'), pruned.bytesFreed);
    assert.equal(sampleValue(after, 'lifeboat_point_files'), sum('files'), 'the point series stay');
    assert.deepEqual(
      (jsonLines(readFileSync(log, 'utf8')) as unknown as LifeboatEvent[]).map((e) => e.type),
      ['point.created', 'check.passed'],
    );
    assert.deepEqual(
      http.posts.map((p) => p.path),
      ['/json'],
      'check.passed went to no webhook',
    );
  });

  test('a failed proof sends point.failed and gate.red with the failing steps; exit 1 as before', async () => {
    http.behave('ok');
    http.posts.length = 0;
    const plan = writePlan(
      'proof.yaml',
      ['  - on: [point.failed, gate.red]', `    webhook: ${http.url('/teams')}`, '    format: teams', '  - on: [any]', `    webhook: ${http.url('/json')}`],
      [
        '  - name: appdb',
        '    command:',
        "      backup: [printf, 'not a dump']",
        "      verify: ['/bin/sh', '-c', 'cat >/dev/null; echo pg_restore: error: input file does not appear to be a valid archive >&2; exit 1']",
      ],
    );
    const metrics = join(work, 'proof.prom');
    const r = await lifeboat(undefined, ['point', 'create', '-c', plan, '--metrics-file', metrics], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /FAILED ITS PROOF: verify:appdb/);
    const json = http.posts.filter((p) => p.path === '/json').map((p) => JSON.parse(p.body) as LifeboatEvent);
    assert.deepEqual(json.map((e) => e.type).sort(), ['gate.red', 'point.failed']);
    for (const e of json) {
      assertMatchesSchema('events.schema.json', e);
      assert.deepEqual(
        e.failingSteps.map((s) => s.name),
        ['verify:appdb'],
      );
      assert.match(e.failingSteps[0]!.detail, /not appear to be a valid archive/);
    }
    const teams = http.posts.filter((p) => p.path === '/teams');
    assert.equal(teams.length, 2);
    for (const t of teams) assertMatchesSchema('notify-teams.schema.json', JSON.parse(t.body));
    const families = parsePrometheus(readFileSync(metrics, 'utf8'));
    assert.equal(sampleValue(families, 'lifeboat_point_proof_ok'), 0);
    assert.equal(sampleValue(families, 'lifeboat_gate_red'), 1);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'point' }), 0);
    assert.equal(sampleValue(families, 'lifeboat_last_success_timestamp_seconds', { operation: 'point' }), undefined);
  });

  test('a target answering 500 or refusing: retried, reported as a warning, exit 3; the point itself is written', async () => {
    http.behave('fail500');
    http.posts.length = 0;
    const port = await refusedPort();
    const plan = writePlan('bad.yaml', [
      '  - on: [any]',
      `    webhook: ${http.url('/hook/S3CR3T-T0KEN')}`,
      '    retries: 2',
      '    retryDelay: 50ms',
      '  - on: [any]',
      `    webhook: http://127.0.0.1:${port}/hook`,
      '    retries: 1',
      '    retryDelay: 50ms',
    ]);
    const r = await lifeboat(undefined, ['point', 'create', '-c', plan, '--name', 'unheard'], { env: env() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout.toString(), /proof {5}passed/);
    assert.match(r.stderr, /warning: notification to webhook 127\.0\.0\.1:\d+ \(json\) failed after 3 attempts: answered 500/);
    assert.match(r.stderr, /warning: notification to webhook 127\.0\.0\.1:\d+ \(json\) failed after 2 attempts: ECONNREFUSED/);
    assert.ok(!r.stderr.includes('S3CR3T'), 'the webhook path is never printed');
    assert.equal(http.posts.length, 3);
    const list = JSON.parse((await lifeboatOk(undefined, ['--json', 'point', 'list', '-c', plan], { env: env() })).stdout.toString()) as { name: string; complete: boolean; proof_ok: boolean }[];
    assert.ok(list.some((p) => p.name === 'unheard' && p.complete && p.proof_ok));

    // notify test: every target, whatever its on:, exit 3 when one fails
    const t = await lifeboat(undefined, ['--json', 'notify', 'test', '-c', plan], { env: env() });
    assert.equal(t.code, 3, t.stderr);
    assert.deepEqual(
      jsonLines(t.stdout.toString()).map((l) => l.ok),
      [false, false],
    );
    http.behave('ok');
    http.posts.length = 0;
    const okPlan = writePlan('test.yaml', ['  - on: [rollback.failed]', `    webhook: ${http.url('/slack')}`, '    format: slack']);
    const ok = await lifeboat(undefined, ['notify', 'test', '-c', okPlan], { env: env() });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout.toString(), /^ok {4}webhook 127\.0\.0\.1:\d+ \(slack\)$/m);
    assert.equal(http.posts.length, 1);
    assertMatchesSchema('notify-slack.schema.json', JSON.parse(http.posts[0]!.body));
    assert.equal((JSON.parse(http.posts[0]!.body) as { blocks: { text?: { text: string } }[] }).blocks[0]!.text!.text, 'Lifeboat: notify.test on fe01');
  });

  test('rollback apply: rollback.applied with its problems; metrics equal the --json summary', async () => {
    http.behave('ok');
    http.posts.length = 0;
    const plan = writePlan('rb.yaml', ['  - on: [rollback.applied, rollback.failed]', `    webhook: ${http.url('/json')}`]);
    await lifeboatOk(undefined, ['point', 'create', '-c', plan, '--name', 'before-change'], { env: env() });
    writeFileSync(join(files, 'conf', 'app.ini'), 'mode=broken\n');
    const metrics = join(work, 'rb.prom');
    const r = await lifeboat(undefined, ['--json', 'rollback', 'apply', 'before-change', '--yes', '-c', plan, '--state-dir', join(work, 'state'), '--metrics-file', metrics], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(files, 'conf', 'app.ini'), 'utf8'), 'mode=production\n');
    const summary = jsonLines(r.stdout.toString()).find((l) => l.message_type === 'summary') as { problems: string[] };
    const e = JSON.parse(http.posts.at(-1)!.body) as LifeboatEvent;
    assertMatchesSchema('events.schema.json', e);
    assert.equal(e.type, 'rollback.applied');
    assert.deepEqual(e.rollback?.problems, summary.problems);
    const families = parsePrometheus(readFileSync(metrics, 'utf8'));
    assert.equal(sampleValue(families, 'lifeboat_rollback_problems'), summary.problems.length);
    assert.equal(sampleValue(families, 'lifeboat_last_run_success', { operation: 'rollback' }), 1);

    const failed = await lifeboat(undefined, ['rollback', 'apply', 'no-such-point', '--yes', '-c', plan, '--state-dir', join(work, 'state')], { env: env() });
    assert.equal(failed.code, 1);
    const last = JSON.parse(http.posts.at(-1)!.body) as LifeboatEvent;
    assert.equal(last.type, 'rollback.failed');
    assert.equal(last.error?.code, 'E_NOT_FOUND');
  });
});
