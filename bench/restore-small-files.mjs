#!/usr/bin/env node
// Restore of a tree of many small files: Lifeboat against restic on the same machine.
//
// usage: see USAGE below (`--help`)
//
// Each tool backs the source tree up once into its own fresh repository (not measured). Then each
// round restores the latest snapshot with both tools back to back (the order alternates between
// rounds): before each measured run the target is dropped, `sync` writes back what the previous
// run left dirty, and the repository's files are read once so that both runs start from a warm
// page cache (this VM evicts it after about a minute idle). Wall time and peak RSS come from GNU
// time. Prints each round's ratio (restic's time ÷ Lifeboat's: above 1 means Lifeboat is faster),
// their median, and the peak RSS of each tool.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, median, steal, toolRunner, warm } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/restore-small-files.mjs [--source DIR] [--rounds N] [--base DIR] [--targets DIR] [--lifeboat PATH] [--keep]
  --source DIR     the tree backed up and restored (default /usr/share)
  --rounds N       restore rounds, at least 3 (default 3)
  --base DIR       repositories, targets and results (default /tmp/lifeboat-bench-restore)
  --targets DIR    where the restores go (default BASE); a tmpfs such as /dev/shm takes the
                   disk out of the measure (deleting a target on a file system mounted with
                   'discard' waits for the device, and other disk users make it vary)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --keep           reuse the repositories of a previous run with the same --base and --source`;
const opts = benchArgs(
  USAGE,
  {
    source: { type: 'string', default: '/usr/share' },
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-restore' },
    targets: { type: 'string' },
    lifeboat: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 3,
);
const source = resolve(opts.source);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const targets = resolve(opts.targets ?? base);
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
// run through its shebang, as users do, so that bin/lifeboat's V8 flags apply
const lifeboat = resolve(opts.lifeboat ?? join(root, 'bin', 'lifeboat'));

const tools = {
  lifeboat: {
    init: (repo) => sh(lifeboat, ['-r', repo, 'init', '-q']),
    backup: (repo) => sh(lifeboat, ['-r', repo, 'backup', '-q', source]),
    restore: (repo, target) => measure([lifeboat, '-r', repo, 'restore', '-q', 'latest', '--target', target], { tolerate: true }),
  },
  restic: {
    init: (repo) => sh('restic', ['-r', repo, 'init', '-q']),
    backup: (repo) => {
      // restic exits 3 when some source files could not be read (unreadable files of a system tree): the rest is saved
      const r = spawnSync('restic', ['-r', repo, 'backup', '-q', source], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0 && r.status !== 3) throw new Error(`restic backup failed (${r.status}): ${r.stderr}`);
    },
    restore: (repo, target) => measure(['restic', '-r', repo, 'restore', '-q', 'latest', '--target', target], { tolerate: true }),
  },
};

const repo = (name) => join(base, `repo-${name}`);
const target = (name) => join(targets, `lifeboat-bench-restore-${name}`);
const stamp = join(base, 'source');
mkdirSync(base, { recursive: true });
const reuse = opts.keep && existsSync(stamp) && readFileSync(stamp, 'utf8') === source && existsSync(repo('lifeboat')) && existsSync(repo('restic'));
if (!reuse) {
  for (const [name, t] of Object.entries(tools)) {
    rmSync(repo(name), { recursive: true, force: true });
    t.init(repo(name));
    console.error(`backing ${source} up with ${name}…`);
    t.backup(repo(name));
  }
  writeFileSync(stamp, source);
}
const files = Number(
  execFileSync('sh', ['-c', `find "${source}" -xdev 2>/dev/null | wc -l`])
    .toString()
    .trim(),
);

const results = { lifeboat: [], restic: [] };
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['lifeboat', 'restic'] : ['restic', 'lifeboat'];
  const load = loadavg()[0];
  const before = steal();
  for (const name of order) {
    rmSync(target(name), { recursive: true, force: true });
    warm(repo(name));
    results[name].push(tools[name].restore(repo(name), target(name)));
    // removed before the other tool runs: both then write into the pages it frees. Kept until the
    // round's end, the first tool's tree made the second one take as many fresh pages, which on
    // this VM cost a first-touch fault at the host each (2 GiB dataset into /dev/shm: system time
    // 3.3–3.7 s for whichever tool ran first, 7.6 s for the second, in both orders)
    rmSync(target(name), { recursive: true, force: true });
  }
  const [l, r] = [results.lifeboat.at(-1), results.restic.at(-1)];
  console.error(
    `round ${round + 1}/${rounds} (${order[0]} first, load ${load.toFixed(2)}, steal ${(steal(before) * 100).toFixed(1)} %): ` +
      `lifeboat ${l.seconds.toFixed(2)} s (user ${l.user.toFixed(2)}, sys ${l.sys.toFixed(2)}) ${l.rssMiB.toFixed(1)} MiB, ` +
      `restic ${r.seconds.toFixed(2)} s (user ${r.user.toFixed(2)}, sys ${r.sys.toFixed(2)}) ${r.rssMiB.toFixed(1)} MiB, ratio ${(r.seconds / l.seconds).toFixed(2)}`,
  );
}

const ratios = results.lifeboat.map((l, i) => results.restic[i].seconds / l.seconds);
const col = (name, key) => results[name].map((x) => x[key].toFixed(key === 'rssMiB' ? 1 : 2)).join(', ');
const machine = machineLine(sh);
const fsType = execFileSync('stat', ['-f', '-c', '%T', targets]).toString().trim();
console.log(`\n${new Date().toISOString()} — ${machine}; restore of ${source} (${files} entries) into ${targets} (${fsType}), ${rounds} rounds`);
console.log('| measure | Lifeboat | restic |\n|---|---|---|');
console.log(`| restore s (each round) | ${col('lifeboat', 'seconds')} | ${col('restic', 'seconds')} |`);
console.log(
  `| user + sys CPU s (each round) | ${results.lifeboat.map((x) => `${x.user.toFixed(1)}+${x.sys.toFixed(1)}`).join(', ')} | ${results.restic.map((x) => `${x.user.toFixed(1)}+${x.sys.toFixed(1)}`).join(', ')} |`,
);
console.log(`| peak RSS MiB (each round) | ${col('lifeboat', 'rssMiB')} | ${col('restic', 'rssMiB')} |`);
console.log(`\nrestic ÷ Lifeboat per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}`);
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), source, files, targets, fsType, results, ratios }, null, 2));
