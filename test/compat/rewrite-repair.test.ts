/**
 * rewrite --exclude and repair snapshots, on repositories written by restic 0.14 (which has
 * neither command: they are checked against restic's documented semantics), and the result
 * checked by restic itself: `check --read-data` accepts the repository after each command and
 * `restore` gives back what remains, byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic, run } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

interface SnapshotJson {
  id: string;
  tree: string;
  paths: string[];
  tags?: string[];
  original?: string;
  time: string;
}

const snapshots = async (repo: string): Promise<SnapshotJson[]> => JSON.parse((await restic(repo, ['snapshots', '--json'])).stdout.toString()) as SnapshotJson[];
const lsPaths = async (repo: string, id: string): Promise<string[]> =>
  (await restic(repo, ['ls', '--json', id])).stdout
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { struct_type: string; path?: string })
    .filter((e) => e.struct_type === 'node')
    .map((e) => e.path!)
    .sort();
const blobIds = async (repo: string): Promise<Set<string>> =>
  new Set(
    (await restic(repo, ['list', 'blobs'])).stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')[1]!),
  );
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let work: string;
before(async () => {
  work = await makeTempDir('lifeboat-rewrite-');
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('rewrite --exclude', () => {
  let repo: string;
  let src: string;
  const secret = Buffer.from(`api-token=${randomBytes(16).toString('hex')}\n`);
  const big = randomBytes(3_000_000);

  before(async () => {
    repo = join(work, 'rw-repo');
    src = join(work, 'srv');
    mkdirSync(join(src, 'app', 'config'), { recursive: true });
    mkdirSync(join(src, 'app', 'data'), { recursive: true });
    writeFileSync(join(src, 'app', 'config', 'settings.yaml'), 'port: 8080\n');
    writeFileSync(join(src, 'app', 'config', '.env'), secret);
    writeFileSync(join(src, 'app', 'data', 'blob.bin'), big);
    writeFileSync(join(src, 'app', 'data', 'Notes.TXT'), 'notes\n');
    await restic(repo, ['init']);
    await restic(repo, ['backup', '--tag', 'nightly', src]);
    writeFileSync(join(src, 'app', 'data', 'second.txt'), 'second run\n');
    await restic(repo, ['backup', '--tag', 'nightly', src]);
  });

  test('--dry-run reports what it would do and changes nothing', async () => {
    const before_ = await snapshots(repo);
    const r = await lifeboatOk(repo, ['rewrite', '--exclude', '.env', '--dry-run']);
    const out = r.stdout.toString();
    assert.match(out, new RegExp(`excluding ${join(src, 'app', 'config', '.env').replace(/\./g, '\\.')}\\n`));
    assert.match(out, /would save new snapshot/);
    assert.match(out, /would modify 2 snapshots/);
    assert.deepEqual(
      (await snapshots(repo)).map((s) => s.id),
      before_.map((s) => s.id),
    );
  });

  test('without --forget: new snapshots tagged "rewrite" with original set, the old ones kept; restic checks and restores them', async () => {
    const old = await snapshots(repo);
    const r = await lifeboatOk(repo, ['rewrite', '--exclude', '.env']);
    assert.match(r.stdout.toString(), /modified 2 snapshots/);
    const now = await snapshots(repo);
    assert.equal(now.length, 4);
    const rewritten = now.filter((s) => s.tags?.includes('rewrite'));
    assert.equal(rewritten.length, 2);
    for (const s of rewritten) {
      const from = old.find((o) => o.id === s.original);
      assert.ok(from, `original ${s.original} is one of the old snapshots`);
      assert.equal(s.time, from.time);
      assert.deepEqual(s.paths, from.paths);
      assert.deepEqual(s.tags, ['nightly', 'rewrite']);
      const theirs = await lsPaths(repo, from.id);
      const ours = await lsPaths(repo, s.id);
      assert.deepEqual(
        ours,
        theirs.filter((p) => !p.endsWith('/.env')),
      );
    }
    await restic(repo, ['check', '--read-data']);
    const target = join(work, 'rw-restore');
    await restic(repo, ['restore', rewritten.at(-1)!.id, '--target', target]);
    const restored = join(target, src);
    assert.ok(!existsSync(join(restored, 'app', 'config', '.env')));
    assert.deepEqual(readFileSync(join(restored, 'app', 'data', 'blob.bin')), big);
    assert.equal(readFileSync(join(restored, 'app', 'config', 'settings.yaml'), 'utf8'), 'port: 8080\n');
    assert.equal(readFileSync(join(restored, 'app', 'data', 'second.txt'), 'utf8'), 'second run\n');
  });

  test('a second run finds nothing to remove and writes nothing', async () => {
    const count = (await snapshots(repo)).length;
    const r = await lifeboatOk(repo, ['rewrite', '--exclude', '.env', '--tag', 'rewrite']);
    assert.match(r.stdout.toString(), /no snapshots were modified/);
    assert.equal((await snapshots(repo)).length, count);
  });

  test('--exclude-file and --iexclude; --forget removes the originals and prune then drops the secret from the repository', async () => {
    const patterns = join(work, 'excludes.txt');
    writeFileSync(patterns, '# things that must not be kept\n\n.env\n');
    const plain = (await snapshots(repo)).filter((s) => !s.tags?.includes('rewrite'));
    const r = await lifeboatOk(repo, ['rewrite', '--exclude-file', patterns, '--iexclude', 'notes.txt', '--forget', ...plain.map((s) => s.id)]);
    assert.match(r.stdout.toString(), /removed old snapshot/);
    const now = await snapshots(repo);
    assert.equal(now.length, 4, 'two rewritten before, two replaced now');
    assert.ok(!now.some((s) => plain.some((p) => p.id === s.id)), 'originals removed');
    const replaced = now.filter((s) => !s.tags?.includes('rewrite') && plain.some((p) => p.id === s.original));
    assert.equal(replaced.length, 2);
    for (const s of replaced) {
      assert.deepEqual(s.tags, ['nightly'], '--forget adds no tag');
      const paths = await lsPaths(repo, s.id);
      assert.ok(!paths.some((p) => p.endsWith('/.env') || p.endsWith('/Notes.TXT')), paths.join('\n'));
    }
    assert.ok((await blobIds(repo)).has(sha256(secret)), 'the secret is still stored until prune');
    // the secret shares its pack with data still in use: prune repacks it only when no unused space may stay
    await lifeboatOk(repo, ['prune']);
    assert.ok((await blobIds(repo)).has(sha256(secret)), 'default prune keeps a mostly used pack');
    await lifeboatOk(repo, ['prune', '--max-unused', '0%']);
    assert.ok(!(await blobIds(repo)).has(sha256(secret)), 'prune --max-unused 0% removed the secret');
    await restic(repo, ['check', '--read-data']);
    const found = await restic(repo, ['find', '.env']);
    assert.doesNotMatch(found.stdout.toString(), /\.env/);
  });

  test('nothing to exclude is a usage error (exit 1)', async () => {
    const r = await lifeboat(repo, ['rewrite']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /nothing to do/);
  });
});

/** Pack ID → the types of the blobs it holds, from restic's own index. */
async function packTypes(repo: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const id of (await restic(repo, ['list', 'index'])).stdout.toString().split('\n').filter(Boolean)) {
    const index = JSON.parse((await restic(repo, ['cat', 'index', id])).stdout.toString()) as { packs: { id: string; blobs: { type: string }[] }[] };
    for (const p of index.packs) out.set(p.id, new Set(p.blobs.map((b) => b.type)));
  }
  return out;
}

const removePack = (repo: string, id: string): void => rmSync(join(repo, 'data', id.slice(0, 2), id));

describe('repair snapshots', () => {
  let src: string;
  const big = randomBytes(2_500_000);

  /** Two restic backups: the first of keep/, the second adds lost/big.bin (its own data pack). */
  async function twoBackups(name: string): Promise<{ repo: string; first: Map<string, Set<string>>; second: Map<string, Set<string>> }> {
    const repo = join(work, name);
    await restic(repo, ['init']);
    await restic(repo, ['backup', join(src, 'keep')]);
    const first = await packTypes(repo);
    await restic(repo, ['backup', src]);
    const all = await packTypes(repo);
    const second = new Map([...all].filter(([id]) => !first.has(id)));
    return { repo, first, second };
  }

  before(() => {
    src = join(work, 'data');
    mkdirSync(join(src, 'keep'), { recursive: true });
    mkdirSync(join(src, 'lost'), { recursive: true });
    writeFileSync(join(src, 'keep', 'k.txt'), 'keep me\n');
    writeFileSync(join(src, 'lost', 'big.bin'), big);
  });

  test('a lost data pack: the file keeps no content (size 0), the rest is restored; tagged "repaired" without --forget', async () => {
    const { repo, second } = await twoBackups('rp-data');
    const dataPacks = [...second].filter(([, t]) => t.has('data')).map(([id]) => id);
    assert.equal(dataPacks.length, 1);
    removePack(repo, dataPacks[0]!);
    await lifeboatOk(repo, ['repair', 'index']);
    const broken = (await snapshots(repo)).at(-1)!;
    const dry = await lifeboatOk(repo, ['repair', 'snapshots', '--dry-run']);
    assert.match(dry.stdout.toString(), new RegExp(`file "${join(src, 'lost', 'big.bin')}": removed missing content`));
    assert.match(dry.stdout.toString(), /would modify 1 snapshots/);
    assert.equal((await snapshots(repo)).length, 2);

    const r = await lifeboatOk(repo, ['repair', 'snapshots']);
    assert.match(r.stdout.toString(), /saved new snapshot/);
    assert.match(r.stdout.toString(), /modified 1 snapshots/);
    const now = await snapshots(repo);
    assert.equal(now.length, 3);
    const repaired = now.find((s) => s.tags?.includes('repaired'))!;
    assert.equal(repaired.original, broken.id);
    const broken2 = await restic(repo, ['check'], { allowFail: true });
    assert.equal(broken2.code, 1, 'the broken original is still there');

    await lifeboatOk(repo, ['forget', broken.id]);
    await restic(repo, ['check', '--read-data']);
    const target = join(work, 'rp-data-restore');
    await restic(repo, ['restore', repaired.id, '--target', target]);
    assert.equal(readFileSync(join(target, src, 'keep', 'k.txt'), 'utf8'), 'keep me\n');
    assert.equal(statSync(join(target, src, 'lost', 'big.bin')).size, 0);
    const node = (await restic(repo, ['ls', '--json', repaired.id])).stdout
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { path?: string; size?: number })
      .find((e) => e.path?.endsWith('/big.bin'));
    assert.equal(node?.size ?? 0, 0);
    const again = await lifeboatOk(repo, ['repair', 'snapshots']);
    assert.match(again.stdout.toString(), /no snapshots were modified/);
  });

  test('a lost tree pack with --forget: the snapshot whose root is gone is removed, an unreadable directory becomes empty', async () => {
    const { repo, first } = await twoBackups('rp-tree');
    const treePacks = [...first].filter(([, t]) => t.has('tree')).map(([id]) => id);
    assert.equal(treePacks.length, 1);
    const [older, newer] = await snapshots(repo);
    removePack(repo, treePacks[0]!);
    await lifeboatOk(repo, ['repair', 'index']);
    const r = await lifeboatOk(repo, ['repair', 'snapshots', '--forget']);
    const out = r.stdout.toString();
    assert.match(out, /dir "\/": not readable/);
    assert.match(out, new RegExp(`removed empty snapshot ${older!.id.slice(0, 8)}`));
    assert.match(out, new RegExp(`dir "${join(src, 'keep')}": replaced with empty directory`));
    assert.match(out, new RegExp(`removed old snapshot ${newer!.id.slice(0, 8)}`));
    const now = await snapshots(repo);
    assert.equal(now.length, 1);
    assert.equal(now[0]!.original, newer!.id);
    assert.equal(now[0]!.tags, undefined, '--forget adds no tag');
    await restic(repo, ['check', '--read-data']);
    const target = join(work, 'rp-tree-restore');
    await restic(repo, ['restore', now[0]!.id, '--target', target]);
    assert.deepEqual(readdirSync(join(target, src, 'keep')), []);
    assert.deepEqual(readFileSync(join(target, src, 'lost', 'big.bin')), big);
    await lifeboatOk(repo, ['prune']);
    await restic(repo, ['check', '--read-data']);
  });
});

describe('repair packs', () => {
  test('a pack with one damaged blob: the others are salvaged, the pack removed (a copy kept), repair snapshots finishes the job', async () => {
    const repo = join(work, 'pk-repo');
    const src = join(work, 'pk-src');
    mkdirSync(src);
    const files = { 'a.bin': randomBytes(200_000), 'b.bin': randomBytes(200_000), 'c.bin': randomBytes(200_000) };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(src, name), data);
    await restic(repo, ['init']);
    await restic(repo, ['backup', src]);
    const packs = await packTypes(repo);
    const dataPack = [...packs].find(([, t]) => t.has('data'))![0];
    // restic's index says where b.bin's blob lies in the pack: damage one byte in its middle
    let where: { offset: number; length: number } | undefined;
    for (const id of (await restic(repo, ['list', 'index'])).stdout.toString().split('\n').filter(Boolean)) {
      const index = JSON.parse((await restic(repo, ['cat', 'index', id])).stdout.toString()) as { packs: { id: string; blobs: { id: string; offset: number; length: number }[] }[] };
      const blob = index.packs.find((p) => p.id === dataPack)?.blobs.find((b) => b.id === sha256(files['b.bin']));
      if (blob) where = blob;
    }
    assert.ok(where, "b.bin is one blob in restic's index");
    const packPath = join(repo, 'data', dataPack.slice(0, 2), dataPack);
    const bytes = readFileSync(packPath);
    bytes[where.offset + Math.floor(where.length / 2)]! ^= 0xff;
    writeFileSync(packPath, bytes);
    assert.equal((await restic(repo, ['check', '--read-data'], { allowFail: true })).code, 1);

    const cwd = join(work, 'pk-cwd');
    mkdirSync(cwd);
    const r = await run(process.execPath, [lifeboatBin, '-r', repo, 'repair', 'packs', dataPack], { cwd, env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /salvaged 2 blobs, lost 1; removed 1 packs/);
    assert.match(r.stderr, new RegExp(`blob ${sha256(files['b.bin'])}`));
    assert.deepEqual(readFileSync(join(cwd, `pack-${dataPack}`)), bytes, 'the damaged pack is kept as it was');
    assert.equal(statSync(join(cwd, `pack-${dataPack}`)).mode & 0o077, 0);
    assert.ok(!existsSync(packPath));
    const again = await run(process.execPath, [lifeboatBin, '-r', repo, 'repair', 'packs', dataPack], { cwd, env: { LIFEBOAT_PASSWORD: TEST_PASSWORD } });
    assert.equal(again.code, 0, 'a pack that is gone and unindexed: nothing to do');
    assert.match(again.stderr, /no blobs found for pack/);

    await lifeboatOk(repo, ['repair', 'snapshots', '--forget']);
    await restic(repo, ['check', '--read-data']);
    const target = join(work, 'pk-restore');
    await restic(repo, ['restore', 'latest', '--target', target]);
    assert.deepEqual(readFileSync(join(target, src, 'a.bin')), files['a.bin']);
    assert.deepEqual(readFileSync(join(target, src, 'c.bin')), files['c.bin']);
    assert.equal(statSync(join(target, src, 'b.bin')).size, 0);
  });
});
