/**
 * Resolving a home value to a pool FQDN. Skype for Business stores the home server as a DN:
 *   CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=…
 * The part from `CN=1:1` on is the pool object's DN; `1:1` is the topology's cluster id
 * (SiteId:Number). A pool is found by the full value, by its DN, by the cluster id, or by an
 * explicit map entry for any of those, compared without case or spaces after commas.
 */
import type { Pool } from '../model/index.js';

export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((rdn) => rdn.trim().replace(/\s*=\s*/, '='))
    .join(',')
    .toLowerCase();
}

/** The RDN values of a DN, first to last (`CN=a,CN=b` → `['a','b']`), unescaped. */
export function rdnValues(dn: string): string[] {
  return dn.split(/(?<!\\),/).map((rdn) =>
    rdn
      .slice(rdn.indexOf('=') + 1)
      .trim()
      .replace(/\\(.)/g, '$1'),
  );
}

/** The cluster id (`1:1`) named in a home-server or pool DN, when there is one. */
export function clusterIdOf(dn: string): string | null {
  const parts = dn.split(/(?<!\\),/);
  const k = parts.findIndex((p) => /^\s*cn\s*=\s*pools\s*$/i.test(p));
  if (k <= 0) return null;
  return rdnValues(parts[k - 1]!)[0] ?? null;
}

/** The pool object's DN within a home-server DN (from the RDN before `CN=Pools`), or null. */
export function poolDnOf(dn: string): string | null {
  const parts = dn.split(/(?<!\\),/);
  const k = parts.findIndex((p) => /^\s*cn\s*=\s*pools\s*$/i.test(p));
  return k <= 0 ? null : parts.slice(k - 1).join(',');
}

export class PoolIndex {
  private readonly byKey = new Map<string, string>();
  /** Home values repeat (a few pools, many accounts): resolved once each. */
  private readonly memo = new Map<string, string | null>();

  constructor(pools: readonly Pool[] = [], map: Readonly<Record<string, string>> = {}) {
    for (const p of pools) this.addPool(p);
    // explicit entries win over anything found in the directory or topology
    for (const [k, v] of Object.entries(map)) this.byKey.set(key(k), v);
  }

  addPool(pool: Pool): void {
    this.memo.clear();
    for (const alias of [pool.fqdn, ...pool.aliases]) {
      const k = key(alias);
      if (!this.byKey.has(k)) this.byKey.set(k, pool.fqdn);
    }
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The pool FQDN for a home value, or null when nothing names it. */
  resolve(home: string): string | null {
    let r = this.memo.get(home);
    if (r === undefined) {
      r = this.lookup(home);
      if (this.memo.size < 100_000) this.memo.set(home, r);
    }
    return r;
  }

  private lookup(home: string): string | null {
    const direct = this.byKey.get(key(home));
    if (direct) return direct;
    const poolDn = poolDnOf(home);
    if (poolDn) {
      const byDn = this.byKey.get(key(poolDn));
      if (byDn) return byDn;
    }
    const id = clusterIdOf(home);
    if (id) return this.byKey.get(key(id)) ?? null;
    return null;
  }
}

function key(s: string): string {
  return s.includes('=') ? normalizeDn(s) : s.trim().toLowerCase();
}

/**
 * What `homePool` says when nothing resolves a home value: the cluster id (`1:7`) when the value
 * names one, else the value itself — never null, which means "not homed anywhere".
 */
export function unresolvedPoolName(home: string): string {
  return clusterIdOf(home) ?? home;
}
