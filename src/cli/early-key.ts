/**
 * Loaded by bin/lifeboat before the program itself: for a command that opens a repository, the
 * key derivation (scrypt, ≈ 0.16 s on the thread pool) starts while the program's modules load
 * (≈ 0.3 s on the main thread) instead of after them (app/wiring/key-prefetch.ts says when it
 * starts and crypto/kdf when it is used). Reads only the flags that name the repository and
 * its password, as commander will; the program parses everything again.
 */
import { prefetchRepositoryKey } from '../app/wiring/key-prefetch.js';
import type { Env, RepositoryFlags } from '../app/wiring/credentials.js';

/** Commands that open an existing repository with its password. */
const OPENS_REPOSITORY = new Set([
  'backup',
  'cat',
  'check',
  'copy',
  'diff',
  'dump',
  'find',
  'forget',
  'key',
  'list',
  'ls',
  'point',
  'prune',
  'repair',
  'restore',
  'rewrite',
  'rollback',
  'serve',
  'snapshots',
  'stats',
  'tag',
  'unlock',
]);
/** Global options that take a value, long and short. */
const VALUE_OPTIONS: Record<string, keyof RepositoryFlags | undefined> = {
  '-r': 'repo',
  '--repo': 'repo',
  '-p': 'passwordFile',
  '--password-file': 'passwordFile',
  '--password-command': 'passwordCommand',
  '-o': undefined,
  '--option': undefined,
};

/** The repository flags of `argv` when its command opens a repository, else undefined. */
export function earlyKeyFlags(argv: readonly string[]): RepositoryFlags | undefined {
  const flags: RepositoryFlags = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (name in VALUE_OPTIONS) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      const flag = VALUE_OPTIONS[name];
      if (flag && value !== undefined) flags[flag] = value;
    } else if (command === undefined && !arg.startsWith('-')) {
      command = arg;
    }
  }
  return command !== undefined && OPENS_REPOSITORY.has(command) ? flags : undefined;
}

/** Starts the key derivation for `argv` when that can help; never throws. */
export function prefetchKey(argv: readonly string[], env: Env): void {
  const flags = earlyKeyFlags(argv);
  if (flags) void prefetchRepositoryKey(flags, env);
}
