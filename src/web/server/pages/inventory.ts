/** An inventory: accounts per pool (chart), pools, hosts, databases, account search with paging. */
import { html } from 'hono/html';
import type { AccountPage, InventoryDocument } from '../../../app/index.js';
import { barChart } from '../chart.js';
import { type Html, cliHint, formatBytes, formatCount, page } from '../layout.js';

export const PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface AccountQuery {
  q: string;
  /** undefined = any pool; '' = unassigned. */
  pool: string | undefined;
  offset: number;
  limit: number;
}

function pagerLink(snapshot: string, q: AccountQuery, offset: number): string {
  const p = new URLSearchParams({ q: q.q, offset: String(offset) });
  if (q.pool !== undefined) p.set('pool', q.pool);
  if (q.limit !== PAGE_SIZE) p.set('limit', String(q.limit));
  return `/inventory/${snapshot}?${p.toString()}#accounts`;
}

export function inventoryPage(snapshot: string, doc: InventoryDocument, q: AccountQuery, result: AccountPage): Html {
  const s = doc.summary;
  const pools = doc.pools;
  const perPool = new Map(s.accountsPerPool.map((p) => [p.pool, p.count]));
  const last = Math.min(result.total, result.offset + result.accounts.length);
  return page(
    `Inventory ${snapshot.slice(0, 8)}`,
    '/inventory',
    html`<p>Collected ${doc.collectedAt}: <span data-field="accounts">${formatCount(s.accounts)}</span> accounts, ${s.pools} pools, ${s.hosts} hosts, ${s.databases} databases${s.errors || s.warnings ? `; ${s.errors} errors, ${s.warnings} warnings in the sources` : ''}.</p>
<p class="noprint">Download: <a href="/inventory/${snapshot}/report/html">HTML</a> · <a href="/inventory/${snapshot}/report/csv">CSV</a> · <a href="/inventory/${snapshot}/report/json">JSON</a></p>
${cliHint(`lifeboat inventory show ${snapshot.slice(0, 8)} --format html`)}
<h2>Accounts per home pool</h2>
${barChart(
  'Accounts per home pool',
  s.accountsPerPool.map((x) => ({ label: x.pool ?? '(unassigned)', value: x.count })),
  { id: 'pools' },
)}
<h2>Pools</h2>
<div class="table-wrap"><table><thead><tr><th>pool</th><th>site</th><th>kind</th><th>members</th><th class="num">accounts</th></tr></thead><tbody>
${pools.map((p) => html`<tr><td><a href="/inventory/${snapshot}?pool=${encodeURIComponent(p.fqdn)}#accounts">${p.fqdn}</a></td><td>${p.site ?? ''}</td><td>${p.kind}</td><td>${p.members.join(', ')}</td><td class="num">${formatCount(perPool.get(p.fqdn) ?? 0)}</td></tr>`)}
</tbody></table></div>
<h2>Hosts</h2>
${
  doc.hosts.length
    ? html`<div class="table-wrap"><table><thead><tr><th>host</th><th>system</th><th>kernel</th><th class="num">CPUs</th><th class="num">memory</th><th class="num">packages</th></tr></thead><tbody>
${doc.hosts.map((h) => html`<tr><td>${h.hostname}</td><td>${h.os.prettyName ?? h.os.name ?? ''}</td><td>${h.kernel.release}</td><td class="num">${h.cpu.count}</td><td class="num">${formatBytes(h.memory.totalBytes)}</td><td class="num">${h.packages.length}</td></tr>`)}
</tbody></table></div>`
    : html`<p>No host was documented.</p>`
}
<h2>Databases</h2>
${
  doc.databaseServers.length
    ? html`<div class="table-wrap"><table><thead><tr><th>server</th><th>version</th><th>databases</th></tr></thead><tbody>
${doc.databaseServers.map((d) => html`<tr><td>${d.endpoint}</td><td>${d.version ?? ''}</td><td>${d.databases.map((x) => x.name).join(', ')}</td></tr>`)}
</tbody></table></div>`
    : html`<p>No database server was documented.</p>`
}
<h2 id="accounts">Accounts</h2>
<form class="inline" method="get" action="/inventory/${snapshot}#accounts" role="search">
<label>Name or SIP address <input name="q" value="${q.q}" type="search"></label>
<label>Pool <select name="pool"><option value="*">any</option>${s.accountsPerPool.map((p) => html`<option value="${p.pool ?? ''}"${(p.pool ?? '') === q.pool ? html` selected` : ''}>${p.pool ?? '(unassigned)'}</option>`)}</select></label>
<button type="submit">Search</button>
</form>
<p data-field="matches">${result.total ? `${formatCount(result.offset + 1)}–${formatCount(last)} of ${formatCount(result.total)} accounts` : 'no account matches'}</p>
<div class="table-wrap"><table><thead><tr><th>name</th><th>SIP address</th><th>home pool</th><th>kind</th><th>source</th><th>enabled</th></tr></thead><tbody>
${result.accounts.map((a) => html`<tr><td>${a.displayName ?? a.id}</td><td>${a.sipAddress ?? a.primaryAddress ?? ''}</td><td>${a.homePool ?? '(unassigned)'}</td><td>${a.kind}</td><td>${a.source}</td><td>${a.enabled === null ? '' : a.enabled ? 'yes' : 'no'}</td></tr>`)}
</tbody></table></div>
<nav class="pager" aria-label="Pages of accounts">
${result.offset > 0 ? html`<a rel="prev" href="${pagerLink(snapshot, q, Math.max(0, result.offset - q.limit))}">Previous</a>` : ''}
${last < result.total ? html`<a rel="next" href="${pagerLink(snapshot, q, result.offset + q.limit)}">Next</a>` : ''}
</nav>`,
  );
}
