/**
 * The rollback plan: the ordered steps that take the present back to a restore point, as data
 * (printed as text, Markdown for change-approval boards, or JSON) and as the journal's content.
 *
 *   1. safety-point     a restore point of the present, so the rollback can itself be undone
 *   2. files:NAME       per files source: rewrite changed files, bring deleted ones back,
 *                       remove files added since (only with --delete)
 *   3. command:NAME     per command source: stream the dump into its restore command
 *   4. accounts:SOURCE  per inventory source with moved accounts: LDAP modify, or a Move-CsUser script
 *   5. verify           collect the inventory again and report what still differs
 */
import { createHash } from 'node:crypto';
import { localTime } from '../core/index.js';
import type { AccountRollback, AccountSourcePlan } from './account-moves.js';
import type { FileChangeKind } from './file-changes.js';
import { type JournalCitation, journalCitation } from './journal-chain/index.js';

export interface PlannedFileChange {
  path: string;
  kind: FileChangeKind;
  type: string;
  detail: string;
}

export type RollbackStep =
  | { id: 'safety-point'; kind: 'safety-point' }
  | { id: string; kind: 'files'; source: string; snapshot: string; changes: PlannedFileChange[] }
  | { id: string; kind: 'command'; source: string; snapshot: string; dumpPath: string; restore: string[] | null }
  | { id: string; kind: 'accounts'; plan: AccountSourcePlan }
  | { id: 'verify'; kind: 'verify' };

export interface RollbackPlan {
  schema: 'lifeboat-rollback-plan';
  schemaVersion: 1;
  point: { id: string; name: string | null; createdAt: string };
  madeAt: string;
  steps: RollbackStep[];
  accounts: { added: AccountRollback['added']; removed: AccountRollback['removed'] } | null;
  /** Things the plan cannot do, for the operator to decide (e.g. a command source without restore). */
  notes: string[];
  /** The journal records about the point (created, proof, approvals), cited by the rendered plan. */
  journal?: JournalCitation[];
}

export function fileStepCounts(step: Extract<RollbackStep, { kind: 'files' }>): Record<FileChangeKind, number> {
  const c: Record<FileChangeKind, number> = { changed: 0, metadata: 0, added: 0, deleted: 0 };
  for (const ch of step.changes) c[ch.kind]++;
  return c;
}

/** True when nothing differs: no file change, no account move (command sources are always re-imported). */
export function planIsEmpty(plan: RollbackPlan): boolean {
  return plan.steps.every((s) => (s.kind === 'files' ? s.changes.length === 0 : s.kind === 'accounts' ? s.plan.moves.length === 0 : true));
}

function stepLines(step: RollbackStep, md: boolean, withDelete: boolean): string[] {
  const item = md ? '- ' : '    ';
  switch (step.kind) {
    case 'safety-point':
      return ['create a safety restore point of the present (so this rollback can be undone)'];
    case 'files': {
      const c = fileStepCounts(step);
      const head = `files of source ${step.source} (snapshot ${step.snapshot.slice(0, 8)}): ${c.changed} changed and ${c.metadata} with changed metadata to rewrite, ${c.deleted} deleted to bring back, ${c.added} added since${c.added ? (withDelete ? ' to remove' : ' kept (use --delete to remove them)') : ''}`;
      const sign: Record<FileChangeKind, string> = { changed: 'M', metadata: 'U', deleted: '+', added: withDelete ? '-' : '?' };
      return [head, ...step.changes.map((ch) => `${item}${sign[ch.kind]} ${md ? `\`${ch.path}\`` : ch.path} (${ch.kind}: ${ch.detail})`)];
    }
    case 'command':
      return [
        step.restore
          ? `re-import source ${step.source}: stream ${step.dumpPath} of snapshot ${step.snapshot.slice(0, 8)} into: ${step.restore.join(' ')}`
          : `source ${step.source}: the plan names no restore command; nothing is run (dump: ${step.dumpPath} of snapshot ${step.snapshot.slice(0, 8)})`,
      ];
    case 'accounts': {
      const p = step.plan;
      const how =
        p.method === 'ldap-modify'
          ? `LDAP modify of ${p.attribute}, each guarded by the value seen now`
          : p.method === 'sfb-script'
            ? "a Move-CsUser script for the Skype for Business Management Shell, in the vendor's order: Move-CsUser -WhatIf for every account first, then the moves in waves checked with Get-CsUser, then user data with Update-CsUserData -TestMode and then without; never -Force, which loses contacts and meetings"
            : `report only: ${p.reason}`;
      return [
        `accounts of source ${p.source}: ${p.moves.length} to move back (${how})`,
        ...p.moves.map((m) => `${item}${m.displayName ?? m.id}${m.sipAddress ? ` <${m.sipAddress}>` : ''}: ${m.fromPool ?? 'unassigned'} → ${m.toPool ?? 'unassigned'}`),
      ];
    }
    case 'verify':
      return ['collect the inventory again and report any difference that remains'];
  }
}

/** SHA-256 of what the plan would do (point, steps, accounts), not of when it was made: what an approval names. */
export function rollbackPlanDigest(plan: RollbackPlan): string {
  return createHash('sha256')
    .update(JSON.stringify({ point: plan.point, steps: plan.steps, accounts: plan.accounts }))
    .digest('hex');
}

/** The plan for people: numbered steps with their details; Markdown when `md`. */
export function renderPlan(plan: RollbackPlan, opts: { markdown?: boolean; delete?: boolean } = {}): string {
  const md = opts.markdown ?? false;
  const out: string[] = [];
  // for people: local time with its offset (the --json plan keeps RFC 3339)
  const created = localTime(plan.point.createdAt, { zone: true });
  const made = localTime(plan.madeAt, { zone: true });
  const title = `Rollback to restore point ${plan.point.id}${plan.point.name ? ` (${plan.point.name})` : ''} of ${created}`;
  out.push(md ? `# ${title}\n\nPlan made ${made}.\n` : `${title}\nplan made ${made}\n`);
  if (planIsEmpty(plan)) out.push(md ? '_No file or account differs from the point._\n' : 'no file or account differs from the point\n');
  plan.steps.forEach((s, i) => {
    const [head, ...rest] = stepLines(s, md, opts.delete ?? false);
    out.push(md ? `## ${i + 1}. ${head}\n` : `${i + 1}. ${head}`);
    if (rest.length) out.push(rest.join('\n') + (md ? '\n' : ''));
  });
  const a = plan.accounts;
  if (a && (a.added.length || a.removed.length)) {
    out.push(md ? '## Accounts not touched\n' : 'accounts not touched:');
    for (const x of a.added) out.push(`${md ? '- ' : '    '}added since the point: ${x.displayName ?? x.id} (${x.source}, ${x.homePool ?? 'unassigned'})`);
    for (const x of a.removed) out.push(`${md ? '- ' : '    '}removed since the point: ${x.displayName ?? x.id} (${x.source}, was on ${x.homePool ?? 'unassigned'})`);
  }
  for (const n of plan.notes) out.push(`${md ? '> ' : 'note: '}${n}`);
  if (plan.journal?.length) {
    out.push(md ? '\n## Journal\n\nRecords of the tamper-evident journal about this point (check them with `lifeboat journal verify`):\n' : 'journal:');
    for (const c of plan.journal) out.push(`${md ? '- ' : '    '}${md ? `\`${journalCitation(c)}\`` : journalCitation(c)} ${c.time} ${c.event}: ${c.summary}`);
  }
  return `${out.join('\n')}\n`;
}
