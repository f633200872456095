/**
 * The page shell every console page shares (navigation, skip link, styles, the client script)
 * and small formatting helpers. Pages are server-rendered with hono's `html` template, which
 * escapes every interpolated value; nothing is inserted unescaped except other templates.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatBytes as formatSize } from '../../core/index.js';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const NAV: [href: string, label: string][] = [
  ['/', 'Overview'],
  ['/points', 'Restore points'],
  ['/inventory', 'Inventory'],
  ['/diff', 'Diff'],
  ['/snapshots', 'Snapshots'],
  ['/jobs', 'Jobs'],
];

export function page(title: string, current: string, body: Html, opts: { refresh?: boolean } = {}): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Lifeboat</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/console.css">
<script src="/static/console.js" defer></script>
${opts.refresh ? html`<noscript><meta http-equiv="refresh" content="3"></noscript>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">Lifeboat console</span>
<nav aria-label="Main"><ul>${NAV.map(([href, label]) => html`<li><a href="${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a></li>`)}</ul></nav>
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** The CLI command that does the same as an action, shown beside it. */
export function cliHint(command: string): Html {
  return html`<p class="cli">CLI: <code>${command}</code></p>`;
}

export function formatBytes(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : formatSize(n);
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "2 h ago", "3 days ago", "just now". */
export function ago(iso: string, now: Date): string {
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  return d === 1 ? 'yesterday' : `${d} days ago`;
}

export function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

/** Quotes an argument for the shell when it needs it (shown CLI commands). */
export function shellArg(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function errorBox(message: string, hint?: string): Html {
  return html`<div class="error" role="alert"><p>${message}</p>${hint ? html`<p class="hint">${hint}</p>` : ''}</div>`;
}
