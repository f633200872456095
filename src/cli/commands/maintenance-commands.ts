/**
 * Maintenance commands: check.
 */
import { checkRepositoryUseCase } from '../../app/index.js';
import { withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../io.js';
import type { Register } from './read-commands.js';

export const registerMaintenanceCommands: Register = (program, run) => {
  program
    .command('check')
    .description('check the repository: index, packs, snapshots and trees; with --read-data every blob')
    .option('--read-data', 'read every pack and verify every blob (hash, MAC, header)')
    .option('--read-data-subset <subset>', "read only a subset of the packs: 'N/M', 'P%' or a size such as '500M'")
    .action(
      run(async (ctx, cmd) => {
        const opts = cmd.opts<{ readData?: boolean; readDataSubset?: string }>();
        await withRepository(ctx, async (repo) => {
          const result = await checkRepositoryUseCase(repo, {
            readData: opts.readData,
            readDataSubset: opts.readDataSubset,
            signal: ctx.signal,
            onFinding: (f) => {
              if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'finding', ...f });
              else ctx.io.stderr.write(`${f.severity === 'error' ? 'error' : 'hint'}: ${f.message}\n`);
            },
          });
          if (ctx.flags.json) {
            printJson(ctx.io.stdout, { message_type: 'summary', errors: result.errors, hints: result.hints, packs: result.packs, snapshots: result.snapshots, trees: result.trees, packs_read: result.packsRead });
          } else if (!ctx.flags.quiet) {
            printLine(ctx.io.stdout, `checked ${result.snapshots} snapshots, ${result.trees} trees, ${result.packs} packs${result.packsRead ? ` (read ${result.packsRead})` : ''}`);
            printLine(ctx.io.stdout, result.errors ? `${result.errors} errors found` : 'no errors were found');
          }
          if (result.errors) ctx.exitCode = EXIT.error;
        });
      }),
    );
};
