/**
 * collectInventory: runs every source's collector in order, each under its own timeout, and
 * assembles one document.
 *
 *   for each source: signal = user's signal + timeout; collector pushes into a CollectedData
 *     thrown error → status failed (what was pushed is kept), errors → partial, else ok
 *   pools: merged by FQDN (members, aliases and services united)
 *   accounts still homed on an unresolved pool id get a second chance against every pool found
 *   summary derived last
 */
import { LifeboatError, errorMessage } from '../core/index.js';
import { runCommand } from '../platform/exec/index.js';
import type { SourceConfig } from './config/index.js';
import { type CollectedData, type CollectorContext, type InventoryProgress, collectorFor, emptyCollected } from './collectors/index.js';
import { PoolIndex } from './collectors/pool-index.js';
import { INVENTORY_SCHEMA, INVENTORY_SCHEMA_VERSION, type InventoryDocument, type Pool, type SourceReport, summarize } from './model/index.js';

export interface CollectOptions {
  signal?: AbortSignal;
  onProgress?: (event: InventoryProgress) => void;
  /** Overrides every source's timeout (tests). */
  timeoutSeconds?: number;
  /** Environment for commands and passwordEnv; default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  generatorVersion?: string;
  /** Clock for collectedAt (tests). */
  now?: () => Date;
}

/** Source names: the configured name, else the type; repeated names get -2, -3, … */
export function sourceNames(sources: readonly SourceConfig[]): string[] {
  const used = new Map<string, number>();
  return sources.map((s) => {
    const base = s.name ?? s.type;
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

export async function collectInventory(sources: readonly SourceConfig[], opts: CollectOptions = {}): Promise<InventoryDocument> {
  const now = opts.now ?? (() => new Date());
  const collectedAt = now().toISOString();
  const names = sourceNames(sources);
  if (new Set(names).size !== names.length) throw new LifeboatError('E_CONFIG', 'source names must be unique');
  const all: CollectedData = emptyCollected();
  const reports: SourceReport[] = [];
  for (const [i, config] of sources.entries()) {
    opts.signal?.throwIfAborted();
    const name = names[i]!;
    const collector = collectorFor(config);
    const timeoutS = opts.timeoutSeconds ?? config.timeoutSeconds ?? collector.defaultTimeoutSeconds;
    const timeout = AbortSignal.timeout(timeoutS * 1000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    const report: SourceReport = {
      name,
      type: config.type,
      location: collector.location(config),
      status: 'ok',
      startedAt: now().toISOString(),
      durationMs: 0,
      warnings: [],
      errors: [],
      counts: {},
    };
    const out = emptyCollected();
    const ctx: CollectorContext = {
      source: name,
      signal,
      out,
      warn: (m) => void report.warnings.push(m),
      error: (m) => void report.errors.push(m),
      count: (k, n) => void (report.counts[k] = n),
      progress: (message) => opts.onProgress?.({ type: 'source-progress', source: name, message, accounts: out.accounts.length }),
      exec: runCommand,
      env: opts.env ?? process.env,
    };
    opts.onProgress?.({ type: 'source-start', source: name, sourceType: config.type });
    const t0 = performance.now();
    try {
      // a collector stuck in a call that ignores the signal must not hold the whole run
      await Promise.race([
        collector.collect(config, ctx),
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
      ]);
      if (report.errors.length) report.status = 'partial';
    } catch (err) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      report.status = 'failed';
      const msg = timeout.aborted ? `timed out after ${timeoutS} s` : errorMessage(err);
      report.errors.push(msg);
    }
    report.durationMs = Math.round(performance.now() - t0);
    reports.push(report);
    all.hosts.push(...out.hosts);
    all.pools.push(...out.pools);
    all.accounts.push(...out.accounts);
    all.databaseServers.push(...out.databaseServers);
    opts.onProgress?.({
      type: 'source-done',
      source: name,
      status: report.status,
      durationMs: report.durationMs,
      warnings: report.warnings.length,
      errors: report.errors.length,
    });
  }

  const pools = mergePools(all.pools);
  const index = new PoolIndex(pools);
  const known = new Set(pools.map((p) => p.fqdn));
  for (const a of all.accounts) {
    // a pool named only by another source (a standalone topology file) resolves here
    if (a.homing === 'on-premises' && a.homeRaw && a.homePool !== null && !known.has(a.homePool)) {
      a.homePool = index.resolve(a.homeRaw) ?? a.homePool;
    }
  }
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  all.accounts.sort((x, y) => cmp(x.source, y.source) || cmp(x.id, y.id));
  const doc: Omit<InventoryDocument, 'summary'> = {
    schema: INVENTORY_SCHEMA,
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    collectedAt,
    generator: { name: 'lifeboat', version: opts.generatorVersion ?? null },
    sources: reports,
    hosts: all.hosts,
    pools,
    accounts: all.accounts,
    databaseServers: all.databaseServers,
  };
  return { ...doc, summary: summarize(doc) };
}

function mergePools(pools: readonly Pool[]): Pool[] {
  const byFqdn = new Map<string, Pool>();
  for (const p of pools) {
    const k = p.fqdn.toLowerCase();
    const prev = byFqdn.get(k);
    if (!prev) {
      byFqdn.set(k, { ...p, members: [...p.members], aliases: [...p.aliases], services: [...p.services] });
      continue;
    }
    prev.members = [...new Set([...prev.members, ...p.members])].sort();
    prev.aliases = [...new Set([...prev.aliases, ...p.aliases])];
    prev.services = [...new Set([...prev.services, ...p.services])].sort();
    prev.site ??= p.site;
    if (prev.kind === 'other') prev.kind = p.kind;
  }
  return [...byFqdn.values()].sort((a, b) => (a.fqdn < b.fqdn ? -1 : 1));
}

/** True when the document is complete: every source ok, no warnings. */
export function collectionIsClean(doc: InventoryDocument): boolean {
  return doc.sources.every((s) => s.status === 'ok' && s.warnings.length === 0);
}
