#!/usr/bin/env node
// One directory of a million entries: `ls -l`, `find` and `check` with Lifeboat and restic.
//
// usage: see USAGE below (`--help`)
//
// restic backs up a directory of N empty files (made in a tmpfs, removed afterwards unless
// --keep) into a fresh repository, not measured; both tools then read that same repository. Each
// round runs `ls -l latest`, `find NAME` and `check` with both tools back to back (the order
// alternates between rounds), output to /dev/null. Wall time and peak RSS come from GNU time.
// Prints each run, each command's per-round ratios (restic's time ÷ Lifeboat's: above 1 means
// Lifeboat is faster) and their median, the CPU time (which a loaded machine disturbs less than
// the wall time) and the peak RSS of each tool.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, median, toolRunner } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/huge-tree.mjs [--entries N] [--rounds N] [--base DIR] [--files DIR] [--lifeboat PATH] [--keep]
  --entries N      files in the one directory (default 1000000)
  --rounds N       rounds, at least 3 (default 3)
  --base DIR       the repository and results (default /tmp/lifeboat-bench-huge-tree)
  --files DIR      where the directory of empty files is made (default /dev/shm: a tmpfs)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --keep           reuse the repository of a previous run with the same --base and --entries`;
const opts = benchArgs(
  USAGE,
  {
    entries: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-huge-tree' },
    files: { type: 'string', default: '/dev/shm' },
    lifeboat: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 3 && Number.isInteger(Number(o.entries)) && Number(o.entries) > 0,
);
const entries = Number(opts.entries);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const repo = join(base, 'repo');
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
// run through its shebang, as users do, so that bin/lifeboat's V8 flags apply
const lifeboat = resolve(opts.lifeboat ?? join(root, 'bin', 'lifeboat'));
const name = (i) => `file-${String(i).padStart(7, '0')}`;

const stamp = join(base, 'entries');
mkdirSync(base, { recursive: true });
if (!(opts.keep && existsSync(stamp) && readFileSync(stamp, 'utf8') === String(entries) && existsSync(repo))) {
  rmSync(repo, { recursive: true, force: true });
  const dir = join(resolve(opts.files), `lifeboat-bench-huge-tree-${process.pid}`, 'huge');
  mkdirSync(dir, { recursive: true });
  try {
    console.error(`making ${entries} empty files in ${dir}…`);
    for (let i = 0; i < entries; i++) closeSync(openSync(join(dir, name(i)), 'w'));
    sh('restic', ['-r', repo, 'init', '-q']);
    console.error('backing them up with restic…');
    sh('restic', ['-r', repo, 'backup', '-q', dir]);
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
  writeFileSync(stamp, String(entries));
}

const wanted = name(entries - 1);
const commands = {
  'ls -l': { lifeboat: [lifeboat, '-r', repo, 'ls', '-l', 'latest'], restic: ['restic', '-r', repo, 'ls', '-l', 'latest'] },
  find: { lifeboat: [lifeboat, '-r', repo, 'find', wanted], restic: ['restic', '-r', repo, 'find', wanted] },
  check: { lifeboat: [lifeboat, '-r', repo, 'check'], restic: ['restic', '-r', repo, '--no-cache', 'check'] },
};
const results = Object.fromEntries(Object.keys(commands).map((c) => [c, { lifeboat: [], restic: [] }]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['lifeboat', 'restic'] : ['restic', 'lifeboat'];
  for (const [command, argv] of Object.entries(commands)) {
    const load = loadavg()[0];
    for (const tool of order) results[command][tool].push(measure(argv[tool]));
    const [l, r] = [results[command].lifeboat.at(-1), results[command].restic.at(-1)];
    console.error(
      `round ${round + 1}/${rounds} ${command} (${order[0]} first, load ${load.toFixed(2)}): ` +
        `lifeboat ${l.seconds.toFixed(2)} s ${l.rssMiB.toFixed(1)} MiB, restic ${r.seconds.toFixed(2)} s ${r.rssMiB.toFixed(1)} MiB, ratio ${(r.seconds / l.seconds).toFixed(2)}`,
    );
  }
}

const machine = machineLine(sh);
console.log(`\n${new Date().toISOString()} — ${machine}; one directory of ${entries} empty files (repository by restic backup), ${rounds} rounds`);
console.log('| command | Lifeboat s | restic s | restic ÷ Lifeboat (median) | CPU s (user+sys) Lifeboat / restic | peak RSS MiB Lifeboat / restic |\n|---|---|---|---|---|---|');
for (const [command, r] of Object.entries(results)) {
  const ratios = r.lifeboat.map((l, i) => r.restic[i].seconds / l.seconds);
  const col = (tool, key, digits) => r[tool].map((x) => x[key].toFixed(digits)).join(', ');
  const cpu = (tool) => r[tool].map((x) => (x.user + x.sys).toFixed(1)).join(', ');
  console.log(
    `| ${command} | ${col('lifeboat', 'seconds', 2)} | ${col('restic', 'seconds', 2)} | ${ratios.map((x) => x.toFixed(2)).join(', ')} (${median(ratios).toFixed(2)}) | ${cpu('lifeboat')} / ${cpu('restic')} | ${col('lifeboat', 'rssMiB', 0)} / ${col('restic', 'rssMiB', 0)} |`,
  );
}
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), entries, results }, null, 2));
