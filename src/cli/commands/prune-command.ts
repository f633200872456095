/**
 * prune: remove data no snapshot references (also reached through `forget --prune`).
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { EventHook, PruneStats, Repository } from '../../app/index.js';
import type { CommandContext } from '../command-context.js';
import { choosePrinter } from '../printers/index.js';
import { parseSize } from './write-commands.js';
import type { Register } from '../action.js';
import { addOperationOptions, optionalPlan, withConfiguredRepository, withOperation } from '../operation.js';

export interface PruneFlags {
  maxUnused: string;
  maxRepackSize?: string;
  repackUncompressed?: boolean;
  dryRun?: boolean;
}

export async function runPrune(ctx: CommandContext, repo: Repository, o: PruneFlags, events?: EventHook): Promise<PruneStats> {
  const { parseMaxUnused, pruneRepository } = await import('../../app/prune.js');
  const { prunePrinter } = await import('../printers/forget-prune-printers.js');
  const stats = await pruneRepository(repo, {
    maxUnused: parseMaxUnused(o.maxUnused),
    maxRepackBytes: o.maxRepackSize ? parseSize(o.maxRepackSize) : undefined,
    repackUncompressed: o.repackUncompressed,
    dryRun: o.dryRun,
    signal: ctx.signal,
    events,
  });
  choosePrinter(ctx, prunePrinter)({ stats, dryRun: Boolean(o.dryRun) });
  return stats;
}

export function addPruneOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd
    .option('--max-unused <limit>', "unused data to tolerate, as a percentage of used data, or 'unlimited'", '5%')
    .option('--max-repack-size <size>', 'repack at most this much data (e.g. 1G)')
    .option('--repack-uncompressed', 'repack packs holding uncompressed blobs (repository version 2)');
}

export const registerPruneCommand: Register = (program, run) => {
  addOperationOptions(addPruneOptions(program.command('prune').description('remove data that no snapshot references (restic prune, safe to interrupt)')))
    .option('-n, --dry-run', 'only show what would be done')
    .option('-c, --config <file>', 'plan file: its repository, password file and notify: targets')
    .action(
      run(async (ctx, o) => {
        const plan = await optionalPlan(o.config);
        await withOperation(ctx, o, plan, (events) => withConfiguredRepository(ctx, plan, (repo) => runPrune(ctx, repo, o, events)));
      }),
    );
};
