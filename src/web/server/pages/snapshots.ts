/** Snapshots and their trees, one directory per request; files and directories download. */
import { html } from 'hono/html';
import type { DirectoryListing, SnapshotEntry } from '../../../app/index.js';
import { type Html, cliHint, formatBytes, page, shellArg, shortTime } from '../layout.js';

/** `unreadable`: a warning per snapshot file that cannot be read (the list shows the others). */
export function snapshotsPage(entries: SnapshotEntry[], filter: { host: string; tag: string }, total: number, unreadable: readonly string[] = []): Html {
  return page(
    'Snapshots',
    '/snapshots',
    html`<form class="inline" method="get" action="/snapshots" role="search">
<label>Host <input name="host" value="${filter.host}"></label>
<label>Tag <input name="tag" value="${filter.tag}"></label>
<button type="submit">Filter</button>
</form>
${unreadable.length ? html`<div class="verdict none" role="alert"><p>${unreadable.length} snapshot file${unreadable.length === 1 ? '' : 's'} cannot be read and ${unreadable.length === 1 ? 'is' : 'are'} not listed; any of them may be newer than the snapshots shown (<code>lifeboat check</code> reports the damage):</p><ul>${unreadable.slice(0, 20).map((w) => html`<li class="mono">${w}</li>`)}</ul></div>` : ''}
<p>${entries.length} of ${total} snapshots (newest first${entries.length > 500 ? '; the first 500 shown' : ''}).</p>
<div class="table-wrap"><table><thead><tr><th>ID</th><th>time</th><th>host</th><th>tags</th><th>paths</th></tr></thead><tbody>
${entries.slice(0, 500).map((e) => html`<tr><td class="mono"><a href="/snapshots/${e.id}/tree">${e.id.slice(0, 8)}</a></td><td>${shortTime(e.snapshot.time)}</td><td>${e.snapshot.hostname}</td><td>${(e.snapshot.tags ?? []).join(', ')}</td><td>${e.snapshot.paths.join(', ')}</td></tr>`)}
</tbody></table></div>
${cliHint('lifeboat snapshots')}`,
  );
}

function treeLink(id: string, path: string): string {
  return `/snapshots/${id}/tree?path=${encodeURIComponent(path)}`;
}

function breadcrumbs(id: string, path: string): Html {
  const parts = path.split('/').filter(Boolean);
  return html`<nav aria-label="Path" class="crumbs"><a href="${treeLink(id, '/')}">/</a>${parts.map((p, i) => html` <a href="${treeLink(id, `/${parts.slice(0, i + 1).join('/')}`)}">${p}</a> /`)}</nav>`;
}

export function treePage(listing: DirectoryListing, found?: { pattern: string; paths: string[]; truncated: boolean }): Html {
  const id = listing.snapshotId;
  const base = listing.path === '/' ? '' : listing.path;
  const download = (p: string): string => `/snapshots/${id}/download?path=${encodeURIComponent(p)}`;
  return page(
    `Snapshot ${id.slice(0, 8)}`,
    '/snapshots',
    html`${breadcrumbs(id, listing.path)}
<p><a href="${download(listing.path)}">Download this directory as tar</a></p>
<form class="inline" method="get" action="/snapshots/${id}/tree" role="search">
<input type="hidden" name="path" value="${listing.path}">
<label>Find by name (glob) <input name="find" value="${found?.pattern ?? ''}" placeholder="*.conf"></label>
<button type="submit">Find</button>
</form>
${
  found
    ? html`<h2>Found under ${listing.path}</h2>${found.paths.length ? html`<ul>${found.paths.map((p) => html`<li><a href="${download(p)}">${p}</a></li>`)}</ul>` : html`<p>Nothing matches.</p>`}${found.truncated ? html`<p>Only the first ${found.paths.length} matches are shown.</p>` : ''}`
    : ''
}
<div class="table-wrap"><table><thead><tr><th>name</th><th>type</th><th class="num">size</th><th>modified</th></tr></thead><tbody>
${listing.entries.map((e) => {
  const p = `${base}/${e.name}`;
  return html`<tr><td>${e.type === 'dir' ? html`<a href="${treeLink(id, p)}">${e.name}/</a>` : html`<a href="${download(p)}">${e.name}</a>`}</td><td>${e.type}</td><td class="num">${e.type === 'file' ? formatBytes(e.size) : ''}</td><td>${shortTime(e.mtime)}</td></tr>`;
})}
</tbody></table></div>
${cliHint(`lifeboat ls ${id.slice(0, 8)}:${shellArg(listing.path)}`)}
${cliHint(`lifeboat dump ${id.slice(0, 8)} ${shellArg(listing.path)} > out.tar`)}`,
  );
}
