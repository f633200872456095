/** Small formatting helpers shared by the renderers. */
import { formatBytes as formatSize } from '../../core/index.js';

export function formatBytes(n: number | null): string {
  return n === null ? '' : formatSize(n);
}

export function poolLabel(pool: string | null): string {
  return pool ?? '(unassigned)';
}

export function yesNo(v: boolean | null): string {
  return v === null ? '' : v ? 'yes' : 'no';
}

/** What a report cell or value shows: a scalar, or a list shown comma-separated. */
export type CellValue = string | number | boolean | null | undefined | readonly (string | number)[];

export function valueText(v: CellValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Markdown table cell: pipes escaped, line breaks flattened, HTML-significant < escaped. */
export function mdCell(v: CellValue): string {
  return valueText(v)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n|\r/g, ' ')
    .replace(/</g, '&lt;');
}

export function mdTable(header: string[], rows: CellValue[][]): string {
  const out = [`| ${header.map(mdCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
  return out.join('\n');
}

export function htmlEscape(v: CellValue): string {
  return valueText(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
