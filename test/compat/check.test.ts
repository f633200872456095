/**
 * `lifeboat check` on deliberately broken repositories names the broken object and exits 1;
 * restic agrees that the healthy repository is healthy and the broken ones are not.
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openBackend } from '../../src/backend/location/index.js';
import { Repository } from '../../src/repository/index.js';
import { encodeSnapshot } from '../../src/repository/model/index.js';
import { TEST_PASSWORD, lifeboat, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';
import { makeEveryKindTree } from '../helpers/tree-fixture.js';

function packs(repo: string): string[] {
  return readdirSync(join(repo, 'data')).flatMap((d) => readdirSync(join(repo, 'data', d)).map((f) => join(repo, 'data', d, f)));
}

async function saveRawSnapshot(repo: string, bytes: Buffer): Promise<string> {
  const backend = await openBackend(repo);
  const r = await Repository.open(backend, { password: TEST_PASSWORD });
  return r.saveUnpacked('snapshots', bytes);
}

describe('check', () => {
  let work: string;
  let healthy: string;

  before(async () => {
    work = await makeTempDir('lifeboat-check-');
    const src = join(work, 'src');
    mkdirSync(src);
    makeEveryKindTree(src, { largeSize: 2 * 1024 * 1024 });
    healthy = join(work, 'healthy');
    await lifeboatOk(healthy, ['init']);
    await lifeboatOk(healthy, ['backup', src]);
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const broken = (name: string): string => {
    const dir = join(work, name);
    cpSync(healthy, dir, { recursive: true });
    for (const p of packs(dir)) chmodSync(p, 0o600);
    return dir;
  };

  test('a healthy repository passes, also with --read-data and subsets', async () => {
    const r = await lifeboatOk(healthy, ['check', '--read-data']);
    assert.match(r.stdout.toString(), /no errors were found/);
    await lifeboatOk(healthy, ['check', '--read-data-subset', '1/2']);
    await lifeboatOk(healthy, ['check', '--read-data-subset', '50%']);
    await restic(healthy, ['check', '--read-data']);
  });

  test('a missing pack', async () => {
    const repo = broken('missing-pack');
    const victim = packs(repo)[0]!;
    rmSync(victim);
    const r = await lifeboat(repo, ['check']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`pack ${victim.split('/').at(-1)} is in the index but missing`));
    assert.notEqual((await restic(repo, ['check'], { allowFail: true })).code, 0);
  });

  test('a flipped byte is found by --read-data, a truncated pack by the structure check', async () => {
    const repo = broken('flipped');
    // the largest pack holds data blobs; a damaged tree pack would already fail the structure check
    const victim = packs(repo).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
    const bytes = readFileSync(victim);
    bytes[40] = bytes[40]! ^ 0x01;
    writeFileSync(victim, bytes);
    const name = victim.split('/').at(-1)!;
    assert.equal((await lifeboat(repo, ['check'])).code, 0);
    const r = await lifeboat(repo, ['check', '--read-data']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`pack ${name}: content does not match its name`));
    assert.match(r.stderr, /blob [0-9a-f]{64} in pack/);
    assert.notEqual((await restic(repo, ['check', '--read-data'], { allowFail: true })).code, 0);

    const repo2 = broken('truncated');
    const victim2 = packs(repo2)[0]!;
    truncateSync(victim2, 100);
    const t = await lifeboat(repo2, ['check']);
    assert.equal(t.code, 1);
    assert.match(t.stderr, new RegExp(`pack ${victim2.split('/').at(-1)}: file has 100 bytes`));
  });

  test('packs missing from the index, a missing tree, an undecodable snapshot', async () => {
    const repo = broken('no-index');
    for (const f of readdirSync(join(repo, 'index'))) rmSync(join(repo, 'index', f));
    const r = await lifeboat(repo, ['check']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hint: pack [0-9a-f]{64} is not referenced by any index/);
    assert.match(r.stderr, /tree [0-9a-f]{64} .* is not in the index/);
    // repair index rebuilds it from the pack headers
    assert.match((await lifeboatOk(repo, ['repair', 'index'])).stdout.toString(), /indexed \d+ packs/);
    await lifeboatOk(repo, ['check', '--read-data']);
    await restic(repo, ['check', '--read-data']);

    const repo2 = broken('bad-snapshots');
    const missingTree = 'ab'.repeat(32);
    await saveRawSnapshot(repo2, encodeSnapshot({ time: '2024-01-01T00:00:00Z', tree: missingTree as never, paths: ['/x'] }));
    const bad = await saveRawSnapshot(repo2, Buffer.from('{"time": "not a time", "tree": 5}'));
    const c = await lifeboat(repo2, ['check', '--json']);
    assert.equal(c.code, 1);
    const findings = c.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind?: string; blob?: string; snapshot?: string });
    assert.ok(findings.some((f) => f.kind === 'tree-missing' && f.blob === missingTree));
    assert.ok(findings.some((f) => f.kind === 'snapshot-unreadable' && f.snapshot === bad));
  });
});
