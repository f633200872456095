/**
 * `sfb-topology`: the XML written by `Get-CsTopology -AsXml` (Lync 2010 to Skype for Business
 * 2019). It yields sites, pools ("clusters", each with a cluster id SiteId:Number, an FQDN and
 * machines), the services installed on each cluster and the SQL stores. Pools get the cluster id
 * as an alias so that home-server DNs (`CN=1:1,CN=Pools,…`) resolve to their FQDN.
 * The file is often UTF-16 (Windows PowerShell `Out-File`), hence decodeText.
 */
import { readFile } from 'node:fs/promises';
import { FormatError, LifeboatError } from '../../core/index.js';
import type { Pool } from '../model/index.js';
import type { TopologySourceConfig } from '../config/index.js';
import type { Collector } from './collector.js';
import { decodeText } from './text-decode.js';
import { type XmlElement, child, findAll, parseXml } from './xml.js';

export interface Topology {
  sites: { id: string; name: string; kind: 'central' | 'branch'; parentId: string | null }[];
  pools: Pool[];
  machines: number;
  services: { type: string; cluster: string | null; version: string | null }[];
  sqlStores: { cluster: string; instance: string | null; fqdn: string | null }[];
}

const KIND_BY_SERVICE: [RegExp, string][] = [
  [/^(Registrar|UserServices|WebServices|ConfServices|ApplicationServer)$/i, 'front-end'],
  [/^Director$/i, 'director'],
  [/^Edge(Server)?$/i, 'edge'],
  [/^MediationServer$/i, 'mediation'],
  [/^PstnGateway$/i, 'pstn-gateway'],
  [/^(UserStore|ArchivingStore|MonitoringStore|PersistentChatStore|PersistentChatComplianceStore|Sql\w*)$/i, 'sql-store'],
  [/^FileStore$/i, 'file-store'],
  [/^WacService$/i, 'office-web-apps'],
  [/^PersistentChatServer$/i, 'persistent-chat'],
  [/^(ExternalServer|TrustedApplicationPool|TrustedApplication)$/i, 'trusted-application'],
];

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

/** Parses topology XML text. */
export function parseTopology(text: string, source: string): Topology {
  const root = parseXml(text);
  if (root.name !== 'Topology') throw new FormatError(`not a Lync/Skype for Business topology: the document element is <${root.name}>`);
  const sites: Topology['sites'] = [];
  const siteName = new Map<string, string>();
  const sitesEl = child(root, 'Sites');
  for (const s of sitesEl?.children ?? []) {
    const id = attr(s, 'SiteId');
    if (!id) continue;
    const name = child(s, 'Name')?.text.trim() || attr(s, 'Name') || id;
    sites.push({ id, name, kind: s.name === 'BranchSite' ? 'branch' : 'central', parentId: attr(s, 'ParentSiteId') });
    siteName.set(id, name);
  }

  const services: Topology['services'] = [];
  const servicesByCluster = new Map<string, Set<string>>();
  for (const svc of findAll(root, 'Service')) {
    const type = attr(svc, 'Type') ?? attr(child(svc, 'ServiceId'), 'RoleName');
    if (!type) continue;
    const installed = child(svc, 'InstalledOn');
    const clusterEl = installed ? findAll(installed, 'ClusterId')[0] : undefined;
    const cluster = clusterKey(clusterEl);
    services.push({ type, cluster, version: attr(svc, 'RoleVersion', 'ServiceVersion') });
    if (cluster) {
      const set = servicesByCluster.get(cluster) ?? new Set<string>();
      set.add(type);
      servicesByCluster.set(cluster, set);
    }
  }

  const pools: Pool[] = [];
  let machines = 0;
  const fqdnByCluster = new Map<string, string>();
  for (const c of findAll(root, 'Cluster')) {
    const id = clusterKey(child(c, 'ClusterId'));
    const members = c.children.filter((m) => m.name === 'Machine').map((m) => attr(m, 'Fqdn') ?? '').filter(Boolean);
    machines += members.length;
    const fqdn = attr(c, 'Fqdn') ?? members[0];
    if (!fqdn) continue;
    if (id) fqdnByCluster.set(id, fqdn);
    const svc = [...(id ? (servicesByCluster.get(id) ?? []) : [])].sort();
    let kind = 'other';
    for (const [re, k] of KIND_BY_SERVICE) {
      if (svc.some((s) => re.test(s))) {
        kind = k;
        break;
      }
    }
    const siteId = id?.split(':')[0];
    pools.push({
      fqdn,
      source,
      site: siteId ? (siteName.get(siteId) ?? siteId) : null,
      kind,
      members: members.sort(),
      aliases: id ? [id] : [],
      services: svc,
    });
  }

  const sqlStores: Topology['sqlStores'] = [];
  for (const inst of findAll(root, 'SqlInstance')) {
    const idEl = child(inst, 'SqlInstanceId');
    const cluster = clusterKey(idEl ? findAll(idEl, 'ClusterId')[0] : findAll(inst, 'ClusterId')[0]);
    if (!cluster) continue;
    const fqdn = fqdnByCluster.get(cluster) ?? null;
    sqlStores.push({ cluster, instance: attr(idEl, 'Name'), fqdn });
    const pool = pools.find((p) => p.aliases.includes(cluster));
    if (pool && pool.kind === 'other') pool.kind = 'sql-store';
    if (pool) pool.services = [...new Set([...pool.services, `SqlInstance:${attr(idEl, 'Name') ?? 'default'}`])].sort();
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
