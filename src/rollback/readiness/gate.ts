/**
 * The readiness gate: a checklist applied to a plan (docs/sfb-readiness.md).
 *
 *   per item (per pool with accounts, for per-pool items):
 *     required?   always, or when the plan declares the feature or a topology pool runs it
 *     evidence    readiness.provides → a command source whose command names the cmdlet (and the
 *                 pool) → the newest matching file in the exports directory → a files source →
 *                 an inventory source
 *     status      verified | unverified | stale (a file older than maxAge) | failed | missing |
 *                 not-required
 *
 * Before a point exists (`lifeboat ready`), command, files and inventory sources are unverified:
 * they are produced when the point is made. After the point's proof, their proof checks
 * (verify:NAME, drill:NAME) and inventory statuses decide.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import picomatch from 'picomatch';
import { errnoCode } from '../../core/index.js';
import type { ProofCheck } from '../manifest.js';
import { type CommandLine, type PlanFile, commandArgv, isFilesSource, isSystemSource } from '../plan-file.js';
import type { Checklist, ChecklistItem } from './checklist.js';
import { type ExportCheck, verifyExport } from './verify-export.js';

export type ReadinessStatus = 'verified' | 'unverified' | 'stale' | 'failed' | 'missing' | 'not-required';

export interface ReadinessItem {
  id: string;
  title: string;
  /** The pool of a per-pool item. */
  pool: string | null;
  required: boolean;
  status: ReadinessStatus;
  /** What covers it: `source:NAME`, `file:PATH`, `inventory:NAME`; null when missing. */
  evidence: string | null;
  detail: string;
  /** The command that produces it (shown for red items). */
  produce: string;
  warning: string | null;
  sources: string[];
}

export interface ReadinessReport {
  checklist: string;
  product: string;
  /** Before a point exists, or after its proof. */
  phase: 'plan' | 'point';
  exports: string | null;
  items: ReadinessItem[];
  /** Required items that are missing, stale or failed. */
  red: ReadinessItem[];
}

/** What the inventory tells the gate: pools with their services, and accounts per pool. */
export interface ReadinessInventory {
  pools: { fqdn: string; kind: string; services: string[] }[];
  /** Accounts homed on premises, per pool. */
  accountsPerPool: { pool: string | null; count: number }[];
  sources: { name: string; type: string; status: string }[];
}

export interface ReadinessInput {
  checklist: Checklist;
  plan: Pick<PlanFile, 'sources' | 'inventory' | 'readiness'>;
  inventory: ReadinessInventory | null;
  /** The point's proof checks, when the gate runs after a point's proof. */
  proof?: ProofCheck[];
  now?: Date;
}

export const isRed = (s: ReadinessStatus): boolean => s === 'missing' || s === 'stale' || s === 'failed';

interface ExportFile {
  name: string;
  path: string;
  mtimeMs: number;
}

async function listExports(dir: string | undefined): Promise<ExportFile[] | null> {
  if (!dir) return null;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  const out: ExportFile[] = [];
  for (const name of names) {
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (st?.isFile()) out.push({ name, path: join(dir, name), mtimeMs: st.mtimeMs });
  }
  return out;
}

const commandText = (c: CommandLine): string => commandArgv(c).join(' ');

function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? (k === 'sqlInstance' ? '<sql-server>\\<instance>' : m));
}

function requiredFor(item: ChecklistItem, input: ReadinessInput): boolean {
  const when = item.requiredWhen;
  if (!when) return true;
  if (input.plan.readiness.deployed.includes(when.deployed)) return true;
  const services = (input.inventory?.pools ?? []).flatMap((p) => p.services).map((s) => s.toLowerCase());
  return (when.services ?? []).some((w) => services.some((s) => s.includes(w.toLowerCase())));
}

export async function evaluateReadiness(input: ReadinessInput): Promise<ReadinessReport> {
  const { checklist, plan } = input;
  const now = (input.now ?? new Date()).getTime();
  const exportsDir = plan.readiness.exports;
  const files = await listExports(exportsDir);
  const topologyPools = [...new Set((input.inventory?.pools ?? []).filter((p) => p.kind === 'front-end').map((p) => p.fqdn.toLowerCase()))].sort();
  const poolsWithAccounts = (input.inventory?.accountsPerPool ?? []).filter((p): p is { pool: string; count: number } => p.pool !== null && p.count > 0);
  const items: ReadinessItem[] = [];

  for (const item of checklist.items) {
    const required = requiredFor(item, input);
    const targets: ({ pool: string; count: number } | null)[] = item.perPool ? poolsWithAccounts : [null];
    if (item.perPool && targets.length === 0) {
      items.push({
        ...base(item, null, required, plan),
        status: required ? 'missing' : 'not-required',
        evidence: null,
        detail: input.inventory ? 'the inventory has no account on any pool' : 'the plan has no inventory: the pools that need one export each are unknown',
        produce: 'an inventory section in the plan (an LDAP source with preset sfb), then ' + fill(item.produce, { pool: '<pool>', file: item.file, sqlInstance: plan.readiness.sqlInstance }),
      });
      continue;
    }
    for (const target of targets) {
      const pool = target?.pool ?? null;
      const row = base(item, pool, required, plan);
      const found = await findEvidence(item, pool, input, files, topologyPools, target?.count, now);
      if (found) items.push({ ...row, ...found });
      else if (pool !== null && !pool.includes('.')) {
        // a home the inventory could not resolve (a topology cluster ID such as 3:1)
        items.push({
          ...row,
          produce: row.produce.replaceAll(pool, `<FQDN of pool ${pool}>`),
          status: required ? 'missing' : 'not-required',
          evidence: null,
          detail: `${target!.count} accounts are homed on pool ${pool}, which the inventory does not resolve to an FQDN: add the topology file to the inventory source, or name the export in readiness.provides as ${item.id}:${pool}`,
        });
      } else items.push({ ...row, status: required ? 'missing' : 'not-required', evidence: null, detail: required ? 'nothing in the plan or the exports directory provides it' : 'not deployed' });
    }
  }
  return {
    checklist: checklist.name,
    product: checklist.product,
    phase: input.proof ? 'point' : 'plan',
    exports: exportsDir ?? null,
    items,
    red: items.filter((i) => i.required && isRed(i.status)),
  };
}

function base(item: ChecklistItem, pool: string | null, required: boolean, plan: ReadinessInput['plan']): Omit<ReadinessItem, 'status' | 'evidence' | 'detail'> {
  const file = item.file ? fill(item.file, { pool: pool ?? '<pool>' }) : undefined;
  return {
    id: item.id,
    title: item.title,
    pool,
    required,
    produce: fill(item.produce, { pool: pool ?? '<pool>', file, sqlInstance: plan.readiness.sqlInstance }),
    warning: item.warning ?? null,
    sources: item.sources,
  };
}

type Found = Pick<ReadinessItem, 'status' | 'evidence' | 'detail'>;

async function findEvidence(
  item: ChecklistItem,
  pool: string | null,
  input: ReadinessInput,
  files: ExportFile[] | null,
  topologyPools: string[],
  accountsOnPool: number | undefined,
  now: number,
): Promise<Found | undefined> {
  const { plan } = input;
  const ev = item.evidence;
  const named = (pool ? plan.readiness.provides[`${item.id}:${pool}`] : undefined) ?? namedForPool(plan, item.id, pool);
  const forbidden = (text: string): string | undefined => ev.forbidden?.find((f) => text.toLowerCase().includes(f.toLowerCase()));

  const fromSource = (name: string): Found | undefined => {
    const source = plan.sources.find((s) => s.name === name);
    if (!source) return undefined;
    // a system source backs up files too (its root and the filesystems under it)
    if (isFilesSource(source) || isSystemSource(source)) return fromFilesSource(item, source, input);
    const text = commandText(source.command.backup);
    const bad = forbidden(text);
    if (bad) return { status: 'failed', evidence: `source:${name}`, detail: `its command uses ${bad}: ${item.warning ?? 'remove it'}` };
    return fromProof(`verify:${name}`, `source:${name}`, input, source.command.verify ? undefined : 'the source has no verify command: add one that checks the export');
  };
  const fromFile = async (f: ExportFile): Promise<Found> => {
    const ageMs = now - f.mtimeMs;
    if (ageMs > plan.readiness.maxAgeMs)
      return { status: 'stale', evidence: `file:${f.path}`, detail: `${f.name} is ${formatAge(ageMs)} old, older than the plan's limit of ${formatAge(plan.readiness.maxAgeMs)}` };
    const check: ExportCheck = await verifyExport(item.verify, f.path, { topologyPools, accountsOnPool, ...(pool ? { pool } : {}) });
    return { status: check.state, evidence: `file:${f.path}`, detail: `${f.name}: ${check.detail}` };
  };

  if (named) {
    for (const n of named) {
      const s = fromSource(n);
      if (s) return s;
      const path = isAbsolute(n) ? n : plan.readiness.exports ? join(plan.readiness.exports, n) : undefined;
      const f = path
        ? (files?.find((x) => x.path === path) ??
          (await stat(path)
            .then((st) => ({ name: basename(path), path, mtimeMs: st.mtimeMs }))
            .catch(() => undefined)))
        : undefined;
      if (f) return fromFile(f);
    }
    return { status: 'missing', evidence: null, detail: `readiness.provides names ${named.join(', ')}, which is neither a source of the plan nor a file in the exports directory` };
  }

  for (const source of plan.sources) {
    if (isFilesSource(source) || isSystemSource(source) || !ev.commands?.length) continue;
    const text = commandText(source.command.backup).toLowerCase();
    if (!ev.commands.some((c) => text.includes(c.toLowerCase()))) continue;
    if (pool && !text.includes(pool.toLowerCase())) continue;
    return fromSource(source.name);
  }
  if (files && ev.files?.length) {
    const patterns = ev.files.map((p) => picomatch(fill(p, { pool: pool ?? '*' }), { nocase: true, dot: true }));
    const matching = files.filter((f) => patterns.some((m) => m(f.name))).sort((a, b) => b.mtimeMs - a.mtimeMs);
    if (matching[0]) return fromFile(matching[0]);
  }
  if (ev.filesSource?.length) {
    const matchers = ev.filesSource.map((p) => picomatch(p, { nocase: true }));
    const source = plan.sources.find((s) => isFilesSource(s) && matchers.some((m) => m(s.name)));
    if (source) return fromSource(source.name);
  }
  if (ev.inventory) {
    const inv = ev.inventory;
    const configs = plan.inventory?.sources ?? [];
    const config = configs.find((c) => c.type === inv.type && (!inv.preset || ('preset' in c && c.preset === inv.preset)));
    if (config) {
      const name = 'name' in config && typeof config.name === 'string' ? config.name : config.type;
      const status = input.inventory?.sources.find((s) => s.type === inv.type && (s.name === name || configs.length === 1))?.status;
      if (!input.proof) return { status: 'unverified', evidence: `inventory:${name}`, detail: 'read when the point is created' };
      if (status === 'ok') return { status: 'verified', evidence: `inventory:${name}`, detail: 'read by the point without errors' };
      return { status: 'failed', evidence: `inventory:${name}`, detail: `the point's inventory source ${name} is ${status ?? 'absent'}` };
    }
  }
  return undefined;
}

/** `provides[ID]`; for a per-pool item only the names whose file name or command names the pool. */
function namedForPool(plan: ReadinessInput['plan'], id: string, pool: string | null): string[] | undefined {
  const names = plan.readiness.provides[id];
  if (!names || !pool) return names;
  const p = pool.toLowerCase();
  const mine = names.filter((n) => {
    const source = plan.sources.find((s) => s.name === n);
    const text = !source ? n : isFilesSource(source) ? source.files.join(' ') : isSystemSource(source) ? source.system.root : commandText(source.command.backup);
    return text.toLowerCase().includes(p) || n.toLowerCase().includes(p);
  });
  return mine.length ? mine : undefined;
}

function fromFilesSource(item: ChecklistItem, source: { name: string; exclude?: string[] }, input: ReadinessInput): Found {
  const want = item.evidence.exclude;
  if (want && !(source.exclude ?? []).some((e) => e.toLowerCase().includes(want.toLowerCase()))) {
    return { status: 'failed', evidence: `source:${source.name}`, detail: `the files source does not exclude ${want} (files in use during meetings): add exclude: [${want}]` };
  }
  return fromProof(`drill:${source.name}`, `source:${source.name}`, input);
}

function fromProof(check: string, evidence: string, input: ReadinessInput, unverifiedWhy?: string): Found {
  if (!input.proof) return { status: 'unverified', evidence, detail: unverifiedWhy ?? 'produced and checked when the point is created' };
  const c = input.proof.find((x) => x.name === check);
  if (!c) return { status: 'unverified', evidence, detail: unverifiedWhy ?? 'in the point, without a check of its content' };
  return c.ok ? { status: 'verified', evidence, detail: `${check}: ${c.detail}` } : { status: 'failed', evidence, detail: `${check} failed: ${c.detail}` };
}

function formatAge(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} days` : h >= 1 ? `${Math.round(h)} hours` : `${Math.max(1, Math.round(ms / 60_000))} minutes`;
}
