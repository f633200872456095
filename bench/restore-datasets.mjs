#!/usr/bin/env node
// Restore of the two generated datasets, Lifeboat against restic: a tree of 200,000 small files
// in nested directories (bench/dataset/gen-small-tree.mjs) and the 2 GiB dataset
// (bench/dataset/gen-dataset.mjs). Each dataset is generated once into --data (not measured),
// then bench/restore-small-files.mjs measures it (alternating rounds, per-round ratios, peak RSS).
//
// usage: see USAGE below (`--help`)
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const USAGE = `usage: node bench/restore-datasets.mjs [--data DIR] [--base DIR] [--targets DIR] [--rounds N] [--only small-tree|dataset] [--lifeboat PATH] [--keep]
  --data DIR      where the datasets are generated, once (default /tmp/lifeboat-bench-datasets)
  --base DIR      repositories and results, one folder per dataset (default /tmp/lifeboat-bench-restore-datasets)
  --targets DIR   where the restores go (default /dev/shm: the file system calls, not the disk)
  --rounds N      restore rounds per dataset, at least 3 (default 3)
  --only NAME     one dataset: small-tree (200,000 files) or dataset (2 GiB)
  --lifeboat PATH the lifeboat executable to measure (default this checkout's bin/lifeboat)
  --keep          reuse the repositories of a previous run`;
const opts = benchArgs(
  USAGE,
  {
    data: { type: 'string', default: '/tmp/lifeboat-bench-datasets' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-restore-datasets' },
    targets: { type: 'string', default: '/dev/shm' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string' },
    lifeboat: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 3 && (o.only === undefined || o.only === 'small-tree' || o.only === 'dataset'),
);
const data = resolve(opts.data);
const datasets = [
  { name: 'small-tree', dir: join(data, 'small-tree'), generate: (out) => [join(here, 'dataset', 'gen-small-tree.mjs'), out, '200000'] },
  { name: 'dataset', dir: join(data, 'dataset'), generate: (out) => [join(here, 'dataset', 'gen-dataset.mjs'), out] },
].filter((d) => opts.only === undefined || d.name === opts.only);

for (const d of datasets) {
  if (!existsSync(d.dir)) {
    console.error(`generating ${d.name} into ${d.dir}…`);
    execFileSync(process.execPath, d.generate(d.dir), { stdio: 'inherit' });
  }
  const argv = [join(here, 'restore-small-files.mjs'), '--source', d.dir, '--base', join(resolve(opts.base), d.name), '--targets', resolve(opts.targets), '--rounds', opts.rounds];
  if (opts.keep) argv.push('--keep');
  if (opts.lifeboat) argv.push('--lifeboat', resolve(opts.lifeboat));
  console.log(`\n## ${d.name}`);
  execFileSync(process.execPath, argv, { stdio: 'inherit' });
}
