/**
 * checkConsistency: what the sources of one inventory document say about each other, as typed
 * findings. Pure: the document in, findings out (sorted, so equal documents give equal output).
 *
 *   pools that can home users = registrar pools (kind front-end) from any source
 *   per account: a home DN that resolves to no pool; a home pool no source knows;
 *                disabled yet homed; homed online
 *   per source: one SIP address on several accounts (compared without case)
 *   across sources (accounts matched by SIP address, without case):
 *                homes that differ (Get-CsUser RegistrarPool vs the AD home server);
 *                users present in one source and not in another (only between sources that
 *                hold SIP addresses at all, and only for accounts of kind user)
 *   per pool:    a registrar pool with no account homed on it
 *
 * Accounts homed on mailbox databases (the exchange preset) take part in none of this.
 */
import type { Account, InventoryDocument } from '../model/index.js';

export type FindingKind = 'home-unresolved' | 'pool-not-in-topology' | 'pool-without-accounts' | 'home-mismatch' | 'missing-from-source' | 'duplicate-sip' | 'disabled-homed' | 'homed-online';

/** Kinds in report order, with a title for people. */
export const FINDING_KINDS: readonly [FindingKind, string][] = [
  ['home-unresolved', 'Home server resolves to no known pool'],
  ['pool-not-in-topology', 'Homed on a pool no topology or directory names'],
  ['home-mismatch', 'Sources disagree on the home pool'],
  ['missing-from-source', 'Present in one source, missing from another'],
  ['duplicate-sip', 'SIP address on more than one account'],
  ['disabled-homed', 'Disabled but still homed on a pool'],
  ['homed-online', 'Homed online'],
  ['pool-without-accounts', 'Registrar pool with no accounts'],
];

export interface FindingAccount {
  source: string;
  id: string;
  sipAddress: string | null;
  homePool: string | null;
  homeRaw: string | null;
}

export interface ConsistencyFinding {
  kind: FindingKind;
  /** One line for people, naming the account(s) or pool and the sources. */
  message: string;
  /** The sources the finding is about (where the accounts are, or the one they are missing from). */
  sources: string[];
  /** The pool concerned, when there is one. */
  pool: string | null;
  accounts: FindingAccount[];
}

export interface ConsistencyReport {
  /** Sources whose accounts were compared. */
  sources: string[];
  accounts: number;
  counts: Record<FindingKind, number>;
  findings: ConsistencyFinding[];
}

const sipKey = (a: Account): string | null => (a.sipAddress ? a.sipAddress.trim().toLowerCase().replace(/^sip:/, '') : null);
const who = (a: Account): string => a.sipAddress ?? a.primaryAddress ?? a.id;
const brief = (a: Account): FindingAccount => ({ source: a.source, id: a.id, sipAddress: a.sipAddress, homePool: a.homePool, homeRaw: a.homeRaw });
const homeOf = (a: Account): string => (a.homing === 'unassigned' ? 'no pool' : (a.homePool ?? 'no pool'));

export function checkConsistency(doc: InventoryDocument): ConsistencyReport {
  const findings: ConsistencyFinding[] = [];
  const add = (f: ConsistencyFinding): void => void findings.push(f);
  const poolKind = new Map(doc.pools.map((p) => [p.fqdn.toLowerCase(), p.kind]));
  const accounts = doc.accounts.filter((a) => !(a.homePool && poolKind.get(a.homePool.toLowerCase()) === 'mailbox-database'));
  const userPools = doc.pools.filter((p) => p.kind !== 'mailbox-database');

  const homedOn = new Set<string>();
  for (const a of accounts) {
    if (a.homing !== 'on-premises' || !a.homePool) continue;
    const known = poolKind.has(a.homePool.toLowerCase());
    if (known) homedOn.add(a.homePool.toLowerCase());
    else if (a.homeRaw?.includes('=')) {
      add({ kind: 'home-unresolved', message: `${who(a)} (${a.source}): home server ${a.homeRaw} resolves to no known pool`, sources: [a.source], pool: a.homePool, accounts: [brief(a)] });
    } else if (userPools.length) {
      add({
        kind: 'pool-not-in-topology',
        message: `${who(a)} (${a.source}) is homed on ${a.homePool}, which no topology or directory names`,
        sources: [a.source],
        pool: a.homePool,
        accounts: [brief(a)],
      });
    }
  }
  for (const a of accounts) {
    if (a.homing === 'on-premises' && a.homePool) {
      const adDisabled = a.attributes.accountDisabled === true;
      if (a.enabled === false || adDisabled) {
        const why = a.enabled === false ? 'disabled for Skype for Business' : 'a disabled directory account';
        add({ kind: 'disabled-homed', message: `${who(a)} (${a.source}) is ${why} but still homed on ${a.homePool}`, sources: [a.source], pool: a.homePool, accounts: [brief(a)] });
      }
    }
    if (a.homing === 'online') {
      add({ kind: 'homed-online', message: `${who(a)} (${a.source}) is homed online (${a.homeRaw ?? a.homePool ?? 'online'})`, sources: [a.source], pool: a.homePool, accounts: [brief(a)] });
    }
  }

  // one SIP address, per source and across sources
  const bySource = new Map<string, Map<string, Account[]>>();
  for (const a of accounts) {
    const k = sipKey(a);
    if (!k) continue;
    const m = bySource.get(a.source) ?? new Map<string, Account[]>();
    bySource.set(a.source, m);
    m.set(k, [...(m.get(k) ?? []), a]);
  }
  for (const [source, m] of bySource) {
    for (const list of m.values()) {
      if (list.length < 2) continue;
      add({
        kind: 'duplicate-sip',
        message: `${list[0]!.sipAddress} is on ${list.length} accounts in ${source}: ${list.map((a) => a.id).join(', ')}`,
        sources: [source],
        pool: null,
        accounts: list.map(brief),
      });
    }
  }
  const sources = [...bySource.keys()].sort();
  if (sources.length >= 2) {
    const allSips = new Set<string>();
    for (const m of bySource.values()) for (const k of m.keys()) allSips.add(k);
    for (const k of allSips) {
      const present = sources.filter((s) => bySource.get(s)!.has(k)).map((s) => bySource.get(s)!.get(k)![0]!);
      const homes = new Set(present.map((a) => homeOf(a).toLowerCase()));
      if (present.length >= 2 && homes.size > 1) {
        add({
          kind: 'home-mismatch',
          message: `${present[0]!.sipAddress}: ${present.map((a) => `${a.source} says ${homeOf(a)}`).join(', ')}`,
          sources: present.map((a) => a.source),
          pool: null,
          accounts: present.map(brief),
        });
      }
      const users = present.filter((a) => a.kind === 'user');
      if (!users.length) continue;
      for (const missing of sources.filter((s) => !bySource.get(s)!.has(k))) {
        add({
          kind: 'missing-from-source',
          message: `${users[0]!.sipAddress} is in ${users.map((a) => a.source).join(', ')} but not in ${missing}`,
          sources: [missing, ...users.map((a) => a.source)],
          pool: users[0]!.homePool,
          accounts: users.map(brief),
        });
      }
    }
  }

  for (const p of doc.pools) {
    if (p.kind !== 'front-end' || homedOn.has(p.fqdn.toLowerCase())) continue;
    add({ kind: 'pool-without-accounts', message: `${p.fqdn} (${p.source}) is a registrar pool with no account homed on it`, sources: [p.source], pool: p.fqdn, accounts: [] });
  }

  const order = new Map(FINDING_KINDS.map(([k], i) => [k, i]));
  findings.sort((x, y) => order.get(x.kind)! - order.get(y.kind)! || (x.message < y.message ? -1 : x.message > y.message ? 1 : 0));
  const counts = Object.fromEntries(FINDING_KINDS.map(([k]) => [k, 0])) as Record<FindingKind, number>;
  for (const f of findings) counts[f.kind]++;
  return { sources, accounts: accounts.length, counts, findings };
}
