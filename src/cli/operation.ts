/**
 * The listeners of an operation (point create, check, prune, rollback apply): `--metrics-file`,
 * `--log-file` and the plan file's `notify:` targets. Their problems are warnings (exit 3 when
 * the operation itself succeeded); they never fail the operation.
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { EventHook, PlanFile, Repository } from '../app/index.js';
import { type CommandContext, repositoryContext, warn, withRepository } from './command-context.js';
import { EXIT } from './exit-codes.js';

/** The flags addOperationOptions adds. */
export interface OperationFlags {
  metricsFile?: string;
  logFile?: string;
}

export function addOperationOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd
    .option('--metrics-file <file>', 'write Prometheus metrics here when done (textfile collector format, replaced atomically)')
    .option('--log-file <file>', 'append every operations event to this file as a JSON line');
}

/**
 * Runs `fn` with an event hook feeding the listeners, then waits for them (also when `fn`
 * throws: a failed point is exactly what must be notified) and reports their problems.
 */
export async function withOperation<T>(ctx: CommandContext, o: OperationFlags, plan: PlanFile | undefined, fn: (events: EventHook) => Promise<T>): Promise<T> {
  const { operationListeners } = await import('../app/operations.js');
  const listeners = await operationListeners({ notify: plan?.notify ?? [], logFile: o.logFile, metricsFile: o.metricsFile });
  let failed = true;
  try {
    const r = await fn(listeners.hook);
    failed = false;
    return r;
  } finally {
    const report = await listeners.finish();
    for (const problem of report.problems) warn(ctx, problem);
    if (!failed && report.problems.length && ctx.exitCode === EXIT.ok) ctx.exitCode = EXIT.partial;
  }
}

/** Opens the repository the plan file (`-c`) names, or the one of the global flags without it. */
export async function withConfiguredRepository<T>(ctx: CommandContext, plan: PlanFile | undefined, fn: (repo: Repository) => Promise<T>): Promise<T> {
  if (!plan) return withRepository(ctx, fn);
  const { planRepositoryContext, withRepository: open } = await import('../app/index.js');
  return open(planRepositoryContext(repositoryContext(ctx), plan), fn);
}

/** The plan file of `-c`, when given. */
export async function optionalPlan(file: string | undefined): Promise<PlanFile | undefined> {
  if (!file) return undefined;
  const { loadPlanFile } = await import('../app/index.js');
  return loadPlanFile(file);
}
