/**
 * Use-case: approve a rollback plan. The plan is made now (as `rollback plan` makes it), its
 * digest and the approver are appended to the journal, and the record is returned so the change
 * board can cite it; the Markdown plan printed afterwards lists the approval among its journal
 * records.
 */
import type { PlanFile, RollbackPlan, JournalRecord } from '../rollback/index.js';
import { rollbackPlanDigest } from '../rollback/index.js';
import type { Repository } from '../repository/index.js';
import { journalAppend } from './journal.js';
import { type RollbackPlanOptions, rollbackPlan } from './rollback.js';

export interface RollbackApproval {
  plan: RollbackPlan;
  digest: string;
  record: JournalRecord;
}

/** Appends the approval of a plan already made (the CLI's `rollback approve`, the console's apply). */
export async function journalApproval(repo: Repository, p: RollbackPlan, opts: { approver: string; note?: string; signal?: AbortSignal }): Promise<RollbackApproval> {
  const digest = rollbackPlanDigest(p);
  const record = await journalAppend(
    repo,
    {
      event: 'rollback-plan-approved',
      point: p.point.id,
      summary: `rollback plan to point ${p.point.id} approved by ${opts.approver}: ${p.steps.length} steps (plan ${digest.slice(0, 12)})${opts.note ? `: ${opts.note}` : ''}`,
      detail: { approver: opts.approver, note: opts.note ?? null, planDigest: digest, steps: p.steps.map((s) => s.id).join(' ') },
    },
    { signal: opts.signal },
  );
  return { plan: { ...p, journal: [...(p.journal ?? []), { seq: record.seq, hash: record.hash, event: record.event, time: record.time, summary: record.summary }] }, digest, record };
}

export async function rollbackApprove(repo: Repository, plan: PlanFile, pointRef: string, opts: RollbackPlanOptions & { approver: string; note?: string }): Promise<RollbackApproval> {
  return journalApproval(repo, await rollbackPlan(repo, plan, pointRef, opts), opts);
}
