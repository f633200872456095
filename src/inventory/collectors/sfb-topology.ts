/**
 * `sfb-topology`: the XML written by `Get-CsTopology -AsXml` (Lync 2010 to Skype for Business
 * 2019), and Topology Builder's own files (`.tbxml`, document element `<TopologyBuilder>`, the
 * topology under `NewTopology/PartialTopology`). It yields sites, pools ("clusters", each with an
 * FQDN and machines, and a cluster id SiteId:Number where the document gives one), the roles
 * installed on each cluster (named by role or by .NET class: topology-roles.ts) and the SQL
 * stores. Pools get the cluster id as an alias so that home-server DNs (`CN=1:1,CN=Pools,…`)
 * resolve to their FQDN. The file is often UTF-16 (Windows PowerShell `Out-File`), hence decodeText.
 *
 *   document element → topology root (Topology | TopologyBuilder/NewTopology/PartialTopology)
 *   one walk: sites, clusters (with their enclosing site), services
 *   services → role names → per cluster (by ClusterId, or by InstalledOn = the cluster's UniqueId)
 *   clusters → pools, kind from their roles; SQL instances mark SQL stores
 */
import { readFile } from 'node:fs/promises';
import { FormatError, LifeboatError } from '../../core/index.js';
import type { Pool } from '../model/index.js';
import type { TopologySourceConfig } from '../config/index.js';
import type { Collector } from './collector.js';
import { decodeText } from './text-decode.js';
import { poolKind, roleName } from './topology-roles.js';
import { type XmlElement, child, findAll, parseXml } from './xml.js';

export interface Topology {
  sites: { id: string; name: string; kind: 'central' | 'branch'; parentId: string | null }[];
  pools: Pool[];
  machines: number;
  services: { type: string; cluster: string | null; version: string | null }[];
  sqlStores: { cluster: string; instance: string | null; fqdn: string | null }[];
}

function attr(el: XmlElement | undefined, ...names: string[]): string | null {
  if (!el) return null;
  for (const n of names) {
    const v = el.attrs[n];
    if (v !== undefined && v !== '') return v;
  }
  return null;
}

function clusterKey(el: XmlElement | undefined): string | null {
  const site = attr(el, 'SiteId');
  const num = attr(el, 'Number');
  return site !== null && num !== null ? `${site}:${num}` : null;
}

const SITE_ELEMENTS = new Set(['CentralSite', 'BranchSite']);

interface ClusterFound {
  el: XmlElement;
  /** SiteId:Number when the document gives them. */
  id: string | null;
  /** Topology Builder's cluster GUID, which its services point at. */
  uniqueId: string | null;
  siteId: string | null;
}

/**
 * The element holding the topology: the document element of Get-CsTopology -AsXml output, or
 * in a Topology Builder file (.tbxml, `<TopologyBuilder>`) the topology under `NewTopology`
 * (the one the file was last edited to), else under `OriginalTopology`.
 */
function topologyRoot(doc: XmlElement): XmlElement {
  if (doc.name === 'Topology') return doc;
  if (doc.name === 'TopologyBuilder') {
    for (const part of ['NewTopology', 'OriginalTopology']) {
      const holder = child(doc, part);
      const inner = holder?.children.find((c) => c.name === 'PartialTopology' || c.name === 'Topology');
      if (inner) return inner;
    }
    throw new FormatError('a Topology Builder file without a NewTopology or OriginalTopology topology');
  }
  throw new FormatError(`not a Lync/Skype for Business topology: the document element is <${doc.name}>`);
}

/** Walks the tree once, noting sites, clusters (with their enclosing site) and services. */
function walk(el: XmlElement, siteId: string | null, found: { sites: XmlElement[]; clusters: ClusterFound[]; services: XmlElement[] }): void {
  for (const c of el.children) {
    if (SITE_ELEMENTS.has(c.name) && attr(c, 'SiteId')) {
      found.sites.push(c);
      walk(c, attr(c, 'SiteId'), found);
    } else if (c.name === 'Cluster') {
      const idEl = child(c, 'ClusterId');
      const site = attr(idEl, 'SiteId') ?? attr(c, 'SiteId') ?? siteId;
      const num = attr(idEl, 'Number') ?? attr(c, 'Number');
      found.clusters.push({ el: c, id: site !== null && num !== null ? `${site}:${num}` : null, uniqueId: attr(c, 'UniqueId'), siteId: site });
    } else if (c.name === 'Service' && (attr(c, 'Type', 'RoleName') || child(c, 'ServiceId'))) {
      found.services.push(c);
    } else walk(c, siteId, found);
  }
}

/** Parses topology XML text: Get-CsTopology -AsXml output or a Topology Builder (.tbxml) file. */
export function parseTopology(text: string, source: string): Topology {
  const root = topologyRoot(parseXml(text));
  const found = { sites: [] as XmlElement[], clusters: [] as ClusterFound[], services: [] as XmlElement[] };
  walk(root, null, found);

  const sites: Topology['sites'] = [];
  const siteName = new Map<string, string>();
  for (const s of found.sites) {
    const id = attr(s, 'SiteId')!;
    const name = child(s, 'Name')?.text.trim() || attr(s, 'Name') || id;
    sites.push({ id, name, kind: s.name === 'BranchSite' ? 'branch' : 'central', parentId: attr(s, 'ParentSiteId') });
    siteName.set(id, name);
  }

  // a service points at its cluster by ClusterId (SiteId:Number) or, in .tbxml, by the cluster's UniqueId
  const keyOf = new Map<string, string>();
  for (const c of found.clusters) {
    const key = c.id ?? c.uniqueId;
    if (!key) continue;
    if (c.id) keyOf.set(c.id, key);
    if (c.uniqueId) keyOf.set(c.uniqueId.toLowerCase(), key);
  }
  const services: Topology['services'] = [];
  const rolesByCluster = new Map<string, Set<string>>();
  const directors = new Set<string>();
  for (const svc of found.services) {
    const named = attr(child(svc, 'ServiceId'), 'RoleName') ?? attr(svc, 'RoleName') ?? attr(svc, 'Type');
    if (!named) continue;
    const role = roleName(named);
    const installed = child(svc, 'InstalledOn');
    const ref = installed ? clusterKey(findAll(installed, 'ClusterId')[0]) : attr(svc, 'InstalledOn')?.toLowerCase();
    const cluster = ref ? (keyOf.get(ref) ?? ref) : null;
    services.push({ type: role, cluster, version: attr(svc, 'RoleVersion', 'ServiceVersion') });
    if (!cluster) continue;
    const set = rolesByCluster.get(cluster) ?? new Set<string>();
    set.add(role);
    rolesByCluster.set(cluster, set);
    const registrar = svc.children.find((c) => c.name === 'RegistrarService');
    if (role === 'Director' || /^true$/i.test(attr(registrar, 'IsDirector') ?? '')) directors.add(cluster);
  }

  const pools: Pool[] = [];
  let machines = 0;
  const fqdnByCluster = new Map<string, string>();
  const sqlStores: Topology['sqlStores'] = [];
  for (const c of found.clusters) {
    const key = c.id ?? c.uniqueId;
    const clusterFqdn = attr(c.el, 'Fqdn');
    // Topology Builder leaves a single machine's Fqdn out: it is the cluster's
    const members = findAll(c.el, 'Machine')
      .map((m) => attr(m, 'Fqdn') ?? clusterFqdn ?? '')
      .filter(Boolean);
    machines += members.length;
    const fqdn = clusterFqdn ?? members[0];
    if (!fqdn) continue;
    if (key) fqdnByCluster.set(key, fqdn);
    const roles = [...(key ? (rolesByCluster.get(key) ?? []) : [])].sort();
    const siteId = c.siteId;
    pools.push({
      fqdn,
      source,
      site: siteId ? (siteName.get(siteId) ?? siteId) : null,
      kind: poolKind(roles, key !== null && directors.has(key)),
      members: [...new Set(members)].sort(),
      aliases: c.id ? [c.id] : [],
      services: roles,
    });
    // .tbxml: SQL instances sit inside their cluster
    for (const inst of findAll(c.el, 'SqlInstance')) sqlStores.push({ cluster: key ?? fqdn, instance: attr(inst, 'Name', 'InstanceName') ?? attr(child(inst, 'SqlInstanceId'), 'Name'), fqdn });
  }

  // Get-CsTopology -AsXml: SqlInstances/SqlInstance/SqlInstanceId/ClusterId at the top level
  for (const inst of root.children.filter((c) => c.name === 'SqlInstances').flatMap((c) => findAll(c, 'SqlInstance'))) {
    const idEl = child(inst, 'SqlInstanceId');
    const cluster = clusterKey(idEl ? findAll(idEl, 'ClusterId')[0] : findAll(inst, 'ClusterId')[0]);
    if (!cluster) continue;
    sqlStores.push({ cluster, instance: attr(idEl, 'Name'), fqdn: fqdnByCluster.get(cluster) ?? null });
  }
  for (const store of sqlStores) {
    const pool = pools.find((p) => p.aliases.includes(store.cluster) || p.fqdn === store.cluster || fqdnByCluster.get(store.cluster) === p.fqdn);
    if (!pool) continue;
    if (pool.kind === 'other') pool.kind = 'sql-store';
    pool.services = [...new Set([...pool.services, `SqlInstance:${store.instance ?? 'default'}`])].sort();
  }
  return { sites, pools, machines, services, sqlStores };
}

export async function readTopologyFile(path: string, source: string): Promise<Topology> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    throw new LifeboatError('E_IO', `cannot read topology file ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseTopology(decodeText(buf).text, source);
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}

export const sfbTopologyCollector: Collector<TopologySourceConfig> = {
  type: 'sfb-topology',
  defaultTimeoutSeconds: 60,
  location: (c) => c.path,
  async collect(config, ctx) {
    const topo = await readTopologyFile(config.path, ctx.source);
    ctx.out.pools.push(...topo.pools);
    ctx.count('sites', topo.sites.length);
    ctx.count('pools', topo.pools.length);
    ctx.count('machines', topo.machines);
    ctx.count('services', topo.services.length);
    ctx.count('sqlStores', topo.sqlStores.length);
    if (topo.pools.length === 0) ctx.warn('the topology names no pools');
  },
};
