#!/usr/bin/env node
// check --read-data: Lifeboat against restic on the same repository.
//
// usage: see USAGE below (`--help`)
//
// restic backs the source tree up once into a repository (not measured); with --ours, Lifeboat
// backs it up into a second one too, in its own pack layout. Then each round checks each
// repository with both tools back to back, `check --read-data` (the order alternates between
// rounds). The page cache cannot be dropped here, so the repository is read once right before
// each measured run and both tools start warm. Wall time, CPU and peak RSS come from GNU time.
// Prints each round's ratio (restic's time ÷ Lifeboat's: above 1 means Lifeboat is faster),
// their median, the peak RSS of each tool, and the load average and steal share of each round.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, median, steal, toolRunner, warm } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/check-read-data.mjs [--source DIR] [--rounds N] [--base DIR] [--lifeboat PATH] [--ours] [--keep]
  --source DIR     the tree backed up (default /usr/share)
  --rounds N       rounds, at least 3 (default 3)
  --base DIR       repositories and results (default /tmp/lifeboat-bench-check)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --ours           also back the tree up with Lifeboat and check that repository too
  --keep           reuse the repositories of a previous run with the same --base and --source`;
const opts = benchArgs(
  USAGE,
  {
    source: { type: 'string', default: '/usr/share' },
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-check' },
    lifeboat: { type: 'string' },
    ours: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 3,
);
const source = resolve(opts.source);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
// run through its shebang, as users do, so that bin/lifeboat's V8 flags apply
const lifeboat = resolve(opts.lifeboat ?? join(root, 'bin', 'lifeboat'));

const check = {
  lifeboat: (repo) => measure([lifeboat, '-r', repo, 'check', '-q', '--read-data']),
  restic: (repo) => measure(['restic', '-r', repo, 'check', '-q', '--read-data']),
};

const repos = { restic: join(base, 'repo-restic'), ...(opts.ours ? { lifeboat: join(base, 'repo-lifeboat') } : {}) };
const stamp = join(base, 'source');
mkdirSync(base, { recursive: true });
const reuse = opts.keep && existsSync(stamp) && readFileSync(stamp, 'utf8') === source && Object.values(repos).every((r) => existsSync(r));
if (!reuse) {
  for (const [maker, repo] of Object.entries(repos)) {
    rmSync(repo, { recursive: true, force: true });
    console.error(`backing ${source} up with ${maker}…`);
    if (maker === 'restic') {
      sh('restic', ['-r', repo, 'init', '-q']);
      // restic exits 3 when some source files could not be read: the rest is saved
      sh('restic', ['-r', repo, 'backup', '-q', source], [0, 3]);
    } else {
      sh(lifeboat, ['-r', repo, 'init', '-q']);
      sh(lifeboat, ['-r', repo, 'backup', '-q', source], [0, 3]);
    }
  }
  writeFileSync(stamp, source);
}
const repoBytes = Object.fromEntries(Object.entries(repos).map(([k, r]) => [k, Number(execFileSync('du', ['-sb', r]).toString().split('\t')[0])]));
const packCount = Object.fromEntries(
  Object.entries(repos).map(([k, r]) => [
    k,
    Number(
      execFileSync('sh', ['-c', `find "${r}/data" -type f | wc -l`])
        .toString()
        .trim(),
    ),
  ]),
);

const machine = machineLine(sh);
const report = [];
for (const [maker, repo] of Object.entries(repos)) {
  const results = { lifeboat: [], restic: [] };
  const loads = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['lifeboat', 'restic'] : ['restic', 'lifeboat'];
    const load = loadavg()[0];
    const before = steal();
    for (const tool of order) {
      warm(repo);
      results[tool].push(check[tool](repo));
    }
    loads.push(load);
    const [l, r] = [results.lifeboat.at(-1), results.restic.at(-1)];
    console.error(
      `${maker}'s repository, round ${round + 1}/${rounds} (${order[0]} first, load ${load.toFixed(2)}, steal ${(steal(before) * 100).toFixed(1)} %): ` +
        `lifeboat ${l.seconds.toFixed(2)} s (user ${l.user.toFixed(2)}, sys ${l.sys.toFixed(2)}) ${l.rssMiB.toFixed(1)} MiB, ` +
        `restic ${r.seconds.toFixed(2)} s (user ${r.user.toFixed(2)}, sys ${r.sys.toFixed(2)}) ${r.rssMiB.toFixed(1)} MiB, ratio ${(r.seconds / l.seconds).toFixed(2)}`,
    );
  }
  const ratios = results.lifeboat.map((l, i) => results.restic[i].seconds / l.seconds);
  const col = (tool, key) => results[tool].map((x) => x[key].toFixed(key === 'rssMiB' ? 1 : 2)).join(', ');
  console.log(
    `\n${new Date().toISOString()} — ${machine}; check --read-data of ${maker}'s repository of ${source} (${(repoBytes[maker] / 1e6).toFixed(0)} MB, ${packCount[maker]} packs), ${rounds} rounds, load ${loads.map((x) => x.toFixed(1)).join(', ')}`,
  );
  console.log('| measure | Lifeboat | restic |\n|---|---|---|');
  console.log(`| check --read-data s (each round) | ${col('lifeboat', 'seconds')} | ${col('restic', 'seconds')} |`);
  console.log(
    `| user + sys CPU s (each round) | ${results.lifeboat.map((x) => `${x.user.toFixed(1)}+${x.sys.toFixed(1)}`).join(', ')} | ${results.restic.map((x) => `${x.user.toFixed(1)}+${x.sys.toFixed(1)}`).join(', ')} |`,
  );
  console.log(`| peak RSS MiB (each round) | ${col('lifeboat', 'rssMiB')} | ${col('restic', 'rssMiB')} |`);
  console.log(`\nrestic ÷ Lifeboat per round: ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}`);
  report.push({ repository: maker, bytes: repoBytes[maker], packs: packCount[maker], loads, results, ratios });
}
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), source, report }, null, 2));
