/**
 * Listing as restic 0.14 lists, on one repository written by restic: `snapshots --group-by`,
 * `ls SNAPSHOT DIR...` (a directory and its entries, `--recursive` for all below) and
 * `find --json`. Each case runs both tools and compares what they print.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboat, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

let work: string;
let repo: string;
let src: string;
let first: string;

before(async () => {
  work = await makeTempDir('lifeboat-listing-');
  repo = join(work, 'repo');
  src = join(work, 'srv');
  for (const d of ['app/config', 'app/data/2024', 'web/html', 'empty']) mkdirSync(join(src, d), { recursive: true });
  writeFileSync(join(src, 'app', 'config', 'app.conf'), 'listen 80\n');
  writeFileSync(join(src, 'app', 'data', '2024', 'q1.csv'), 'a,b\n1,2\n');
  writeFileSync(join(src, 'app', 'data', 'index.db'), 'db');
  writeFileSync(join(src, 'web', 'html', 'index.html'), '<html></html>\n');
  writeFileSync(join(src, 'web', 'site.conf'), 'server {}\n');
  await restic(repo, ['init']);
  await restic(repo, ['backup', '--host', 'db01', '--tag', 'nightly', join(src, 'app')]);
  await restic(repo, ['backup', '--host', 'db01', '--tag', 'nightly', '--tag', 'before-migration', join(src, 'app')]);
  await restic(repo, ['backup', '--host', 'web01', '--tag', 'nightly', join(src, 'web'), join(src, 'empty')]);
  await restic(repo, ['backup', '--host', 'web01', src]);
  first = (JSON.parse((await restic(repo, ['snapshots', '--json'])).stdout.toString()) as { id: string; paths: string[] }[]).find((s) => s.paths.length === 1 && s.paths[0] === src)!.id;
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const both = async (args: string[]): Promise<{ ours: { code: number; out: string }; theirs: { code: number; out: string } }> => {
  const a = await lifeboat(repo, args);
  const b = await restic(repo, args, { allowFail: true });
  return { ours: { code: a.code, out: a.stdout.toString() }, theirs: { code: b.code, out: b.stdout.toString() } };
};

describe('snapshots --group-by', () => {
  interface Group {
    group_key: unknown;
    snapshots: { id: string }[];
  }
  const normal = (out: string): string[] => (JSON.parse(out) as Group[]).map((g) => JSON.stringify({ key: g.group_key, ids: g.snapshots.map((s) => s.id).sort() })).sort();
  const headers = (out: string): string[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('snapshots for'))
      .sort();

  for (const by of ['host', 'paths', 'tags', 'host,paths', 'host,tags,paths', 'tags,host']) {
    test(`--group-by ${by}: the same groups and keys as restic (JSON and headers)`, async () => {
      const json = await both(['snapshots', '--json', '--group-by', by]);
      assert.equal(json.ours.code, 0);
      assert.deepEqual(normal(json.ours.out), normal(json.theirs.out));
      const text = await both(['snapshots', '-g', by]);
      assert.ok(headers(text.ours.out).length >= 2);
      assert.deepEqual(headers(text.ours.out), headers(text.theirs.out));
    });
  }

  test('--group-by with a filter and --latest', async () => {
    const r = await both(['snapshots', '--json', '--group-by', 'host', '--host', 'db01', '--latest', '1']);
    assert.deepEqual(normal(r.ours.out), normal(r.theirs.out));
  });

  test('an unknown field is a usage error', async () => {
    const r = await lifeboat(repo, ['snapshots', '--group-by', 'hostname']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid --group-by field "hostname"/);
  });
});

describe('ls SNAPSHOT DIR...', () => {
  const withoutHeader = (out: string): string => out.replace(/^snapshot [0-9a-f]{8} of .*\n/, '');
  const cases: [string, (s: string) => string[]][] = [
    ['one directory: itself and its entries', (s) => [`${s}/app`]],
    ['a trailing slash', (s) => [`${s}/app/`]],
    ['--recursive: everything below', (s) => ['--recursive', `${s}/app`]],
    ['two directories, in tree order whatever the argument order', (s) => [`${s}/web`, `${s}/app/data`]],
    ['a file', (s) => [`${s}/web/site.conf`]],
    ['an empty directory', (s) => [`${s}/empty`]],
    ['a path not in the snapshot lists nothing', (s) => [`${s}/nothing/here`]],
    ['the root', () => ['/']],
  ];
  for (const [name, dirs] of cases) {
    test(`${name}: the same lines as restic`, async () => {
      const r = await both(['ls', first, ...dirs(src)]);
      assert.equal(r.ours.code, 0);
      // restic prints its header line on stdout, Lifeboat on stderr
      assert.equal(r.ours.out, withoutHeader(r.theirs.out));
      const j = await both(['ls', '--json', first, ...dirs(src)]);
      const paths = (out: string): string[] =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { path?: string; struct_type: string })
          .filter((e) => e.struct_type === 'node')
          .map((e) => e.path!);
      assert.deepEqual(paths(j.ours.out), paths(j.theirs.out));
    });
  }

  test('a relative directory is refused, as restic refuses it', async () => {
    const r = await both(['ls', first, 'app']);
    assert.equal(r.theirs.code, 1);
    assert.equal(r.ours.code, 1);
  });

  test('without directories: everything, recursively (unchanged)', async () => {
    const r = await both(['ls', first]);
    assert.equal(r.ours.out, withoutHeader(r.theirs.out));
  });
});

describe('find --json', () => {
  test("restic's array: per snapshot its matches (restic's node fields), hits and ID", async () => {
    for (const pattern of [['*.conf'], ['index.*', 'q1.csv'], ['nothing-matches']]) {
      const r = await both(['find', '--json', ...pattern]);
      assert.equal(r.ours.code, 0);
      const sorted = (out: string): unknown[] => (JSON.parse(out) as { snapshot: string }[]).sort((a, b) => (a.snapshot < b.snapshot ? -1 : 1));
      assert.deepEqual(sorted(r.ours.out), sorted(r.theirs.out));
      if (pattern[0] === '*.conf') assert.equal((JSON.parse(r.ours.out) as unknown[]).length, 4);
    }
  });
});
