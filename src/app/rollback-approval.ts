/**
 * Applying a rollback an operator approved in the console: the approval names the point (typed
 * by the operator) and the digest of the plan that was shown. The present is planned again; when
 * the digest differs, nothing is applied and the new plan is returned to be shown instead.
 * Otherwise the approval is appended to the journal (as `rollback approve` does) and applied.
 */
import { LifeboatError } from '../core/index.js';
import { type PlanFile, type RollbackPlan, rollbackPlanDigest } from '../rollback/index.js';
import { journalApproval } from './rollback-approve.js';
import { type RollbackApplyOptions, type RollbackApplyResult, rollbackApply, rollbackPlan } from './rollback.js';
import { pointFind } from './point.js';

export interface TypedApproval {
  /** What the operator typed: must equal the point's name (its ID when it has none). */
  confirmation: string;
  /** `rollbackPlanDigest` of the plan the operator saw. */
  planHash: string;
  /** Who approved, for the journal (default: the console operator). */
  approver?: string;
}

export type ApprovedApplyOutcome = { applied: true; result: RollbackApplyResult } | { applied: false; reason: 'plan-changed'; plan: RollbackPlan; planHash: string };

/** The word an operator types to approve a rollback to the point. */
export function confirmationWord(manifest: { id: string; name: string | null }): string {
  return manifest.name ?? manifest.id;
}

export async function rollbackApplyApproved(
  repo: Parameters<typeof rollbackApply>[0],
  plan: PlanFile,
  pointRef: string,
  approval: TypedApproval,
  opts: RollbackApplyOptions,
): Promise<ApprovedApplyOutcome> {
  const { manifest } = await pointFind(repo, pointRef, opts.signal);
  if (approval.confirmation.trim() !== confirmationWord(manifest)) {
    throw new LifeboatError('E_USAGE', 'the confirmation does not name the point', { hint: `type the point's name exactly: ${confirmationWord(manifest)}` });
  }
  const current = await rollbackPlan(repo, plan, manifest.id, opts);
  const planHash = rollbackPlanDigest(current);
  if (planHash !== approval.planHash) return { applied: false, reason: 'plan-changed', plan: current, planHash };
  await journalApproval(repo, current, { approver: approval.approver ?? 'console operator', note: 'approved in the web console', signal: opts.signal });
  return { applied: true, result: await rollbackApply(repo, plan, manifest.id, opts) };
}
