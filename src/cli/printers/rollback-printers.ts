/**
 * Output of `rollback plan|apply|approve`: the plan (text, Markdown or JSON), the steps of an
 * apply as they run and its summary, and the journal record of an approval.
 */
import type { RollbackApplyResult, RollbackApproval, RollbackEvent, RollbackPlan } from '../../app/index.js';
import { journalCitation, renderPlan } from '../../app/index.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

/** How the text plan is rendered (--markdown, --delete); the JSON plan is the same either way. */
export interface PlanView {
  markdown?: boolean;
  delete?: boolean;
}

export const rollbackPlanPrinter: Printers<(p: RollbackPlan, view: PlanView) => void> = {
  text: (out) => (p, view) => out.stdout.write(renderPlan(p, view)),
  json: (out) => (p) => printJson(out.stdout, p),
};

export interface RollbackApplyPrinter {
  /** Without --yes: the plan that would be applied. */
  dryRun(p: RollbackPlan, view: PlanView): void;
  /** A step as it starts and ends (stderr in text, a `rollback_event` line with --json). */
  event(e: RollbackEvent): void;
  /** The problems (stderr, both forms) and the summary. */
  applied(r: RollbackApplyResult): void;
}

export const rollbackApplyPrinter: Printers<RollbackApplyPrinter> = {
  text: (out) => {
    const say = (line: string): void => {
      if (!out.quiet) printLine(out.stderr, line);
    };
    return {
      dryRun: (p, view) => {
        out.stdout.write(renderPlan(p, view));
        printLine(out.stdout, '\ndry run: nothing was changed; add --yes to apply this plan');
      },
      event: (e) => {
        if (e.type === 'resume') say(`resuming the interrupted rollback (${e.done} steps done; journal ${e.journal})`);
        else if (e.type === 'step-start') say(`step ${e.index + 1}/${e.total}: ${e.step.id}…`);
        else if (e.type === 'step-done') say(`  ${e.result}`);
      },
      applied: (r) => {
        for (const p of r.problems) printLine(out.stderr, `lifeboat: ${p}`);
        printLine(
          out.stdout,
          `rollback to ${r.journal.plan.point.id} applied${r.resumed ? ' (resumed)' : ''}: ${r.journal.plan.steps.length} steps, ${r.problems.length} problems; journal ${r.journalFile}`,
        );
      },
    };
  },
  json: (out) => ({
    dryRun: (p) => printJson(out.stdout, { message_type: 'dry_run', plan: p }),
    event: (e) => printJson(out.stdout, { message_type: 'rollback_event', ...e }),
    applied: (r) => {
      for (const p of r.problems) printLine(out.stderr, `lifeboat: ${p}`);
      const moved = r.remaining?.accounts.moved.length ?? 0;
      printJson(out.stdout, { message_type: 'summary', journal: r.journalFile, resumed: r.resumed, problems: r.problems, remaining_moved_accounts: moved });
    },
  }),
};

export const rollbackApprovePrinter: Printers<(r: RollbackApproval, approver: string) => void> = {
  text: (out) => (r, approver) =>
    printLine(out.stdout, `rollback plan to point ${r.plan.point.id} approved by ${approver}: plan ${r.digest.slice(0, 12)}, journal record ${journalCitation(r.record)}`),
  json: (out) => (r) => printJson(out.stdout, { message_type: 'approved', point: r.plan.point.id, plan_digest: r.digest, journal: { seq: r.record.seq, hash: r.record.hash } }),
};
