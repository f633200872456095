/**
 * What every command action gets: the I/O, global flags, a cancellation signal, and helpers to
 * open the repository and report per-item problems.
 */
import type { Command, OptionValues } from '@commander-js/extra-typings';
import type { Repository, RepositoryContext, SnapshotFilter } from '../app/index.js';
import { EXIT } from './exit-codes.js';
import { formatError, type Io, printJson } from './io.js';

export interface GlobalFlags {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: number;
  /** `-o key=value` backend options (restic's names). */
  option?: string[];
}

export interface CommandContext {
  io: Io;
  flags: GlobalFlags;
  signal: AbortSignal;
  /** Exit code the command asks for (set by `setExit`). */
  exitCode: number;
}

export function repositoryContext(ctx: CommandContext): RepositoryContext {
  return {
    flags: { repo: ctx.flags.repo, passwordFile: ctx.flags.passwordFile, passwordCommand: ctx.flags.passwordCommand },
    env: ctx.io.env,
    prompt: ctx.io.prompt,
    signal: ctx.signal,
    ...(ctx.flags.option?.length ? { backendOptions: ctx.flags.option } : {}),
    onWarning: (message, details) => {
      warn(ctx, message);
      // the result may lack something (an unreadable snapshot file that may be the latest): exit 3
      if (details?.partial && ctx.exitCode === EXIT.ok) ctx.exitCode = EXIT.partial;
    },
  };
}

/** A warning on stderr (or a JSON warning line); the command goes on. */
export function warn(ctx: CommandContext, message: string): void {
  if (ctx.flags.json) printJson(ctx.io.stderr, { message_type: 'warning', message });
  else ctx.io.stderr.write(`lifeboat: warning: ${message}\n`);
}

/** Opens the repository of the global flags, runs `fn`, and always closes the repository. */
export async function withRepository<T>(ctx: CommandContext, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const { withRepository: open } = await import('../app/wiring/index.js');
  return open(repositoryContext(ctx), fn);
}

/** Reports a per-item problem on stderr (or as a JSON error line) without stopping. */
export function reportItemError(ctx: CommandContext, item: string, err: unknown): void {
  if (ctx.flags.json) {
    printJson(ctx.io.stderr, { message_type: 'error', item, error: { message: err instanceof Error ? err.message : String(err) } });
  } else {
    ctx.io.stderr.write(`${formatError(err).replace(/^lifeboat: /, `lifeboat: ${item}: `)}\n`);
  }
}

/** The snapshot filter flags (`--host`, `--tag`, `--path`) of every command that selects snapshots. */
export interface SnapshotFilterFlags {
  host: string[];
  tag: string[];
  path: string[];
}

/** Adds the snapshot filter flags to a command (its option types grow by SnapshotFilterFlags). */
export function addSnapshotFilterOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd
    .option('-H, --host <host>', 'only consider snapshots of this host (repeatable)', collect, [] as string[])
    .option('--tag <tags>', 'only consider snapshots with these comma-separated tags (repeatable: any group matches)', collect, [] as string[])
    .option('--path <path>', 'only consider snapshots that include this path (repeatable)', collect, [] as string[]);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The filter of app/ from the flags: each `--tag` is a comma-separated group. */
export function snapshotFilter(flags: SnapshotFilterFlags): SnapshotFilter {
  return {
    hosts: flags.host,
    tags: flags.tag.map((t) => t.split(',').filter(Boolean)),
    paths: flags.path,
  };
}
