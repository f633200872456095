/**
 * forget decides like restic: a few hundred snapshots over three years (two hosts, two zones,
 * some tagged) and several policies; the kept snapshots equal restic's `forget --dry-run`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openBackend } from '../../src/backend/location/index.js';
import { Readable } from 'node:stream';
import { backup } from '../../src/app/backup.js';
import { Repository, loadSnapshots } from '../../src/repository/index.js';
import { encodeSnapshot, formatGoTime } from '../../src/repository/model/index.js';
import { TEST_PASSWORD, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

function keptIds(json: Buffer): string[] {
  const groups = JSON.parse(json.toString()) as { keep: { id: string }[] | null }[];
  return groups.flatMap((g) => (g.keep ?? []).map((s) => s.id)).sort();
}

describe('forget', () => {
  let work: string;
  let repo: string;

  before(async () => {
    work = await makeTempDir('lifeboat-forget-');
    repo = join(work, 'repo');
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f'), 'x');
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(repo, ['backup', '--host', 'alpha', '--time', '2023-01-01 00:00:00', src]);
    const backend = await openBackend(repo);
    const r = await Repository.open(backend, { password: TEST_PASSWORD });
    // deterministic pseudo-random times over three years, made by the backup use-case with
    // --time (a small stdin backup: the same code path as the CLI, without a process each)
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let t = Date.UTC(2023, 0, 1);
    for (let i = 0; i < 320; i++) {
      t += Math.floor(rnd() * 7 * 86400_000) + (rnd() < 0.2 ? 0 : 3600_000);
      const host = i % 4 === 0 ? 'beta' : 'alpha';
      const tags = i % 11 === 0 ? ['important'] : i % 5 === 0 ? ['weekly'] : undefined;
      await backup(r, { paths: [], host, tags, time: new Date(t), stdin: { stream: Readable.from([Buffer.from(`state ${i % 7}`)]), filename: 'data' } });
    }
    // a few snapshots written in another zone (restic buckets by the zone stored in the snapshot)
    const [first] = await loadSnapshots(r);
    for (let i = 0; i < 12; i++) {
      await r.saveUnpacked(
        'snapshots',
        encodeSnapshot({
          ...first!.snapshot,
          time: formatGoTime({ unixSeconds: BigInt(Math.floor(t / 1000) + i * 5 * 3600), nanos: i, offsetMinutes: 330 }),
          hostname: 'alpha',
        }),
      );
    }
    await backend.close();
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const policies = [
    ['--keep-last', '5'],
    ['--keep-daily', '7', '--keep-weekly', '5', '--keep-monthly', '12', '--keep-yearly', '3'],
    ['--keep-hourly', '10', '--keep-within', '30d'],
    ['--keep-tag', 'important', '--keep-monthly', '6', '--group-by', 'host'],
    ['--keep-within-weekly', '6m', '--keep-yearly', '10'],
    ['--keep-weekly', '20', '--group-by', 'host,tags'],
  ];
  for (const policy of policies) {
    test(`same decisions as restic: ${policy.join(' ')}`, async () => {
      const theirs = keptIds((await restic(repo, ['forget', '--dry-run', '--json', ...policy])).stdout);
      const ours = keptIds((await lifeboatOk(repo, ['forget', '--dry-run', '--json', ...policy])).stdout);
      assert.ok(theirs.length > 0);
      assert.deepEqual(ours, theirs);
    });
  }

  test('forget removes snapshot files; restic still checks the repository', async () => {
    const before = readdirSync(join(repo, 'snapshots')).length;
    const r = await lifeboatOk(repo, ['forget', '--keep-last', '3']);
    assert.match(r.stdout.toString(), /removed \d+ snapshots/);
    // groups: alpha with the CLI backup's path, alpha and beta with /data
    assert.equal(readdirSync(join(repo, 'snapshots')).length, 9, `${before} → 3 per host and paths`);
    await restic(repo, ['check']);
  });
});
