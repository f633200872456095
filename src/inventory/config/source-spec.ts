/**
 * One-off sources from the command line: `--source TYPE:ARG`.
 *   host                       this machine
 *   csv:users.csv              a CSV or JSON export (preset from --preset)
 *   sfb-topology:topology.xml  a Get-CsTopology -AsXml file
 *   ldap:ldap://host:389/DC=contoso,DC=com   anonymous bind, base DN after the slash
 *   postgres:postgres://user@host/db
 */
import { resolve } from 'node:path';
import { LifeboatError } from '../../core/index.js';
import { type SourceConfig, sourceConfigSchema } from './source-config.js';
import { resolveSourcePaths } from './load-config.js';

export function parseSourceSpec(spec: string, preset?: string, cwd: string = process.cwd()): SourceConfig {
  const colon = spec.indexOf(':');
  const type = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  let raw: Record<string, unknown>;
  switch (type) {
    case 'host':
      raw = { type };
      break;
    case 'csv':
    case 'sfb-topology':
      raw = { type, path: arg };
      if (type === 'csv' && preset) raw.preset = preset;
      break;
    case 'ldap': {
      const m = /^(ldaps?:\/\/[^/]+)\/(.+)$/i.exec(arg);
      if (!m) throw usage(spec, 'write ldap:ldap://HOST[:PORT]/BASE-DN');
      raw = { type, url: m[1], baseDn: decodeURIComponent(m[2]!) };
      if (preset) raw.preset = preset;
      break;
    }
    case 'postgres':
      raw = { type, url: arg };
      break;
    default:
      throw usage(spec, 'TYPE is one of host, ldap, csv, sfb-topology, postgres');
  }
  const r = sourceConfigSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw usage(spec, `${issue.path.join('.') || 'source'}: ${issue.message}`);
  }
  return resolveSourcePaths([r.data], resolve(cwd))[0]!;
}

function usage(spec: string, detail: string): LifeboatError {
  return new LifeboatError('E_USAGE', `--source ${spec}: ${detail}`, {
    hint: 'use --source host, csv:FILE, sfb-topology:FILE, ldap:URL/BASE-DN or postgres:URL',
  });
}
