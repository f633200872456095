#!/usr/bin/env node
// Backup throughput to remote backends against the same backup to a local directory.
//
// usage: see USAGE below (`--help`)
//
// Data: the benchmark dataset of bench/dataset/gen-dataset.mjs, generated into --data when
// missing (a copy of its own: the other benchmarks mutate theirs while they run). Each round backs up the same data into a fresh repository per target; targets
// alternate their order between rounds and the input is re-read right before each run. Servers
// run on loopback in their own processes: S3 is the tests' local S3 server (s3rver over HTTPS,
// dist/src/backend/testing/s3-server-process.js), REST is `rclone serve restic`, rclone is
// `rclone serve restic --stdio` spawned by Lifeboat. Prints medians (seconds, MiB/s) and each
// target's throughput as a share of the local one. Needs `npm run build:all` first (it starts the test S3 server).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from './cli-args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const USAGE = `usage: node bench/backend-throughput.mjs [--rounds N] [--data DIR] [--base DIR] [--targets LIST] [--options=OPTS]
  --rounds N        rounds, medians printed (default 3)
  --data DIR        the dataset, generated there when missing (default /tmp/lifeboat-bench-backends-data)
  --base DIR        repositories and servers' state (default /tmp/lifeboat-bench-backends)
  --targets LIST    comma-separated: local, s3, rest, rclone (default local,s3)
  --options=OPTS    extra backup options for every target, e.g. --options="-o connections=8"`;
const TARGETS = ['local', 's3', 'rest', 'rclone'];
const opts = benchArgs(
  USAGE,
  {
    rounds: { type: 'string', default: '3' },
    base: { type: 'string', default: '/tmp/lifeboat-bench-backends' },
    // its own copy of the dataset: other benchmarks mutate theirs while running
    data: { type: 'string', default: '/tmp/lifeboat-bench-backends-data' },
    targets: { type: 'string', default: 'local,s3' },
    options: { type: 'string', default: '' },
  },
  (o) => Number.isInteger(Number(o.rounds)) && Number(o.rounds) >= 1 && o.targets.split(',').every((t) => TARGETS.includes(t)),
);
const rounds = Number(opts.rounds);
const base = resolve(opts.base);
const data = resolve(opts.data);
const targets = opts.targets.split(',');
const extra = opts.options.split(/\s+/).filter(Boolean);
const password = 'bench-password';

if (!existsSync(data)) {
  console.error(`generating the dataset into ${data} …`);
  execFileSync(process.execPath, [join(here, 'dataset', 'gen-dataset.mjs'), data], { stdio: 'inherit' });
}
rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });

function warm(dir) {
  execFileSync('sh', ['-c', `tar cf - "${dir}" 2>/dev/null | cat > /dev/null`]);
}

function du(dir) {
  return Number(execFileSync('du', ['-sb', dir]).toString().split('\t')[0]);
}

/** Starts a child that prints a line matching `pattern`; resolves to the match and a stop function. */
function startServer(cmd, argv, pattern, stream = 'stdout') {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RCLONE_CONFIG: '/dev/null' } });
  return new Promise((resolveStart, reject) => {
    let out = '';
    child[stream].on('data', (d) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m)
        resolveStart({
          child,
          match: m,
          stop: () =>
            new Promise((r) => {
              child.on('exit', r);
              child.kill('SIGTERM');
            }),
        });
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

const s3dir = join(base, 's3');
const s3 = targets.includes('s3')
  ? await startServer(process.execPath, ['--openssl-legacy-provider', join(root, 'dist/src/backend/testing/s3-server-process.js'), s3dir, 'bench'], /^port (\d+)$/m)
  : undefined;
const rest = targets.includes('rest') ? await startServer('rclone', ['serve', 'restic', '--addr', '127.0.0.1:0', join(base, 'rest')], /on (http:\/\/\S+\/)/, 'stderr') : undefined;

const env = {
  ...process.env,
  LIFEBOAT_PASSWORD: password,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  LIFEBOAT_CACERT: join(s3dir, '.tls', 'cert.pem'),
  RCLONE_CONFIG: '/dev/null',
};

const location = {
  local: (r) => join(base, `local-${r}`),
  s3: (r) => `s3:https://127.0.0.1:${s3.match[1]}/bench/round-${r}`,
  rest: (r) => `rest:${rest.match[1]}round-${r}/`,
  rclone: (r) => `rclone:${join(base, `rclone-${r}`)}`,
};
const storedIn = {
  local: (r) => join(base, `local-${r}`),
  s3: (r) => join(s3dir, 'buckets', 'bench', `round-${r}`),
  rest: (r) => join(base, 'rest', `round-${r}`),
  rclone: (r) => join(base, `rclone-${r}`),
};

function lifeboat(repo, argv) {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'lifeboat'), '-r', repo, ...extra, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lifeboat ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.toString();
}

process.on('exit', () => {
  for (const srv of [s3, rest]) srv?.child.kill('SIGTERM');
});
const inputBytes = du(data);
const results = Object.fromEntries(targets.map((t) => [t, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const t of order) {
    const repo = location[t](round);
    lifeboat(repo, ['init']);
    warm(data);
    const started = process.hrtime.bigint();
    lifeboat(repo, ['backup', '--json', '--host', 'bench', data]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stored = du(storedIn[t](round));
    results[t].push({ seconds, stored });
    console.error(`round ${round + 1} ${t}: ${seconds.toFixed(2)} s, ${(stored / 2 ** 20).toFixed(0)} MiB stored`);
    rmSync(storedIn[t](round), { recursive: true, force: true });
  }
}
await s3?.stop();
await rest?.stop();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = inputBytes / 2 ** 20;
const localSeconds = results.local ? median(results.local.map((x) => x.seconds)) : undefined;
console.log(`${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
console.log(`input ${mib.toFixed(0)} MiB (${data}), ${rounds} rounds, medians${extra.length ? `, options ${extra.join(' ')}` : ''}`);
console.log('| target | seconds | MiB/s of input | vs local |');
console.log('|---|---:|---:|---:|');
for (const t of targets) {
  const s = median(results[t].map((x) => x.seconds));
  const share = localSeconds ? `${((localSeconds / s) * 100).toFixed(0)} %` : '';
  console.log(`| ${t} | ${s.toFixed(2)} | ${(mib / s).toFixed(0)} | ${share} |`);
}
console.log(`rounds: ${JSON.stringify(Object.fromEntries(targets.map((t) => [t, results[t].map((x) => Number(x.seconds.toFixed(2)))])))}`);
