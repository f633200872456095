/**
 * Maintenance commands: check, list, unlock, key, repair index.
 */
import { Argument } from '@commander-js/extra-typings';
import { renderTable } from '../format.js';
import { withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../io.js';
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
      const plan = await optionalPlan(opts.config);
      await withOperation(ctx, opts, plan, (events) =>
        withConfiguredRepository(ctx, plan, async (repo) => {
          let mixedPacks = 0;
          const result = await checkRepositoryUseCase(repo, {
            readData: opts.readData,
            readDataSubset: opts.readDataSubset,
            signal: ctx.signal,
            events,
            onFinding: (f) => {
              if (f.kind === 'pack-mixed') mixedPacks++;
              if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'finding', ...f });
              else ctx.io.stderr.write(`${f.severity === 'error' ? 'error' : 'hint'}: ${f.message}\n`);
            },
          });
          if (ctx.flags.json) {
            printJson(ctx.io.stdout, {
              message_type: 'summary',
              errors: result.errors,
              hints: result.hints,
              packs: result.packs,
              snapshots: result.snapshots,
              trees: result.trees,
              packs_read: result.packsRead,
            });
          } else if (!ctx.flags.quiet) {
            if (mixedPacks) printLine(ctx.io.stdout, 'Mixed packs with tree and data blobs are non-critical, you can run `lifeboat prune` to correct this.');
            printLine(ctx.io.stdout, `checked ${result.snapshots} snapshots, ${result.trees} trees, ${result.packs} packs${result.packsRead ? ` (read ${result.packsRead})` : ''}`);
            printLine(ctx.io.stdout, result.errors ? `${result.errors} errors found` : 'no errors were found');
          }
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
        const { describeLock, listRepositoryLocks } = await import('../../app/locks.js');
        await withRepository(ctx, async (repo) => {
          if (type === 'locks' && !ctx.flags.quiet && !ctx.flags.json) {
            for (const l of await listRepositoryLocks(repo, ctx.signal)) printLine(ctx.io.stdout, `${l.id}  ${describeLock(l)}`);
            return;
          }
          const fileType = type === 'packs' ? 'data' : type;
          for await (const id of repo.listIds(fileType, ctx.signal)) {
            if (ctx.flags.json) printJson(ctx.io.stdout, { id });
            else printLine(ctx.io.stdout, id);
          }
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
        await withRepository(ctx, async (repo) => {
          const removed = await unlockRepository(repo, { removeAll, signal: ctx.signal });
          if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'unlocked', removed: removed.map((l) => l.id) });
          else if (!ctx.flags.quiet) printLine(ctx.io.stdout, removed.length ? `removed ${removed.length} locks` : 'no stale locks');
        });
      }),
    );

  const key = program.command('key').description('manage passwords (key files): list, add, remove, passwd');
  key
    .command('list')
    .description('list key files (* marks the one in use)')
    .action(
      run(async (ctx) => {
        const { listKeys } = await import('../../app/keys.js');
        await withRepository(ctx, async (repo) => {
          const keys = await listKeys(repo, ctx.signal);
          if (ctx.flags.json) printJson(ctx.io.stdout, keys);
          else
            printLine(
              ctx.io.stdout,
              renderTable(
                [' ', 'ID', 'User', 'Host', 'Created'],
                keys.map((k) => [k.current ? '*' : '', k.id.slice(0, 8), k.username, k.hostname, k.created]),
              ),
            );
        });
      }),
    );
  key
    .command('add')
    .description('add a password')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      run(async (ctx, { newPasswordFile }) => {
        const { addRepositoryKey, newPassword } = await import('../../app/keys.js');
        await withRepository(ctx, async (repo) => {
          const id = await addRepositoryKey(repo, await newPassword(newPasswordFile, ctx.io.prompt), ctx.signal);
          if (!ctx.flags.quiet) printLine(ctx.io.stdout, `saved new key as ${id.slice(0, 8)}`);
        });
      }),
    );
  key
    .command('remove')
    .description('remove a key (not the one in use)')
    .argument('<id>', 'key ID or unique prefix')
    .action(
      run(async (ctx, id) => {
        const { removeRepositoryKey } = await import('../../app/keys.js');
        await withRepository(ctx, async (repo) => {
          const removed = await removeRepositoryKey(repo, id, ctx.signal);
          if (!ctx.flags.quiet) printLine(ctx.io.stdout, `removed key ${removed.slice(0, 8)}`);
        });
      }),
    );
  key
    .command('passwd')
    .description('change the password of the key in use')
    .option('--new-password-file <file>', 'read the new password from a file')
    .action(
      run(async (ctx, { newPasswordFile }) => {
        const { changePassword, newPassword } = await import('../../app/keys.js');
        await withRepository(ctx, async (repo) => {
          const id = await changePassword(repo, await newPassword(newPasswordFile, ctx.io.prompt), ctx.signal);
          if (!ctx.flags.quiet) printLine(ctx.io.stdout, `password changed (new key ${id.slice(0, 8)})`);
        });
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
        await withRepository(ctx, async (repo) => {
          const r = await repairRepositoryIndex(repo, { readAllPacks, signal: ctx.signal });
          for (const u of r.unreadable) ctx.io.stderr.write(`lifeboat: pack ${u.pack} left out: ${u.message}\n`);
          if (ctx.flags.json) printJson(ctx.io.stdout, { message_type: 'repair-index', ...r });
          else if (!ctx.flags.quiet) printLine(ctx.io.stdout, `indexed ${r.packs} packs in ${r.newIndexFiles} index files (replacing ${r.oldIndexFiles})`);
          if (r.unreadable.length) ctx.exitCode = EXIT.error;
        });
      }),
    );
  registerRepairPacks(repair, run);
  registerRepairSnapshots(repair, run);
};
