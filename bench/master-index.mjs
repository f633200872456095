#!/usr/bin/env node
// Memory and speed of the master index: loading the index files of a repository with many blobs.
//
// usage: see USAGE below (`--help`)
//
// Writes a repository whose index files list `--blobs` generated blobs (random IDs, 5 % trees,
// `--per-pack` blobs per pack, 50,000 blobs per index file as restic writes them; no pack data:
// loading the index never reads a pack), through Lifeboat's own encoder, compression and
// encryption. Then each round loads it, in a child process each, with every build given (this
// checkout's dist/ and `--baseline` dists) and with restic (`restic cat blob` of a blob in no index, which
// loads restic's master index first), in an order that alternates between rounds.
//
// A Lifeboat child opens the repository as the CLI does (Repository.open over the local backend,
// loadIndex) with bin/lifeboat's V8 flags and malloc setting, and prints: load time (index files
// read, decrypted, decoded, and the first question that sorts the rows), RSS growth per blob after
// a GC (RSS after the load less RSS after opening), peak RSS growth per blob, and lookups per
// CPU-second (`hasKey` of blobs present, in random order, and of absent ones, and `lookup` of
// the present ones by hex ID, which builds the whole location; CPU time:
// the machine may be shared). restic's figures are its peak RSS less that of `restic cat config` (which loads no
// index), per blob. `index` is the RSS the Lifeboat process gives back when it drops the
// repository after the load: the index's own memory, without what the load left in the heaps.
// A build whose MasterIndex has `footprint()` also reports its structural bytes per blob: the
// typed arrays' bytes written (rows, bucket table, pack list, hash of rows added after the sort)
// and the side list of large lengths; `JS heap` is heapUsed after the load less before it (after a
// GC each: the pack list where it is JS objects, the copies map); `rest` is index − both.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchArgs } from './cli-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/master-index.mjs [--blobs N] [--per-pack N] [--rounds N] [--base DIR] [--baseline DIST]... [--no-restic] [--keep]
  --blobs N        blobs listed by the index files (default 10000000)
  --per-pack N     blobs per pack (default 256: 16 MiB packs of 64 KiB blobs)
  --rounds N       load rounds (default 2)
  --base DIR       where the repository goes (default /tmp/lifeboat-bench-index)
  --baseline DIST  another build's dist/ directory to measure beside this one (repeatable)
  --lookups N      lookups timed per kind (default 2000000)
  --no-restic      do not run restic
  --keep           reuse the repository of a previous run with the same --base and --blobs`;
const opts = benchArgs(
  USAGE,
  {
    blobs: { type: 'string', default: '10000000' },
    'per-pack': { type: 'string', default: '256' },
    rounds: { type: 'string', default: '2' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-index' },
    baseline: { type: 'string', multiple: true, default: [] },
    lookups: { type: 'string', default: '2000000' },
    'no-restic': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
  (o) => [o.blobs, o['per-pack'], o.rounds, o.lookups].every((v) => Number.isInteger(Number(v)) && Number(v) > 0),
);
const blobs = Number(opts.blobs);
const perPack = Number(opts['per-pack']);
const base = resolve(opts.base);
const repoDir = join(base, `repo-${blobs}`);
const password = 'bench-password';
const env = { ...process.env, RESTIC_PASSWORD: password, RESTIC_CACHE_DIR: join(base, 'restic-cache'), MALLOC_ARENA_MAX: '2' };
const BLOBS_PER_INDEX_FILE = 50_000;

async function load(dist) {
  const { Repository, initRepository } = await import(pathToFileURL(join(dist, 'src/repository/index.js')).href);
  const { openBackend } = await import(pathToFileURL(join(dist, 'src/backend/location/index.js')).href);
  return { Repository, initRepository, openBackend };
}

/** Writes the repository: index files only. */
async function generate() {
  const { initRepository, openBackend } = await load(join(root, 'dist'));
  rmSync(repoDir, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const repo = await initRepository(await openBackend(repoDir), { password });
  const started = performance.now();
  let written = 0;
  while (written < blobs) {
    const inFile = Math.min(BLOBS_PER_INDEX_FILE, blobs - written);
    const packs = [];
    for (let done = 0; done < inFile;) {
      const n = Math.min(perPack, inFile - done);
      const ids = randomBytes(32 * (n + 1));
      const packBlobs = [];
      let offset = 0;
      for (let i = 0; i < n; i++) {
        const tree = ids[32 * i + 32] < 13; // ≈ 5 %
        const length = 1000 + ids.readUInt16LE(32 * i + 33);
        packBlobs.push({ id: ids.toString('hex', 32 * i + 32, 32 * i + 64), type: tree ? 'tree' : 'data', offset, length, uncompressedLength: tree ? 0 : length * 2 });
        offset += length;
      }
      packs.push({ id: ids.toString('hex', 0, 32), blobs: packBlobs });
      done += n;
    }
    await repo.saveIndexFile(packs);
    written += inFile;
  }
  await repo.close();
  console.log(`generated ${blobs.toLocaleString('en')} blobs in ${Math.ceil(blobs / BLOBS_PER_INDEX_FILE)} index files: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** In the child: load the index with the build at `dist` and print one JSON line. */
async function child(dist) {
  const { Repository, openBackend } = await load(dist);
  let repo = await Repository.open(await openBackend(repoDir), { password });
  globalThis.gc();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const c0 = cpuSeconds();
  await repo.loadIndex();
  const count = repo.index.blobCount; // the first question: sorts, where a build sorts
  const loadSeconds = (performance.now() - t0) / 1000;
  const loadCpu = cpuSeconds() - c0;
  globalThis.gc();
  const rss1 = process.memoryUsage().rss;
  const peak1 = process.resourceUsage().maxRSS * 1024;
  const heapPerBlob = (process.memoryUsage().heapUsed - heap0) / count;
  const f = typeof repo.index.footprint === 'function' ? repo.index.footprint() : undefined;
  const structure = f && {
    rows: f.rows / count,
    buckets: f.buckets / count,
    packs: f.packs / count,
    pendingHash: f.pendingHash / count,
    largeLengths: f.largeLengths / count,
    total: (f.rows + f.buckets + f.packs + f.pendingHash + f.largeLengths) / count,
  };
  // lookups: blobs present (a sample, shuffled) and absent (random IDs), as raw keys
  const lookups = Number(opts.lookups);
  const sample = [];
  const step = Math.max(1, Math.floor(count / 100_000));
  let k = 0;
  // keys as subarrays of one buffer, as the writer passes them (slices of a pack header)
  const keys = Buffer.alloc(32 * Math.ceil(count / step));
  for (const b of repo.index.blobs()) {
    if (k % step === 0) sample.push([b.type, keys.subarray(32 * (k / step), 32 * (k / step) + 32)]);
    if (k++ % step === 0) keys.write(b.id, 32 * (sample.length - 1), 'hex');
  }
  for (let i = sample.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [sample[i], sample[j]] = [sample[j], sample[i]];
  }
  const absentKeys = randomBytes(32 * 100_000);
  const absent = Array.from({ length: 100_000 }, (_, i) => absentKeys.subarray(32 * i, 32 * i + 32));
  // per CPU-second: the machine is shared, and wall time would count other processes' turns
  const time = (fn) => {
    const t = cpuSeconds();
    const found = fn();
    return [lookups / (cpuSeconds() - t), found];
  };
  for (let i = 0; i < sample.length; i++) repo.index.hasKey(sample[i][0], sample[i][1]); // warm-up
  globalThis.gc();
  const [hitsPerSecond, hits] = time(() => {
    let f = 0;
    for (let i = 0; i < lookups; i++) {
      const [type, key] = sample[i % sample.length];
      if (repo.index.hasKey(type, key)) f++;
    }
    return f;
  });
  const [missesPerSecond, misses] = time(() => {
    let f = 0;
    for (let i = 0; i < lookups; i++) if (repo.index.hasKey('data', absent[i % absent.length])) f++;
    return f;
  });
  // `lookup` by hex ID, as restore and stats ask: the whole location (pack ID, lengths) as an object
  const sampleIds = sample.map(([type, key]) => [type, Buffer.from(key).toString('hex')]);
  const [locationsPerSecond, located] = time(() => {
    let f = 0;
    for (let i = 0; i < lookups; i++) {
      const [type, id] = sampleIds[i % sampleIds.length];
      if (repo.index.lookup(type, id)?.packId) f++;
    }
    return f;
  });
  if (hits !== lookups || misses !== 0 || located !== lookups) throw new Error(`lookups wrong: ${hits} of ${lookups} present found, ${misses} absent found, ${located} located`);
  // the memory the index holds: what the process gives back when the repository is dropped
  await repo.close();
  globalThis.gc();
  const rss2 = process.memoryUsage().rss;
  repo = undefined;
  globalThis.gc();
  // V8 frees the backing stores of collected ArrayBuffers on a background thread
  await new Promise((resolve) => setTimeout(resolve, 500));
  globalThis.gc();
  const rss3 = process.memoryUsage().rss;
  // the samples stay alive until here: the memory they free is not the index's
  sample.length = 0;
  sampleIds.length = 0;
  console.log(
    JSON.stringify({
      count,
      loadSeconds,
      loadCpu,
      rssPerBlob: (rss1 - rss0) / count,
      indexPerBlob: (rss2 - rss3) / count,
      peakPerBlob: (peak1 - rss0) / count,
      heapUsed: process.memoryUsage().heapUsed,
      heapPerBlob,
      structure,
      hitsPerSecond,
      missesPerSecond,
      locationsPerSecond,
    }),
  );
}

function runLifeboat(dist) {
  const argv = [
    '--expose-gc',
    '--max-semi-space-size=2',
    '--heap-growing-percent=30',
    fileURLToPath(import.meta.url),
    '--child',
    dist,
    '--blobs',
    String(blobs),
    '--base',
    base,
    '--lookups',
    opts.lookups,
  ];
  const r = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`the child for ${dist} failed (${r.status})`);
  return JSON.parse(r.stdout.toString().trim().split('\n').pop());
}

/** Runs a command under GNU time; `failure` is the message of an expected failure. */
function timed(argv, failure) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0 && !(failure && r.stderr.toString().includes(failure))) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [seconds, user, system, kib] = r.stderr.toString().trim().split('\n').pop().split(' ').map(Number);
  return { seconds, cpu: user + system, bytes: kib * 1024 };
}

function runRestic() {
  const idle = timed(['restic', '-r', repoDir, '--no-cache', 'cat', 'config']);
  // `cat blob` loads the whole index before it looks the blob up (`list blobs` reads one index
  // file at a time); this ID is in no index, so restic stops right after the load
  const listed = timed(['restic', '-r', repoDir, '--no-cache', 'cat', 'blob', '0'.repeat(64)], 'blob not found');
  return { count: blobs, loadSeconds: listed.seconds - idle.seconds, loadCpu: listed.cpu - idle.cpu, peakPerBlob: (listed.bytes - idle.bytes) / blobs };
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

if (opts.child) {
  await child(opts.child);
} else {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${loadavg()[0].toFixed(2)}, Node ${process.version}`);
  if (!(opts.keep && existsSync(join(repoDir, 'config')))) await generate();
  const builds = [join(root, 'dist'), ...opts.baseline.map((d) => resolve(d))];
  const names = builds.map((d, i) => (i === 0 ? 'this build' : `baseline ${i}`));
  const contenders = [...builds.map((d, i) => ({ name: names[i], run: () => runLifeboat(d) })), ...(opts['no-restic'] ? [] : [{ name: 'restic', run: runRestic }])];
  const fmt = (x, d = 1) => (x === undefined ? '–' : x.toFixed(d));
  for (let round = 0; round < Number(opts.rounds); round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    const results = new Map();
    for (const c of order) results.set(c.name, c.run());
    console.log(`round ${round + 1} (load ${loadavg()[0].toFixed(2)}):`);
    for (const c of contenders) {
      const r = results.get(c.name);
      console.log(
        `  ${c.name.padEnd(11)} load ${fmt(r.loadSeconds, 2)} s (CPU ${fmt(r.loadCpu, 2)} s)  RSS ${fmt(r.rssPerBlob)} B/blob (index ${fmt(r.indexPerBlob)})  peak ${fmt(r.peakPerBlob)} B/blob` +
          (r.hitsPerSecond
            ? `  lookups ${(r.hitsPerSecond / 1e6).toFixed(2)} M/s present, ${(r.missesPerSecond / 1e6).toFixed(2)} M/s absent, lookup() ${(r.locationsPerSecond / 1e6).toFixed(2)} M/s (per CPU-s)`
            : ''),
      );
      if (r.heapPerBlob === undefined) continue;
      const s = r.structure;
      const parts = s ? ` (rows ${fmt(s.rows, 2)}, buckets ${fmt(s.buckets, 2)}, packs ${fmt(s.packs, 3)}, pending hash ${fmt(s.pendingHash, 3)}, large lengths ${fmt(s.largeLengths, 3)})` : '';
      console.log(
        `  ${''.padEnd(11)} structure ${fmt(s?.total, 2)} B/blob${parts}  JS heap ${fmt(r.heapPerBlob, 2)} B/blob  rest ${s ? fmt(r.indexPerBlob - s.total - r.heapPerBlob, 2) : '–'} B/blob`,
      );
    }
    const mine = results.get('this build');
    for (const c of contenders.slice(1)) {
      const r = results.get(c.name);
      console.log(
        `  vs ${c.name}: load time ${(r.loadSeconds / mine.loadSeconds).toFixed(2)}×, CPU ${(r.loadCpu / mine.loadCpu).toFixed(2)}× (theirs ÷ ours), peak memory ${(mine.peakPerBlob / r.peakPerBlob).toFixed(2)}× (ours ÷ theirs)`,
      );
    }
  }
}
