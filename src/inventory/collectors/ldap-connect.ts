/**
 * Connecting to a directory as an `ldap` source says: ldaps://, or ldap:// with optional StartTLS,
 * a CA file for private CAs, then a simple bind (or anonymous). Used by the collector, and by
 * rollback to write accounts back.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Client } from 'ldapts';
import { LifeboatError, errorMessage } from '../../core/index.js';
import type { LdapSourceConfig } from '../config/index.js';

type Env = Readonly<Record<string, string | undefined>>;

async function readPassword(config: LdapSourceConfig, env: Env): Promise<string | undefined> {
  if (config.passwordFile) {
    try {
      return (await readFile(config.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new LifeboatError('E_IO', `cannot read the LDAP password file ${config.passwordFile}: ${errorMessage(err)}`, { cause: err });
    }
  }
  if (config.passwordEnv) {
    const v = env[config.passwordEnv];
    if (v === undefined) throw new LifeboatError('E_CONFIG', `environment variable ${config.passwordEnv} (passwordEnv) is not set`);
    return v;
  }
  return undefined;
}

/** Splits a ldap(s)://host:port URL. */
function endpoint(url: string): { host: string } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, '') };
}

/**
 * Connects as the source config says: ldaps://, or ldap:// with optional StartTLS, a CA file for
 * private CAs, then a simple bind (or anonymous without bindDn). The caller unbinds.
 */
export async function connectLdap(config: LdapSourceConfig, env: Env, signal?: AbortSignal): Promise<Client> {
  const password = await readPassword(config, env);
  if (config.bindDn && password === undefined) throw new LifeboatError('E_CONFIG', 'bindDn is set but neither passwordFile nor passwordEnv is');
  const ca = config.caFile ? await readFile(config.caFile) : undefined;
  const host = endpoint(config.url).host;
  // SNI carries names only (RFC 6066); certificates for an IP are still checked against the IP
  const tlsOptions = { ...(ca ? { ca } : {}), ...(isIP(host) ? {} : { servername: host }) };
  const secure = config.url.toLowerCase().startsWith('ldaps:');
  if (config.startTLS && secure) throw new LifeboatError('E_CONFIG', 'startTLS is for ldap:// URLs; ldaps:// is already encrypted');
  // ldapts: TLS options on an ldap:// client break a later StartTLS; give them to startTLS only
  const client = new Client({ url: config.url, timeout: 120_000, connectTimeout: 15_000, ...(secure ? { tlsOptions } : {}), strictDN: false });
  try {
    if (config.startTLS) {
      await client.startTLS({ ...tlsOptions }).catch((err: unknown) => {
        throw new LifeboatError('E_IO', `StartTLS with ${config.url} failed: ${ldapErrorMessage(err)}`, { cause: err });
      });
    }
    if (config.bindDn) {
      await client.bind(config.bindDn, password).catch((err: unknown) => {
        throw new LifeboatError('E_IO', `bind as ${config.bindDn} failed: ${ldapErrorMessage(err)}`, { cause: err });
      });
    }
    signal?.throwIfAborted();
    return client;
  } catch (err) {
    await client.unbind().catch(() => {});
    throw err;
  }
}

/** ldapts errors carry only " Code: 0x31" as message; the class name says what happened. */
export function ldapErrorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number' && /Error$/.test(err.name) && err.name !== 'Error') {
      const words = err.name
        .replace(/Error$/, '')
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase();
      return `${words} (LDAP result ${code})`;
    }
    return err.message;
  }
  return String(err);
}
