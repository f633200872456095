/**
 * The inventory document: one versioned JSON object describing the systems that were read
 * (hosts, directories, databases) and every account with the pool it is homed on.
 * Schema: docs/design/inventory-schema.json (checked against this model in the tests).
 */

export const INVENTORY_SCHEMA = 'lifeboat-inventory';
/** Bumped on any incompatible change; readers reject versions they do not know. */
export const INVENTORY_SCHEMA_VERSION = 1;

export type SourceType = 'host' | 'ldap' | 'csv' | 'sfb-topology' | 'postgres';
export type SourceStatus = 'ok' | 'partial' | 'failed';

export interface InventoryDocument {
  schema: typeof INVENTORY_SCHEMA;
  schemaVersion: typeof INVENTORY_SCHEMA_VERSION;
  /** ISO 8601 UTC time the collection started. */
  collectedAt: string;
  generator: { name: string; version: string | null };
  sources: SourceReport[];
  hosts: HostInfo[];
  pools: Pool[];
  accounts: Account[];
  databaseServers: DatabaseServer[];
  summary: Summary;
}

export interface SourceReport {
  /** Unique within the document; accounts, pools, hosts and servers point at it. */
  name: string;
  type: SourceType;
  /** Where it was read from, with any password removed (URL, file path, hostname). */
  location: string | null;
  status: SourceStatus;
  startedAt: string;
  durationMs: number;
  warnings: string[];
  errors: string[];
  counts: Record<string, number>;
}

export type AccountKind = 'user' | 'contact' | 'common-area-phone' | 'meeting-room' | 'analog-device' | 'application' | 'group' | 'other';

/** Where the account lives: a pool on premises, an online service, or nowhere yet. */
export type Homing = 'on-premises' | 'online' | 'unassigned';

export type AttributeValue = string | number | boolean | null | string[];

export interface Account {
  /** Stable identity within its source (objectGUID, entryUUID, SIP address, …). */
  id: string;
  source: string;
  kind: AccountKind;
  displayName: string | null;
  /** `sip:` URI when the source knows one. */
  sipAddress: string | null;
  /** The best other address (mail, userPrincipalName) when there is no SIP address, else the SIP address. */
  primaryAddress: string | null;
  /** Pool FQDN (or mailbox database, or online service), null when unassigned or unresolved. */
  homePool: string | null;
  /** The home attribute exactly as the source gave it. */
  homeRaw: string | null;
  homing: Homing;
  enabled: boolean | null;
  /** The remaining interesting attributes (never passwords or secrets). */
  attributes: Record<string, AttributeValue>;
}

export interface Pool {
  fqdn: string;
  source: string;
  site: string | null;
  /** front-end, sql-store, edge, mediation, mailbox-database, online, … */
  kind: string;
  /** Machine FQDNs (or servers) that make up the pool. */
  members: string[];
  /** Identifiers the pool is also known by: topology cluster id ("1:2"), directory DN. */
  aliases: string[];
  services: string[];
}

export interface HostInfo {
  hostname: string;
  source: string;
  os: { id: string | null; name: string | null; version: string | null; prettyName: string | null };
  kernel: { release: string; version: string; arch: string };
  cpu: { model: string | null; count: number };
  memory: { totalBytes: number; availableBytes: number | null; swapTotalBytes: number | null };
  timeZone: string | null;
  filesystems: Filesystem[];
  blockDevices: BlockDevice[];
  interfaces: NetworkInterface[];
  routes: Route[];
  dnsResolvers: string[];
  dnsSearch: string[];
  listeningSockets: ListeningSocket[];
  packages: Package[];
  services: Service[];
  users: LocalUser[];
  groups: LocalGroup[];
  crontabs: CrontabEntry[];
}

export interface Filesystem {
  device: string;
  type: string;
  mountpoint: string;
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

export interface BlockDevice {
  name: string;
  type: string;
  sizeBytes: number;
  model: string | null;
  fstype: string | null;
  mountpoints: string[];
  parent: string | null;
}

export interface NetworkInterface {
  name: string;
  mac: string | null;
  addresses: { family: 'IPv4' | 'IPv6'; address: string; prefixLength: number | null }[];
}

export interface Route {
  destination: string;
  gateway: string | null;
  device: string | null;
  family: 'IPv4' | 'IPv6';
}

export interface ListeningSocket {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
  process: string | null;
}

export interface Package {
  manager: 'dpkg' | 'rpm';
  name: string;
  version: string;
  arch: string | null;
}

export interface Service {
  name: string;
  /** systemd ActiveState/SubState, e.g. "active/running". */
  state: string;
  /** systemd UnitFileState: enabled, disabled, static, masked, … (null when unknown). */
  enablement: string | null;
}

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  gecos: string;
}

export interface LocalGroup {
  name: string;
  gid: number;
  members: string[];
}

export interface CrontabEntry {
  /** File the entry came from. */
  file: string;
  /** User the command runs as, when the file says (system crontabs) or implies (user crontabs). */
  user: string | null;
  schedule: string;
  /** The command with anything that looks like a secret replaced by `<redacted>`. */
  command: string;
}

export interface DatabaseServer {
  source: string;
  engine: 'postgres';
  /** host:port. */
  endpoint: string;
  version: string;
  settings: Record<string, string>;
  databases: Database[];
  roles: DatabaseRole[];
}

export interface Database {
  name: string;
  owner: string;
  encoding: string;
  collation: string | null;
  sizeBytes: number | null;
  extensions: { name: string; version: string }[];
}

export interface DatabaseRole {
  name: string;
  superuser: boolean;
  canLogin: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  /** Expiry of the password (not the password), ISO time, or null. */
  validUntil: string | null;
  memberOf: string[];
}

export interface PoolCount {
  /** Pool FQDN, or null for accounts that are not homed anywhere. */
  pool: string | null;
  count: number;
}

export interface Summary {
  accounts: number;
  /** Sorted by pool name, the unassigned (null) entry last. */
  accountsPerPool: PoolCount[];
  accountsPerKind: Record<string, number>;
  enabledAccounts: number;
  disabledAccounts: number;
  hosts: number;
  pools: number;
  databases: number;
  warnings: number;
  errors: number;
}
