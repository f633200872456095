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
  const { join } = await import('node:path');
  const { projectRoot } = await import('../../test/helpers/paths.js');
  const example = parsePlanFile(readFileSync(join(projectRoot, 'examples', 'lifeboat.yaml'), 'utf8'), join(projectRoot, 'examples', 'lifeboat.yaml'));
  assert.deepEqual(example.sources, [{ name: 'config', files: ['/etc'] }]);
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const block = /```yaml\n# lifeboat\.yaml\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has a lifeboat.yaml example');
  assert.equal(parsePlanFile(block[1]!, '/srv/lifeboat.yaml').sources.length, 3);
});
