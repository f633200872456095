/**
 * Diff of two inventory documents (pure). Accounts are matched by source name and id;
 * hosts by hostname; database servers by source and endpoint; databases by name.
 * Sizes and free space are not compared (they change every minute); versions, owners,
 * states and memberships are.
 */
import { type Account, type AttributeValue, type Database, type DatabaseServer, type HostInfo, type InventoryDocument, type Pool, sameHomeValue } from '../model/index.js';

export interface FieldChange {
  field: string;
  from: AttributeValue;
  to: AttributeValue;
}

export interface AccountRef {
  source: string;
  id: string;
  displayName: string | null;
  homePool: string | null;
}

export interface AccountMove extends AccountRef {
  fromPool: string | null;
  toPool: string | null;
}

export interface AccountChange extends AccountRef {
  changes: FieldChange[];
}

export interface HostDiff {
  hostname: string;
  changes: FieldChange[];
  packagesAdded: { name: string; version: string }[];
  packagesRemoved: { name: string; version: string }[];
  packagesChanged: { name: string; from: string; to: string }[];
  servicesAdded: { name: string; state: string }[];
  servicesRemoved: { name: string; state: string }[];
  servicesChanged: { name: string; from: string; to: string }[];
  usersAdded: string[];
  usersRemoved: string[];
  listeningAdded: string[];
  listeningRemoved: string[];
}

export interface DatabaseServerDiff {
  source: string;
  endpoint: string;
  changes: FieldChange[];
  databasesAdded: string[];
  databasesRemoved: string[];
  databasesChanged: { name: string; changes: FieldChange[] }[];
  rolesAdded: string[];
  rolesRemoved: string[];
  rolesChanged: { name: string; changes: FieldChange[] }[];
}

export interface InventoryDiff {
  from: { collectedAt: string; accounts: number };
  to: { collectedAt: string; accounts: number };
  accounts: {
    added: AccountRef[];
    removed: AccountRef[];
    moved: AccountMove[];
    changed: AccountChange[];
  };
  /** Pool FQDN → count before and after, for every pool whose count changed (null = unassigned). */
  poolCounts: { pool: string | null; from: number; to: number }[];
  pools: { added: string[]; removed: string[]; changed: { fqdn: string; changes: FieldChange[] }[] };
  hosts: { added: string[]; removed: string[]; changed: HostDiff[] };
  databaseServers: { added: string[]; removed: string[]; changed: DatabaseServerDiff[] };
  /** Sources that did not finish cleanly in either document: their "removed" items may not be real. */
  incompleteSources: string[];
}

const ref = (a: Account): AccountRef => ({ source: a.source, id: a.id, displayName: a.displayName, homePool: a.homePool });

function same(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

function norm(v: AttributeValue | undefined): AttributeValue {
  return v === undefined ? null : v;
}

function fieldChanges<T extends object>(a: T, b: T, fields: readonly (keyof T & string)[]): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of fields) {
    const x = a[f] as unknown as AttributeValue;
    const y = b[f] as unknown as AttributeValue;
    if (!same(x, y)) out.push({ field: f, from: norm(x), to: norm(y) });
  }
  return out;
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  const m = new Map<string, T>();
  for (const t of items) m.set(key(t), t);
  return m;
}

const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

export function diffInventories(a: InventoryDocument, b: InventoryDocument): InventoryDiff {
  const accKey = (x: Account): string => `${x.source}\u0000${x.id}`;
  const oldAcc = byKey(a.accounts, accKey);
  const newAcc = byKey(b.accounts, accKey);
  const added: AccountRef[] = [];
  const removed: AccountRef[] = [];
  const moved: AccountMove[] = [];
  const changed: AccountChange[] = [];
  for (const [k, n] of newAcc) {
    const o = oldAcc.get(k);
    if (!o) {
      added.push(ref(n));
      continue;
    }
    if (o.homePool !== n.homePool) moved.push({ ...ref(n), fromPool: o.homePool, toPool: n.homePool });
    const changes = fieldChanges(o, n, ['displayName', 'sipAddress', 'primaryAddress', 'enabled', 'kind', 'homing']);
    // homeRaw changes with the pool; report it only when the pool itself did not change
    if (o.homePool === n.homePool && !sameHomeValue(o.homeRaw, n.homeRaw)) changes.push({ field: 'homeRaw', from: o.homeRaw, to: n.homeRaw });
    const attrs = new Set([...Object.keys(o.attributes), ...Object.keys(n.attributes)]);
    for (const at of [...attrs].sort()) {
      if (!same(o.attributes[at], n.attributes[at])) changes.push({ field: `attributes.${at}`, from: norm(o.attributes[at]), to: norm(n.attributes[at]) });
    }
    if (changes.length) changed.push({ ...ref(n), changes });
  }
  for (const [k, o] of oldAcc) if (!newAcc.has(k)) removed.push(ref(o));
  const accSort = (x: AccountRef, y: AccountRef): number => cmp(x.source, y.source) || cmp(x.id, y.id);
  for (const list of [added, removed, moved, changed]) list.sort(accSort);

  const counts = new Map<string | null, { from: number; to: number }>();
  for (const p of a.summary.accountsPerPool) counts.set(p.pool, { from: p.count, to: 0 });
  for (const p of b.summary.accountsPerPool) counts.set(p.pool, { from: counts.get(p.pool)?.from ?? 0, to: p.count });
  const poolCounts = [...counts.entries()]
    .filter(([, c]) => c.from !== c.to)
    .map(([pool, c]) => ({ pool, ...c }))
    .sort((x, y) => (x.pool === null ? 1 : y.pool === null ? -1 : cmp(x.pool, y.pool)));

  const oldPools = byKey(a.pools, (p) => p.fqdn.toLowerCase());
  const newPools = byKey(b.pools, (p) => p.fqdn.toLowerCase());
  const pools: InventoryDiff['pools'] = { added: [], removed: [], changed: [] };
  for (const [k, n] of newPools) {
    const o = oldPools.get(k);
    if (!o) pools.added.push(n.fqdn);
    else {
      const ch = fieldChanges<Pool>(o, n, ['site', 'kind', 'members', 'services']);
      if (ch.length) pools.changed.push({ fqdn: n.fqdn, changes: ch });
    }
  }
  for (const [k, o] of oldPools) if (!newPools.has(k)) pools.removed.push(o.fqdn);

  const oldHosts = byKey(a.hosts, (h) => h.hostname);
  const newHosts = byKey(b.hosts, (h) => h.hostname);
  const hosts: InventoryDiff['hosts'] = { added: [], removed: [], changed: [] };
  for (const [k, n] of newHosts) {
    const o = oldHosts.get(k);
    if (!o) hosts.added.push(k);
    else {
      const d = diffHost(o, n);
      if (d) hosts.changed.push(d);
    }
  }
  for (const k of oldHosts.keys()) if (!newHosts.has(k)) hosts.removed.push(k);

  const srvKey = (s: DatabaseServer): string => `${s.source} ${s.endpoint}`;
  const oldSrv = byKey(a.databaseServers, srvKey);
  const newSrv = byKey(b.databaseServers, srvKey);
  const databaseServers: InventoryDiff['databaseServers'] = { added: [], removed: [], changed: [] };
  for (const [k, n] of newSrv) {
    const o = oldSrv.get(k);
    if (!o) databaseServers.added.push(k);
    else {
      const d = diffDbServer(o, n);
      if (d) databaseServers.changed.push(d);
    }
  }
  for (const k of oldSrv.keys()) if (!newSrv.has(k)) databaseServers.removed.push(k);

  const incompleteSources = [...new Set([...a.sources, ...b.sources].filter((s) => s.status !== 'ok').map((s) => s.name))].sort();
  return {
    from: { collectedAt: a.collectedAt, accounts: a.accounts.length },
    to: { collectedAt: b.collectedAt, accounts: b.accounts.length },
    accounts: { added, removed, moved, changed },
    poolCounts,
    pools,
    hosts,
    databaseServers,
    incompleteSources,
  };
}

function diffHost(o: HostInfo, n: HostInfo): HostDiff | null {
  const changes: FieldChange[] = [];
  const flat = (h: HostInfo): Record<string, AttributeValue> => ({
    'os.prettyName': h.os.prettyName,
    'os.version': h.os.version,
    'kernel.release': h.kernel.release,
    'cpu.count': h.cpu.count,
    'memory.totalBytes': h.memory.totalBytes,
    timeZone: h.timeZone,
    dnsResolvers: h.dnsResolvers,
    addresses: h.interfaces.flatMap((i) => i.addresses.map((x) => `${i.name} ${x.address}`)).sort(),
    filesystems: h.filesystems.map((f) => `${f.mountpoint} ${f.type} ${f.device}`).sort(),
    crontabs: h.crontabs.map((c) => `${c.schedule} ${c.user ?? ''} ${c.command}`).sort(),
  });
  const fo = flat(o);
  const fn = flat(n);
  for (const k of Object.keys(fo)) if (!same(fo[k], fn[k])) changes.push({ field: k, from: norm(fo[k]), to: norm(fn[k]) });

  const pk = (p: { manager: string; name: string; arch: string | null }): string => `${p.name}${p.arch ? `:${p.arch}` : ''}`;
  const op = byKey(o.packages, pk);
  const np = byKey(n.packages, pk);
  const packagesAdded = [...np].filter(([k]) => !op.has(k)).map(([k, p]) => ({ name: k, version: p.version }));
  const packagesRemoved = [...op].filter(([k]) => !np.has(k)).map(([k, p]) => ({ name: k, version: p.version }));
  const packagesChanged = [...np].filter(([k, p]) => op.has(k) && op.get(k)!.version !== p.version).map(([k, p]) => ({ name: k, from: op.get(k)!.version, to: p.version }));

  const os_ = byKey(o.services, (s) => s.name);
  const ns = byKey(n.services, (s) => s.name);
  const st = (s: { state: string; enablement: string | null }): string => `${s.state}${s.enablement ? ` (${s.enablement})` : ''}`;
  const servicesAdded = [...ns].filter(([k]) => !os_.has(k)).map(([k, s]) => ({ name: k, state: st(s) }));
  const servicesRemoved = [...os_].filter(([k]) => !ns.has(k)).map(([k, s]) => ({ name: k, state: st(s) }));
  const servicesChanged = [...ns].filter(([k, s]) => os_.has(k) && st(os_.get(k)!) !== st(s)).map(([k, s]) => ({ name: k, from: st(os_.get(k)!), to: st(s) }));

  const ou = new Set(o.users.map((u) => u.name));
  const nu = new Set(n.users.map((u) => u.name));
  const sock = (h: HostInfo): Set<string> => new Set(h.listeningSockets.map((s) => `${s.protocol} ${s.address}:${s.port}`));
  const ol = sock(o);
  const nl = sock(n);
  const d: HostDiff = {
    hostname: n.hostname,
    changes,
    packagesAdded,
    packagesRemoved,
    packagesChanged,
    servicesAdded,
    servicesRemoved,
    servicesChanged,
    usersAdded: [...nu].filter((u) => !ou.has(u)).sort(),
    usersRemoved: [...ou].filter((u) => !nu.has(u)).sort(),
    listeningAdded: [...nl].filter((s) => !ol.has(s)).sort(),
    listeningRemoved: [...ol].filter((s) => !nl.has(s)).sort(),
  };
  const empty = Object.values(d).every((v) => !Array.isArray(v) || v.length === 0);
  return empty ? null : d;
}

function diffDbServer(o: DatabaseServer, n: DatabaseServer): DatabaseServerDiff | null {
  const changes = fieldChanges(o, n, ['version']);
  for (const k of [...new Set([...Object.keys(o.settings), ...Object.keys(n.settings)])].sort()) {
    if (o.settings[k] !== n.settings[k]) changes.push({ field: `settings.${k}`, from: o.settings[k] ?? null, to: n.settings[k] ?? null });
  }
  const od = byKey(o.databases, (d) => d.name);
  const nd = byKey(n.databases, (d) => d.name);
  const extList = (d: Database): string[] => d.extensions.map((e) => `${e.name} ${e.version}`);
  const databasesChanged: DatabaseServerDiff['databasesChanged'] = [];
  for (const [k, d] of nd) {
    const prev = od.get(k);
    if (!prev) continue;
    const ch = fieldChanges(prev, d, ['owner', 'encoding', 'collation']);
    if (!same(extList(prev), extList(d))) ch.push({ field: 'extensions', from: extList(prev), to: extList(d) });
    if (ch.length) databasesChanged.push({ name: k, changes: ch });
  }
  const orl = byKey(o.roles, (r) => r.name);
  const nrl = byKey(n.roles, (r) => r.name);
  const rolesChanged: DatabaseServerDiff['rolesChanged'] = [];
  for (const [k, r] of nrl) {
    const prev = orl.get(k);
    if (!prev) continue;
    const ch = fieldChanges(prev, r, ['superuser', 'canLogin', 'createRole', 'createDb', 'replication', 'validUntil', 'memberOf']);
    if (ch.length) rolesChanged.push({ name: k, changes: ch });
  }
  const d: DatabaseServerDiff = {
    source: n.source,
    endpoint: n.endpoint,
    changes,
    databasesAdded: [...nd.keys()].filter((k) => !od.has(k)),
    databasesRemoved: [...od.keys()].filter((k) => !nd.has(k)),
    databasesChanged,
    rolesAdded: [...nrl.keys()].filter((k) => !orl.has(k)),
    rolesRemoved: [...orl.keys()].filter((k) => !nrl.has(k)),
    rolesChanged,
  };
  const empty = Object.values(d).every((v) => !Array.isArray(v) || v.length === 0);
  return empty ? null : d;
}

/** True when nothing changed. */
export function diffIsEmpty(d: InventoryDiff): boolean {
  return (
    !d.accounts.added.length &&
    !d.accounts.removed.length &&
    !d.accounts.moved.length &&
    !d.accounts.changed.length &&
    !d.pools.added.length &&
    !d.pools.removed.length &&
    !d.pools.changed.length &&
    !d.hosts.added.length &&
    !d.hosts.removed.length &&
    !d.hosts.changed.length &&
    !d.databaseServers.added.length &&
    !d.databaseServers.removed.length &&
    !d.databaseServers.changed.length
  );
}
