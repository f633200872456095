#!/usr/bin/env node
// Lifeboat against restic on the same machine and the same data.
//
// usage: see USAGE below (`--help`)
//
// Dataset: bench/dataset/gen-dataset.mjs (2 GiB, generated once into --data), mutated with
// bench/dataset/mutate.mjs for the incremental run and reverted afterwards. Every round uses
// fresh repositories; the inputs are re-read right before each measured run (the page cache
// does not stay warm here); each phase runs both tools back to back and they alternate which goes
// first. Wall time and peak RSS come from GNU time. Prints medians and ratios (restic ÷ Lifeboat:
// above 1 means Lifeboat is faster or smaller), and the median of each round's own ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, median, toolRunner, warm } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const datasetTools = join(here, 'dataset');
const USAGE = `usage: node bench/compare-restic.mjs [--rounds N] [--base DIR] [--data DIR] [--only WHAT]
  --rounds N   rounds, medians printed (default 3)
  --base DIR   repositories, restic's cache and results (default /tmp/lifeboat-bench)
  --data DIR   the dataset, generated there when missing (default BASE/data)
  --only WHAT  all (default) | backup | restore | maintenance
               maintenance: check --read-data, then forget --keep-last 1, a measured prune and a
               measured prune --max-unused 0 (it repacks every partly used pack)`;
const opts = benchArgs(
  USAGE,
  {
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench' },
    data: { type: 'string' },
    only: { type: 'string', default: 'all' },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 1 && ['all', 'backup', 'restore', 'maintenance'].includes(o.only),
);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const data = resolve(opts.data ?? join(base, 'data'));
const only = opts.only;
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
// run through its shebang, as users do, so that bin/lifeboat's V8 flags apply
const lifeboat = [join(root, 'bin', 'lifeboat')];

function du(dir) {
  return Number(sh('du', ['-sb', dir]).split('\t')[0]);
}

const tools = {
  lifeboat: {
    init: (repo) => sh(lifeboat[0], ['-r', repo, 'init', '-q']),
    backup: (repo) => measure([...lifeboat, '-r', repo, 'backup', '-q', data]),
    restore: (repo, target) => measure([...lifeboat, '-r', repo, 'restore', '-q', 'latest', '--target', target]),
    check: (repo) => measure([...lifeboat, '-r', repo, 'check', '-q', '--read-data']),
    forget: (repo) => sh(lifeboat[0], ['-r', repo, 'forget', '-q', '--keep-last', '1']),
    prune: (repo, ...flags) => measure([...lifeboat, '-r', repo, 'prune', '-q', ...flags]),
  },
  restic: {
    init: (repo) => sh('restic', ['-r', repo, 'init', '-q']),
    backup: (repo) => measure(['restic', '-r', repo, 'backup', '-q', data]),
    restore: (repo, target) => measure(['restic', '-r', repo, 'restore', '-q', 'latest', '--target', target]),
    check: (repo) => measure(['restic', '-r', repo, 'check', '-q', '--read-data']),
    forget: (repo) => sh('restic', ['-r', repo, 'forget', '-q', '--keep-last', '1']),
    prune: (repo, ...flags) => measure(['restic', '-r', repo, 'prune', '-q', ...flags]),
  },
};

if (!existsSync(data)) {
  console.error(`generating the dataset into ${data} (about a minute)…`);
  mkdirSync(dirname(data), { recursive: true });
  sh(process.execPath, [join(datasetTools, 'gen-dataset.mjs'), data]);
}
const results = {};
const record = (tool, what, value) => ((results[tool] ??= {})[what] ??= []).push(value);

// Each phase runs both tools back to back (the order alternates between rounds), so that the two
// runs a ratio compares are seconds apart: this VM's speed drifts within minutes.
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['lifeboat', 'restic'] : ['restic', 'lifeboat'];
  const repo = (name) => join(base, `repo-${name}`);
  const target = (name) => join(base, `restore-${name}`);
  const each = (fn) => order.forEach((name) => fn(name, tools[name]));
  each((name, t) => {
    rmSync(repo(name), { recursive: true, force: true });
    rmSync(target(name), { recursive: true, force: true });
    t.init(repo(name));
  });
  each((name, t) => {
    warm(data);
    const initial = t.backup(repo(name));
    record(name, 'initial backup s', initial.seconds);
    record(name, 'initial backup RSS MiB', initial.rssMiB);
    record(name, 'repository MB', du(repo(name)) / 1e6);
  });
  if (only === 'all' || only === 'backup' || only === 'maintenance') {
    const save = join(base, 'mutsave');
    // a save directory left by an interrupted run (or a manual mutate.mjs) holds the originals
    if (existsSync(save)) sh(process.execPath, [join(datasetTools, 'mutate.mjs'), 'revert', data, save]);
    sh(process.execPath, [join(datasetTools, 'mutate.mjs'), 'apply', data, save]);
    try {
      each((name, t) => {
        warm(data);
        const incr = t.backup(repo(name));
        record(name, 'incremental backup s', incr.seconds);
        record(name, 'incremental backup RSS MiB', incr.rssMiB);
      });
    } finally {
      sh(process.execPath, [join(datasetTools, 'mutate.mjs'), 'revert', data, save]);
    }
  }
  if (only === 'all' || only === 'restore') {
    each((name, t) => {
      warm(repo(name));
      const restored = t.restore(repo(name), target(name));
      record(name, 'restore s', restored.seconds);
      record(name, 'restore RSS MiB', restored.rssMiB);
      rmSync(target(name), { recursive: true, force: true });
    });
  }
  if (only === 'maintenance') {
    each((name, t) => {
      warm(repo(name));
      const checked = t.check(repo(name));
      record(name, 'check --read-data s', checked.seconds);
      record(name, 'check --read-data RSS MiB', checked.rssMiB);
    });
    each((name, t) => {
      t.forget(repo(name));
      warm(repo(name));
      const pruned = t.prune(repo(name));
      record(name, 'prune s', pruned.seconds);
      record(name, 'prune RSS MiB', pruned.rssMiB);
      record(name, 'repository after prune MB', du(repo(name)) / 1e6);
      warm(repo(name));
      const repacked = t.prune(repo(name), '--max-unused', '0');
      record(name, 'prune --max-unused 0 s', repacked.seconds);
      record(name, 'prune --max-unused 0 RSS MiB', repacked.rssMiB);
      record(name, 'repository after prune --max-unused 0 MB', du(repo(name)) / 1e6);
    });
  }
  for (const name of order) {
    console.error(`round ${round + 1}/${rounds} ${name}: ${JSON.stringify(Object.fromEntries(Object.entries(results[name]).map(([k, v]) => [k, v.at(-1)])))}`);
  }
}

const rows = Object.keys(results.lifeboat).map((what) => {
  const l = median(results.lifeboat[what]);
  const r = median(results.restic[what]);
  // each round's own ratio too: on a machine whose speed drifts, a round compares like with like
  const perRound = results.lifeboat[what].map((x, i) => results.restic[what][i] / x);
  return {
    what,
    lifeboat: l.toFixed(2),
    restic: r.toFixed(2),
    'restic ÷ lifeboat': (r / l).toFixed(2),
    rounds: `${median(perRound).toFixed(2)} (${perRound.map((x) => x.toFixed(2)).join(', ')})`,
  };
});
const machine = machineLine(sh);
console.log(`\n${new Date().toISOString()} — ${machine}, ${rounds} rounds, medians`);
console.log('| measure | Lifeboat | restic | restic ÷ Lifeboat | per round: median (each) |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.lifeboat} | ${r.restic} | ${r['restic ÷ lifeboat']} | ${r.rounds} |`);
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
