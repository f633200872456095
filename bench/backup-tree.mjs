#!/usr/bin/env node
// Backup of an existing tree (a system tree such as /usr/share by default): Lifeboat against restic
// on the same machine, the initial backup into a fresh repository and then a backup of the same,
// unchanged tree (each tool takes the first snapshot as its parent).
//
// usage: see USAGE below (`--help`)
//
// The tree is only read, never changed. Each round gives each tool a fresh repository; the order
// alternates between rounds, and within a round both tools run each phase back to back, so that the
// two runs a ratio compares are seconds apart (this VM's speed drifts within minutes). Before each
// measured run the tree is read once into the page cache (this VM evicts it after about a minute
// idle) and `sync` writes back what the run before left dirty. Wall time and peak RSS come from GNU
// time. Prints each round's ratio (restic's time ÷ Lifeboat's: above 1 means Lifeboat is faster),
// their median, and each tool's peak RSS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { benchEnv, machineLine, median, steal, toolRunner, warm } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/backup-tree.mjs [--source DIR] [--rounds N] [--base DIR] [--lifeboat PATH]
  --source DIR     the tree backed up, read only (default /usr/share)
  --rounds N       rounds, at least 3 (default 3)
  --base DIR       repositories and results (default /tmp/lifeboat-bench-backup-tree)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)`;
const opts = benchArgs(
  USAGE,
  {
    source: { type: 'string', default: '/usr/share' },
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-backup-tree' },
    lifeboat: { type: 'string' },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 3,
);
const source = resolve(opts.source);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
// run through its shebang, as users do, so that bin/lifeboat's V8 flags apply
const lifeboat = resolve(opts.lifeboat ?? join(root, 'bin', 'lifeboat'));
// both tools exit 3 when some files of the tree could not be read (a system tree may hold a few
// that only their owner reads): the rest is saved, and both skipped the same files
const SAVED = [0, 3];

const tools = {
  lifeboat: {
    init: (repo) => sh(lifeboat, ['-r', repo, 'init', '-q']),
    backup: (repo) => measure([lifeboat, '-r', repo, 'backup', '-q', source], { okCodes: SAVED }),
  },
  restic: {
    init: (repo) => sh('restic', ['-r', repo, 'init', '-q']),
    backup: (repo) => measure(['restic', '-r', repo, 'backup', '-q', source], { okCodes: SAVED }),
  },
};
const PHASES = ['initial', 'unchanged'];

const repo = (name) => join(base, `repo-${name}`);
mkdirSync(base, { recursive: true });
const entries = Number(
  execFileSync('sh', ['-c', `find "${source}" -xdev 2>/dev/null | wc -l`])
    .toString()
    .trim(),
);
const bytes = Number(execFileSync('du', ['-sb', source]).toString().split('\t')[0]);

const results = Object.fromEntries(PHASES.map((p) => [p, { lifeboat: [], restic: [] }]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['lifeboat', 'restic'] : ['restic', 'lifeboat'];
  const load = loadavg()[0];
  const before = steal();
  for (const name of order) {
    rmSync(repo(name), { recursive: true, force: true });
    tools[name].init(repo(name));
  }
  for (const phase of PHASES) {
    for (const name of order) {
      warm(source);
      results[phase][name].push(tools[name].backup(repo(name)));
    }
  }
  const line = PHASES.map((phase) => {
    const [l, r] = [results[phase].lifeboat.at(-1), results[phase].restic.at(-1)];
    return `${phase} lifeboat ${l.seconds.toFixed(2)} s ${l.rssMiB.toFixed(1)} MiB, restic ${r.seconds.toFixed(2)} s ${r.rssMiB.toFixed(1)} MiB, ratio ${(r.seconds / l.seconds).toFixed(2)}`;
  });
  console.error(`round ${round + 1}/${rounds} (${order[0]} first, load ${load.toFixed(2)}, steal ${(steal(before) * 100).toFixed(1)} %): ${line.join('; ')}`);
}
for (const name of Object.keys(tools)) rmSync(repo(name), { recursive: true, force: true });

const machine = machineLine(sh);
const col = (rows, key) => rows.map((x) => x[key].toFixed(key === 'rssMiB' ? 1 : 2)).join(', ');
const cpu = (rows) => rows.map((x) => `${x.user.toFixed(1)}+${x.sys.toFixed(1)}`).join(', ');
console.log(`\n${new Date().toISOString()} — ${machine}; backup of ${source} (${entries} entries, ${(bytes / 1e6).toFixed(0)} MB), ${rounds} rounds`);
console.log('| backup | Lifeboat s | restic s | restic ÷ Lifeboat per round (median) | user+sys s Lifeboat / restic | peak RSS MiB Lifeboat / restic |\n|---|---|---|---|---|---|');
const ratios = {};
for (const phase of PHASES) {
  const { lifeboat: l, restic: r } = results[phase];
  ratios[phase] = l.map((x, i) => r[i].seconds / x.seconds);
  console.log(
    `| ${phase} | ${col(l, 'seconds')} | ${col(r, 'seconds')} | ${ratios[phase].map((x) => x.toFixed(2)).join(', ')} (${median(ratios[phase]).toFixed(2)}) | ${cpu(l)} / ${cpu(r)} | ${col(l, 'rssMiB')} / ${col(r, 'rssMiB')} |`,
  );
}
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), source, entries, bytes, results, ratios }, null, 2));
