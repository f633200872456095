/**
 * The rollback plan of a point, read-only, and the approval form: the operator types the point's
 * name and the form carries the hash of the plan shown; applying refuses when the present (and so
 * the plan) changed since.
 */
import { html } from 'hono/html';
import { type RollbackPlan, fileStepCounts, redactSecrets } from '../../../app/index.js';
import type { ConsoleContext } from '../context.js';
import { type Html, cliHint, errorBox, page, shellArg } from '../layout.js';

function stepBody(step: RollbackPlan['steps'][number]): Html {
  switch (step.kind) {
    case 'safety-point':
      return html`<p>Create a safety restore point of the present, so that this rollback can itself be undone.</p>`;
    case 'files': {
      const c = fileStepCounts(step);
      return html`<p>Files of source <strong>${step.source}</strong> (snapshot <a class="mono" href="/snapshots/${step.snapshot}/tree">${step.snapshot.slice(0, 8)}</a>): ${c.changed} changed and ${c.metadata} with changed metadata to rewrite, ${c.deleted} deleted to bring back, ${c.added} added since (removed only with “also remove added files”).</p>
${
  step.changes.length
    ? html`<div class="table-wrap"><table><thead><tr><th>path</th><th>change</th><th>detail</th></tr></thead><tbody>${step.changes.slice(0, 1000).map((ch) => html`<tr><td class="mono">${ch.path}</td><td>${ch.kind}</td><td>${ch.detail}</td></tr>`)}</tbody></table></div>${step.changes.length > 1000 ? html`<p>… and ${step.changes.length - 1000} more.</p>` : ''}`
    : html`<p>No file differs.</p>`
}`;
    }
    case 'command':
      return step.restore
        ? html`<p>Re-import source <strong>${step.source}</strong>: stream <code>${step.dumpPath}</code> of snapshot <span class="mono">${step.snapshot.slice(0, 8)}</span> into <code>${redactSecrets(step.restore.join(' '))}</code>.</p>`
        : html`<p>Source <strong>${step.source}</strong> has no restore command: nothing is run.</p>`;
    case 'accounts': {
      const p = step.plan;
      const how =
        p.method === 'ldap-modify'
          ? `LDAP modify of ${p.attribute}, each guarded by the value seen now`
          : p.method === 'sfb-script'
            ? 'a Move-CsUser script, to run in the Skype for Business Management Shell'
            : `report only: ${p.reason}`;
      const pairs = new Map<string, number>();
      for (const m of p.moves) {
        const k = `${m.fromPool ?? 'unassigned'} → ${m.toPool ?? 'unassigned'}`;
        pairs.set(k, (pairs.get(k) ?? 0) + 1);
      }
      return html`<p>Accounts of source <strong>${p.source}</strong>: <span data-moves>${p.moves.length}</span> to move back (${how}).</p>
${pairs.size ? html`<ul>${[...pairs].map(([k, n]) => html`<li>${k}: ${n}</li>`)}</ul>` : ''}
${
  p.moves.length
    ? html`<details><summary>The ${p.moves.length} accounts</summary><div class="table-wrap"><table><thead><tr><th>account</th><th>now on</th><th>back to</th></tr></thead><tbody>${p.moves.slice(0, 2000).map((m) => html`<tr><td>${m.displayName ?? m.id}${m.sipAddress ? ` <${m.sipAddress}>` : ''}</td><td>${m.fromPool ?? 'unassigned'}</td><td>${m.toPool ?? 'unassigned'}</td></tr>`)}</tbody></table></div></details>`
    : ''
}`;
    }
    case 'verify':
      return html`<p>Collect the inventory again and report any difference that remains.</p>`;
  }
}

export function planView(plan: RollbackPlan): Html {
  return html`<ol class="steps">${plan.steps.map((s) => html`<li data-step="${s.id}"><h3>${s.id}</h3>${stepBody(s)}</li>`)}</ol>
${plan.accounts && (plan.accounts.added.length || plan.accounts.removed.length) ? html`<p>Accounts added since the point: ${plan.accounts.added.length} (left alone); removed since: ${plan.accounts.removed.length} (not recreated).</p>` : ''}
${plan.notes.length ? html`<h2>Notes</h2><ul>${plan.notes.map((n) => html`<li>${redactSecrets(n)}</li>`)}</ul>` : ''}`;
}

export function rollbackPage(
  ctx: ConsoleContext,
  plan: RollbackPlan,
  planHash: string,
  word: string,
  opts: { empty: boolean; deleteAdded: boolean; changed?: boolean; error?: { message: string; hint?: string } },
): Html {
  const ref = shellArg(plan.point.name ?? plan.point.id);
  const running = ctx.jobs.running();
  return page(
    `Rollback to ${plan.point.name ?? plan.point.id}`,
    '/points',
    html`${opts.changed ? errorBox('The present changed since the plan you approved was made: nothing was applied. This is the new plan; review it and approve it again.') : ''}
${opts.error ? errorBox(opts.error.message, opts.error.hint) : ''}
<p>Point <a class="mono" href="/points/${plan.point.id}">${plan.point.id}</a> of ${plan.point.createdAt}; plan made ${plan.madeAt}. ${opts.empty ? html`<strong>Nothing differs from the point.</strong>` : html`<strong>The present differs from the point.</strong>`}</p>
<p class="mono" data-plan-hash>plan ${planHash.slice(0, 16)}</p>
${planView(plan)}
${cliHint(`lifeboat rollback plan ${ref}${ctx.planArg} --markdown`)}
<h2>Apply</h2>
${
  running
    ? html`<p>Job <a href="/jobs/${running.id}">${running.title}</a> is running; apply when it has finished.</p>`
    : html`<form method="post" action="/rollback/${plan.point.id}/apply" class="apply">
<input type="hidden" name="planHash" value="${planHash}">
<label><span>Type <strong>${word}</strong> to approve this plan</span><input name="confirm" required autocomplete="off" spellcheck="false"></label>
<label class="check"><span><input type="checkbox" name="delete" value="1"${opts.deleteAdded ? html` checked` : ''}> also remove files added since the point</span></label>
<button class="danger" type="submit">Apply the rollback</button>
</form>`
}
${cliHint(`lifeboat rollback apply ${ref}${ctx.planArg} --yes`)}`,
  );
}
