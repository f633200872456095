/**
 * Accounts to put back: the point's inventory against a fresh one, per source. An account whose
 * home (the raw attribute value, or the pool for exports) differs is a move back to its original
 * home; accounts added or removed since are reported but not touched (an account cannot be
 * re-created from an inventory, which never holds secrets, and deleting one is not a rollback).
 */
import { type Account, type InventoryDocument, type SourceConfig, ldapHomeAttribute, sameHomeValue, sourceNames } from '../inventory/index.js';

export interface AccountMoveBack {
  /** The account's id within its source. */
  id: string;
  displayName: string | null;
  /** LDAP entry DN (LDAP sources). */
  dn: string | null;
  sipAddress: string | null;
  /** Now: pool and raw home value. */
  fromPool: string | null;
  fromRaw: string | null;
  /** At the point: pool and raw home value — what rollback puts back. */
  toPool: string | null;
  toRaw: string | null;
}

export type AccountSourcePlan =
  | { source: string; method: 'ldap-modify'; attribute: string; moves: AccountMoveBack[] }
  | { source: string; method: 'sfb-script'; moves: AccountMoveBack[] }
  | { source: string; method: 'report-only'; reason: string; moves: AccountMoveBack[] };

export interface AccountRollback {
  sources: AccountSourcePlan[];
  added: { source: string; id: string; displayName: string | null; homePool: string | null }[];
  removed: { source: string; id: string; displayName: string | null; homePool: string | null }[];
}

const key = (a: Account): string => `${a.source}\0${a.id}`;

function moveOf(now: Account, then: Account): AccountMoveBack {
  const dn = typeof now.attributes.dn === 'string' ? now.attributes.dn : typeof then.attributes.dn === 'string' ? then.attributes.dn : null;
  return {
    id: now.id,
    displayName: then.displayName ?? now.displayName,
    dn,
    sipAddress: then.sipAddress ?? now.sipAddress,
    fromPool: now.homePool,
    fromRaw: now.homeRaw,
    toPool: then.homePool,
    toRaw: then.homeRaw,
  };
}

/** What to do per source so that `present` gets back the homes `point` recorded. */
export function planAccountRollback(point: InventoryDocument, present: InventoryDocument, configs: readonly SourceConfig[]): AccountRollback {
  const names = sourceNames(configs);
  const configOf = new Map(names.map((n, i) => [n, configs[i]!]));
  const then = new Map(point.accounts.map((a) => [key(a), a]));
  const nowByKey = new Map(present.accounts.map((a) => [key(a), a]));
  const bySource = new Map<string, AccountMoveBack[]>();
  const result: AccountRollback = { sources: [], added: [], removed: [] };
  for (const a of present.accounts) {
    const old = then.get(key(a));
    if (!old) {
      result.added.push({ source: a.source, id: a.id, displayName: a.displayName, homePool: a.homePool });
      continue;
    }
    if (sameHomeValue(old.homeRaw, a.homeRaw) && old.homePool === a.homePool) continue;
    let list = bySource.get(a.source);
    if (!list) bySource.set(a.source, (list = []));
    list.push(moveOf(a, old));
  }
  for (const a of point.accounts) {
    if (!nowByKey.has(key(a))) result.removed.push({ source: a.source, id: a.id, displayName: a.displayName, homePool: a.homePool });
  }
  for (const [source, moves] of bySource) {
    const config = configOf.get(source);
    if (config?.type === 'ldap') {
      const attribute = ldapHomeAttribute(config);
      if (attribute) result.sources.push({ source, method: 'ldap-modify', attribute, moves });
      else result.sources.push({ source, method: 'report-only', reason: 'the source names no home attribute (set homeAttribute)', moves });
    } else if (config?.type === 'csv' && config.preset === 'sfb') {
      result.sources.push({ source, method: 'sfb-script', moves });
    } else {
      result.sources.push({ source, method: 'report-only', reason: config ? `Lifeboat cannot write to ${config.type} sources` : 'the source is no longer in the plan file', moves });
    }
  }
  return result;
}
