/**
 * Relative backup paths are stored as restic stores them (issue 14): `cd /srv && backup app`
 * puts `app/` at the root of the snapshot tree (the snapshot's paths stay absolute). Each case
 * is backed up by restic 0.14 and by Lifeboat from the same directory; `ls --json` of the two
 * snapshots and their restored trees must be the same, restic takes our snapshot as the parent
 * of its next backup, and the parent snapshot and --path filters behave as restic's.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run, TEST_PASSWORD } from '../helpers/run.js';
import { lifeboatBin } from '../helpers/paths.js';
import { makeTempDir } from '../helpers/tmp.js';
import { describeTree, diffTrees } from '../helpers/tree-fixture.js';

let work: string;
let srv: string;
let repo: string;

async function resticIn(cwd: string, args: string[]): Promise<string> {
  const r = await run('restic', ['--no-cache', '-r', repo, ...args], { cwd, env: { RESTIC_PASSWORD: TEST_PASSWORD } });
  if (r.code !== 0) throw new Error(`restic ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.toString();
}

async function lifeboatIn(cwd: string, args: string[]): Promise<string> {
  const r = await run(process.execPath, [lifeboatBin, '-r', repo, ...args], { cwd, env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
  if (r.code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.toString();
}

function snapshotId(jsonLines: string): string {
  const summary = jsonLines
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { message_type?: string; snapshot_id?: string })
    .find((m) => m.message_type === 'summary');
  return summary!.snapshot_id!;
}

/** A directory above the test's own (the shared temporary directory): others change its times. */
function sharedAncestor(path: string): boolean {
  return work.startsWith(`${path}/`);
}

/**
 * The snapshot line and the node lines of `ls --json`, parsed; atime is left out (reading a file
 * moves it), and so are the times of directories above the test's own.
 */
async function listing(id: string): Promise<{ paths: string[]; nodes: Record<string, unknown>[] }> {
  const lines = (await resticIn(work, ['ls', '--json', id]))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const nodes = lines.slice(1).map(({ atime: _atime, ...rest }) => (sharedAncestor(rest.path as string) ? { ...rest, mtime: undefined, ctime: undefined } : rest));
  return { paths: (lines[0] as { paths: string[] }).paths, nodes };
}

/** A restored tree, without the directories above the test's own (see sharedAncestor). */
function restored(target: string): ReturnType<typeof describeTree> {
  const tree = describeTree(target);
  for (const key of [...tree.keys()]) if (sharedAncestor(`/${key}`)) tree.delete(key);
  return tree;
}

before(async () => {
  work = await makeTempDir('lifeboat-relpaths-');
  srv = join(work, 'srv');
  mkdirSync(join(srv, 'app', 'sub other'), { recursive: true });
  mkdirSync(join(srv, 'app', 'conf'), { recursive: true });
  mkdirSync(join(work, 'x', 'deep'), { recursive: true });
  writeFileSync(join(srv, 'app', 'conf', 'app.ini'), 'mode=production\n');
  writeFileSync(join(srv, 'app', 'sub other', 'notes.txt'), 'with a space in the directory name\n');
  writeFileSync(join(srv, 'README'), 'top level file\n');
  symlinkSync('app/conf/app.ini', join(srv, 'current.ini'));
  writeFileSync(join(work, 'x', 'deep', 'data.csv'), 'id,name\n1,alpha\n');
  repo = join(work, 'repo');
  await resticIn(work, ['init']);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const CASES: string[][] = [['.'], ['app'], ['app/sub other'], ['../x'], ['ABS:app/conf'], ['app', '../x'], ['.', '../x/deep'], ['app/sub other', 'ABS:app/conf', 'README']];

for (const args of CASES) {
  test(`backup ${args.join(' ')} from ${'<work>/srv'}: the same tree as restic's`, async () => {
    const argv = args.map((a) => (a.startsWith('ABS:') ? join(srv, a.slice(4)) : a));
    const tags = ['--tag', `case-${CASES.indexOf(args)}`];
    const theirs = snapshotId(await resticIn(srv, ['backup', '--json', ...tags, ...argv]));
    const ours = snapshotId(await lifeboatIn(srv, ['backup', '--json', ...tags, ...argv]));
    const a = await listing(theirs);
    const b = await listing(ours);
    assert.deepEqual([...b.paths].sort(), [...a.paths].sort());
    assert.deepEqual(b.nodes, a.nodes);
    // the same tree, so the same root tree blob (with an absolute path the shared temporary
    // directory is in the tree too, and other processes change its times between the backups)
    const tree = async (id: string): Promise<string> => (JSON.parse(await resticIn(work, ['cat', 'snapshot', id])) as { tree: string }).tree;
    if (!args.some((a) => a.startsWith('ABS:'))) assert.equal(await tree(ours), await tree(theirs));
    const t1 = join(work, `restore-${theirs.slice(0, 8)}`);
    const t2 = join(work, `restore-${ours.slice(0, 8)}`);
    await resticIn(work, ['restore', theirs, '--target', t1]);
    await lifeboatIn(work, ['restore', ours, '--target', t2]);
    assert.deepEqual(diffTrees(restored(t1), restored(t2)), []);
  });
}

test("parent snapshot and --path filters of a relative backup behave as restic's", async () => {
  const first = snapshotId(await lifeboatIn(srv, ['backup', '--json', '--tag', 'parent-check', 'app']));
  const again = (await lifeboatIn(srv, ['backup', '--json', '--tag', 'parent-check', 'app']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((m) => m.message_type === 'summary')!;
  assert.equal(again.parent, first);
  assert.equal(again.files_new, 0);
  assert.equal(again.files_unmodified, 2);
  // restic finds our snapshot as the parent of its own backup of the same arguments, and reads nothing again
  const resticRun = (await resticIn(srv, ['backup', '--json', 'app']))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((m) => m.message_type === 'summary')!;
  assert.equal(resticRun.files_new, 0);
  assert.equal(resticRun.files_unmodified, 2);
  // --path names the absolute path, for both tools
  const byPath = async (tool: (cwd: string, a: string[]) => Promise<string>): Promise<string[]> =>
    (JSON.parse(await tool(work, ['snapshots', '--json', '--path', join(srv, 'app')])) as { id: string }[]).map((s) => s.id).sort();
  const ids = await byPath(lifeboatIn);
  assert.ok(ids.includes(first));
  assert.deepEqual(ids, await byPath(resticIn));
});
