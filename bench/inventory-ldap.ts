/**
 * Benchmark (not a test): collect N generated Skype for Business accounts from a real slapd
 * (started here, bulk-loaded with slapadd) and record wall time and peak RSS of the collecting
 * process, for several N to show how memory grows with the directory.
 *
 *   npx tsc -p . && node dist/bench/inventory-ldap.js [--sizes 25000,50000,100000] [--page-size 1000]
 *
 * Each collection runs in a fresh child process with bin/lifeboat's V8 flags (peak RSS = that
 * process's maxRSS), which then writes the document in chunks as `inventory collect -o` does. Results go to stdout as a Markdown table.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { collectInventory, documentJsonChunks } from '../src/inventory/index.js';
import { startSlapd } from '../src/inventory/testing/slapd.js';

interface ChildResult {
  accounts: number;
  pages: number;
  collectMs: number;
  serializeMs: number;
  jsonBytes: number;
  /** Peak RSS when the collection finished (before writing the document). */
  collectRssMiB: number;
  maxRssMiB: number;
  /** Heap still in use after a full GC with the document alive: what the document costs. */
  retainedMiB: number;
}

async function child(url: string, bindDn: string, passwordFile: string, baseDn: string, pageSize: number): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const doc = await collectInventory([{ type: 'ldap', url, bindDn, passwordFile, baseDn, preset: 'sfb', pageSize }]);
  const t1 = performance.now();
  const collectRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  // as `inventory collect -o FILE` writes it: in chunks, never one string
  const sink = createWriteStream('/dev/null');
  let jsonBytes = 0;
  for (const chunk of documentJsonChunks(doc)) {
    jsonBytes += Buffer.byteLength(chunk);
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  sink.end();
  await once(sink, 'close');
  const t2 = performance.now();
  const src = doc.sources[0]!;
  if (src.status !== 'ok') throw new Error(`collection failed: ${src.errors.join('; ')}`);
  (globalThis as { gc?: () => void }).gc?.();
  const result: ChildResult = {
    accounts: doc.accounts.length,
    pages: src.counts.pages ?? 0,
    collectMs: Math.round(t1 - t0),
    serializeMs: Math.round(t2 - t1),
    jsonBytes,
    collectRssMiB,
    maxRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    retainedMiB: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=2', fileURLToPath(import.meta.url), '--child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`child exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1]!, argv[2]!, argv[3]!, argv[4]!, Number(argv[5]));
    return;
  }
  const opt = (name: string, def: string): string => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1]! : def;
  };
  const sizes = opt('--sizes', '25000,50000,100000').split(',').map(Number);
  const pageSize = Number(opt('--page-size', '1000'));
  const rows: string[] = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const slapd = await startSlapd({ accounts: n, sizeLimit: 1000, log: (l) => process.stderr.write(`${l}\n`) });
    process.stderr.write(`slapd with ${n} entries ready in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    try {
      const r = await runChild([slapd.url, slapd.serviceDn, slapd.servicePasswordFile, slapd.baseDn, String(pageSize)]);
      process.stderr.write(`${JSON.stringify(r)}\n`);
      rows.push(
        `| ${n.toLocaleString('en')} | ${r.accounts.toLocaleString('en')} | ${r.pages} | ${(r.collectMs / 1000).toFixed(2)} | ${(r.serializeMs / 1000).toFixed(2)} | ${r.collectRssMiB} | ${r.maxRssMiB} | ${r.retainedMiB} | ${(r.jsonBytes / 2 ** 20).toFixed(1)} |`,
      );
    } finally {
      await slapd.stop();
    }
  }
  process.stdout.write(
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, page size ${pageSize}\n\n`,
  );
  process.stdout.write(
    '| directory entries | accounts collected | pages | collect s | write s | peak RSS after collect MiB | peak RSS after write MiB | heap retained MiB | document MiB |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  process.stdout.write(`${rows.join('\n')}\n`);
}

await main();
