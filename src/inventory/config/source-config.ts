/**
 * The source list: one entry per system to read. Validated with zod; `loadInventoryConfig`
 * maps a failing key back to its line in the YAML file.
 */
import { z } from 'zod';

const name = z
  .string()
  .min(1)
  .regex(/^[\w.@:-]+$/, 'use letters, digits and . _ - @ : only');
const timeoutSeconds = z.number().positive().max(86_400);
const common = { name: name.optional(), timeoutSeconds: timeoutSeconds.optional() };

export const hostSourceSchema = z.strictObject({ type: z.literal('host'), ...common });

export const ldapSourceSchema = z.strictObject({
  type: z.literal('ldap'),
  ...common,
  url: z.string().regex(/^ldaps?:\/\/[^/\s]+\/?$/i, 'must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]'),
  /** Absent: anonymous bind. */
  bindDn: z.string().min(1).optional(),
  passwordFile: z.string().min(1).optional(),
  /** Name of an environment variable holding the bind password. */
  passwordEnv: z.string().min(1).optional(),
  baseDn: z.string().min(1),
  startTLS: z.boolean().optional(),
  caFile: z.string().min(1).optional(),
  preset: z.enum(['sfb', 'exchange', 'generic']).optional(),
  filter: z.string().min(1).optional(),
  homeAttribute: z.string().min(1).optional(),
  idAttribute: z.string().min(1).optional(),
  attributes: z.array(z.string().min(1)).optional(),
  scope: z.enum(['base', 'one', 'sub']).optional(),
  pageSize: z.number().int().min(1).max(10_000).optional(),
  /** Get-CsTopology -AsXml output or a Topology Builder .tbxml file, to name pools. */
  topologyFile: z.string().min(1).optional(),
  /** Explicit home value → pool FQDN (pool DN, "1:2" cluster id, or the full home-server DN). */
  poolMap: z.record(z.string(), z.string()).optional(),
  /** Where to look for msRTCSIP-Pool objects; default: the configuration partition under baseDn and baseDn itself. */
  poolsBaseDn: z.string().min(1).optional(),
  /** Rollback re-homes accounts as this account (write access to the home attribute); default: bindDn. */
  rollbackBindDn: z.string().min(1).optional(),
  rollbackPasswordFile: z.string().min(1).optional(),
  rollbackPasswordEnv: z.string().min(1).optional(),
});

const csvColumns = z.strictObject({
  id: z.string().min(1).optional(),
  homePool: z.string().min(1).optional(),
  displayName: z.string().min(1).optional(),
  sipAddress: z.string().min(1).optional(),
  primaryAddress: z.string().min(1).optional(),
  enabled: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
});

export const csvSourceSchema = z.strictObject({
  type: z.literal('csv'),
  ...common,
  path: z.string().min(1),
  preset: z.enum(['sfb', 'generic']).optional(),
  columns: csvColumns.optional(),
  /** Default: from the extension and the first character (`[` → JSON). */
  format: z.enum(['csv', 'json']).optional(),
  delimiter: z.string().length(1).optional(),
  /** Longest CSV record (characters) before the read stops with an error; default 1 MiB. */
  maxRecordChars: z
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .optional(),
  topologyFile: z.string().min(1).optional(),
  poolMap: z.record(z.string(), z.string()).optional(),
});

export const topologySourceSchema = z.strictObject({ type: z.literal('sfb-topology'), ...common, path: z.string().min(1) });

export const postgresSourceSchema = z.strictObject({
  type: z.literal('postgres'),
  ...common,
  url: z.string().regex(/^postgres(ql)?:\/\//i, 'must be postgres://USER@HOST[:PORT]/DATABASE'),
  passwordFile: z.string().min(1).optional(),
  passwordEnv: z.string().min(1).optional(),
  caFile: z.string().min(1).optional(),
});

export const sourceConfigSchema = z.discriminatedUnion('type', [hostSourceSchema, ldapSourceSchema, csvSourceSchema, topologySourceSchema, postgresSourceSchema]);

export const inventoryConfigSchema = z.strictObject({
  sources: z.array(sourceConfigSchema).min(1, 'list at least one source'),
});

export type HostSourceConfig = z.infer<typeof hostSourceSchema>;
export type LdapSourceConfig = z.infer<typeof ldapSourceSchema>;
export type CsvSourceConfig = z.infer<typeof csvSourceSchema>;
export type TopologySourceConfig = z.infer<typeof topologySourceSchema>;
export type PostgresSourceConfig = z.infer<typeof postgresSourceSchema>;
export type SourceConfig = z.infer<typeof sourceConfigSchema>;
export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

/** The paths in a source that are relative to the config file. */
export const PATH_KEYS = ['path', 'passwordFile', 'caFile', 'topologyFile', 'rollbackPasswordFile'] as const;
