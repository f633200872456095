/**
 * How fast the web console renders its pages over a large repository: 1,000 snapshots (ten
 * restore points among them) and a restore point whose inventory holds 100,000 accounts (a
 * Get-CsUser export on 12 pools). Builds the repository in a temporary directory, then times
 * each page through the console's Hono app (`app.request`, the whole request path: auth,
 * use-cases, rendering) and prints the median and the worst of `--rounds` (default 7) runs.
 *
 *   npm run build:all && node dist/bench/console-pages.js [--rounds 7] [--snapshots 1000] [--points 10] [--accounts 100000] [--keep]
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { backup, initRepositoryAt, loadPlanFile, openRepository, pointCreate } from '../src/app/index.js';
import { createConsoleApp } from '../src/web/index.js';

const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 7;
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const SNAPSHOTS = opt('--snapshots', 1000);
const POINTS = opt('--points', 10);
const ACCOUNTS = opt('--accounts', 100_000);
const POOLS = Array.from({ length: 12 }, (_, i) => `pool${String(i + 1).padStart(2, '0')}.contoso.com`);

function usersCsv(n: number): string {
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const lines = ['#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser', ['Identity', 'SipAddress', 'DisplayName', 'Enabled', 'RegistrarPool', 'HostingProvider', 'LineURI'].map(q).join(',')];
  for (let i = 0; i < n; i++) {
    lines.push(
      [
        `CN=User ${i},OU=Staff,DC=contoso,DC=com`,
        `sip:user${i}@contoso.com`,
        `Surname${i % 977}, Given${i}`,
        i % 50 ? 'True' : 'False',
        POOLS[i % POOLS.length]!,
        'SRV:',
        `tel:+1425555${String(i).padStart(5, '0')}`,
      ]
        .map(q)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-console-bench-'));
  try {
    const repoPath = join(work, 'repo');
    const files = join(work, 'srv');
    await mkdir(join(files, 'etc'), { recursive: true });
    for (let i = 0; i < 200; i++) await writeFile(join(files, 'etc', `file-${i}.conf`), `setting=${i}\n`.repeat(20));
    await writeFile(join(work, 'users.csv'), usersCsv(ACCOUNTS));
    await writeFile(join(work, 'lifeboat.yaml'), `sources:\n  - { name: config, files: [${files}] }\ninventory:\n  sources:\n    - { type: csv, name: cs-users, path: users.csv, preset: sfb }\n`);
    const env = { LIFEBOAT_PASSWORD: 'bench-password' };
    const ctx = { flags: { repo: repoPath }, env };
    await initRepositoryAt(ctx, {});
    const repo = await openRepository(ctx);
    const plan = await loadPlanFile(join(work, 'lifeboat.yaml'));
    let t = performance.now();
    // every restore point is 3 snapshots (files, inventory, manifest); the rest are plain backups
    for (let p = 0; p < POINTS; p++) await pointCreate(repo, plan, { name: `point-${p}` });
    const plain = SNAPSHOTS - POINTS * 3;
    for (let i = 0; i < plain; i++) {
      await backup(repo, { paths: [], files: [{ filename: `note-${i}.txt`, data: Buffer.from(`backup ${i}\n`) }], host: `host${i % 7}`, tags: ['nightly'] });
    }
    console.log(`built ${SNAPSHOTS} snapshots, ${POINTS} points with ${ACCOUNTS.toLocaleString('en-US')} accounts each in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const web = createConsoleApp({ repo, plan, env, stateDir: join(work, 'state'), token: 'bench-token-0123456789' });
    const auth = { authorization: 'Bearer bench-token-0123456789' };
    const points = (await (await web.app.request('/api/points', { headers: auth })).json()) as { id: string }[];
    const last = points.at(-1)!.id;
    const detail = (await (await web.app.request(`/api/points/${last}`, { headers: auth })).json()) as { inventory: { snapshot: string }; sources: { snapshot: string }[] };
    const inv = detail.inventory.snapshot;
    const tree = detail.sources[0]!.snapshot;
    const pages: [string, string][] = [
      ['overview', '/'],
      ['restore points', '/points'],
      ['point detail', `/points/${last}`],
      ['inventory (first page of accounts)', `/inventory/${inv}`],
      ['inventory search "given9999"', `/inventory/${inv}?q=given9999`],
      ['inventory page 1,000 of pool07', `/inventory/${inv}?pool=pool07.contoso.com&offset=49950`],
      ['accounts API, 500 per page', `/api/inventory/${inv}/accounts?q=user&offset=50000&limit=500`],
      [`snapshots (${SNAPSHOTS.toLocaleString('en-US')})`, '/snapshots'],
      ['snapshot directory (200 files)', `/snapshots/${tree}/tree?path=${encodeURIComponent(join(files, 'etc'))}`],
    ];
    // the first request reads and parses the stored inventory document (then kept parsed)
    t = performance.now();
    const first = await web.app.request(`/inventory/${inv}`, { headers: auth });
    await first.text();
    console.log(`first inventory page (reads and parses the ${ACCOUNTS.toLocaleString('en-US')}-account document): ${(performance.now() - t).toFixed(0)} ms`);
    console.log(`\n| page | median ms | worst ms | bytes |\n|---|---|---|---|`);
    for (const [name, url] of pages) {
      const times: number[] = [];
      let size = 0;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        const res = await web.app.request(url, { headers: auth });
        const body = await res.text();
        times.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
        size = body.length;
      }
      times.sort((a, b) => a - b);
      console.log(`| ${name} | ${times[Math.floor(times.length / 2)]!.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | ${size.toLocaleString('en-US')} |`);
    }
    await web.close();
    await repo.backend.close();
  } finally {
    if (!args.includes('--keep')) await rm(work, { recursive: true, force: true });
  }
}

await main();
