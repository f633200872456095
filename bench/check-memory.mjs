#!/usr/bin/env -S node --max-semi-space-size=2 --heap-growing-percent=30
// Where check's memory goes: process.memoryUsage() at the stages of `check` (and --read-data).
//
// usage: LIFEBOAT_PASSWORD=… node bench/check-memory.mjs -r REPO [--read-data] [--gc]
//
// Runs the check use-case in this process (with bin/lifeboat's V8 flags: run it through its
// shebang or give node the same flags) and prints rss, heapUsed, external and arrayBuffers in MiB:
// after the modules check loads, after the repository is opened, and the peak of each phase of
// the check (index and packs until the first progress report, then the tree walk and, with
// --read-data, the pack reads that run beside it), sampled every 20 ms and at each progress
// report. --gc (needs node --expose-gc) collects garbage before each stage's first sample, so that
// what is left is what the stage keeps alive. Last, the CPU time of the main thread and of the
// others (the main thread bounds the check once the other core has nothing left to verify).
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { repo: { type: 'string', short: 'r' }, 'read-data': { type: 'boolean', default: false }, gc: { type: 'boolean', default: false } } });
if (!opts.repo) {
  console.error('usage: LIFEBOAT_PASSWORD=… node bench/check-memory.mjs -r REPO [--read-data] [--gc]');
  process.exit(2);
}
const MiB = 2 ** 20;
const gc = opts.gc ? globalThis.gc : undefined;
if (opts.gc && !gc) throw new Error('--gc needs node --expose-gc');

const rows = [];
let peak = null;
const sample = () => {
  const m = process.memoryUsage();
  if (!peak || m.rss > peak.rss) peak = m;
};
/** Ends a stage: its peak sample and, with --gc, what is left after a full collection. */
const ended = (name) => {
  sample();
  gc?.();
  const left = gc ? process.memoryUsage() : undefined;
  rows.push([name, peak, left]);
  peak = null;
  sample();
};

ended('node started');
// the modules the check command loads (not the whole app)
const { openRepository } = await import('../dist/src/app/wiring/index.js');
const { checkRepositoryUseCase } = await import('../dist/src/app/check.js');
ended('modules loaded');
const timer = setInterval(sample, 20);
const repo = await openRepository({ flags: { repo: opts.repo }, env: process.env });
ended('opened (key)');
// the packs are read while the trees are walked: one stage from the first progress report of either
let stage = 'index and packs';
const result = await checkRepositoryUseCase(repo, {
  readData: opts['read-data'],
  onProgress: () => {
    const next = opts['read-data'] ? 'walk, read-data' : 'tree walk';
    if (next !== stage) {
      ended(stage);
      stage = next;
    } else sample();
  },
});
ended(stage);
clearInterval(timer);
await repo.close();

const f = (x) => (x / MiB).toFixed(1).padStart(7);
const cols = (m) => (m ? `${f(m.rss)} ${f(m.heapUsed)} ${f(m.external)} ${f(m.arrayBuffers)}` : '');
console.log(`MiB at the stage's peak RSS${gc ? ' | after a full GC at its end' : ''}`);
const head = `${'rss'.padStart(7)} ${'heap'.padStart(7)} ${'extern'.padStart(7)} ${'arrbuf'.padStart(7)}`;
console.log(`${'stage'.padEnd(16)} ${head}${gc ? ` | ${head}` : ''}`);
for (const [name, m, left] of rows) console.log(`${name.padEnd(16)} ${cols(m)}${left ? ` | ${cols(left)}` : ''}`);
console.log(`${result.snapshots} snapshots, ${result.trees} trees, ${result.packs} packs, ${result.packsRead} read, ${result.errors} errors`);
// CPU time of this process's threads (/proc): the main thread against the others (libuv's pool:
// reads, pack verification, scrypt; V8's: garbage collection, compilation)
const threadSeconds = readdirSync('/proc/self/task').map((tid) => {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { main: Number(tid) === process.pid, seconds: (Number(fields[11]) + Number(fields[12])) / 100 };
});
const mainSeconds = threadSeconds.find((t) => t.main)?.seconds ?? 0;
const otherSeconds = threadSeconds.filter((t) => !t.main).reduce((a, t) => a + t.seconds, 0);
console.log(`CPU s: main thread ${mainSeconds.toFixed(2)}, other threads ${otherSeconds.toFixed(2)} (${threadSeconds.length - 1} threads)`);
