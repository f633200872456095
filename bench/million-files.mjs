#!/usr/bin/env node
// A tree of 1,000,000 small files: wall time, CPU and peak RSS of Lifeboat and restic for every
// step of a repository's life (issue 18: peak RSS at or below restic's for each).
//
// usage: see USAGE below (`--help`)
//
// Once (not measured, kept with --keep): the tree (bench/dataset/gen-small-tree.mjs: 20 files per
// directory, 50,000 directories for 1,000,000 files), and, when the `backup` step is not run, a
// repository per tool holding a backup of it. Then the steps asked for, in this order, each tool
// under GNU time (`%e %U %S %M`), the order of the tools alternating between rounds and steps:
//
//   backup     initial backup into a fresh repository (each round drops and re-creates both)
//   unchanged  backup of the unchanged tree (the parent: the latest snapshot)
//   restore    restore of the latest snapshot into TARGETS (default /dev/shm, a tmpfs: deleting
//              a million files on an ext4 mounted with `discard` takes minutes), deleted after
//   check      `check` (structure, no --read-data)
//   prune      (not measured: every 10th file rewritten, a backup, `forget --keep-last 1`) then
//              `prune`: the old versions of those files are unused, every pack is repacked
//   plan       (not measured, once: a restore point of the tree, `point create` with a files
//              source, and a restic backup of the same state; each round every 100th file is
//              rewritten) `rollback plan` against `restic backup` with its parent: the work
//              restic needs to find what changed
//
// Before each measured run the files the step reads are read once (this VM drops the page cache
// after about a minute idle). Prints each run, then a table per step: wall, user + sys CPU and
// peak RSS per tool, restic's time ÷ Lifeboat's (above 1: Lifeboat is faster) and Lifeboat's
// peak RSS ÷ restic's (at most 1: the goal).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { generateSmallTree, touchSmallTreeFile } from './dataset/gen-small-tree.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, toolRunner, warm } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const STEPS = ['backup', 'unchanged', 'restore', 'check', 'prune', 'plan'];
const USAGE = `usage: node bench/million-files.mjs [--base DIR] [--files N] [--rounds N] [--steps LIST] [--targets DIR] [--lifeboat PATH] [--keep]
  --base DIR       tree, repositories, point and results (default /tmp/lifeboat-bench-million)
  --files N        files in the tree (default 1000000)
  --rounds N       rounds of each step, at least 1 (default 1)
  --steps LIST     comma-separated, of ${STEPS.join(',')} (default all, in that order)
  --targets DIR    where restores go (default /dev/shm: a tmpfs)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --keep           reuse the tree and repositories of a previous run with the same --base`;
const opts = benchArgs(
  USAGE,
  {
    base: { type: 'string', default: '/tmp/lifeboat-bench-million' },
    files: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '1' },
    steps: { type: 'string', default: STEPS.join(',') },
    targets: { type: 'string', default: '/dev/shm' },
    lifeboat: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 1 && Number.isInteger(Number(o.files)) && Number(o.files) >= 100 && o.steps.split(',').every((s) => STEPS.includes(s)),
);
const base = resolve(opts.base);
const files = Number(opts.files);
const rounds = Number(opts.rounds);
const steps = STEPS.filter((s) => opts.steps.split(',').includes(s));
const tree = join(base, 'tree');
const repos = { lifeboat: join(base, 'repo-lifeboat'), restic: join(base, 'repo-restic') };
const target = (tool) => join(resolve(opts.targets), `lifeboat-bench-million-${tool}`);
const planFile = join(base, 'lifeboat.yaml');
const pointFile = join(base, 'point-id');
const lifeboat = resolve(opts.lifeboat ?? join(here, '..', 'bin', 'lifeboat'));
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);

/** Rewrites every `every`-th file with new content (the seed is unique to this call). */
function touchEvery(every, label) {
  const seed = `${label}-${Date.now()}`;
  for (let i = 0; i < files; i += every) touchSmallTreeFile(tree, i, seed);
}

const backupArgs = {
  lifeboat: () => [lifeboat, '-r', repos.lifeboat, 'backup', '-q', '--host', 'bench', tree],
  restic: () => ['restic', '-r', repos.restic, 'backup', '-q', '--host', 'bench', tree],
};
const init = (tool) => {
  rmSync(repos[tool], { recursive: true, force: true });
  if (tool === 'restic') rmSync(env.RESTIC_CACHE_DIR, { recursive: true, force: true });
  sh(tool === 'lifeboat' ? lifeboat : 'restic', ['-r', repos[tool], 'init', '-q']);
};

/** Per step: `prepare(round)` (not measured) and, per tool, the run to measure. */
const stepRuns = {
  backup: {
    prepare: () => {
      warm(tree);
      for (const tool of ['lifeboat', 'restic']) init(tool);
      rmSync(pointFile, { force: true });
    },
    lifeboat: () => measure(backupArgs.lifeboat()),
    restic: () => measure(backupArgs.restic()),
    warm: () => warm(tree, 'meta'),
  },
  unchanged: {
    lifeboat: () => measure(backupArgs.lifeboat()),
    restic: () => measure(backupArgs.restic()),
    warm: (tool) => {
      warm(tree, 'meta');
      warm(repos[tool], 'meta');
    },
  },
  restore: {
    lifeboat: () => measure([lifeboat, '-r', repos.lifeboat, 'restore', '-q', 'latest', '--target', target('lifeboat')]),
    restic: () => measure(['restic', '-r', repos.restic, 'restore', '-q', 'latest', '--target', target('restic')]),
    warm: (tool) => {
      rmSync(target(tool), { recursive: true, force: true });
      warm(repos[tool]);
    },
    after: (tool) => rmSync(target(tool), { recursive: true, force: true }),
  },
  check: {
    lifeboat: () => measure([lifeboat, '-r', repos.lifeboat, 'check', '-q']),
    restic: () => measure(['restic', '-r', repos.restic, 'check', '-q']),
    warm: (tool) => warm(repos[tool]),
  },
  prune: {
    prepare: () => {
      touchEvery(10, 'prune');
      for (const tool of ['lifeboat', 'restic']) {
        sh(...split(backupArgs[tool]()));
        sh(tool === 'lifeboat' ? lifeboat : 'restic', ['-r', repos[tool], 'forget', '-q', '--keep-last', '1']);
      }
    },
    lifeboat: () => measure([lifeboat, '-r', repos.lifeboat, 'prune']),
    restic: () => measure(['restic', '-r', repos.restic, 'prune']),
    warm: (tool) => warm(repos[tool]),
  },
  plan: {
    prepare: () => {
      if (!existsSync(pointFile)) {
        writeFileSync(join(base, 'repo.pw'), `${password}\n`);
        writeFileSync(planFile, [`repository: ${repos.lifeboat}`, 'passwordFile: repo.pw', 'host: bench', 'sources:', '  - name: tree', `    files: [${tree}]`, ''].join('\n'));
        console.error('lifeboat point create (not measured)…');
        const created = sh(lifeboat, ['point', 'create', '-c', planFile, '--name', 'bench']);
        const id = /restore point ([0-9a-f]{8})/.exec(created)?.[1];
        if (!id) throw new Error(`no point ID in: ${created}`);
        sh(...split(backupArgs.restic()));
        writeFileSync(pointFile, id);
      }
      touchEvery(100, 'plan');
    },
    lifeboat: () => measure([lifeboat, 'rollback', 'plan', readFileSync(pointFile, 'utf8').trim(), '-c', planFile, '--json'], { okCodes: [2], stdout: true }),
    restic: () => measure(backupArgs.restic()),
    warm: (tool) => {
      warm(tree, 'meta');
      warm(repos[tool], 'meta');
    },
    note: (stdout) => {
      const planned = JSON.parse(stdout);
      return `${planned.steps.reduce((n, s) => n + (s.changes?.length ?? 0), 0)} changes planned`;
    },
  },
};

/** [cmd, argv] of an argv vector, for sh. */
function split(argv) {
  return [argv[0], argv.slice(1)];
}

mkdirSync(base, { recursive: true });
if (!(opts.keep && existsSync(`${tree}.complete`))) {
  for (const p of [tree, `${tree}.complete`, repos.lifeboat, repos.restic, pointFile, env.RESTIC_CACHE_DIR]) rmSync(p, { recursive: true, force: true });
  console.error(`generating ${files} files into ${tree} (not measured)…`);
  const t0 = Date.now();
  generateSmallTree(tree, files);
  writeFileSync(`${tree}.complete`, `${files}\n`);
  console.error(`generated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
if (!steps.includes('backup') && !(existsSync(repos.lifeboat) && existsSync(repos.restic))) {
  for (const tool of ['lifeboat', 'restic']) {
    console.error(`${tool} init and backup (not measured)…`);
    init(tool);
    sh(...split(backupArgs[tool]()));
  }
}

const results = {};
let turn = 0;
for (const step of steps) {
  const run = stepRuns[step];
  results[step] = [];
  for (let round = 0; round < rounds; round++) {
    run.prepare?.(round);
    const order = turn++ % 2 === 0 ? ['restic', 'lifeboat'] : ['lifeboat', 'restic'];
    const row = { round: round + 1, order, load: loadavg()[0] };
    for (const tool of order) {
      run.warm?.(tool);
      const { stdout, ...m } = run[tool]();
      row[tool] = m;
      if (tool === 'lifeboat' && run.note) row.note = run.note(stdout);
      run.after?.(tool);
    }
    results[step].push(row);
    const f = (m) => `${m.seconds.toFixed(1)} s (user ${m.user.toFixed(1)}, sys ${m.sys.toFixed(1)}) ${m.rssMiB.toFixed(0)} MiB`;
    console.error(
      `${step} round ${round + 1}/${rounds} (${order[0]} first, load ${row.load.toFixed(2)}): lifeboat ${f(row.lifeboat)}, restic ${f(row.restic)}; ` +
        `time restic ÷ lifeboat ${(row.restic.seconds / row.lifeboat.seconds).toFixed(2)}, RSS lifeboat ÷ restic ${(row.lifeboat.rssMiB / row.restic.rssMiB).toFixed(2)}${row.note ? `; ${row.note}` : ''}`,
    );
  }
}

const machine = machineLine(sh);
const each = (rows, fn) => rows.map(fn).join(', ');
console.log(`\n${new Date().toISOString()} — ${machine}; ${files} files, ${rounds} round(s) per step; load at start of each round in the log above`);
console.log('| step | Lifeboat wall s | restic wall s | time restic ÷ Lifeboat | Lifeboat user+sys s | restic user+sys s | Lifeboat peak RSS MiB | restic peak RSS MiB | RSS Lifeboat ÷ restic |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [step, rows] of Object.entries(results)) {
  const name = step === 'plan' ? 'rollback plan (restic: backup with parent)' : step;
  console.log(
    `| ${name} | ${each(rows, (r) => r.lifeboat.seconds.toFixed(1))} | ${each(rows, (r) => r.restic.seconds.toFixed(1))} | ${each(rows, (r) => (r.restic.seconds / r.lifeboat.seconds).toFixed(2))} | ` +
      `${each(rows, (r) => `${r.lifeboat.user.toFixed(1)}+${r.lifeboat.sys.toFixed(1)}`)} | ${each(rows, (r) => `${r.restic.user.toFixed(1)}+${r.restic.sys.toFixed(1)}`)} | ` +
      `${each(rows, (r) => r.lifeboat.rssMiB.toFixed(0))} | ${each(rows, (r) => r.restic.rssMiB.toFixed(0))} | ${each(rows, (r) => (r.lifeboat.rssMiB / r.restic.rssMiB).toFixed(2))} |`,
  );
}
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), files, rounds, results }, null, 2));
