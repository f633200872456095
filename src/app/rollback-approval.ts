/**
 * Applying a rollback an operator approved: the approval names the point (typed by the
 * operator) and the hash of the plan that was shown. The present is planned again; when the
 * plan's hash differs, nothing is applied and the new plan is returned to be shown instead.
 */
import { LifeboatError } from '../core/index.js';
import type { PlanFile, RollbackPlan } from '../rollback/index.js';
import { rollbackPlanHash } from './console-queries.js';
import { type RollbackApplyOptions, type RollbackApplyResult, rollbackApply, rollbackPlan } from './rollback.js';
import { pointFind } from './point.js';

export interface RollbackApproval {
  /** What the operator typed: must equal the point's name (its ID when it has none). */
  confirmation: string;
  /** `rollbackPlanHash` of the plan the operator saw. */
  planHash: string;
}

export type ApprovedApplyOutcome =
  | { applied: true; result: RollbackApplyResult }
  | { applied: false; reason: 'plan-changed'; plan: RollbackPlan; planHash: string };

/** The word an operator types to approve a rollback to the point. */
export function confirmationWord(manifest: { id: string; name: string | null }): string {
  return manifest.name ?? manifest.id;
}

export async function rollbackApplyApproved(repo: Parameters<typeof rollbackApply>[0], plan: PlanFile, pointRef: string, approval: RollbackApproval, opts: RollbackApplyOptions): Promise<ApprovedApplyOutcome> {
  const { manifest } = await pointFind(repo, pointRef, opts.signal);
  if (approval.confirmation.trim() !== confirmationWord(manifest)) {
    throw new LifeboatError('E_USAGE', 'the confirmation does not name the point', { hint: `type the point's name exactly: ${confirmationWord(manifest)}` });
  }
  const current = await rollbackPlan(repo, plan, manifest.id, opts);
  const planHash = rollbackPlanHash(current);
  if (planHash !== approval.planHash) return { applied: false, reason: 'plan-changed', plan: current, planHash };
  return { applied: true, result: await rollbackApply(repo, plan, manifest.id, opts) };
}
