/**
 * Issue 19, schedules: `schedule install` writes systemd units that `systemd-analyze verify`
 * accepts (and rejects once broken), or a cron.d line; the unit's ExecStart and the cron command,
 * run as systemd and cron would run them (environment file, PATH), take a restore point; the lock
 * keeps runs from overlapping; `schedule list` and `remove` see and delete exactly those files.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_PASSWORD, lifeboat, lifeboatOk, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

/** Splits a systemd command line (the quoting units.ts writes: plain words or "…", %% and $$). */
function systemdWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    words.push(w.replace(/%%/g, '%').replace(/\$\$/g, '$'));
  }
  return words;
}

function unitField(text: string, key: string): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
  assert.ok(m, `${key}= in the unit`);
  return m[1]!;
}

/** The environment systemd gives the service: Environment= and the EnvironmentFile's KEY='value' lines. */
function serviceEnv(service: string): Record<string, string> {
  const env: Record<string, string> = { HOME: '/root' };
  const [k, v] = systemdWords(unitField(service, 'Environment'))[0]!.split(/=(.*)/s);
  env[k!] = v!;
  for (const line of readFileSync(unitField(service, 'EnvironmentFile'), 'utf8').split('\n')) {
    const m = /^([A-Z_]+)='(.*)'$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

function runClean(argv: string[], env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('schedule install, list, remove', () => {
  let work: string;
  let repo: string;
  let plan: string;

  before(async () => {
    work = await makeTempDir('lifeboat-schedule-');
    repo = join(work, 'repo');
    const files = join(work, 'srv');
    mkdirSync(files);
    writeFileSync(join(files, 'app.ini'), 'mode=production\n');
    plan = join(work, 'lifeboat.yaml');
    // no passwordFile: the password reaches the runs only through the environment file
    writeFileSync(plan, `repository: ${repo}\nhost: fe01\nsources:\n  - name: app\n    files: [${files}]\n`);
    await lifeboatOk(repo, ['init']);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const pointCount = async (): Promise<number> => (JSON.parse((await lifeboatOk(undefined, ['--json', 'point', 'list', '-c', plan])).stdout.toString()) as unknown[]).length;

  test('--print shows the units and writes nothing', async () => {
    const units = join(work, 'print-units');
    const r = await lifeboat(undefined, ['schedule', 'install', '-c', plan, '--point', 'daily@02:00', '--check', 'weekly', '--check-subset', '10%', '--unit-dir', units, '--print']);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout.toString();
    assert.match(out, /^# .*\/lifeboat-point\.timer$/m);
    assert.match(out, /^OnCalendar=\*-\*-\* 02:00:00$/m);
    assert.match(out, /^OnCalendar=Mon \*-\*-\* 00:00:00$/m);
    assert.match(out, /^Persistent=true$/m);
    assert.match(out, /^ProtectSystem=full$/m);
    assert.match(out, /^ExecStart=\/\S+\/flock --wait 21600 \S+ \S+\/bin\/lifeboat check -c \S+lifeboat\.yaml --read-data-subset 10%%$/m);
    assert.ok(!out.includes(TEST_PASSWORD));
    assert.equal(existsSync(units), false);
  });

  test('systemd: units pass systemd-analyze verify; their ExecStart takes a point and a check, never two at once; list and remove', async () => {
    const units = join(work, 'units');
    const envFile = join(work, 'etc', 'lifeboat.env');
    const lock = join(work, 'lifeboat.lock');
    const metrics = join(work, 'metrics', 'lifeboat.prom');
    mkdirSync(join(work, 'metrics'));
    const r = await lifeboat(undefined, [
      'schedule',
      'install',
      '-c',
      plan,
      '--point',
      'daily@02:00',
      '--check',
      'weekly@sun@03:30',
      '--check-subset',
      '1/5',
      '--unit-dir',
      units,
      '--environment-file',
      envFile,
      '--lock-file',
      lock,
      '--metrics-file',
      metrics,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(units).sort(), ['lifeboat-check.service', 'lifeboat-check.timer', 'lifeboat-point.service', 'lifeboat-point.timer']);
    assert.equal(statSync(envFile).mode & 0o777, 0o600);
    assert.match(readFileSync(envFile, 'utf8'), new RegExp(`^LIFEBOAT_PASSWORD='${TEST_PASSWORD}'$`, 'm'));
    for (const f of readdirSync(units)) assert.ok(!readFileSync(join(units, f), 'utf8').includes(TEST_PASSWORD), f);
    assert.ok(!r.stdout.toString().includes(TEST_PASSWORD));

    const paths = readdirSync(units).map((f) => join(units, f));
    const verify = await run('systemd-analyze', ['verify', '--man=no', ...paths]);
    assert.equal(verify.code, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze has nothing to say about the units');
    // the same check notices a broken timer (it can fail)
    const broken = join(work, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'lifeboat-point.timer'), readFileSync(join(units, 'lifeboat-point.timer'), 'utf8').replace(/^OnCalendar=.*$/m, 'OnCalendar=daily@02:00'));
    writeFileSync(join(broken, 'lifeboat-point.service'), readFileSync(join(units, 'lifeboat-point.service'), 'utf8'));
    const bad = await run('systemd-analyze', ['verify', '--man=no', join(broken, 'lifeboat-point.timer'), join(broken, 'lifeboat-point.service')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /calendar specification/);
    const cal = await run('systemd-analyze', ['calendar', unitField(readFileSync(join(units, 'lifeboat-check.timer'), 'utf8'), 'OnCalendar')]);
    assert.match(cal.stdout.toString(), /Next elapse: Sun \d{4}-\d\d-\d\d 03:30:00/);

    // run the services' command lines as systemd would: their environment only
    const pointService = readFileSync(join(units, 'lifeboat-point.service'), 'utf8');
    const before = await pointCount();
    const pointRun = await runClean(systemdWords(unitField(pointService, 'ExecStart')), serviceEnv(pointService));
    assert.equal(pointRun.code, 0, pointRun.stderr);
    assert.equal(await pointCount(), before + 1);
    assert.match(readFileSync(metrics, 'utf8'), /^lifeboat_last_run_success\{operation="point"\} 1$/m);

    // a run holding the lock makes the check wait for it
    const checkService = readFileSync(join(units, 'lifeboat-check.service'), 'utf8');
    const holder = spawn('flock', [lock, 'sleep', '2'], { stdio: 'ignore' });
    const holderClosed = new Promise((res) => holder.on('close', res));
    await new Promise((res) => setTimeout(res, 300));
    const started = Date.now();
    const checkRun = await runClean(systemdWords(unitField(checkService, 'ExecStart')), serviceEnv(checkService));
    await holderClosed;
    assert.equal(checkRun.code, 0, checkRun.stderr);
    assert.ok(Date.now() - started >= 1500, 'the check waited for the lock');
    assert.match(readFileSync(metrics, 'utf8'), /^lifeboat_check_errors 0$/m);

    const list = JSON.parse((await lifeboatOk(undefined, ['--json', 'schedule', 'list', '--unit-dir', units, '--cron-dir', join(work, 'no-cron')])).stdout.toString()) as {
      name: string;
      schedule: string;
    }[];
    assert.deepEqual(
      list.map((e) => [e.name, e.schedule]),
      [
        ['lifeboat-check.timer', 'Sun *-*-* 03:30:00'],
        ['lifeboat-point.timer', '*-*-* 02:00:00'],
      ],
    );
    writeFileSync(join(units, 'lifeboat-other.timer'), '[Timer]\nOnCalendar=daily\n');
    const removed = await lifeboatOk(undefined, ['schedule', 'remove', '--unit-dir', units, '--cron-dir', join(work, 'no-cron')]);
    assert.equal(
      removed.stdout
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('removed ')).length,
      4,
    );
    assert.deepEqual(readdirSync(units), ['lifeboat-other.timer'], 'a unit lifeboat did not write stays');
    assert.ok(existsSync(envFile), 'the environment file is kept');
  });

  test('--cron: one cron.d line per job; the line, run by /bin/sh as cron runs it, takes a point', async () => {
    const cronDir = join(work, 'cron.d');
    const envFile = join(work, 'cron.env');
    const lock = join(work, 'cron.lock');
    const r = await lifeboat(undefined, [
      'schedule',
      'install',
      '--cron',
      '-c',
      plan,
      '--name',
      'fe01',
      '--point',
      'daily@02:15',
      '--check',
      'weekly@sat@23:00',
      '--check-subset',
      '5%',
      '--cron-dir',
      cronDir,
      '--environment-file',
      envFile,
      '--lock-file',
      lock,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(join(cronDir, 'lifeboat-fe01'), 'utf8');
    const lines = text.split('\n').filter((l) => /^\d/.test(l));
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^15 2 \* \* \* root set -a; \. \S+cron\.env; set \+a; exec \S+flock --wait 21600 \S+cron\.lock \S+\/bin\/lifeboat point create -c \S+$/);
    assert.match(lines[1]!, /^0 23 \* \* 6 root .* check -c \S+ --read-data-subset 5\\%$/);
    assert.ok(!text.includes(TEST_PASSWORD));
    const path = /^PATH=(.*)$/m.exec(text)![1]!;
    const before = await pointCount();
    // cron turns \% back into %, then runs the command with /bin/sh and almost no environment
    const command = lines[0]!.replace(/^(\S+ ){5}root /, '').replace(/\\%/g, '%');
    const ran = await runClean(['/bin/sh', '-c', command], { PATH: path, HOME: '/root', SHELL: '/bin/sh' });
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(await pointCount(), before + 1);
    const list = JSON.parse((await lifeboatOk(undefined, ['--json', 'schedule', 'list', '--unit-dir', join(work, 'none'), '--cron-dir', cronDir])).stdout.toString()) as {
      kind: string;
      schedule: string;
    }[];
    assert.deepEqual(
      list.map((e) => [e.kind, e.schedule]),
      [
        ['cron', '15 2 * * *'],
        ['cron', '0 23 * * 6'],
      ],
    );
    await lifeboatOk(undefined, ['schedule', 'remove', '--name', 'fe01', '--unit-dir', join(work, 'none'), '--cron-dir', cronDir]);
    assert.deepEqual(readdirSync(cronDir), []);
  });

  test('bad schedules and names are usage errors with a hint', async () => {
    for (const [args, re] of [
      [['--point', 'daily@25:00'], /invalid time in schedule "daily@25:00"\n {2}hint: use hourly, daily/],
      [['--point', 'fortnightly'], /invalid schedule "fortnightly"\n {2}hint: /],
      [['--check', 'weekly', '--check-subset', '200%'], /invalid --read-data-subset 200%: want a percentage/],
      [[], /nothing to schedule\n {2}hint: give --point/],
      [['--point', 'daily', '--name', 'Bad Name'], /invalid schedule name "Bad Name"\n {2}hint: /],
    ] as [string[], RegExp][]) {
      const r = await lifeboat(undefined, ['schedule', 'install', '-c', plan, '--print', ...args]);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, re);
    }
  });
});
