/**
 * The CSV report: one row per account (RFC 4180, CRLF, UTF-8 with a BOM so that Excel reads
 * non-ASCII names). Cells starting with = + - @ get a leading apostrophe: spreadsheets would
 * run them as formulas (CSV injection).
 */
import type { InventoryDocument } from '../model/index.js';
import { type CellValue, valueText } from './format.js';

export const CSV_COLUMNS = ['source', 'id', 'displayName', 'sipAddress', 'primaryAddress', 'homePool', 'homeRaw', 'homing', 'enabled', 'kind'] as const;

export function csvCell(v: CellValue): string {
  let s = valueText(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(doc: InventoryDocument): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const a of doc.accounts) lines.push(CSV_COLUMNS.map((c) => csvCell(a[c])).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
