/**
 * The program: global flags, the commands of commands/, and `main`, which runs the CLI and
 * resolves to the process exit code.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { LifeboatError } from '../core/index.js';
import { actionRunner } from './action.js';
import {
  registerCopyCommand,
  registerForgetCommand,
  registerInventoryCommands,
  registerJournalCommands,
  registerMaintenanceCommands,
  registerNotifyCommands,
  registerPointCommands,
  registerPruneCommand,
  registerReadCommands,
  registerReadyCommand,
  registerRewriteCommands,
  registerRollbackCommands,
  registerScheduleCommands,
  registerServeCommand,
  registerSnapshotCommands,
  registerSystemCommands,
  registerWriteCommands,
} from './commands/index.js';
import { EXIT, exitCodeFor, exitCodesHelp } from './exit-codes.js';
import { formatError, type Io, processIo } from './io.js';

// Only what commander needs to define the commands is loaded here: each action imports its
// use-case module when it runs, so `backup` does not load the inventory collectors, the rollback
// code, yaml and zod (≈ 12 MiB of heap and code).
import { VERSION } from '../app/version.js';
export { VERSION };

export function buildProgram(io: Io, signal: AbortSignal, onExit: (code: number) => void): Command {
  const program = new Command('lifeboat')
    .description('Verified restore points and rollback before a risky migration, in restic-compatible repositories')
    .version(VERSION, '-V, --version')
    .option('-r, --repo <location>', 'repository location (env: LIFEBOAT_REPOSITORY, RESTIC_REPOSITORY)')
    .option('-p, --password-file <file>', 'read the repository password from a file (env: LIFEBOAT_PASSWORD_FILE)')
    .option('--password-command <command>', 'run a command that prints the password (env: LIFEBOAT_PASSWORD_COMMAND)')
    .option('--json', 'machine-readable output (JSON lines)')
    .option('-q, --quiet', 'print only what was asked for, no progress')
    .option(
      '-o, --option <key=value>',
      'backend option, repeatable: connections=N, timeout=5m, retries=N, cacert=FILE, s3.region=…, rclone.program=… (docs/cli.md)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${exitCodesHelp()}`);

  const run = actionRunner(io, signal, onExit);

  registerWriteCommands(program, run);
  registerReadCommands(program, run);
  registerMaintenanceCommands(program, run);
  registerForgetCommand(program, run);
  registerSnapshotCommands(program, run);
  registerPruneCommand(program, run);
  registerCopyCommand(program, run);
  registerRewriteCommands(program, run);
  registerPointCommands(program, run);
  registerRollbackCommands(program, run);
  registerSystemCommands(program, run);
  registerNotifyCommands(program, run);
  registerJournalCommands(program, run);
  registerReadyCommand(program, run);
  registerServeCommand(program, run);
  registerScheduleCommands(program, run);
  registerInventoryCommands(program, run);
  return program;
}

const GLOBAL_VALUE_OPTIONS = new Set(['-r', '--repo', '-p', '--password-file', '--password-command', '-o', '--option']);

/**
 * `-o` is restic's global backend option (`-o connections=8`) and also, by the inventory
 * commands' contract, their output file (`inventory collect -o doc.json`). Commander gives a
 * global option precedence everywhere, so after the `inventory` command word `-o` is rewritten
 * to `--output`; backend options there are spelt `--option`.
 */
export function routeInventoryOutput(argv: readonly string[]): string[] {
  let k = 0;
  while (k < argv.length && argv[k]!.startsWith('-')) k += GLOBAL_VALUE_OPTIONS.has(argv[k]!) ? 2 : 1;
  if (argv[k] !== 'inventory') return [...argv];
  return argv.map((a, i) => (i <= k ? a : a === '-o' ? '--output' : /^-o[^-]/.test(a) ? `--output=${a.slice(2)}` : a));
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new LifeboatError('E_ABORTED', 'interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let code: number = EXIT.ok;
  try {
    await buildProgram(io, controller.signal, (c) => (code = c)).parseAsync(routeInventoryOutput(argv), { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
    io.stderr.write(`${formatError(reason)}\n`);
    if (io.env.LIFEBOAT_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return exitCodeFor(reason);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
