/**
 * prune: remove data no snapshot references (also reached through `forget --prune`).
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { EventHook, MaxUnused, PruneStats, Repository } from '../../app/index.js';
import { LifeboatError } from '../../core/index.js';
import type { CommandContext } from '../command-context.js';
import { choosePrinter } from '../printers/index.js';
import { parseSize } from './write-commands.js';
import type { Register } from '../action.js';
import { addOperationOptions, optionalPlan, withConfiguredRepository, withOperation } from '../operation.js';

export interface PruneFlags {
  maxUnused: string;
  maxRepackSize?: string;
  repackUncompressed?: boolean;
  repackSmall?: boolean;
  repackCacheableOnly?: boolean;
  dryRun?: boolean;
}

/** restic's --max-unused: 'unlimited', a percentage below 100 ('5%', '2.5%') or a size ('0', '500M', '2G'). */
export function parseMaxUnused(text: string): MaxUnused {
  const limit = text.trim();
  if (limit === 'unlimited') return { unlimited: true };
  if (!limit.endsWith('%')) {
    try {
      return { bytes: parseSize(limit) };
    } catch {
      throw new LifeboatError('E_USAGE', `invalid --max-unused ${JSON.stringify(text)}`, { hint: "use a percentage such as '5%', a size such as '0' or '500M', or 'unlimited'" });
    }
  }
  const percent = /^\d+(?:\.\d+)?$/.test(limit.slice(0, -1)) ? Number(limit.slice(0, -1)) : Number.NaN;
  if (!(percent < 100))
    throw new LifeboatError('E_USAGE', `invalid --max-unused ${JSON.stringify(text)}: a percentage from 0 to below 100`, {
      hint: "use a percentage such as '5%', a size such as '0' or '500M', or 'unlimited'",
    });
  return { percent };
}

export async function runPrune(ctx: CommandContext, repo: Repository, o: PruneFlags, events?: EventHook): Promise<PruneStats> {
  const { pruneRepository } = await import('../../app/prune.js');
  const { prunePrinter } = await import('../printers/forget-prune-printers.js');
  const stats = await pruneRepository(repo, {
    maxUnused: parseMaxUnused(o.maxUnused),
    maxRepackBytes: o.maxRepackSize ? parseSize(o.maxRepackSize) : undefined,
    repackUncompressed: o.repackUncompressed,
    repackSmall: o.repackSmall,
    repackCacheableOnly: o.repackCacheableOnly,
    dryRun: o.dryRun,
    signal: ctx.signal,
    events,
  });
  choosePrinter(ctx, prunePrinter)({ stats, dryRun: Boolean(o.dryRun) });
  return stats;
}

export function addPruneOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd
    .option('--max-unused <limit>', "unused data to tolerate after the prune: a percentage of the repository, a size (0, 500M, 2G) or 'unlimited'", '5%')
    .option('--max-repack-size <size>', 'repack at most this much data, whole packs counted (e.g. 1G)')
    .option('--repack-uncompressed', 'repack and compress packs holding uncompressed blobs (repository version 2)')
    .option('--repack-small', 'repack packs below 80% of the target pack size (else below 4%, and only when there are 10 or more)')
    .option('--repack-cacheable-only', 'repack tree packs only, never data packs');
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
