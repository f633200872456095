/**
 * Benchmark (not a test): throughput of the content-defined chunker on pseudo-random data, fed the
 * way the archiver feeds it (consecutive pieces of one stream).
 *
 *   npx tsc -p . && node dist/bench/chunker-throughput.js [sizeMiB=256] [pieceKiB=1024] [rounds=3]
 *
 * Reports MB/s (10^6 bytes per second) for each round and the best round. Chunking cost only: no
 * hashing of chunks, no copying. About a third of every chunk (its first MinSize − 64 bytes) is
 * skipped without hashing, so this is faster than the raw rolling hash; `--raw` reports that
 * too (every byte hashed: MinSize = 64).
 */
import { randomFillSync } from 'node:crypto';
import { Chunker } from '../src/repository/chunker/index.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const raw = process.argv.includes('--raw');
const sizeMiB = Number(args[0] ?? 256);
const pieceKiB = Number(args[1] ?? 1024);
const rounds = Number(args[2] ?? 3);
if (!(sizeMiB > 0) || !(pieceKiB > 0) || !(rounds > 0)) {
  console.error('usage: chunker-throughput [sizeMiB] [pieceKiB] [rounds] [--raw]');
  process.exit(2);
}

const data = Buffer.allocUnsafe(Math.round(sizeMiB * 1024 * 1024));
for (let off = 0; off < data.length; off += 65536) randomFillSync(data, off, Math.min(65536, data.length - off));
const piece = Math.round(pieceKiB * 1024);

function run(params: { minSize?: number }): { mbps: number; chunks: number } {
  const c = new Chunker(0x3da3358b4dc173n, params);
  let chunks = 0;
  const t0 = process.hrtime.bigint();
  for (let pos = 0; pos < data.length; pos += piece) {
    const end = Math.min(data.length, pos + piece);
    for (let cut = c.next(data, pos, end); cut >= 0; cut = c.next(data, cut, end)) chunks++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { mbps: data.length / 1e6 / seconds, chunks: chunks + (c.pending > 0 ? 1 : 0) };
}

for (const [label, params] of raw
  ? ([
      ['chunker', {}],
      ['raw hash', { minSize: 64 }],
    ] as const)
  : ([['chunker', {}]] as const)) {
  let best = 0;
  for (let r = 1; r <= rounds; r++) {
    const { mbps, chunks } = run(params);
    best = Math.max(best, mbps);
    console.log(`${label} round ${r}: ${mbps.toFixed(0)} MB/s (${chunks} chunks of ${sizeMiB} MiB in ${pieceKiB} KiB pieces)`);
  }
  console.log(`${label} best: ${best.toFixed(0)} MB/s`);
}
