/**
 * Verifying an exported artefact by its content (docs/sfb-readiness.md):
 *
 *   zip                 opens, holds at least one entry with bytes
 *   zip-configuration   zip, and every pool of the topology source is named in its XML
 *   zip-user-data       zip; where its XML lists users (HomedResource elements), their number
 *                       equals the inventory's accounts on the pool
 *   non-empty           a file with bytes
 *   sql-backup          a SQL Server backup: Microsoft Tape Format, whose first block is "TAPE"
 *   pkcs12              a DER SEQUENCE (a PKCS#12 container); its keys are not readable without
 *                       its password, so this stays unverified
 */
import { open } from 'node:fs/promises';
import { errorMessage } from '../../core/index.js';
import type { VerifyKind } from './checklist.js';
import { readZip } from './zip-reader.js';

export interface ExportCheck {
  state: 'verified' | 'unverified' | 'failed';
  detail: string;
}

export interface ExportContext {
  /** FQDNs of the pools the topology source lists (lower case). */
  topologyPools: string[];
  /** Accounts the inventory has on the pool this file is for (per-pool items). */
  accountsOnPool?: number;
  pool?: string;
}

async function head(path: string, n: number): Promise<{ bytes: Buffer; size: number }> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const bytes = Buffer.alloc(Math.min(n, size));
    await fh.read(bytes, 0, bytes.length, 0);
    return { bytes, size };
  } finally {
    await fh.close();
  }
}

/** Number of users an Export-CsUserData XML lists: its HomedResource elements. */
export function countExportedUsers(xml: string): number {
  return (xml.match(/<HomedResource[\s>/]/g) ?? []).length;
}

export async function verifyExport(kind: VerifyKind, path: string, ctx: ExportContext): Promise<ExportCheck> {
  try {
    const { bytes, size } = await head(path, 8);
    if (size === 0) return { state: 'failed', detail: 'the file is empty' };
    switch (kind) {
      case 'non-empty':
        return { state: 'verified', detail: `${size} bytes` };
      case 'sql-backup':
        return bytes.subarray(0, 4).toString('latin1') === 'TAPE'
          ? { state: 'verified', detail: `SQL Server backup (Microsoft Tape Format), ${size} bytes` }
          : { state: 'failed', detail: 'not a SQL Server backup: no Microsoft Tape Format header ("TAPE")' };
      case 'pkcs12':
        return bytes[0] === 0x30
          ? { state: 'unverified', detail: `a PKCS#12 container of ${size} bytes; whether it holds the private keys cannot be read without its password` }
          : { state: 'failed', detail: 'not a PKCS#12 (.pfx) file' };
      case 'zip':
      case 'zip-configuration':
      case 'zip-user-data':
        return await verifyZip(kind, path, ctx);
      default:
        return { state: 'unverified', detail: `${size} bytes` };
    }
  } catch (err) {
    return { state: 'failed', detail: errorMessage(err) };
  }
}

async function verifyZip(kind: 'zip' | 'zip-configuration' | 'zip-user-data', path: string, ctx: ExportContext): Promise<ExportCheck> {
  let zip;
  try {
    zip = await readZip(path);
  } catch (err) {
    return { state: 'failed', detail: `the zip does not open: ${errorMessage(err)}` };
  }
  const bytes = zip.entries.reduce((n, e) => n + e.size, 0);
  if (zip.entries.length === 0 || bytes === 0) return { state: 'failed', detail: 'the zip opens but holds nothing' };
  const opened = `${zip.entries.length} entries, ${bytes} bytes uncompressed`;
  if (kind === 'zip') return { state: 'verified', detail: opened };
  const xml = zip.texts.map((t) => t.text).join('\n');
  if (kind === 'zip-configuration') {
    if (ctx.topologyPools.length === 0) return { state: 'unverified', detail: `${opened}; no topology source in the inventory to compare its pools with` };
    const lower = xml.toLowerCase();
    const absent = ctx.topologyPools.filter((p) => !lower.includes(p));
    return absent.length
      ? { state: 'failed', detail: `${opened}; pools of the topology source not in the configuration: ${absent.join(', ')}` }
      : { state: 'verified', detail: `${opened}; all ${ctx.topologyPools.length} pools of the topology source are in it` };
  }
  const users = countExportedUsers(xml);
  if (users === 0) return { state: 'verified', detail: `${opened}; its XML lists no users to count` };
  if (ctx.accountsOnPool === undefined) return { state: 'verified', detail: `${opened}; ${users} users` };
  return users === ctx.accountsOnPool
    ? { state: 'verified', detail: `${opened}; ${users} users, as many as the inventory has on ${ctx.pool}` }
    : { state: 'failed', detail: `${opened}; it lists ${users} users but the inventory has ${ctx.accountsOnPool} accounts on ${ctx.pool}` };
}
