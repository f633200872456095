/**
 * Read-only queries the web console needs beyond the CLI's use-cases: one directory of a
 * snapshot, a page of an inventory's accounts, the diff of two stored inventories, and the hash
 * an operator's approval of a rollback plan is bound to. They return data and never print.
 */
import { LifeboatError } from '../core/index.js';
import { type Account, type InventoryDiff, type InventoryDocument, diffInventories, redactSecrets } from '../inventory/index.js';
import type { Repository } from '../repository/index.js';
import { nodeToResticJson } from '../repository/model/index.js';
import picomatch from 'picomatch';
import { walkTree } from '../engine/walker/index.js';
import { resolveSnapshotPath } from './snapshot-ref.js';

export type { Account, DatabaseServer, HostInfo, Pool } from '../inventory/index.js';
export { redactSecrets };
export { type InventoryDocument, type InventoryDiff, documentJsonChunks, inventoryCollect, inventoryLoad, renderInventoryReport } from './inventory.js';

export interface DirectoryEntry {
  name: string;
  type: string;
  size: number;
  mtime: string;
  mode: number;
  /** restic's JSON of the node (`ls --json`). */
  json: Record<string, unknown>;
}

export interface DirectoryListing {
  snapshotId: string;
  /** Normalised path of the directory, '/' for the root. */
  path: string;
  entries: DirectoryEntry[];
}

/**
 * The entries of one directory of a snapshot, sorted by name: one tree is loaded, never the
 * whole snapshot. A path naming a file is an E_NOT_A_DIRECTORY error.
 */
export async function listSnapshotDirectory(repo: Repository, ref: string, path: string, signal?: AbortSignal): Promise<DirectoryListing> {
  const resolved = await resolveSnapshotPath(repo, ref, path, {}, signal);
  const node = resolved.node;
  if (node && node.type !== 'dir') {
    throw new LifeboatError('E_USAGE', `${resolved.path.toString()} is a ${node.type}, not a directory`, { hint: 'download it instead' });
  }
  const tree = node ? node.subtree : resolved.entry.snapshot.tree;
  const nodes = tree ? await repo.loadTree(tree, signal) : [];
  const base = resolved.path.toString();
  return {
    snapshotId: resolved.entry.id,
    path: base,
    entries: nodes.map((n) => {
      const name = n.name.toString();
      return { name, type: n.type, size: n.size ?? 0, mtime: n.mtime, mode: n.mode ?? 0, json: nodeToResticJson(n, `${base === '/' ? '' : base}/${name}`) };
    }),
  };
}

export interface AccountPage {
  /** Accounts matching the query, in the document's order. */
  total: number;
  offset: number;
  limit: number;
  accounts: Account[];
}

/**
 * A page of the accounts whose display name, SIP/primary address or ID contains `query`
 * (case-insensitive); an empty query matches every account. `pool` narrows to one home pool
 * ('' = unassigned).
 */
export function searchAccounts(doc: InventoryDocument, query: string, offset: number, limit: number, pool?: string): AccountPage {
  const q = query.trim().toLowerCase();
  const keys = q ? searchKeys(doc) : undefined;
  const page: Account[] = [];
  let total = 0;
  for (let i = 0; i < doc.accounts.length; i++) {
    const a = doc.accounts[i]!;
    if (pool !== undefined && (a.homePool ?? '') !== pool) continue;
    if (keys && !keys[i]!.includes(q)) continue;
    if (total >= offset && page.length < limit) page.push(a);
    total++;
  }
  return { total, offset, limit, accounts: page };
}

/**
 * Per account, its display name, SIP and primary address and ID in lower case, joined by NUL (a
 * query holding one could match across two fields: harmless), made once per document.
 */
const keysOf = new WeakMap<InventoryDocument, string[]>();

function searchKeys(doc: InventoryDocument): string[] {
  let keys = keysOf.get(doc);
  if (!keys) {
    keys = doc.accounts.map((a) => `${a.displayName ?? ''}\0${a.sipAddress ?? ''}\0${a.primaryAddress ?? ''}\0${a.id}`.toLowerCase());
    keysOf.set(doc, keys);
  }
  return keys;
}

/** Accounts moved between pools, counted per (from, to) pair, largest first. */
export interface MovePairCount {
  from: string | null;
  to: string | null;
  count: number;
}

export function diffInventoryDocuments(from: InventoryDocument, to: InventoryDocument): { diff: InventoryDiff; movePairs: MovePairCount[] } {
  const diff = diffInventories(from, to);
  const pairs = new Map<string, MovePairCount>();
  for (const m of diff.accounts.moved) {
    const key = JSON.stringify([m.fromPool, m.toPool]);
    const p = pairs.get(key) ?? { from: m.fromPool, to: m.toPool, count: 0 };
    p.count++;
    pairs.set(key, p);
  }
  return { diff, movePairs: [...pairs.values()].sort((a, b) => b.count - a.count) };
}

/**
 * Paths below `path` in a snapshot whose base name matches the glob `pattern` (case-insensitive),
 * at most `limit` of them; `truncated` says there were more.
 */
export async function findInSnapshotTree(repo: Repository, ref: string, path: string, pattern: string, limit: number, signal?: AbortSignal): Promise<{ paths: string[]; truncated: boolean }> {
  const resolved = await resolveSnapshotPath(repo, ref, path, {}, signal);
  const tree = resolved.node ? resolved.node.subtree : resolved.entry.snapshot.tree;
  const match = picomatch(pattern, { dot: true, nocase: true });
  const paths: string[] = [];
  if (!tree) return { paths, truncated: false };
  for await (const e of walkTree(repo, tree, resolved.path, { signal })) {
    if (!match(e.node.name.toString())) continue;
    if (paths.length === limit) return { paths, truncated: true };
    paths.push(e.path.toString());
  }
  return { paths, truncated: false };
}
