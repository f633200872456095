/**
 * Maintenance commands: check, list, unlock, key, repair index.
 */
import { Argument } from '@commander-js/extra-typings';
import { withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { choosePrinter } from '../printers/index.js';
import { addOperationOptions, optionalPlan, withConfiguredRepository, withOperation } from '../operation.js';
import type { Register } from '../action.js';
import { registerRepairPacks, registerRepairSnapshots } from './rewrite-commands.js';

export const registerMaintenanceCommands: Register = (program, run) => {
  addOperationOptions(
    program
      .command('check')
      .description('check the repository: index, packs, snapshots and trees; with --read-data every blob')
      .option('--read-data', 'read every pack and verify every blob (hash, MAC, header)')
      .option('--read-data-subset <subset>', "read only a subset of the packs: 'N/M', 'P%' or a size such as '500M'")
      .option('-c, --config <file>', 'plan file: its repository, password file and notify: targets'),
  ).action(
    run(async (ctx, opts) => {
      const { checkRepositoryUseCase } = await import('../../app/check.js');
      const { checkPrinter } = await import('../printers/maintenance-printers.js');
      const plan = await optionalPlan(opts.config);
      const print = choosePrinter(ctx, checkPrinter);
      await withOperation(ctx, opts, plan, (events) =>
        withConfiguredRepository(ctx, plan, async (repo) => {
          const result = await checkRepositoryUseCase(repo, {
            readData: opts.readData,
            readDataSubset: opts.readDataSubset,
            signal: ctx.signal,
            events,
            onFinding: (f) => print.finding(f),
          });
          print.summary(result);
          if (result.errors) ctx.exitCode = EXIT.error;
        }),
      );
    }),
  );

  program
    .command('list')
    .description('list IDs of repository files: snapshots, index, packs, keys or locks')
    .addArgument(new Argument('<type>', 'file type').choices(['snapshots', 'index', 'packs', 'keys', 'locks'] as const))
    .action(
      run(async (ctx, type) => {
        const { listRepositoryLocks } = await import('../../app/locks.js');
        const { listPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, listPrinter);
        await withRepository(ctx, async (repo) => {
          if (type === 'locks' && print.lock) {
            for (const l of await listRepositoryLocks(repo, ctx.signal)) print.lock(l);
            return;
          }
          const fileType = type === 'packs' ? 'data' : type;
          for await (const id of repo.listIds(fileType, ctx.signal)) print.id(id);
        });
      }),
    );

  program
    .command('unlock')
    .description('remove stale locks (older than 30 minutes, or left by a process on this host that is gone)')
    .option('--remove-all', 'remove every lock, also those of running processes')
    .action(
      run(async (ctx, { removeAll }) => {
        const { unlockRepository } = await import('../../app/locks.js');
        const { unlockPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, unlockPrinter);
        await withRepository(ctx, async (repo) => print(await unlockRepository(repo, { removeAll, signal: ctx.signal })));
      }),
    );

  const key = program.command('key').description('manage passwords (key files): list, add, remove, passwd');
  key
    .command('list')
    .description('list key files (* marks the one in use)')
    .action(
      run(async (ctx) => {
        const { listKeys } = await import('../../app/keys.js');
        const { keyListPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, keyListPrinter);
        await withRepository(ctx, async (repo) => print(await listKeys(repo, ctx.signal)));
      }),
    );
  key
    .command('add')
    .description('add a password')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      run(async (ctx, { newPasswordFile }) => {
        const { addRepositoryKey, newPassword } = await import('../../app/keys.js');
        const { keyAddPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, keyAddPrinter);
        await withRepository(ctx, async (repo) => print(await addRepositoryKey(repo, await newPassword(newPasswordFile, ctx.io.prompt), ctx.signal)));
      }),
    );
  key
    .command('remove')
    .description('remove a key (not the one in use)')
    .argument('<id>', 'key ID or unique prefix')
    .action(
      run(async (ctx, id) => {
        const { removeRepositoryKey } = await import('../../app/keys.js');
        const { keyRemovePrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, keyRemovePrinter);
        await withRepository(ctx, async (repo) => print(await removeRepositoryKey(repo, id, ctx.signal)));
      }),
    );
  key
    .command('passwd')
    .description('change the password of the key in use')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      run(async (ctx, { newPasswordFile }) => {
        const { changePassword, newPassword } = await import('../../app/keys.js');
        const { keyPasswdPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, keyPasswdPrinter);
        await withRepository(ctx, async (repo) => print(await changePassword(repo, await newPassword(newPasswordFile, ctx.io.prompt), ctx.signal)));
      }),
    );

  const repair = program.command('repair').description('repair the repository: index, snapshots, packs');
  repair
    .command('index')
    .description('rebuild the index from the pack files (after lost or damaged index files)')
    .option('--read-all-packs', 'read every pack header, also of packs the index already lists')
    .action(
      run(async (ctx, { readAllPacks }) => {
        const { repairRepositoryIndex } = await import('../../app/repair.js');
        const { repairIndexPrinter } = await import('../printers/maintenance-printers.js');
        const print = choosePrinter(ctx, repairIndexPrinter);
        await withRepository(ctx, async (repo) => {
          const r = await repairRepositoryIndex(repo, { readAllPacks, signal: ctx.signal });
          print(r);
          if (r.unreadable.length) ctx.exitCode = EXIT.error;
        });
      }),
    );
  registerRepairPacks(repair, run);
  registerRepairSnapshots(repair, run);
};
