/**
 * `csv`: account lists exported by admins — `Get-CsUser | Export-Csv`, `Select-Object … |
 * Export-Csv`, or `ConvertTo-Json` output — in whatever encoding PowerShell produced
 * (see text-decode.ts). Preset `sfb` knows the Get-CsUser columns; otherwise `columns:` names
 * them. Every other non-empty column goes to `attributes` (secret-looking names dropped).
 */
import { readFile } from 'node:fs/promises';
import { FormatError, LifeboatError } from '../../core/index.js';
import type { CsvSourceConfig } from '../config/index.js';
import { type Account, type AccountKind, type AttributeValue, type Homing, isSecretAttribute } from '../model/index.js';
import type { Collector, CollectorContext } from './collector.js';
import { parseCsv } from './csv-parse.js';
import { PoolIndex, unresolvedPoolName } from './pool-index.js';
import { readTopologyFile } from './sfb-topology.js';
import { decodeText } from './text-decode.js';

type Columns = NonNullable<CsvSourceConfig['columns']>;

const SFB_COLUMNS: Required<Columns> = {
  id: 'SipAddress',
  homePool: 'RegistrarPool',
  displayName: 'DisplayName',
  sipAddress: 'SipAddress',
  primaryAddress: 'UserPrincipalName',
  enabled: 'Enabled',
  kind: 'Kind',
};

const GENERIC_COLUMNS: Columns = {
  id: 'Id',
  homePool: 'HomePool',
  displayName: 'DisplayName',
  sipAddress: 'SipAddress',
  primaryAddress: 'Mail',
  enabled: 'Enabled',
  kind: 'Kind',
};

/** Columns that identify the account but are not its id, tried when the id column is empty. */
const FALLBACK_IDS = ['SipAddress', 'Identity', 'UserPrincipalName', 'SamAccountName', 'DistinguishedName', 'Id', 'Name'];

type Row = Record<string, AttributeValue>;

/** Reads a CSV or JSON export into rows (JSON values kept typed, CSV values strings). */
export async function readRows(config: CsvSourceConfig): Promise<{ rows: Row[]; encoding: string; typeName: string | null }> {
  let buf: Buffer;
  try {
    buf = await readFile(config.path);
  } catch (err) {
    throw new LifeboatError('E_IO', `cannot read ${config.path}: ${(err as Error).message}`, { cause: err });
  }
  const { text, encoding } = decodeText(buf);
  const json = config.format === 'json' || (config.format === undefined && (/\.json$/i.test(config.path) || /^\s*[[{]/.test(text)));
  if (json) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new FormatError(`${config.path}: not JSON: ${(err as Error).message}`, { cause: err });
    }
    // ConvertTo-Json writes a lone object (not an array) when there is one user
    const list = Array.isArray(data) ? data : [data];
    return { rows: list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null).map(jsonRow), encoding, typeName: null };
  }
  try {
    const table = parseCsv(text, config.delimiter ?? ',');
    return { rows: table.records, encoding, typeName: table.typeName };
  } catch (err) {
    if (err instanceof FormatError) throw new FormatError(`${config.path}: ${err.message}`, { cause: err });
    throw err;
  }
}

function jsonRow(o: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') row[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) row[k] = v as string[];
    else row[k] = JSON.stringify(v);
  }
  return row;
}

function text(v: AttributeValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  const s = Array.isArray(v) ? v.join(';') : String(v);
  const t = s.trim();
  return t === '' ? null : t;
}

export function parseBool(v: AttributeValue | undefined): boolean | null {
  if (typeof v === 'boolean') return v;
  const t = text(v)?.toLowerCase();
  if (t === undefined) return null;
  if (t === 'true' || t === 'yes' || t === '1' || t === '$true') return true;
  if (t === 'false' || t === 'no' || t === '0' || t === '$false') return false;
  return null;
}

const ONLINE = /(^|\.)online\.lync\.com$|^sipfed\.online|\.online\./i;

function kindOf(v: string | null): AccountKind {
  const t = (v ?? '').toLowerCase().replace(/[\s_]/g, '-');
  if (!t || t === 'user' || t === 'csuser') return 'user';
  if (t.includes('contact')) return 'contact';
  if (t.includes('common-area') || t.includes('commonarea')) return 'common-area-phone';
  if (t.includes('meeting') || t.includes('room')) return 'meeting-room';
  if (t.includes('analog')) return 'analog-device';
  if (t.includes('application') || t.includes('endpoint')) return 'application';
  if (t.includes('group')) return 'group';
  return 'other';
}

export const csvCollector: Collector<CsvSourceConfig> = {
  type: 'csv',
  defaultTimeoutSeconds: 300,
  location: (c) => c.path,
  async collect(config, ctx) {
    const pools = new PoolIndex([], config.poolMap ?? {});
    if (config.topologyFile) {
      const topo = await readTopologyFile(config.topologyFile, ctx.source);
      for (const p of topo.pools) pools.addPool(p);
      ctx.out.pools.push(...topo.pools);
    }
    const { rows, encoding, typeName } = await readRows(config);
    ctx.progress(`read ${rows.length} rows (${encoding}${typeName ? `, #TYPE ${typeName}` : ''})`);
    const cols: Columns = { ...(config.preset === 'sfb' ? SFB_COLUMNS : GENERIC_COLUMNS), ...config.columns };
    const mapped = new Set(Object.values(cols).filter((c): c is string => c !== undefined).map((c) => c.toLowerCase()));
    addAccounts(rows, cols, mapped, config, ctx, pools);
  },
};

function addAccounts(rows: Row[], cols: Columns, mapped: Set<string>, config: CsvSourceConfig, ctx: CollectorContext, pools: PoolIndex): void {
  const sfb = config.preset === 'sfb';
  const seen = new Set<string>();
  const unresolved = new Map<string, number>();
  let skipped = 0;
  const dropped = new Set<string>();
  rows.forEach((row, k) => {
    // header names are matched without case (hand-edited files vary)
    const lower = new Map<string, AttributeValue>();
    for (const [key, v] of Object.entries(row)) lower.set(key.toLowerCase(), v);
    const get = (c: string | undefined): string | null => (c ? text(lower.get(c.toLowerCase())) : null);
    let id = get(cols.id);
    // the Get-CsUser column set varies with Select-Object; an explicit id column has no fallback
    if (!id && !config.columns?.id) for (const f of FALLBACK_IDS) if ((id = get(f))) break;
    if (!id) {
      skipped++;
      return;
    }
    if (seen.has(id)) {
      ctx.warn(`row ${k + 1}: duplicate id ${id} (kept the first)`);
      return;
    }
    seen.add(id);
    let sip = get(cols.sipAddress);
    if (sip && !/^sip:/i.test(sip) && sip.includes('@')) sip = `sip:${sip}`;
    const poolValue = get(cols.homePool);
    const homeServer = sfb ? get('HomeServer') : null;
    const hosting = sfb ? get('HostingProvider') : null;
    let homePool: string | null = null;
    let homing: Homing = 'unassigned';
    let homeRaw: string | null = poolValue ?? homeServer;
    if (poolValue) {
      homePool = pools.resolve(poolValue) ?? poolValue;
      homing = ONLINE.test(poolValue) ? 'online' : 'on-premises';
    } else if (homeServer) {
      homing = 'on-premises';
      homePool = pools.resolve(homeServer);
      if (!homePool) {
        unresolved.set(homeServer, (unresolved.get(homeServer) ?? 0) + 1);
        homePool = unresolvedPoolName(homeServer);
      }
    } else if (hosting && hosting !== 'SRV:' && ONLINE.test(hosting)) {
      homing = 'online';
      homePool = hosting;
      homeRaw = hosting;
    }
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, v] of Object.entries(row)) {
      if (mapped.has(key.toLowerCase())) continue;
      if (isSecretAttribute(key)) {
        dropped.add(key);
        continue;
      }
      if (v === null || (typeof v === 'string' && v.trim() === '')) continue;
      attributes[key] = typeof v === 'string' ? v.trim() : v;
    }
    ctx.out.accounts.push({
      id,
      source: ctx.source,
      kind: kindOf(get(cols.kind)),
      displayName: get(cols.displayName),
      sipAddress: sip,
      primaryAddress: get(cols.primaryAddress) ?? sip,
      homePool,
      homeRaw,
      homing,
      enabled: parseBool(lower.get((cols.enabled ?? 'Enabled').toLowerCase())),
      attributes,
    });
  });
  if (skipped) ctx.warn(`${skipped} rows have no ${cols.id ?? 'id'} value and were skipped`);
  for (const [home, n] of unresolved) ctx.warn(`${n} accounts are homed on ${home}, which no topology or poolMap names`);
  if (dropped.size) ctx.warn(`columns that may hold secrets were left out: ${[...dropped].sort().join(', ')}`);
  ctx.count('rows', rows.length);
  ctx.count('accounts', seen.size);
}
