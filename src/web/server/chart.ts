/**
 * A horizontal bar chart as inline SVG, rendered on the server (no chart library, no script):
 * one bar per label, the value written after it, a title and a description for screen readers.
 */
import { html } from 'hono/html';
import type { Html } from './layout.js';

export interface Bar {
  label: string;
  value: number;
}

export function barChart(title: string, bars: readonly Bar[], opts: { id: string; width?: number } = { id: 'chart' }): Html {
  const width = opts.width ?? 720;
  const labelWidth = Math.min(320, Math.max(80, ...bars.map((b) => b.label.length * 7 + 12)));
  const barArea = width - labelWidth - 90;
  const row = 26;
  const height = bars.length * row + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  return html`<svg class="chart" role="img" aria-labelledby="${opts.id}-t ${opts.id}-d" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet">
<title id="${opts.id}-t">${title}</title>
<desc id="${opts.id}-d">${bars.map((b) => `${b.label}: ${b.value}`).join('; ')}</desc>
${bars.map((b, i) => {
  const y = 4 + i * row;
  const w = Math.max(b.value > 0 ? 2 : 0, Math.round((barArea * b.value) / max));
  return html`<g><text x="${labelWidth - 8}" y="${y + 17}" text-anchor="end">${b.label}</text><rect class="bar" x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 8}"></rect><text x="${labelWidth + w + 6}" y="${y + 17}">${b.value.toLocaleString('en-US')}</text></g>`;
})}
</svg>`;
}
