/**
 * `ldap`: accounts from any LDAP directory, Active Directory included (ldapts client).
 *
 *   connect (ldap-connect.ts: ldaps:// or ldap:// + StartTLS, caFile) → simple bind or anonymous
 *   preset sfb: read msRTCSIP-Pool objects (+ topology file, + poolMap) into a PoolIndex
 *   for each page of a paged search (pageSize entries, RFC 2696):
 *     map each entry to an Account (pool resolved through the index) and push it
 *   referrals are counted and reported, never followed
 *
 * Memory holds one page of raw entries at a time plus the compact accounts already made.
 * Secret attributes (userPassword, unicodePwd, …) are never requested, and dropped if a
 * wildcard attribute list returns them anyway.
 */
import type { Client, Entry } from 'ldapts';
import { LifeboatError } from '../../core/index.js';
import type { LdapSourceConfig } from '../config/index.js';
import { type Account, type AccountKind, type AttributeValue, type Homing, type Pool, isSecretAttribute } from '../model/index.js';
import type { Collector, CollectorContext } from './collector.js';
import { connectLdap, ldapErrorMessage } from './ldap-connect.js';
import { PoolIndex, clusterIdOf, rdnValues, unresolvedPoolName } from './pool-index.js';
import { readTopologyFile } from './sfb-topology.js';

interface Preset {
  filter: string;
  homeAttribute: string | null;
  attributes: string[];
}

const BASE_ATTRIBUTES = ['objectClass', 'displayName', 'cn', 'mail', 'userPrincipalName', 'sAMAccountName', 'uid', 'userAccountControl', 'objectGUID', 'entryUUID'];

export const SFB_ATTRIBUTES = [
  'msRTCSIP-PrimaryHomeServer',
  'msRTCSIP-UserEnabled',
  'msRTCSIP-PrimaryUserAddress',
  'msRTCSIP-Line',
  'msRTCSIP-OptionFlags',
  'msRTCSIP-DeploymentLocator',
  'msRTCSIP-OwnerUrn',
  'telephoneNumber',
];

export const PRESETS: Record<'sfb' | 'exchange' | 'generic', Preset> = {
  sfb: {
    filter: '(|(msRTCSIP-PrimaryUserAddress=*)(msRTCSIP-PrimaryHomeServer=*)(msRTCSIP-DeploymentLocator=*))',
    homeAttribute: 'msRTCSIP-PrimaryHomeServer',
    attributes: SFB_ATTRIBUTES,
  },
  exchange: {
    filter: '(|(homeMDB=*)(msExchRecipientTypeDetails=*))',
    homeAttribute: 'homeMDB',
    attributes: ['homeMDB', 'msExchRecipientTypeDetails', 'proxyAddresses', 'legacyExchangeDN'],
  },
  generic: {
    filter: '(|(objectClass=person)(objectClass=inetOrgPerson)(objectClass=user)(objectClass=contact))',
    homeAttribute: null,
    attributes: [],
  },
};

const lowerMemo = new Map<string, string>();
function lower(name: string): string {
  let l = lowerMemo.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowerMemo.size < 10_000) lowerMemo.set(name, l);
  }
  return l;
}

/** Lower-cased attribute name → values, as strings (binary GUIDs formatted). */
function entryValues(entry: Entry): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k in entry) {
    if (k === 'dn') continue;
    const v = entry[k]!;
    const name = lower(k);
    const list = Array.isArray(v) ? v : [v];
    out.set(
      name,
      list.map((x) => (Buffer.isBuffer(x) ? (name === 'objectguid' && x.length === 16 ? formatGuid(x) : x.toString('base64')) : String(x))),
    );
  }
  return out;
}

/** Active Directory's objectGUID byte order: the first three groups are little-endian. */
export function formatGuid(b: Buffer): string {
  const h = (i: number, n: number, rev: boolean): string => {
    const bytes = [...b.subarray(i, i + n)];
    if (rev) bytes.reverse();
    return bytes.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${h(0, 4, true)}-${h(4, 2, true)}-${h(6, 2, true)}-${h(8, 2, false)}-${h(10, 6, false)}`;
}

const ONLINE = /online\.lync\.com$|\.online\./i;

function sfbKind(objectClasses: string[], ownerUrn: string | null): AccountKind {
  const oc = objectClasses.map((c) => c.toLowerCase());
  const urn = (ownerUrn ?? '').toLowerCase();
  if (urn.includes('commonarea')) return 'common-area-phone';
  if (urn.includes('analog')) return 'analog-device';
  if (urn.includes('rigel') || urn.includes('meetingroom') || urn.includes('lrs')) return 'meeting-room';
  if (urn.startsWith('urn:application')) return 'application';
  if (oc.includes('contact')) return 'contact';
  if (oc.includes('group')) return 'group';
  if (oc.includes('msrtcsip-applicationcontact')) return 'application';
  return 'user';
}

function firstOf(values: Map<string, string[]>, name: string): string | null {
  const v = values.get(lower(name))?.[0];
  return v === undefined || v === '' ? null : v;
}

function toBool(v: string | null): boolean | null {
  if (v === null) return null;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  return null;
}

/** The DC=… suffix of a DN (the domain root), or the DN itself. */
function domainRoot(dn: string): string {
  const parts = dn.split(/(?<!\\),/);
  const k = parts.findIndex((p) => /^\s*dc\s*=/i.test(p));
  return k < 0 ? dn : parts.slice(k).join(',');
}

/** The home attribute a source's accounts are homed by (preset default or `homeAttribute`), or null. */
export function ldapHomeAttribute(config: LdapSourceConfig): string | null {
  return config.homeAttribute ?? PRESETS[config.preset ?? 'generic'].homeAttribute;
}

export const ldapCollector: Collector<LdapSourceConfig> = {
  type: 'ldap',
  defaultTimeoutSeconds: 1800,
  location: (c) => `${c.url} ${c.baseDn}`,
  async collect(config, ctx) {
    const presetName = config.preset ?? 'generic';
    const preset = PRESETS[presetName];
    const homeAttribute = ldapHomeAttribute(config);
    const idAttribute = config.idAttribute;
    const client = await connectLdap(config, ctx.env, ctx.signal);
    const onAbort = (): void => void client.unbind().catch(() => {});
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      ctx.signal.throwIfAborted();

      const pools = new PoolIndex([], config.poolMap ?? {});
      if (config.topologyFile) {
        const topo = await readTopologyFile(config.topologyFile, ctx.source);
        for (const p of topo.pools) pools.addPool(p);
        ctx.out.pools.push(...topo.pools);
        ctx.count('topologyPools', topo.pools.length);
      }
      if (presetName === 'sfb') {
        const found = await readSfbPools(client, config, ctx);
        const known = new Set(ctx.out.pools.map((p) => p.fqdn.toLowerCase()));
        for (const p of found) {
          pools.addPool(p);
          if (!known.has(p.fqdn.toLowerCase())) ctx.out.pools.push(p);
        }
        ctx.count('directoryPools', found.length);
      }

      const attributes = [
        ...new Set([...BASE_ATTRIBUTES, ...preset.attributes, ...(config.attributes ?? []), ...(homeAttribute ? [homeAttribute] : []), ...(idAttribute ? [idAttribute] : [])]),
      ].filter((a) => !isSecretAttribute(a));
      const pageSize = config.pageSize ?? 500;
      const dbPools = new Map<string, Pool>();
      const unresolved = new Map<string, number>();
      const dropped = new Set<string>();
      let referrals = 0;
      let pages = 0;
      let n = 0;
      const pagesIter = client.searchPaginated(config.baseDn, {
        scope: config.scope ?? 'sub',
        filter: config.filter ?? preset.filter,
        attributes,
        explicitBufferAttributes: ['objectGUID'],
        paged: { pageSize },
      });
      for await (const page of wrapLdapErrors(pagesIter, `search under ${config.baseDn}`)) {
        ctx.signal.throwIfAborted();
        pages++;
        if (page.searchReferences.length) {
          referrals += page.searchReferences.length;
          for (const r of page.searchReferences.slice(0, 3)) ctx.warn(`referral not followed: ${r}`);
        }
        for (const entry of page.searchEntries) {
          const account = toAccount(entry, presetName, homeAttribute, idAttribute, ctx.source, pools, dropped);
          if (account.homing === 'on-premises' && account.homeRaw && presetName === 'sfb' && !pools.resolve(account.homeRaw)) {
            unresolved.set(account.homeRaw, (unresolved.get(account.homeRaw) ?? 0) + 1);
          }
          if (presetName === 'exchange' && account.homePool && !dbPools.has(account.homePool)) {
            dbPools.set(account.homePool, {
              fqdn: account.homePool,
              source: ctx.source,
              site: null,
              kind: 'mailbox-database',
              members: [],
              aliases: account.homeRaw ? [account.homeRaw] : [],
              services: [],
            });
          }
          ctx.out.accounts.push(account);
          n++;
        }
        ctx.progress(`${n} accounts (${pages} pages)`);
      }
      ctx.out.pools.push(...dbPools.values());
      if (referrals > 3) ctx.warn(`${referrals} referrals in total were not followed`);
      for (const [home, count] of unresolved) {
        ctx.warn(`${count} accounts are homed on ${home}, which no pool object, topology or poolMap names`);
      }
      if (dropped.size) ctx.warn(`attributes that may hold secrets were left out: ${[...dropped].sort().join(', ')}`);
      ctx.count('accounts', n);
      ctx.count('pages', pages);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      await client.unbind().catch(() => {});
    }
  },
};

async function* wrapLdapErrors<T>(it: AsyncIterable<T>, what: string): AsyncGenerator<T> {
  try {
    yield* it;
  } catch (err) {
    throw new LifeboatError('E_IO', `${what} failed: ${ldapErrorMessage(err)}`, { cause: err });
  }
}

async function readSfbPools(client: Client, config: LdapSourceConfig, ctx: CollectorContext): Promise<Pool[]> {
  const root = domainRoot(config.baseDn);
  const bases = config.poolsBaseDn ? [config.poolsBaseDn] : [`CN=Configuration,${root}`, root];
  for (const base of bases) {
    try {
      const pools: Pool[] = [];
      for await (const page of client.searchPaginated(base, {
        scope: 'sub',
        filter: '(objectClass=msRTCSIP-Pool)',
        attributes: ['cn', 'dNSHostName', 'msRTCSIP-PoolDisplayName', 'msRTCSIP-PoolType', 'msRTCSIP-PoolVersion'],
        paged: { pageSize: 200 },
      })) {
        for (const e of page.searchEntries) {
          const v = entryValues(e);
          const fqdn = firstOf(v, 'dNSHostName') ?? firstOf(v, 'msRTCSIP-PoolDisplayName') ?? firstOf(v, 'cn');
          if (!fqdn) continue;
          const id = clusterIdOf(e.dn) ?? firstOf(v, 'cn');
          pools.push({
            fqdn,
            source: ctx.source,
            site: id?.includes(':') ? `site ${id.split(':')[0]}` : null,
            kind: firstOf(v, 'msRTCSIP-PoolType') ?? 'front-end',
            members: [],
            aliases: [e.dn, ...(id ? [id] : [])],
            services: [],
          });
        }
      }
      if (pools.length) return pools;
    } catch (err) {
      // no configuration partition here (OpenLDAP, or a base the account cannot read): try the next
      if (ctx.signal.aborted) throw err;
    }
  }
  return [];
}

/** Attributes that become Account fields rather than `attributes` entries. */
const MAPPED = new Set(['dn', 'displayname', 'msrtcsip-primaryuseraddress', 'msrtcsip-primaryhomeserver', 'msrtcsip-userenabled']);

function toAccount(
  entry: Entry,
  preset: 'sfb' | 'exchange' | 'generic',
  homeAttribute: string | null,
  idAttribute: string | undefined,
  source: string,
  pools: PoolIndex,
  dropped: Set<string>,
): Account {
  const v = entryValues(entry);
  const lowerHome = homeAttribute ? lower(homeAttribute) : '';
  const id = (idAttribute ? firstOf(v, idAttribute) : null) ?? firstOf(v, 'objectGUID') ?? firstOf(v, 'entryUUID') ?? entry.dn;
  const objectClasses = v.get('objectclass') ?? [];
  let sip: string | null = null;
  let homeRaw: string | null = homeAttribute ? firstOf(v, homeAttribute) : null;
  let homePool: string | null = null;
  let homing: Homing = 'unassigned';
  let enabled: boolean | null;
  let kind: AccountKind;
  const uac = firstOf(v, 'userAccountControl');
  const adDisabled = uac !== null && /^\d+$/.test(uac) ? (Number(uac) & 2) !== 0 : null;
  if (preset === 'sfb') {
    sip = firstOf(v, 'msRTCSIP-PrimaryUserAddress');
    enabled = toBool(firstOf(v, 'msRTCSIP-UserEnabled'));
    kind = sfbKind(objectClasses, firstOf(v, 'msRTCSIP-OwnerUrn'));
    const locator = firstOf(v, 'msRTCSIP-DeploymentLocator');
    if (homeRaw) {
      homing = 'on-premises';
      homePool = pools.resolve(homeRaw) ?? unresolvedPoolName(homeRaw);
    } else if (locator && locator !== 'SRV:' && ONLINE.test(locator)) {
      homing = 'online';
      homePool = locator;
      homeRaw = locator;
    }
  } else {
    kind = objectClasses.some((c) => c.toLowerCase() === 'contact') ? 'contact' : objectClasses.some((c) => c.toLowerCase() === 'group') ? 'group' : 'user';
    enabled = adDisabled === null ? null : !adDisabled;
    if (homeRaw) {
      homing = 'on-premises';
      homePool = pools.resolve(homeRaw) ?? (homeRaw.includes('=') ? (rdnValues(homeRaw)[0] ?? homeRaw) : homeRaw);
    }
    if (preset === 'exchange') {
      const rt = firstOf(v, 'msExchRecipientTypeDetails');
      if (rt === '16') kind = 'meeting-room';
      else if (rt === '4' || rt === '32') kind = 'other';
    }
  }
  const attributes: Record<string, AttributeValue> = { dn: entry.dn };
  for (const k in entry) {
    const lk = lower(k);
    if (MAPPED.has(lk) || lk === lowerHome) continue;
    const vals = entry[k];
    if (isSecretAttribute(k)) {
      dropped.add(k);
      continue;
    }
    const list = v.get(lk) ?? [];
    if (list.length === 0) continue;
    attributes[k] = list.length === 1 && !Array.isArray(vals) ? list[0]! : list;
  }
  if (adDisabled !== null) attributes.accountDisabled = adDisabled;
  const mail = firstOf(v, 'mail') ?? firstOf(v, 'userPrincipalName');
  return {
    id,
    source,
    kind,
    displayName: firstOf(v, 'displayName') ?? firstOf(v, 'cn'),
    sipAddress: sip,
    primaryAddress: sip ?? mail,
    homePool,
    homeRaw,
    homing,
    enabled,
    attributes,
  };
}
