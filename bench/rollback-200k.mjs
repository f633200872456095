#!/usr/bin/env node
// Rollback of a tree of 200,000 small files where 1 % changed: `lifeboat rollback plan` and
// `lifeboat rollback apply --yes` against `restic backup` of the same changed tree with a parent
// (the work restic needs to find what changed).
//
// usage: see USAGE below (`--help`)
//
// Once (not measured): the tree (bench/dataset/gen-small-tree.mjs), a Lifeboat repository with a
// restore point of it (`point create` with a files source), a restic repository with a snapshot.
// Each round: every 100th file is rewritten (other content, other size, new mtime); then, tools
// alternating which goes first, `restic backup` (parent: its latest snapshot), `rollback plan`
// (exit 2: the plan has work) and `rollback apply --yes`, each under GNU time (wall, CPU, peak
// RSS). After apply the bench checks that every file has the size and mtime it had at the point
// and counts the files apply rewrote (a new inode: restored files are renamed into place), which
// must be exactly the changed ones. Prints per-round ratios (restic's time ÷ Lifeboat's).
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';
import { generateSmallTree, smallTreePath, touchSmallTreeFile } from './dataset/gen-small-tree.mjs';
import { BENCH_PASSWORD, benchEnv, machineLine, median, toolRunner } from './tool-runs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const USAGE = `usage: node bench/rollback-200k.mjs [--base DIR] [--files N] [--rounds N] [--lifeboat PATH] [--keep]
  --base DIR       tree, repositories and state (default /tmp/lifeboat-bench-rollback)
  --files N        files in the tree (default 200000); every 100th changes
  --rounds N       rounds, at least 1 (default 3)
  --lifeboat PATH  the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --keep           reuse the tree, repositories and point of a previous run with the same --base`;
const opts = benchArgs(
  USAGE,
  {
    base: { type: 'string', default: '/tmp/lifeboat-bench-rollback' },
    files: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    lifeboat: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 1 && Number.isInteger(Number(o.files)) && Number(o.files) >= 100,
);
const base = resolve(opts.base);
const files = Number(opts.files);
const rounds = Number(opts.rounds);
const tree = join(base, 'tree');
const lbRepo = join(base, 'repo-lifeboat');
const resticRepo = join(base, 'repo-restic');
const planFile = join(base, 'lifeboat.yaml');
const stateDir = join(base, 'state');
const lifeboat = resolve(opts.lifeboat ?? join(here, '..', 'bin', 'lifeboat'));
const password = BENCH_PASSWORD;
const env = benchEnv(base);
const { sh, measure } = toolRunner(env);
const changed = [];
for (let i = 0; i < files; i += 100) changed.push(i);

/** Size, mtime and inode of every file below the tree, by path. */
function listing() {
  const out = new Map();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = lstatSync(p, { bigint: true });
        out.set(p, { size: st.size, mtime: st.mtimeNs, ino: st.ino });
      }
    }
  };
  walk(tree);
  return out;
}

mkdirSync(base, { recursive: true });
let pointId;
const pointFile = join(base, 'point-id');
if (!(opts.keep && existsSync(pointFile))) {
  for (const p of [tree, lbRepo, resticRepo, stateDir, join(base, 'restic-cache')]) rmSync(p, { recursive: true, force: true });
  console.error(`generating ${files} files into ${tree}…`);
  generateSmallTree(tree, files);
  writeFileSync(join(base, 'repo.pw'), `${password}\n`);
  writeFileSync(planFile, [`repository: ${lbRepo}`, 'passwordFile: repo.pw', 'host: bench', 'sources:', '  - name: tree', `    files: [${tree}]`, ''].join('\n'));
  sh(lifeboat, ['-r', lbRepo, 'init', '-q']);
  console.error('lifeboat point create…');
  const created = sh(lifeboat, ['point', 'create', '-c', planFile, '--name', 'bench']);
  pointId = /restore point ([0-9a-f]{8})/.exec(created)?.[1];
  if (!pointId) throw new Error(`no point ID in: ${created}`);
  writeFileSync(pointFile, pointId);
  console.error('restic backup…');
  sh('restic', ['-r', resticRepo, 'init', '-q']);
  sh('restic', ['-r', resticRepo, 'backup', '-q', '--host', 'bench', tree]);
} else {
  pointId = readFileSync(pointFile, 'utf8').trim();
}

const changedPaths = new Set(changed.map((i) => join(tree, smallTreePath(i))));
const atPoint = listing();
const rows = [];
for (let round = 0; round < rounds; round++) {
  for (const i of changed) touchSmallTreeFile(tree, i, `round-${round}`);
  const before = listing();
  const load = loadavg()[0];
  const steps = {};
  const order = round % 2 === 0 ? ['restic', 'lifeboat'] : ['lifeboat', 'restic'];
  for (const tool of order) {
    if (tool === 'restic') {
      steps.restic = measure(['restic', '-r', resticRepo, 'backup', '-q', '--host', 'bench', tree]);
    } else {
      steps.plan = measure([lifeboat, 'rollback', 'plan', pointId, '-c', planFile, '--json'], { okCodes: [2], stdout: true });
      steps.apply = measure([lifeboat, 'rollback', 'apply', pointId, '-c', planFile, '--state-dir', stateDir, '--yes', '--json'], { stdout: true });
    }
  }
  const planned = JSON.parse(steps.plan.stdout);
  const planChanges = planned.steps.reduce((n, s) => n + (s.changes?.length ?? 0), 0);
  const events = steps.apply.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const results = events.filter((e) => e.message_type === 'rollback_event' && e.type === 'step-done').map((e) => e.result);
  // the check: every file as at the point, and only the changed ones rewritten
  const after = listing();
  let wrong = 0;
  let rewritten = 0;
  let rewrittenUnchanged = 0;
  for (const [p, st] of atPoint) {
    const a = after.get(p);
    if (!a || a.size !== st.size || a.mtime !== st.mtime) wrong++;
    if (a && a.ino !== before.get(p)?.ino) {
      rewritten++;
      if (!changedPaths.has(p)) rewrittenUnchanged++;
    }
  }
  if (after.size !== atPoint.size) wrong += Math.abs(after.size - atPoint.size);
  const row = { round: round + 1, load, order: order.join(' first, '), steps, planChanges, results, wrong, rewritten, rewrittenUnchanged };
  rows.push(row);
  const f = (m) => `${m.seconds.toFixed(2)} s (user ${m.user.toFixed(2)}, sys ${m.sys.toFixed(2)}) ${m.rssMiB.toFixed(1)} MiB`;
  console.error(
    `round ${round + 1}/${rounds} (${order[0]} first, load ${load.toFixed(2)}): restic backup ${f(steps.restic)}; ` +
      `plan ${f(steps.plan)} [${planChanges} changes], ratio ${(steps.restic.seconds / steps.plan.seconds).toFixed(2)}; ` +
      `apply ${f(steps.apply)}, ratio ${(steps.restic.seconds / steps.apply.seconds).toFixed(2)}; ` +
      `rewritten ${rewritten} of ${changed.length} changed (${rewrittenUnchanged} unchanged ones), files not as at the point: ${wrong}; ${results.join(' | ')}`,
  );
  if (wrong !== 0 || rewrittenUnchanged !== 0 || rewritten !== changed.length) process.exitCode = 1;
}

const machine = machineLine(sh);
const col = (k, key) => rows.map((r) => r.steps[k][key].toFixed(key === 'rssMiB' ? 1 : 2)).join(', ');
console.log(`\n${new Date().toISOString()} — ${machine}; ${files} files, ${changed.length} changed, ${rounds} rounds`);
console.log('| measure | rollback plan | rollback apply --yes | restic backup (parent) |\n|---|---|---|---|');
console.log(`| wall s (each round) | ${col('plan', 'seconds')} | ${col('apply', 'seconds')} | ${col('restic', 'seconds')} |`);
console.log(
  `| user + sys s | ${rows.map((r) => `${r.steps.plan.user.toFixed(1)}+${r.steps.plan.sys.toFixed(1)}`).join(', ')} | ${rows.map((r) => `${r.steps.apply.user.toFixed(1)}+${r.steps.apply.sys.toFixed(1)}`).join(', ')} | ${rows.map((r) => `${r.steps.restic.user.toFixed(1)}+${r.steps.restic.sys.toFixed(1)}`).join(', ')} |`,
);
console.log(`| peak RSS MiB | ${col('plan', 'rssMiB')} | ${col('apply', 'rssMiB')} | ${col('restic', 'rssMiB')} |`);
const planRatios = rows.map((r) => r.steps.restic.seconds / r.steps.plan.seconds);
const applyRatios = rows.map((r) => r.steps.restic.seconds / r.steps.apply.seconds);
console.log(`\nrestic backup ÷ plan per round: ${planRatios.map((x) => x.toFixed(2)).join(', ')}; median ${median(planRatios).toFixed(2)}`);
console.log(`restic backup ÷ apply per round: ${applyRatios.map((x) => x.toFixed(2)).join(', ')}; median ${median(applyRatios).toFixed(2)}`);
console.log(
  `apply rewrote per round: ${rows.map((r) => `${r.rewritten} (${r.rewrittenUnchanged} unchanged)`).join(', ')} of ${changed.length} changed; files not as at the point: ${rows.map((r) => r.wrong).join(', ')}`,
);
writeFileSync(join(base, 'last-results.json'), JSON.stringify({ machine, date: new Date().toISOString(), files, changed: changed.length, rows }, null, 2));
