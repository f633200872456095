/**
 * Commands that write: init, backup.
 */
import type { BackupRequest } from '../../app/index.js';
import { LifeboatError } from '../../core/index.js';
import { type CommandContext, addSnapshotFilterOptions, collect, reportItemError, repositoryContext, snapshotFilter, withRepository } from '../command-context.js';
import { EXIT } from '../exit-codes.js';
import { choosePrinter } from '../printers/index.js';
import { ProgressReporter, backupProgressLine } from '../progress.js';
import type { Register } from '../action.js';

/** '10M', '1.5G', '512k', '100' (bytes) → bytes. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new LifeboatError('E_USAGE', `invalid size ${JSON.stringify(text)}`, { hint: 'use a number with an optional k, M, G or T suffix' });
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase());
  return Math.round(Number(m[1]) * 1024 ** power);
}

/** restic's --time format 'YYYY-MM-DD HH:MM:SS' (local time), or any ISO 8601 time. */
export function parseTime(text: string): Date {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  const date = local ? new Date(Number(local[1]), Number(local[2]) - 1, Number(local[3]), Number(local[4]), Number(local[5]), Number(local[6])) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new LifeboatError('E_USAGE', `invalid time ${JSON.stringify(text)}`, { hint: "use 'YYYY-MM-DD HH:MM:SS'" });
  return date;
}

const COMPRESSION_MODES = ['auto', 'off', 'max'] as const;

function isCompressionMode(text: string): text is (typeof COMPRESSION_MODES)[number] {
  return (COMPRESSION_MODES as readonly string[]).includes(text);
}

export const registerWriteCommands: Register = (program, run) => {
  program
    .command('init')
    .description('create a new repository')
    .option('--repository-version <n>', 'repository format version: 2 (compression, default) or 1', '2')
    .option('--copy-chunker-params', 'use the chunker polynomial of the --from-repo repository (copies then deduplicate)')
    .option('--from-repo <location>', 'repository to copy chunker parameters from (env: LIFEBOAT_FROM_REPOSITORY)')
    .option('--from-password-file <file>', 'password file of --from-repo (env: LIFEBOAT_FROM_PASSWORD_FILE)')
    .option('--from-password-command <command>', 'password command of --from-repo (env: LIFEBOAT_FROM_PASSWORD_COMMAND)')
    .action(
      run(async (ctx, o) => {
        const { sourceRepositoryContext } = await import('../../app/wiring/index.js');
        const { initRepositoryAt } = await import('../../app/init.js');
        const { initPrinter } = await import('../printers/write-printers.js');
        const version = Number(o.repositoryVersion);
        if (version !== 1 && version !== 2) throw new LifeboatError('E_USAGE', `--repository-version must be 1 or 2, not ${version}`);
        const prompt = ctx.io.prompt;
        const result = await initRepositoryAt(repositoryContext(ctx), {
          version,
          copyChunkerParamsFrom: o.copyChunkerParams ? sourceRepositoryContext(o, repositoryContext(ctx)) : undefined,
          confirm: prompt ? async (pw) => (await prompt('enter password again: ')) === pw : undefined,
        });
        choosePrinter(ctx, initPrinter)(result);
      }),
    );

  program
    .command('backup')
    .description('back up files and directories (or a stream) into a new snapshot')
    .argument('[paths...]', 'files and directories to back up')
    .option('-e, --exclude <pattern>', 'exclude paths matching pattern (repeatable)', collect, [] as string[])
    .option('--iexclude <pattern>', 'like --exclude, ignoring case', collect, [] as string[])
    .option('--exclude-file <file>', 'read exclude patterns from a file (repeatable)', collect, [] as string[])
    .option('--exclude-caches', 'exclude directories holding a CACHEDIR.TAG')
    .option('--exclude-if-present <name>', 'exclude directories holding a file of this name (repeatable)', collect, [] as string[])
    .option('--exclude-larger-than <size>', 'exclude files larger than size (e.g. 100M)')
    .option('-x, --one-file-system', 'do not cross file system boundaries')
    .option('--files-from <file>', 'read the paths to back up from a file (repeatable)', collect, [] as string[])
    .option('--tag <tags>', 'add comma-separated tags (repeatable)', collect, [] as string[])
    .option('-H, --host <host>', 'host name to record (default: this machine)')
    .option('--time <time>', "snapshot time instead of now ('YYYY-MM-DD HH:MM:SS')")
    .option('--parent <snapshot>', 'use this snapshot as parent for change detection')
    .option('-f, --force', 'read every file, even when the parent says it is unchanged')
    .option('-n, --dry-run', 'do not write anything, only report what would be stored')
    .option('--compression <mode>', 'auto, off or max', 'auto')
    .option('--stdin', 'back up standard input as one file')
    .option('--stdin-filename <name>', 'file name for --stdin and --stdin-from-command', 'stdin')
    .option('--stdin-from-command', "back up the standard output of the command after '--' (a non-zero exit saves no snapshot)")
    .action(
      run(async (ctx, args, o) => {
        const compression = o.compression;
        if (!isCompressionMode(compression)) throw new LifeboatError('E_USAGE', `--compression must be auto, off or max`);
        const req: BackupRequest = {
          paths: o.stdinFromCommand ? [] : args,
          exclude: o.exclude,
          iexclude: o.iexclude,
          excludeFiles: o.excludeFile,
          excludeCaches: o.excludeCaches,
          excludeIfPresent: o.excludeIfPresent,
          excludeLargerThan: o.excludeLargerThan ? parseSize(o.excludeLargerThan) : undefined,
          oneFileSystem: o.oneFileSystem,
          filesFrom: o.filesFrom,
          tags: o.tag.flatMap((t) => t.split(',')).filter(Boolean),
          host: o.host,
          time: o.time ? parseTime(o.time) : undefined,
          parent: o.parent,
          force: o.force,
          dryRun: o.dryRun,
          compression,
          signal: ctx.signal,
          ...(o.stdin ? { stdin: { stream: process.stdin, filename: o.stdinFilename } } : {}),
          ...(o.stdinFromCommand ? { stdinCommand: { argv: args, filename: o.stdinFilename } } : {}),
        };
        await runBackup(ctx, req);
      }),
    );
};

export const registerCopyCommand: Register = (program, run) => {
  addSnapshotFilterOptions(
    program
      .command('copy')
      .description('copy snapshots from another repository (--from-repo) into this one, re-chunking when the chunker parameters differ')
      .argument('[snapshots...]', 'snapshots to copy (default: all that match the filters)')
      .requiredOption('--from-repo <location>', 'source repository (env: LIFEBOAT_FROM_REPOSITORY)')
      .option('--from-password-file <file>', 'password file of the source (env: LIFEBOAT_FROM_PASSWORD_FILE)')
      .option('--from-password-command <command>', 'password command of the source (env: LIFEBOAT_FROM_PASSWORD_COMMAND)'),
  ).action(
    run(async (ctx, ids, o) => {
      const { openRepository, sourceRepositoryContext } = await import('../../app/wiring/index.js');
      const { copySnapshots } = await import('../../app/copy.js');
      const { copyPrinter } = await import('../printers/write-printers.js');
      const print = choosePrinter(ctx, copyPrinter);
      const src = await openRepository(sourceRepositoryContext(o, repositoryContext(ctx)));
      try {
        await withRepository(ctx, async (dst) => {
          const r = await copySnapshots(src, dst, {
            snapshots: ids,
            filter: snapshotFilter(o),
            signal: ctx.signal,
            onSnapshot: (from, to, skipped) => print.snapshot(from, to, skipped),
          });
          print.summary(r);
        });
      } finally {
        await src.close();
      }
    }),
  );
};

async function runBackup(ctx: CommandContext, req: BackupRequest): Promise<void> {
  const { backup } = await import('../../app/backup.js');
  const { backupPrinter } = await import('../printers/write-printers.js');
  const print = choosePrinter(ctx, backupPrinter);
  let errors = 0;
  const progress = new ProgressReporter(ctx, backupProgressLine);
  await withRepository(ctx, async (repo) => {
    const result = await backup(repo, {
      ...req,
      onProgress: (p) => progress.update(p),
      onError: (path, err) => {
        errors++;
        reportItemError(ctx, path, err);
      },
      onWarning: (path, message) => print.warning(path, message),
    });
    progress.done();
    print.summary(result, errors);
  });
  if (errors > 0) ctx.exitCode = EXIT.partial;
}
