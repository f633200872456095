/**
 * `postgres`: a PostgreSQL server — version, the settings that matter for a migration,
 * databases (size, owner, encoding, collation, extensions) and roles. Reads pg_roles, never
 * pg_authid: password hashes are not selected and would not be visible anyway.
 * Extensions are per database, so each database that accepts connections is visited in turn.
 */
import { readFile } from 'node:fs/promises';
import { Client, type ClientConfig } from 'pg';
import { LifeboatError, errorMessage } from '../../core/index.js';
import type { PostgresSourceConfig } from '../config/index.js';
import { type Database, type DatabaseRole, type DatabaseServer, redactSecrets, redactUrl } from '../model/index.js';
import type { Collector, CollectorContext } from './collector.js';

export const IMPORTANT_SETTINGS = [
  'server_version',
  'server_encoding',
  'listen_addresses',
  'port',
  'max_connections',
  'shared_buffers',
  'effective_cache_size',
  'work_mem',
  'maintenance_work_mem',
  'wal_level',
  'max_wal_size',
  'archive_mode',
  'archive_command',
  'max_wal_senders',
  'max_replication_slots',
  'hot_standby',
  'synchronous_commit',
  'synchronous_standby_names',
  'shared_preload_libraries',
  'ssl',
  'password_encryption',
  'data_directory',
  'config_file',
  'hba_file',
  'TimeZone',
  'lc_collate',
  'lc_ctype',
  'log_destination',
  'logging_collector',
];

async function connectionConfig(config: PostgresSourceConfig, ctx: CollectorContext): Promise<ClientConfig> {
  let password: string | undefined;
  if (config.passwordFile) {
    try {
      password = (await readFile(config.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new LifeboatError('E_IO', `cannot read the PostgreSQL password file ${config.passwordFile}: ${errorMessage(err)}`, { cause: err });
    }
  } else if (config.passwordEnv) {
    password = ctx.env[config.passwordEnv];
    if (password === undefined) throw new LifeboatError('E_CONFIG', `environment variable ${config.passwordEnv} (passwordEnv) is not set`);
  }
  const ssl = config.caFile ? { ca: await readFile(config.caFile, 'utf8') } : undefined;
  // pg lets the connection string's (empty) password win over a separate `password` option,
  // so a password from a file goes into the URL (which never leaves this function's callers)
  const url = new URL(config.url);
  if (password !== undefined) url.password = encodeURIComponent(password);
  return {
    connectionString: url.toString(),
    ...(ssl ? { ssl } : {}),
    connectionTimeoutMillis: 15_000,
    query_timeout: 120_000,
    application_name: 'lifeboat-inventory',
  };
}

async function withClient<T>(cfg: ClientConfig, signal: AbortSignal, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client(cfg);
  const onAbort = (): void => void client.end().catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}

export const postgresCollector: Collector<PostgresSourceConfig> = {
  type: 'postgres',
  defaultTimeoutSeconds: 300,
  location: (c) => redactUrl(c.url),
  async collect(config, ctx) {
    const cfg = await connectionConfig(config, ctx);
    const server = await withClient(cfg, ctx.signal, async (client) => {
      const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
      const settingsRows = (
        await client.query<{ name: string; value: string }>('SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name', [IMPORTANT_SETTINGS])
      ).rows;
      const settings: Record<string, string> = {};
      for (const r of settingsRows) settings[r.name] = r.name === 'archive_command' ? redactSecrets(r.value) : r.value;
      const hidden = IMPORTANT_SETTINGS.filter((s) => !(s in settings) && !['lc_collate', 'lc_ctype'].includes(s));
      if (hidden.length) ctx.warn(`settings not visible to this role: ${hidden.join(', ')} (grant pg_read_all_settings to see them)`);

      const dbRows = (
        await client.query<{ name: string; owner: string; encoding: string; collation: string | null; allowconn: boolean; size: string | null }>(
          `SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner, pg_encoding_to_char(d.encoding) AS encoding,
                  d.datcollate AS collation, d.datallowconn AS allowconn,
                  CASE WHEN has_database_privilege(d.datname, 'CONNECT') THEN pg_database_size(d.datname) END AS size
             FROM pg_database d WHERE NOT d.datistemplate ORDER BY d.datname`,
        )
      ).rows;
      const roles: DatabaseRole[] = (
        await client.query<{
          rolname: string;
          rolsuper: boolean;
          rolcanlogin: boolean;
          rolcreaterole: boolean;
          rolcreatedb: boolean;
          rolreplication: boolean;
          rolvaliduntil: Date | null;
          memberof: string[];
        }>(
          `SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolvaliduntil,
                  ARRAY(SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON m.roleid = b.oid
                         WHERE m.member = r.oid ORDER BY b.rolname)::text[] AS memberof
             FROM pg_roles r WHERE r.rolname !~ '^pg_' ORDER BY r.rolname`,
        )
      ).rows.map((r) => ({
        name: r.rolname,
        superuser: r.rolsuper,
        canLogin: r.rolcanlogin,
        createRole: r.rolcreaterole,
        createDb: r.rolcreatedb,
        replication: r.rolreplication,
        validUntil: r.rolvaliduntil && Number.isFinite(r.rolvaliduntil.getTime()) ? r.rolvaliduntil.toISOString() : null,
        memberOf: r.memberof,
      }));
      const host = client.host;
      const port = client.port;
      return { version, settings, dbRows, roles, endpoint: `${host}:${port}` };
    });

    const databases: Database[] = [];
    for (const d of server.dbRows) {
      ctx.signal.throwIfAborted();
      let extensions: Database['extensions'] = [];
      if (d.allowconn) {
        try {
          extensions = await withClient(
            { ...cfg, ...dbTarget(cfg.connectionString!, d.name) },
            ctx.signal,
            async (c) => (await c.query<{ name: string; version: string }>('SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY extname')).rows,
          );
        } catch (err) {
          ctx.warn(`database ${d.name}: cannot list extensions: ${errorMessage(err)}`);
        }
      }
      databases.push({
        name: d.name,
        owner: d.owner,
        encoding: d.encoding,
        collation: d.collation,
        sizeBytes: d.size === null ? null : Number(d.size),
        extensions,
      });
    }
    const db: DatabaseServer = {
      source: ctx.source,
      engine: 'postgres',
      endpoint: server.endpoint,
      version: server.version,
      settings: server.settings,
      databases,
      roles: server.roles,
    };
    ctx.out.databaseServers.push(db);
    ctx.count('databases', databases.length);
    ctx.count('roles', server.roles.length);
  },
};

/** The same connection with another database. */
function dbTarget(url: string, database: string): ClientConfig {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return { connectionString: u.toString() };
}
