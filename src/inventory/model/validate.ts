/**
 * Validation of an inventory document read back from JSON (zod). Strict: unknown keys are
 * rejected so that a document is always what this version of the schema says it is.
 */
import { z } from 'zod';
import { FormatError } from '../../core/index.js';
import { INVENTORY_SCHEMA, INVENTORY_SCHEMA_VERSION, type InventoryDocument } from './document.js';

const str = z.string();
const nstr = z.string().nullable();
const count = z.number().int().nonnegative();
const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

const sourceReport = z.strictObject({
  name: str,
  type: z.enum(['host', 'ldap', 'csv', 'sfb-topology', 'postgres']),
  location: nstr,
  status: z.enum(['ok', 'partial', 'failed']),
  startedAt: str,
  durationMs: z.number().nonnegative(),
  warnings: z.array(str),
  errors: z.array(str),
  counts: z.record(str, count),
});

const account = z.strictObject({
  id: str,
  source: str,
  kind: z.enum(['user', 'contact', 'common-area-phone', 'meeting-room', 'analog-device', 'application', 'group', 'other']),
  displayName: nstr,
  sipAddress: nstr,
  primaryAddress: nstr,
  homePool: nstr,
  homeRaw: nstr,
  homing: z.enum(['on-premises', 'online', 'unassigned']),
  enabled: z.boolean().nullable(),
  attributes: z.record(str, attributeValue),
});

const pool = z.strictObject({
  fqdn: str,
  source: str,
  site: nstr,
  kind: str,
  members: z.array(str),
  aliases: z.array(str),
  services: z.array(str),
});

const host = z.strictObject({
  hostname: str,
  source: str,
  os: z.strictObject({ id: nstr, name: nstr, version: nstr, prettyName: nstr }),
  kernel: z.strictObject({ release: str, version: str, arch: str }),
  cpu: z.strictObject({ model: nstr, count }),
  memory: z.strictObject({ totalBytes: count, availableBytes: count.nullable(), swapTotalBytes: count.nullable() }),
  timeZone: nstr,
  filesystems: z.array(z.strictObject({ device: str, type: str, mountpoint: str, sizeBytes: count, usedBytes: count, availableBytes: count })),
  blockDevices: z.array(z.strictObject({ name: str, type: str, sizeBytes: count, model: nstr, fstype: nstr, mountpoints: z.array(str), parent: nstr })),
  interfaces: z.array(
    z.strictObject({
      name: str,
      mac: nstr,
      addresses: z.array(z.strictObject({ family: z.enum(['IPv4', 'IPv6']), address: str, prefixLength: count.nullable() })),
    }),
  ),
  routes: z.array(z.strictObject({ destination: str, gateway: nstr, device: nstr, family: z.enum(['IPv4', 'IPv6']) })),
  dnsResolvers: z.array(str),
  dnsSearch: z.array(str),
  listeningSockets: z.array(z.strictObject({ protocol: z.enum(['tcp', 'udp']), address: str, port: count, process: nstr })),
  packages: z.array(z.strictObject({ manager: z.enum(['dpkg', 'rpm']), name: str, version: str, arch: nstr })),
  services: z.array(z.strictObject({ name: str, state: str, enablement: nstr })),
  users: z.array(z.strictObject({ name: str, uid: count, gid: count, home: str, shell: str, gecos: str })),
  groups: z.array(z.strictObject({ name: str, gid: count, members: z.array(str) })),
  crontabs: z.array(z.strictObject({ file: str, user: nstr, schedule: str, command: str })),
});

const databaseServer = z.strictObject({
  source: str,
  engine: z.literal('postgres'),
  endpoint: str,
  version: str,
  settings: z.record(str, str),
  databases: z.array(
    z.strictObject({
      name: str,
      owner: str,
      encoding: str,
      collation: nstr,
      sizeBytes: count.nullable(),
      extensions: z.array(z.strictObject({ name: str, version: str })),
    }),
  ),
  roles: z.array(
    z.strictObject({
      name: str,
      superuser: z.boolean(),
      canLogin: z.boolean(),
      createRole: z.boolean(),
      createDb: z.boolean(),
      replication: z.boolean(),
      validUntil: nstr,
      memberOf: z.array(str),
    }),
  ),
});

export const inventoryDocumentSchema = z.strictObject({
  schema: z.literal(INVENTORY_SCHEMA),
  schemaVersion: z.literal(INVENTORY_SCHEMA_VERSION),
  collectedAt: str,
  generator: z.strictObject({ name: str, version: nstr }),
  sources: z.array(sourceReport),
  hosts: z.array(host),
  pools: z.array(pool),
  accounts: z.array(account),
  databaseServers: z.array(databaseServer),
  summary: z.strictObject({
    accounts: count,
    accountsPerPool: z.array(z.strictObject({ pool: nstr, count })),
    accountsPerKind: z.record(str, count),
    enabledAccounts: count,
    disabledAccounts: count,
    hosts: count,
    pools: count,
    databases: count,
    warnings: count,
    errors: count,
  }),
});

/** `$.accounts[3].homePool` style path for messages. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

/**
 * Checks that `json` is an inventory document of a version this build reads.
 * @throws FormatError naming the first offending path (`$.accounts[3].homePool: …`).
 */
export function validateInventoryDocument(json: unknown): InventoryDocument {
  if (typeof json === 'object' && json !== null && 'schemaVersion' in json) {
    const v = json.schemaVersion;
    if (typeof v === 'number' && v > INVENTORY_SCHEMA_VERSION) {
      throw new FormatError(`inventory document has schema version ${v}; this lifeboat reads version ${INVENTORY_SCHEMA_VERSION}`, {
        hint: 'upgrade lifeboat to read it',
      });
    }
  }
  const r = inventoryDocumentSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.code === 'unrecognized_keys' ? formatPath([...issue.path, issue.keys[0] ?? '']) : formatPath(issue.path);
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
    throw new FormatError(`not a valid inventory document: ${where}: ${issue.message}${more}`);
  }
  return r.data;
}

/** Parses JSON text and validates it; `name` (a file name) goes into error messages. */
export function parseInventoryDocument(text: string, name = 'inventory document'): InventoryDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${name}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  try {
    return validateInventoryDocument(json);
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${name}: ${err.message}`, { hint: err.hint, cause: err });
    throw err;
  }
}
