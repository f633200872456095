/** Overview, the list of restore points and a point's detail (as `point list` and `point show`). */
import { html } from 'hono/html';
import type { PointManifest, PointSummary } from '../../../app/index.js';
import { redactSecrets } from '../../../app/index.js';
import { barChart } from '../chart.js';
import type { ConsoleContext } from '../context.js';
import type { JobState } from '../jobs.js';
import { type Html, ago, cliHint, formatBytes, formatCount, page, shellArg, shortTime } from '../layout.js';

export type PointState = 'pinned' | 'released' | 'incomplete' | 'failed';

export function pointState(p: PointSummary): PointState {
  if (!p.manifest) return 'incomplete';
  if (!p.manifest.proof.ok) return 'failed';
  return p.pinned ? 'pinned' : 'released';
}

function poolCount(m: PointManifest): number {
  return m.inventory ? m.inventory.accountsPerPool.filter((p) => p.pool !== null).length : 0;
}

export function overviewPage(ctx: ConsoleContext, points: PointSummary[], jobs: JobState[]): Html {
  const now = ctx.now();
  const complete = points.filter((p) => p.manifest && p.manifest.proof.ok && p.pinned);
  const latest = complete.at(-1);
  const lastCheck = jobs.find((j) => j.kind === 'check' && j.status !== 'running');
  const checked = lastCheck ? `repository checked ${ago(lastCheck.finishedAt!, now)} (${lastCheck.status})` : 'repository not checked from this console yet';
  let verdict: Html;
  if (latest?.manifest) {
    const m = latest.manifest;
    const inv = m.inventory ? `${formatCount(m.inventory.accounts)} accounts on ${poolCount(m)} pools` : 'no inventory';
    verdict = html`<p class="verdict" data-verdict>point <a href="/points/${latest.id}">${m.name ?? latest.id}</a>, proven ${ago(m.finishedAt, now)}; ${m.sources.length} sources; ${inv}; ${checked}</p>`;
  } else {
    verdict = html`<p class="verdict none" data-verdict>no proven, pinned restore point yet; ${checked}</p>`;
  }
  const newest = points.slice(-5).reverse();
  const running = jobs.filter((j) => j.status === 'running');
  const recent = jobs.slice(0, 5);
  return page(
    'Overview',
    '/',
    html`${verdict}
<h2>Newest restore points</h2>
${pointsTable(newest)}
<p><a href="/points">All ${points.length} restore points</a></p>
<h2>Jobs</h2>
${running.length ? html`<p>${running.length} running.</p>` : html`<p>No job running.</p>`}
${jobsTable(recent)}
${ctx.plan ? startPointForm() : html`<p class="hint">Start the console with <code>-c PLANFILE</code> to create points and roll back from here.</p>`}`,
  );
}

export function startPointForm(): Html {
  return html`<form class="inline" method="post" action="/jobs/point-create">
<label>Name <input name="name" autocomplete="off"></label>
<label>Note <input name="note" autocomplete="off"></label>
<button type="submit">Create a restore point</button>
</form>`;
}

export function jobsTable(jobs: JobState[]): Html {
  if (!jobs.length) return html``;
  return html`<div class="table-wrap"><table><thead><tr><th>job</th><th>started</th><th>status</th><th>step</th><th class="num">progress</th></tr></thead><tbody>
${jobs.map((j) => html`<tr><td><a href="/jobs/${j.id}">${j.title}</a></td><td>${shortTime(j.startedAt)}</td><td>${j.status}</td><td>${j.progress.step}</td><td class="num">${j.progress.percent === null ? '?' : `${j.progress.percent} %`}</td></tr>`)}
</tbody></table></div>`;
}

function pointsTable(points: PointSummary[]): Html {
  return html`<div class="table-wrap"><table><thead><tr><th>ID</th><th>time</th><th>name</th><th>host</th><th class="num">sources</th><th class="num">accounts</th><th>proof</th><th>state</th></tr></thead><tbody>
${points.map((p) => {
  const m = p.manifest;
  return html`<tr data-point="${p.id}"><td class="mono"><a href="/points/${p.id}">${p.id}</a></td><td>${shortTime(p.time)}</td><td>${m?.name ?? ''}</td><td>${m?.host ?? ''}</td><td class="num">${m ? m.sources.length : ''}</td><td class="num">${m?.inventory ? formatCount(m.inventory.accounts) : ''}</td><td>${m ? (m.proof.ok ? html`<span class="ok">passed</span>` : html`<span class="bad">FAILED</span>`) : ''}</td><td>${pointState(p)}</td></tr>`;
})}
</tbody></table></div>`;
}

export interface PointFilter {
  q: string;
  host: string;
  state: string;
}

export function filterPoints(points: PointSummary[], f: PointFilter): PointSummary[] {
  const q = f.q.trim().toLowerCase();
  return points.filter(
    (p) =>
      (!q || p.id.startsWith(q) || (p.manifest?.name ?? '').toLowerCase().includes(q) || (p.manifest?.note ?? '').toLowerCase().includes(q)) &&
      (!f.host || p.manifest?.host === f.host) &&
      (!f.state || pointState(p) === f.state),
  );
}

export function pointsPage(ctx: ConsoleContext, all: PointSummary[], f: PointFilter): Html {
  const shown = filterPoints(all, f).reverse();
  const hosts = [...new Set(all.map((p) => p.manifest?.host).filter((h): h is string => Boolean(h)))].sort();
  return page(
    'Restore points',
    '/points',
    html`<form class="inline" method="get" action="/points" role="search">
<label>Name or ID <input name="q" value="${f.q}"></label>
<label>Host <select name="host"><option value="">any</option>${hosts.map((h) => html`<option${h === f.host ? html` selected` : ''}>${h}</option>`)}</select></label>
<label>State <select name="state"><option value="">any</option>${(['pinned', 'released', 'incomplete', 'failed'] as const).map((s) => html`<option${s === f.state ? html` selected` : ''}>${s}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
<p>${shown.length} of ${all.length} restore points.</p>
${pointsTable(shown)}
${cliHint(`lifeboat point list${ctx.planArg}`)}
${ctx.plan ? startPointForm() : ''}
${cliHint(`lifeboat point create${ctx.planArg} --name NAME --note TEXT`)}`,
  );
}

export function pointDetailPage(ctx: ConsoleContext, p: PointSummary & { manifest: PointManifest }): Html {
  const m = p.manifest;
  const ref = shellArg(m.name ?? m.id);
  const perPool = m.inventory?.accountsPerPool ?? [];
  return page(
    `Restore point ${m.name ?? m.id}`,
    '/points',
    html`<dl class="facts">
<dt>ID</dt><dd class="mono" data-field="id">${m.id}</dd>
<dt>name</dt><dd data-field="name">${m.name ?? ''}</dd>
<dt>note</dt><dd data-field="note">${m.note ?? ''}</dd>
<dt>created</dt><dd data-field="createdAt">${m.createdAt}</dd>
<dt>host</dt><dd data-field="host">${m.host}</dd>
<dt>plan file</dt><dd>${m.planFile}</dd>
<dt>state</dt><dd data-field="state">${p.pinned ? 'pinned (forget keeps it)' : 'released (forget may remove it)'}</dd>
<dt>proof</dt><dd data-field="proof">${m.proof.ok ? html`<span class="ok">passed</span>` : html`<span class="bad">FAILED</span>`} in ${(m.proof.durationMs / 1000).toFixed(1)} s</dd>
</dl>
<h2>Sources</h2>
<div class="table-wrap"><table><thead><tr><th>name</th><th>kind</th><th>snapshot</th><th class="num">files</th><th class="num">size</th><th class="num">added</th><th class="num">unreadable</th></tr></thead><tbody>
${m.sources.map((s) => html`<tr data-source="${s.name}"><td>${s.name}</td><td>${s.kind}</td><td class="mono"><a href="/snapshots/${s.snapshot}/tree">${s.snapshot.slice(0, 8)}</a></td><td class="num" data-files>${s.files}</td><td class="num" data-bytes="${s.bytes}">${formatBytes(s.bytes)}</td><td class="num" data-added="${s.dataAdded}">${formatBytes(s.dataAdded)}</td><td class="num">${s.unreadable}</td></tr>`)}
</tbody></table></div>
<h2>Proof</h2>
<div class="table-wrap"><table><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>
${m.proof.checks.map((c) => html`<tr data-check="${c.name}"><td>${c.name}</td><td>${c.ok ? html`<span class="ok">pass</span>` : html`<span class="bad">FAIL</span>`}</td><td>${redactSecrets(c.detail)}</td></tr>`)}
</tbody></table></div>
<h2>Inventory</h2>
${
  m.inventory
    ? html`<p><span data-field="accounts">${formatCount(m.inventory.accounts)}</span> accounts (snapshot <a class="mono" href="/inventory/${m.inventory.snapshot}">${m.inventory.snapshot.slice(0, 8)}</a>); sources: ${m.inventory.sources.map((s) => `${s.name} (${s.type}, ${s.status})`).join(', ')}</p>
${barChart(
  'Accounts per home pool',
  perPool.map((x) => ({ label: x.pool ?? '(unassigned)', value: x.count })),
  { id: 'pools' },
)}`
    : html`<p>This point has no inventory.</p>`
}
${m.warnings.length ? html`<h2>Warnings</h2><ul>${m.warnings.slice(0, 50).map((w) => html`<li>${redactSecrets(w)}</li>`)}</ul>` : ''}
<h2>Actions</h2>
<ul class="actions">
<li><a href="/rollback/${m.id}">Rollback plan</a> ${cliHint(`lifeboat rollback plan ${ref}${ctx.planArg}`)}</li>
<li><a href="/diff?from=${m.id}&amp;to=live">Diff against the present</a></li>
${m.inventory ? html`<li><a href="/inventory/${m.inventory.snapshot}">Inventory</a> ${cliHint(`lifeboat inventory show ${m.inventory.snapshot.slice(0, 8)}`)}</li>` : ''}
</ul>
${cliHint(`lifeboat point show ${ref}${ctx.planArg}`)}
${cliHint(`lifeboat point release ${ref}${ctx.planArg}`)}`,
  );
}
