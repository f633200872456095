/**
 * What every command action gets: the I/O, global flags, a cancellation signal, and helpers to
 * open the repository and report per-item problems.
 */
import type { Command } from 'commander';
import type { Repository, RepositoryContext } from '../app/index.js';
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

export function globalFlags(cmd: Command): GlobalFlags {
  return cmd.optsWithGlobals() as GlobalFlags;
}

export function repositoryContext(ctx: CommandContext): RepositoryContext {
  return {
    flags: { repo: ctx.flags.repo, passwordFile: ctx.flags.passwordFile, passwordCommand: ctx.flags.passwordCommand },
    env: ctx.io.env,
    prompt: ctx.io.prompt,
    signal: ctx.signal,
    ...(ctx.flags.option?.length ? { backendOptions: ctx.flags.option } : {}),
    onWarning: (message) => warn(ctx, message),
  };
}

/** A warning on stderr (or a JSON warning line); the command goes on. */
export function warn(ctx: CommandContext, message: string): void {
  if (ctx.flags.json) printJson(ctx.io.stderr, { message_type: 'warning', message });
  else ctx.io.stderr.write(`lifeboat: warning: ${message}\n`);
}

/** Opens the repository, runs `fn`, and always closes the backend. */
export async function withRepository<T>(ctx: CommandContext, fn: (repo: Repository) => Promise<T>): Promise<T> {
  const { openRepository } = await import('../app/wiring/index.js');
  const repo = await openRepository(repositoryContext(ctx));
  try {
    return await fn(repo);
  } finally {
    await repo.backend.close();
  }
}

/** Reports a per-item problem on stderr (or as a JSON error line) without stopping. */
export function reportItemError(ctx: CommandContext, item: string, err: unknown): void {
  if (ctx.flags.json) {
    printJson(ctx.io.stderr, { message_type: 'error', item, error: { message: err instanceof Error ? err.message : String(err) } });
  } else {
    ctx.io.stderr.write(`${formatError(err).replace(/^lifeboat: /, `lifeboat: ${item}: `)}\n`);
  }
}

/** Snapshot filter flags (--host, --tag, --path) shared by several commands. */
export function addSnapshotFilterOptions(cmd: Command): Command {
  return cmd
    .option('-H, --host <host>', 'only consider snapshots of this host (repeatable)', collect, [])
    .option('--tag <tags>', 'only consider snapshots with these comma-separated tags (repeatable: any group matches)', collect, [])
    .option('--path <path>', 'only consider snapshots that include this path (repeatable)', collect, []);
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function snapshotFilter(opts: { host?: string[]; tag?: string[]; path?: string[] }): {
  hosts: string[];
  tags: string[][];
  paths: string[];
} {
  return {
    hosts: opts.host ?? [],
    tags: (opts.tag ?? []).map((t) => t.split(',').filter(Boolean)),
    paths: opts.path ?? [],
  };
}
