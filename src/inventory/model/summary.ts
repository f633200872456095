/** The summary block: derived from the other sections, never edited by hand. */
import type { Account, InventoryDocument, PoolCount, Summary } from './document.js';

/** Accounts per pool, sorted by pool name; the unassigned (null) entry comes last. */
export function countAccountsPerPool(accounts: readonly Account[]): PoolCount[] {
  const counts = new Map<string | null, number>();
  for (const a of accounts) counts.set(a.homePool, (counts.get(a.homePool) ?? 0) + 1);
  return [...counts.entries()].map(([pool, count]) => ({ pool, count })).sort((x, y) => (x.pool === null ? 1 : y.pool === null ? -1 : x.pool < y.pool ? -1 : x.pool > y.pool ? 1 : 0));
}

export function summarize(doc: Omit<InventoryDocument, 'summary'>): Summary {
  const perKind: Record<string, number> = {};
  let enabled = 0;
  let disabled = 0;
  for (const a of doc.accounts) {
    perKind[a.kind] = (perKind[a.kind] ?? 0) + 1;
    if (a.enabled === true) enabled++;
    else if (a.enabled === false) disabled++;
  }
  return {
    accounts: doc.accounts.length,
    accountsPerPool: countAccountsPerPool(doc.accounts),
    accountsPerKind: perKind,
    enabledAccounts: enabled,
    disabledAccounts: disabled,
    hosts: doc.hosts.length,
    pools: doc.pools.length,
    databases: doc.databaseServers.reduce((n, s) => n + s.databases.length, 0),
    warnings: doc.sources.reduce((n, s) => n + s.warnings.length, 0),
    errors: doc.sources.reduce((n, s) => n + s.errors.length, 0),
  };
}
