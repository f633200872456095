/**
 * Many hosts, one S3 repository: four Lifeboat processes with different --host back up into
 * the same bucket at the same time. Data the repository already holds is not uploaded again by
 * any of them; afterwards `check --read-data` passes with both tools and every snapshot
 * restores. Then a second round in which one writer is SIGKILLed midway: the others finish,
 * `unlock` clears the dead writer's stale lock, and the repository still checks with both tools.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type S3TestServer, startS3Server } from '../../src/backend/testing/index.js';
import { lifeboatBin } from '../helpers/paths.js';
import { TEST_PASSWORD, lifeboatOk, restic } from '../helpers/run.js';
import { makeTempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;

interface Summary {
  snapshot_id: string;
  data_added: number;
}

describe('many hosts back up into one S3 repository at once', () => {
  let work: string;
  let s3: S3TestServer;
  let env: Record<string, string>;
  let repo: string;
  /** snapshot ID → the directories it holds */
  const snapshots = new Map<string, string[]>();

  const dirWith = (name: string, files: Record<string, Buffer>): string => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    for (const [f, data] of Object.entries(files)) writeFileSync(join(dir, f), data);
    return dir;
  };
  const summaryOf = (stdout: Buffer): Summary => JSON.parse(stdout.toString().trim().split('\n').at(-1)!) as Summary;
  const r = (args: string[]) => restic(repo, ['--cacert', s3.caFile, ...args], { env });

  /** Starts `lifeboat backup --json` as its own process; resolves with its output and exit. */
  function backup(host: string, dirs: string[], onStatus?: (bytesDone: number, kill: () => void) => void) {
    const child = spawn(process.execPath, [lifeboatBin, '-r', repo, 'backup', '--json', '--host', host, ...dirs], {
      env: { ...process.env, ...env, LIFEBOAT_PASSWORD: TEST_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split('\n')) {
        if (line.includes('"status"')) onStatus?.((JSON.parse(line) as { bytes_done: number }).bytes_done, () => child.kill('SIGKILL'));
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
    );
  }

  async function restoresExactly(id: string, dirs: string[]): Promise<void> {
    const target = join(work, `restore-${id}`);
    await lifeboatOk(repo, ['restore', id, '--target', target], { env });
    for (const d of dirs) await promisify(execFile)('diff', ['-r', d, join(target, d)]);
    await rm(target, { recursive: true });
  }

  before(async () => {
    work = await makeTempDir('lifeboat-compat-hosts-');
    s3 = await startS3Server(join(work, 's3'), ['shared']);
    env = { ...s3.env, LIFEBOAT_CACERT: s3.caFile };
    repo = `s3:https://${s3.endpoint}/shared/fleet`;
  });

  after(async () => {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('four concurrent writers: shared data stored once, both checks pass, every snapshot restores', async () => {
    await lifeboatOk(repo, ['init'], { env });
    // the common part (a golden image every front end carries) is in the repository already
    const common = dirWith('common', { 'image.bin': randomBytes(8 * MiB), 'config.txt': Buffer.from('pool settings\n'.repeat(1000)) });
    const seed = summaryOf((await lifeboatOk(repo, ['backup', '--json', '--host', 'seed', common], { env })).stdout);
    assert.ok(seed.data_added >= 8 * MiB);
    snapshots.set(seed.snapshot_id, [common]);

    const hosts = [0, 1, 2, 3].map((i) => ({ host: `frontend-${i}`, own: dirWith(`own-${i}`, { 'state.bin': randomBytes(3 * MiB) }) }));
    const results = await Promise.all(hosts.map((h) => backup(h.host, [common, h.own])));
    for (const [i, res] of results.entries()) {
      assert.equal(res.code, 0, `${hosts[i]!.host}: ${res.stderr}`);
      const s = summaryOf(Buffer.from(res.stdout));
      // only the host's own 3 MiB (and its trees) are new: the common 8 MiB is not uploaded again
      assert.ok(s.data_added >= 3 * MiB && s.data_added < 3.5 * MiB, `${hosts[i]!.host} added ${s.data_added} bytes`);
      snapshots.set(s.snapshot_id, [common, hosts[i]!.own]);
    }
    const raw = JSON.parse((await lifeboatOk(repo, ['stats', '--mode', 'raw-data', '--json'], { env })).stdout.toString()) as { total_size: number };
    assert.ok(raw.total_size < (8 + 4 * 3 + 1) * MiB, `stored ${raw.total_size} bytes for 20 MiB of distinct data`);

    assert.match((await lifeboatOk(repo, ['check', '--read-data'], { env })).stdout.toString(), /no errors were found/);
    assert.match((await r(['check', '--read-data'])).stdout.toString(), /no errors were found/);
    const listed = (await r(['snapshots', '--json'])).stdout.toString();
    assert.equal((JSON.parse(listed) as unknown[]).length, 5);
    for (const [id, dirs] of snapshots) await restoresExactly(id, dirs);
  });

  test('a writer killed midway: the others finish, the repository stays valid for both tools', async () => {
    // large enough to still be uploading when its first progress line (after 1 s) arrives
    const victimData = dirWith('victim', Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`part-${i}.bin`, randomBytes(8 * MiB)])));
    const others = [0, 1, 2].map((i) => ({ host: `batch-${i}`, own: dirWith(`batch-${i}`, { 'state.bin': randomBytes(3 * MiB) }) }));
    let killedAt = -1;
    const victim = backup('victim', [victimData], (bytesDone, kill) => {
      if (killedAt < 0 && bytesDone > 0) {
        killedAt = bytesDone;
        kill();
      }
    });
    const results = await Promise.all([victim, ...others.map((o) => backup(o.host, [o.own]))]);
    const killed = results[0];
    assert.equal(killed.signal, 'SIGKILL', `the victim finished before it was killed: ${killed.stdout.slice(-300)}`);
    assert.ok(killedAt < 192 * MiB, `killed after ${killedAt} bytes`);
    for (const [i, res] of results.slice(1).entries()) {
      assert.equal(res.code, 0, res.stderr);
      snapshots.set(summaryOf(Buffer.from(res.stdout)).snapshot_id, [others[i]!.own]);
    }
    // the killed process left its lock, as a killed restic does; its PID is gone, so it is stale
    assert.match((await lifeboatOk(repo, ['unlock'], { env })).stdout.toString(), /removed 1 locks?/);
    assert.match((await lifeboatOk(repo, ['check', '--read-data'], { env })).stdout.toString(), /no errors were found/);
    assert.match((await r(['check', '--read-data'])).stdout.toString(), /no errors were found/);
    const hosts = (JSON.parse((await r(['snapshots', '--json'])).stdout.toString()) as { hostname: string }[]).map((s) => s.hostname);
    assert.ok(!hosts.includes('victim'), 'no snapshot of the killed writer');
    assert.equal(hosts.length, 8);
    for (const [id, dirs] of snapshots) await restoresExactly(id, dirs);
  });
});
