/**
 * Issue 20, "also seen": a killed backup leaves `data/XX/<id>-tmp-<hex>` files (the local
 * backend's temporaries) that no listing shows. prune removes those last modified more than an
 * hour ago, says how many, and leaves younger ones (a concurrent save may own them) and files
 * that are not its temporaries.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

describe('prune and the temporaries of interrupted saves', () => {
  let work: string;

  before(async () => {
    work = await makeTempDir('lifeboat-prune-tmp-');
  });

  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('removes stale temporaries (older than an hour) and reports them; keeps recent ones and other files', async () => {
    const repo = join(work, 'repo');
    const src = join(work, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.txt'), 'hello\n');
    await lifeboatOk(repo, ['init']);
    await lifeboatOk(repo, ['backup', src]);

    const hoursAgo = (path: string, hours: number): string => {
      const t = new Date(Date.now() - hours * 3600_000);
      utimesSync(path, t, t);
      return path;
    };
    const tmpName = (id = randomBytes(32).toString('hex')): string => `${id}-tmp-${randomBytes(8).toString('hex')}`;
    const make = (dir: string, name: string, bytes: number): string => {
      const path = join(repo, dir, name);
      writeFileSync(path, randomBytes(bytes));
      return path;
    };
    const packId = randomBytes(32).toString('hex');
    const stale = [hoursAgo(make(join('data', packId.slice(0, 2)), tmpName(packId), 4096), 2), hoursAgo(make('index', tmpName(), 100), 25), hoursAgo(make('', tmpName('config'), 50), 1.5)];
    const recent = [make(join('data', '7f'), tmpName(), 2048), hoursAgo(make('snapshots', tmpName(), 10), 0.5)];
    const foreign = [hoursAgo(make(join('data', '00'), 'notes.txt', 10), 5), hoursAgo(make('keys', `${'ab'.repeat(32)}-tmp-xyz`, 10), 5)];

    const dry = await lifeboatOk(repo, ['prune', '--dry-run']);
    assert.match(dry.stdout.toString(), /would remove 3 temporary files of interrupted saves older than an hour \(4\.\d+ KiB\)/);
    for (const p of [...stale, ...recent, ...foreign]) assert.ok(existsSync(p), `dry run removes nothing: ${p}`);

    const json = await lifeboatOk(repo, ['prune', '--json']);
    const summary = JSON.parse(json.stdout.toString().trim().split('\n').at(-1)!) as { staleTemporaries: number; staleTemporaryBytes: number };
    assert.equal(summary.staleTemporaries, 3);
    assert.equal(summary.staleTemporaryBytes, 4096 + 100 + 50);
    for (const p of stale) assert.ok(!existsSync(p), `stale temporary removed: ${p}`);
    for (const p of [...recent, ...foreign]) assert.ok(existsSync(p), `kept: ${p}`);

    const again = await lifeboatOk(repo, ['prune']);
    assert.doesNotMatch(again.stdout.toString(), /temporary files/, 'nothing left to report');
    await restic(repo, ['check']);
  });
});
