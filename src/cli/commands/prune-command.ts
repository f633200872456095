/**
 * prune: remove data no snapshot references (also reached through `forget --prune`).
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { EventHook, PruneStats, Repository } from '../../app/index.js';
import type { CommandContext } from '../command-context.js';
import { formatBytes } from '../format.js';
import { printJson, printLine } from '../io.js';
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
  const stats = await pruneRepository(repo, {
    maxUnused: parseMaxUnused(o.maxUnused),
    maxRepackBytes: o.maxRepackSize ? parseSize(o.maxRepackSize) : undefined,
    repackUncompressed: o.repackUncompressed,
    dryRun: o.dryRun,
    signal: ctx.signal,
    events,
  });
  if (ctx.flags.json) {
    printJson(ctx.io.stdout, { message_type: 'prune', dry_run: Boolean(o.dryRun), ...stats });
  } else if (!ctx.flags.quiet) {
    const verb = o.dryRun ? 'would' : 'did';
    printLine(ctx.io.stdout, `used:   ${stats.usedBlobs} blobs / ${formatBytes(stats.usedBytes)}`);
    printLine(ctx.io.stdout, `unused: ${stats.unusedBlobs} blobs / ${formatBytes(stats.unusedBytes)} (${stats.duplicateBlobs} duplicates)`);
    printLine(ctx.io.stdout, `${verb} delete ${stats.packsToDelete} packs, repack ${stats.packsToRepack} packs (${formatBytes(stats.bytesToRepack)}), remove ${stats.unindexedPacks} unindexed packs; frees ${formatBytes(stats.bytesFreed)}`);
    if (stats.staleTemporaries > 0) {
      printLine(ctx.io.stdout, `${verb} remove ${stats.staleTemporaries} temporary files of interrupted saves older than an hour (${formatBytes(stats.staleTemporaryBytes)})`);
    }
  }
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
