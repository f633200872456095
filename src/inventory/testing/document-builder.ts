/** Builders for inventory documents in tests (summary always derived). */
import { type Account, type DatabaseServer, type HostInfo, INVENTORY_SCHEMA, INVENTORY_SCHEMA_VERSION, type InventoryDocument, type Pool, type SourceReport, summarize } from '../model/index.js';

export function account(id: string, over: Partial<Account> = {}): Account {
  return {
    id,
    source: 'ad',
    kind: 'user',
    displayName: `User ${id}`,
    sipAddress: `sip:${id}@contoso.com`,
    primaryAddress: `sip:${id}@contoso.com`,
    homePool: 'pool01.contoso.com',
    homeRaw: 'CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration,DC=contoso,DC=com',
    homing: 'on-premises',
    enabled: true,
    attributes: {},
    ...over,
  };
}

export function pool(fqdn: string, over: Partial<Pool> = {}): Pool {
  return { fqdn, source: 'ad', site: 'Redmond', kind: 'front-end', members: [], aliases: [], services: [], ...over };
}

export function host(hostname: string, over: Partial<HostInfo> = {}): HostInfo {
  return {
    hostname,
    source: 'host',
    os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: { release: '6.1.0', version: '#1 SMP', arch: 'x86_64' },
    cpu: { model: 'CPU', count: 2 },
    memory: { totalBytes: 4 * 2 ** 30, availableBytes: 2 * 2 ** 30, swapTotalBytes: 0 },
    timeZone: 'Etc/UTC',
    filesystems: [{ device: '/dev/sda1', type: 'ext4', mountpoint: '/', sizeBytes: 100, usedBytes: 50, availableBytes: 50 }],
    blockDevices: [],
    interfaces: [{ name: 'lo', mac: null, addresses: [{ family: 'IPv4', address: '127.0.0.1', prefixLength: 8 }] }],
    routes: [],
    dnsResolvers: ['10.0.0.53'],
    dnsSearch: [],
    listeningSockets: [{ protocol: 'tcp', address: '0.0.0.0', port: 22, process: 'sshd' }],
    packages: [
      { manager: 'dpkg', name: 'bash', version: '5.2.15-2', arch: 'amd64' },
      { manager: 'dpkg', name: 'openssh-server', version: '1:9.2p1-2', arch: 'amd64' },
    ],
    services: [{ name: 'ssh.service', state: 'active/running', enablement: 'enabled' }],
    users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', gecos: 'root' }],
    groups: [{ name: 'root', gid: 0, members: [] }],
    crontabs: [],
    ...over,
  };
}

export function dbServer(over: Partial<DatabaseServer> = {}): DatabaseServer {
  return {
    source: 'pg',
    engine: 'postgres',
    endpoint: '127.0.0.1:5432',
    version: '15.4',
    settings: { max_connections: '100' },
    databases: [{ name: 'app', owner: 'appowner', encoding: 'UTF8', collation: 'C', sizeBytes: 1000, extensions: [{ name: 'plpgsql', version: '1.0' }] }],
    roles: [{ name: 'app', superuser: false, canLogin: true, createRole: false, createDb: false, replication: false, validUntil: null, memberOf: [] }],
    ...over,
  };
}

export function source(name: string, over: Partial<SourceReport> = {}): SourceReport {
  return { name, type: 'ldap', location: null, status: 'ok', startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, warnings: [], errors: [], counts: {}, ...over };
}

export function makeDocument(parts: Partial<Omit<InventoryDocument, 'summary'>> = {}): InventoryDocument {
  const doc: Omit<InventoryDocument, 'summary'> = {
    schema: INVENTORY_SCHEMA,
    schemaVersion: INVENTORY_SCHEMA_VERSION,
    collectedAt: '2026-01-01T00:00:00.000Z',
    generator: { name: 'lifeboat', version: '0.1.0' },
    sources: [source('ad')],
    hosts: [],
    pools: [],
    accounts: [],
    databaseServers: [],
    ...parts,
  };
  return { ...doc, summary: summarize(doc) };
}
