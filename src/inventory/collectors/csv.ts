/**
 * `csv`: account lists exported by admins — `Get-CsUser | Export-Csv`, `Select-Object … |
 * Export-Csv`, or `ConvertTo-Json` output — in whatever encoding PowerShell produced
 * (see text-decode.ts). Preset `sfb` knows the Get-CsUser columns; otherwise `columns:` names
 * them. Every other non-empty column goes to `attributes` (secret-looking names dropped).
 */
import { open, readFile } from 'node:fs/promises';
import { FormatError, LifeboatError } from '../../core/index.js';
import type { CsvSourceConfig } from '../config/index.js';
import { type AccountKind, type AttributeValue, type Homing, isSecretAttribute } from '../model/index.js';
import type { Collector, CollectorContext } from './collector.js';
import { type CsvRecord, openCsv } from './csv-parse.js';
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

/** True when the source is read as JSON (ConvertTo-Json output) rather than CSV. */
function isJson(config: CsvSourceConfig, firstChars: string): boolean {
  return config.format === 'json' || (config.format === undefined && (/\.json$/i.test(config.path) || /^\s*[[{]/.test(firstChars)));
}

/** Reads a ConvertTo-Json export (whole file: JSON has no record boundaries) into rows. */
function readJsonRows(config: CsvSourceConfig, buf: Buffer): { rows: Row[]; encoding: string } {
  const { text, encoding } = decodeText(buf);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new FormatError(`${config.path}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  // ConvertTo-Json writes a lone object (not an array) when there is one user
  const list = Array.isArray(data) ? data : [data];
  return { rows: list.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null).map(jsonRow), encoding };
}

/** The first few hundred characters of a file, decoded (to tell JSON from CSV). */
async function fileHead(path: string): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new LifeboatError('E_IO', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function jsonRow(o: Record<string, unknown>): Row {
  const row: Row = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') row[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) row[k] = v;
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
    const cols: Columns = { ...(config.preset === 'sfb' ? SFB_COLUMNS : GENERIC_COLUMNS), ...config.columns };
    const mapped = new Set(
      Object.values(cols)
        .filter((c): c is string => c !== undefined)
        .map((c) => c.toLowerCase()),
    );
    const accounts = new AccountRows(cols, mapped, config, ctx, pools);
    const head = await fileHead(config.path);
    if (isJson(config, decodeText(head).text)) {
      let buf: Buffer;
      try {
        buf = await readFile(config.path);
      } catch (err) {
        throw new LifeboatError('E_IO', `cannot read ${config.path}: ${(err as Error).message}`, { cause: err });
      }
      const { rows, encoding } = readJsonRows(config, buf);
      ctx.progress(`read ${rows.length} objects (${encoding})`);
      rows.forEach((row, k) => accounts.add(row, `object ${k + 1}`));
    } else {
      const csv = await openCsv(config.path, { delimiter: config.delimiter, maxRecordChars: config.maxRecordChars, signal: ctx.signal });
      let n = 0;
      for await (const rec of csv.records) {
        n++;
        if (rec.missing.length || rec.extra.length) accounts.unevenRow(rec);
        accounts.add(rec.values, `line ${rec.line}`);
      }
      ctx.progress(`read ${n} rows (${csv.encoding}${csv.typeName ? `, #TYPE ${csv.typeName}` : ''})`);
    }
    accounts.finish();
  },
};

/** Turns rows into accounts one at a time (the file is never held whole), counting problems as it goes. */
class AccountRows {
  private readonly sfb: boolean;
  private readonly seen = new Set<string>();
  private readonly unresolved = new Map<string, number>();
  private readonly dropped = new Set<string>();
  private skipped = 0;
  private rows = 0;

  constructor(
    private readonly cols: Columns,
    private readonly mapped: Set<string>,
    private readonly config: CsvSourceConfig,
    private readonly ctx: CollectorContext,
    private readonly pools: PoolIndex,
  ) {
    this.sfb = config.preset === 'sfb';
  }

  /** A row with fewer or more fields than the header: never taken silently (its values may sit in the wrong columns). */
  unevenRow(rec: CsvRecord): void {
    const who = this.idOf(rec.values) ?? 'an account with no id';
    const problem = rec.missing.length
      ? `has ${Object.keys(rec.values).length} of the header's ${Object.keys(rec.values).length + rec.missing.length} fields; it lacks ${rec.missing.join(', ')}`
      : `has ${rec.extra.length} field${rec.extra.length === 1 ? '' : 's'} more than the header`;
    this.ctx.warn(`${this.config.path}: line ${rec.line} (${who}) ${problem}; its values may be in the wrong columns`);
  }

  private idOf(row: Row): string | null {
    const lower = new Map<string, AttributeValue>();
    for (const [key, v] of Object.entries(row)) lower.set(key.toLowerCase(), v);
    const get = (c: string | undefined): string | null => (c ? text(lower.get(c.toLowerCase())) : null);
    let id = get(this.cols.id);
    // the Get-CsUser column set varies with Select-Object; an explicit id column has no fallback
    if (!id && !this.config.columns?.id) for (const f of FALLBACK_IDS) if ((id = get(f))) break;
    return id;
  }
  add(row: Row, where: string): void {
    const { cols, ctx, pools, sfb } = this;
    this.rows++;
    // header names are matched without case (hand-edited files vary)
    const lower = new Map<string, AttributeValue>();
    for (const [key, v] of Object.entries(row)) lower.set(key.toLowerCase(), v);
    const get = (c: string | undefined): string | null => (c ? text(lower.get(c.toLowerCase())) : null);
    const id = this.idOf(row);
    if (!id) {
      this.skipped++;
      return;
    }
    if (this.seen.has(id)) {
      ctx.warn(`${where}: duplicate id ${id} (kept the first)`);
      return;
    }
    this.seen.add(id);
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
        this.unresolved.set(homeServer, (this.unresolved.get(homeServer) ?? 0) + 1);
        homePool = unresolvedPoolName(homeServer);
      }
    } else if (hosting && hosting !== 'SRV:' && ONLINE.test(hosting)) {
      homing = 'online';
      homePool = hosting;
      homeRaw = hosting;
    }
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, v] of Object.entries(row)) {
      if (this.mapped.has(key.toLowerCase())) continue;
      if (isSecretAttribute(key)) {
        this.dropped.add(key);
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
  }

  finish(): void {
    const { ctx, cols } = this;
    if (this.skipped) ctx.warn(`${this.skipped} rows have no ${cols.id ?? 'id'} value and were skipped`);
    for (const [home, n] of this.unresolved) ctx.warn(`${n} accounts are homed on ${home}, which no topology or poolMap names`);
    if (this.dropped.size) ctx.warn(`columns that may hold secrets were left out: ${[...this.dropped].sort().join(', ')}`);
    ctx.count('rows', this.rows);
    ctx.count('accounts', this.seen.size);
  }
}
