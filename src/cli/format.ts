/** Text formatting shared by commands: sizes, tables, times. */
import { formatBytes as formatSize, localTime } from '../core/index.js';

/** restic's size text: three digits after the point. */
export function formatBytes(n: number): string {
  return formatSize(n, 3);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Left-aligned columns separated by two spaces, with a rule under the header. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [line(header), rule, ...rows.map(line), rule].join('\n');
}

/** 'YYYY-MM-DD HH:MM:SS' of an RFC 3339 time in the local time zone (`TZ`), as restic prints. */
export function shortTime(rfc3339: string): string {
  return localTime(rfc3339);
}
