import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LifeboatError } from '../core/index.js';
import { commandArgv, parsePlanFile } from './plan-file.js';

const GOOD = `repository: ../repo
passwordFile: repo.pw
sources:
  - name: config
    files: [/etc, relative/dir]
    exclude: ['*.tmp']
  - name: appdb
    command:
      backup: [pg_dump, -Fc, appdb]
      restore: 'pg_restore -d appdb'
inventory:
  sources:
    - type: csv
      path: users.csv
      preset: sfb
hooks:
  before: [[systemctl, stop, app]]
drill: { files: 5 }
`;

test('a plan file: paths relative to it, commands as lists or shell strings, defaults', () => {
  const plan = parsePlanFile(GOOD, '/plans/lifeboat.yaml');
  assert.equal(plan.repository, '/repo');
  assert.equal(plan.passwordFile, '/plans/repo.pw');
  assert.deepEqual(plan.sources[0], { name: 'config', files: ['/etc', '/plans/relative/dir'], exclude: ['*.tmp'] });
  const db = plan.sources[1]!;
  assert.ok('command' in db);
  assert.deepEqual(commandArgv(db.command.restore!), ['/bin/sh', '-c', 'pg_restore -d appdb']);
  assert.equal(plan.inventory!.sources[0]!.type === 'csv' && plan.inventory!.sources[0]!.path, '/plans/users.csv');
  assert.deepEqual(plan.hooks, { before: [['systemctl', 'stop', 'app']], after: [] });
  assert.equal(plan.drillFiles, 5);
  assert.equal(parsePlanFile('repository: s3:host/bucket\nsources: [{name: a, files: [/a]}]\n', '/p.yaml').repository, 's3:host/bucket');
});

function errorOf(text: string): LifeboatError {
  try {
    parsePlanFile(text, 'lifeboat.yaml');
  } catch (err) {
    assert.ok(err instanceof LifeboatError);
    return err;
  }
  throw new Error('no error');
}

test('plan file errors name the line and the key', () => {
  assert.match(errorOf('sources:\n  - name: a\n    files: /etc\n').message, /^lifeboat\.yaml:3: sources\[0\]/);
  assert.match(errorOf('sources:\n  - name: a\n    files: [/a]\n    colour: red\n').message, /^lifeboat\.yaml:4: sources\[0\]\.colour: unknown key/);
  assert.match(errorOf('sources:\n  - { name: a, files: [/a] }\n  - { name: a, files: [/b] }\n').message, /source names must be unique/);
  assert.match(errorOf('sources:\n  - { name: inventory, files: [/a] }\n').message, /reserved/);
  assert.match(errorOf('sources: [\n').message, /not valid YAML/);
  assert.equal(errorOf('sources: []\n').code, 'E_CONFIG');
});

/** The "billion laughs" shape: each level repeats the one above nine times (9^9 strings). */
const ALIAS_BOMB = `repository: ../repo
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
sources: [{ name: a, files: [/a] }]
`;

test('issue 20 defect 12: a YAML alias bomb is refused with the file and the line of its first alias', () => {
  const err = errorOf(ALIAS_BOMB);
  assert.equal(err.code, 'E_CONFIG');
  assert.match(err.message, /^lifeboat\.yaml:3: not usable YAML: .*alias/i);
});

test('the example plan and the README plan are valid plan files', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { projectRoot } = await import('../../test/helpers/paths.js');
  const example = parsePlanFile(readFileSync(path.join(projectRoot, 'examples', 'lifeboat.yaml'), 'utf8'), path.join(projectRoot, 'examples', 'lifeboat.yaml'));
  assert.deepEqual(example.sources, [{ name: 'config', files: ['/etc'] }]);
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const block = /```yaml\n# lifeboat\.yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a lifeboat.yaml example');
  assert.equal(parsePlanFile(block[1]!, '/srv/lifeboat.yaml').sources.length, 3);
});

test('a system source: root resolved, one disk or several, defaults to the running system', () => {
  const plan = parsePlanFile(
    `sources:
  - name: server
    system: { root: /, disk: /dev/sda }
  - name: image
    system: { root: mnt, disk: [/dev/vda, /dev/vdb] }
    exclude: [/var/cache/apt]
  - name: here
    system: {}
`,
    '/plans/lifeboat.yaml',
  );
  assert.deepEqual(plan.sources[0], { name: 'server', system: { root: '/', disks: ['/dev/sda'] } });
  assert.deepEqual(plan.sources[1], { name: 'image', system: { root: '/plans/mnt', disks: ['/dev/vda', '/dev/vdb'] }, exclude: ['/var/cache/apt'] });
  assert.deepEqual(plan.sources[2], { name: 'here', system: { root: '/' } });
  assert.throws(() => parsePlanFile('sources:\n  - name: s\n    system: { root: /, disks: /dev/sda }\n', '/p.yaml'), LifeboatError);
});

test('notify: the issue example parses; paths resolve against the plan file; mistakes name line and key', () => {
  const plan = parsePlanFile(
    `sources: [{ name: config, files: [/etc] }]
notify:
  - on: [point.failed, gate.red, check.failed, rollback.applied, rollback.failed]
    webhook: https://contoso.webhook.office.com/webhookb2/abc/IncomingWebhook/def
    format: teams
  - on: [point.created]
    email: { to: [ops@contoso.com], from: lifeboat@contoso.com, smtp: smtp://relay:25, startTLS: true, user: lifeboat, passwordFile: smtp.pw }
  - on: [any]
    command: [/usr/local/bin/page-oncall]
    timeout: 5s
    retries: 1
`,
    '/etc/lifeboat/lifeboat.yaml',
  );
  assert.equal(plan.notify.length, 3);
  assert.ok('email' in plan.notify[1]! && plan.notify[1].email.passwordFile === '/etc/lifeboat/smtp.pw');
  assert.deepEqual(parsePlanFile('sources: [{ name: a, files: [/a] }]\n', '/p.yaml').notify, []);
  const base = 'sources: [{ name: a, files: [/a] }]\nnotify:\n';
  assert.match(errorOf(`${base}  - on: [point.exploded]\n    webhook: https://x/\n`).message, /^lifeboat\.yaml:3: notify\[0\]\.on\[0\]/);
  assert.match(errorOf(`${base}  - on: [any]\n    webhook: ftp://x/\n`).message, /^lifeboat\.yaml:4: notify\[0\]\.webhook: use an http/);
  assert.match(errorOf(`${base}  - on: [any]\n    email: { to: [ops@contoso.com], from: l@c.com, smtp: 'smtp://user:secret@relay:25' }\n`).message, /notify\[0\]\.email\.smtp: .*without credentials/);
  assert.match(errorOf(`${base}  - on: [any]\n    webhook: https://x/\n    format: teams\n    retries: 99\n`).message, /^lifeboat\.yaml:6: notify\[0\]\.retries/);
  assert.match(errorOf(`${base}  - on: []\n    command: [x]\n`).message, /list at least one event/);
});

test('checklist and readiness: defaults, relative exports directory, durations, errors naming the line', () => {
  const plain = parsePlanFile(GOOD, '/plans/lifeboat.yaml');
  assert.equal(plain.checklist, undefined);
  assert.deepEqual(plain.readiness, { maxAgeMs: 7 * 86_400_000, deployed: [], provides: {} });
  const plan = parsePlanFile(
    `${GOOD}checklist: lync-2013\nreadiness:\n  exports: exports\n  maxAge: 36h\n  deployed: [archiving]\n  provides: { "user-data:3:1": [UserData-fe03.zip] }\n`,
    '/plans/lifeboat.yaml',
  );
  assert.equal(plan.checklist, 'lync-2013');
  assert.deepEqual(plan.readiness, { exports: '/plans/exports', maxAgeMs: 36 * 3_600_000, deployed: ['archiving'], provides: { 'user-data:3:1': ['UserData-fe03.zip'] } });
  assert.match(errorOf(`${GOOD}checklist: sfb-2010\n`).message, /^lifeboat\.yaml:19: checklist: /);
  assert.match(errorOf(`${GOOD}readiness:\n  maxAge: 7 days\n`).message, /^lifeboat\.yaml:20: readiness\.maxAge: a number and a unit: 30m, 12h, 7d, 2w/);
  assert.match(errorOf(`${GOOD}readiness:\n  deployed: [lync-phone-edition]\n`).message, /^lifeboat\.yaml:20: readiness\.deployed/);
});
