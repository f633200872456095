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

export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Markdown table cell: pipes escaped, line breaks flattened, HTML-significant < escaped. */
export function mdCell(v: unknown): string {
  return valueText(v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ').replace(/</g, '&lt;');
}

export function mdTable(header: string[], rows: unknown[][]): string {
  const out = [`| ${header.map(mdCell).join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(mdCell).join(' | ')} |`);
  return out.join('\n');
}

export function htmlEscape(v: unknown): string {
  return valueText(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
