/**
 * Diff: two points, or a point against the present. Accounts moved between pools (counts per
 * from → to pair), added and removed; files changed per source. Against the present the
 * rollback plan is the diff (it collects the inventory afresh and compares the files).
 */
import { html } from 'hono/html';
import { type PointSummary, LifeboatError, diffInventoryDocuments, diffSnapshots, rollbackPlan } from '../app-imports.js';
import type { ConsoleContext } from '../context.js';
import { type Html, cliHint, errorBox, formatCount, page, shortTime } from '../layout.js';

const LIST = 200;

export interface DiffView {
  from: string;
  to: string;
  movePairs: { from: string | null; to: string | null; count: number }[];
  moved: number;
  added: string[];
  addedCount: number;
  removed: string[];
  removedCount: number;
  /** null when the two sides have no inventory to compare. */
  accounts: boolean;
  files: { source: string; counts: Record<string, number>; paths: { kind: string; path: string }[] }[];
  notes: string[];
}

export async function buildDiff(ctx: ConsoleContext, fromRef: string, toRef: string, signal?: AbortSignal): Promise<DiffView> {
  const from = (await ctx.pointFind(fromRef, signal)).manifest;
  const label = (m: { id: string; name: string | null }): string => (m.name ? `${m.name} (${m.id})` : m.id);
  if (toRef === 'live') {
    if (!ctx.plan) throw new LifeboatError('E_USAGE', 'comparing with the present needs the plan file', { hint: 'start the console with -c PLANFILE' });
    const plan = await rollbackPlan(ctx.repo, ctx.plan, from.id, { env: ctx.env, signal });
    const moves = plan.steps.flatMap((s) => (s.kind === 'accounts' ? s.plan.moves : []));
    // the rollback plan's moves go back (now → then); the diff reads then → now
    const pairs = new Map<string, { from: string | null; to: string | null; count: number }>();
    for (const m of moves) {
      const k = JSON.stringify([m.toPool, m.fromPool]);
      const e = pairs.get(k) ?? { from: m.toPool, to: m.fromPool, count: 0 };
      e.count++;
      pairs.set(k, e);
    }
    const name = (a: { displayName: string | null; id: string }): string => a.displayName ?? a.id;
    return {
      from: label(from),
      to: 'the present',
      movePairs: [...pairs.values()].sort((a, b) => b.count - a.count),
      moved: moves.length,
      added: (plan.accounts?.added ?? []).slice(0, LIST).map(name),
      addedCount: plan.accounts?.added.length ?? 0,
      removed: (plan.accounts?.removed ?? []).slice(0, LIST).map(name),
      removedCount: plan.accounts?.removed.length ?? 0,
      accounts: plan.accounts !== null,
      files: plan.steps.flatMap((s) => {
        if (s.kind !== 'files') return [];
        const counts: Record<string, number> = {};
        for (const ch of s.changes) counts[ch.kind] = (counts[ch.kind] ?? 0) + 1;
        return [{ source: s.source, counts, paths: s.changes.slice(0, LIST).map((ch) => ({ kind: ch.kind, path: ch.path })) }];
      }),
      notes: plan.notes,
    };
  }
  const to = (await ctx.pointFind(toRef, signal)).manifest;
  const view: DiffView = { from: label(from), to: label(to), movePairs: [], moved: 0, added: [], addedCount: 0, removed: [], removedCount: 0, accounts: false, files: [], notes: [] };
  if (from.inventory && to.inventory) {
    const [a, b] = await Promise.all([ctx.inventory(from.inventory.snapshot, signal), ctx.inventory(to.inventory.snapshot, signal)]);
    const { diff, movePairs } = diffInventoryDocuments(a, b);
    Object.assign(view, {
      accounts: true,
      movePairs,
      moved: diff.accounts.moved.length,
      added: diff.accounts.added.slice(0, LIST).map((x) => x.displayName ?? x.id),
      addedCount: diff.accounts.added.length,
      removed: diff.accounts.removed.slice(0, LIST).map((x) => x.displayName ?? x.id),
      removedCount: diff.accounts.removed.length,
    });
    if (diff.incompleteSources.length) view.notes.push(`sources not read completely: ${diff.incompleteSources.join(', ')} (their removed accounts may not be real)`);
  }
  for (const s of from.sources) {
    const other = to.sources.find((x) => x.name === s.name);
    if (!other) {
      view.notes.push(`source ${s.name} is not in ${label(to)}`);
      continue;
    }
    const d = await diffSnapshots(ctx.repo, s.snapshot, other.snapshot, signal);
    const paths: { kind: string; path: string }[] = [];
    for await (const ch of d.changes) if (paths.length < LIST) paths.push({ kind: ch.kind, path: ch.path.toString() });
    const st = d.stats;
    view.files.push({ source: s.name, counts: { added: st.added, removed: st.removed, modified: st.modified, type: st.typeChanged, metadata: st.metadata }, paths });
  }
  return view;
}

export function diffPage(ctx: ConsoleContext, points: PointSummary[], view: DiffView | { error: { message: string; hint?: string } } | undefined, from: string, to: string): Html {
  const options = (selected: string, live: boolean): Html =>
    html`${live ? html`<option value="live"${selected === 'live' ? html` selected` : ''}>the present (collect now)</option>` : ''}${[...points].reverse().map((p) => html`<option value="${p.id}"${selected === p.id || selected === p.manifest?.name ? html` selected` : ''}>${p.manifest?.name ?? p.id} · ${shortTime(p.time)}</option>`)}`;
  return page(
    'Diff',
    '/diff',
    html`<form class="inline" method="get" action="/diff">
<label>From <select name="from">${options(from, false)}</select></label>
<label>To <select name="to">${options(to, Boolean(ctx.plan))}</select></label>
<button type="submit">Compare</button>
</form>
${view === undefined ? html`<p>Choose two restore points, or a point and the present.</p>` : 'error' in view ? errorBox(view.error.message, view.error.hint) : diffBody(view)}
${cliHint('lifeboat inventory diff BEFORE.json AFTER.json; lifeboat diff SNAPSHOT1 SNAPSHOT2; lifeboat rollback plan POINT')}`,
  );
}

function diffBody(v: DiffView): Html {
  const list = (items: string[], count: number): Html =>
    html`${items.length ? html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>` : ''}${count > items.length ? html`<p>… and ${formatCount(count - items.length)} more.</p>` : ''}`;
  return html`<p>From <strong>${v.from}</strong> to <strong>${v.to}</strong>.</p>
<h2>Accounts</h2>
${
  v.accounts
    ? html`<p><span data-field="moved">${formatCount(v.moved)}</span> moved between pools, <span data-field="added">${formatCount(v.addedCount)}</span> added, <span data-field="removed">${formatCount(v.removedCount)}</span> removed.</p>
${v.movePairs.length ? html`<div class="table-wrap"><table><thead><tr><th>from pool</th><th>to pool</th><th class="num">accounts</th></tr></thead><tbody>${v.movePairs.map((p) => html`<tr data-move-pair><td>${p.from ?? '(unassigned)'}</td><td>${p.to ?? '(unassigned)'}</td><td class="num">${formatCount(p.count)}</td></tr>`)}</tbody></table></div>` : ''}
${v.addedCount ? html`<h3>Added</h3>${list(v.added, v.addedCount)}` : ''}
${v.removedCount ? html`<h3>Removed</h3>${list(v.removed, v.removedCount)}` : ''}`
    : html`<p>No inventory on both sides to compare.</p>`
}
<h2>Files per source</h2>
${v.files.map(
  (f) =>
    html`<h3>${f.source}</h3><p data-source-diff="${f.source}">${
      Object.entries(f.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ') || 'no change'
    }</p>${f.paths.length ? html`<ul>${f.paths.map((p) => html`<li><span class="mono">${p.path}</span> (${p.kind})</li>`)}</ul>` : ''}`,
)}
${v.notes.length ? html`<h2>Notes</h2><ul>${v.notes.map((n) => html`<li>${n}</li>`)}</ul>` : ''}`;
}
