/**
 * Where the repository and its password come from, in restic's order of precedence:
 * flags, then LIFEBOAT_* variables, then RESTIC_* variables, then a prompt on a terminal.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { LifeboatError, errnoCode } from '../../core/index.js';

const execFileAsync = promisify(execFile);

export interface RepositoryFlags {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string): string | undefined {
  return env[`LIFEBOAT_${name}`] || env[`RESTIC_${name}`] || undefined;
}

export function resolveRepositoryLocation(flags: RepositoryFlags, env: Env): string {
  const location = flags.repo ?? fromEnv(env, 'REPOSITORY');
  if (!location) {
    throw new LifeboatError('E_USAGE', 'no repository given', {
      hint: 'pass -r/--repo LOCATION or set LIFEBOAT_REPOSITORY',
    });
  }
  return location;
}

/** The password file or command resolvePassword reads (a file wins over a command), if any. */
export function passwordSource(flags: RepositoryFlags, env: Env): { file?: string; command?: string } {
  const file = flags.passwordFile ?? (flags.passwordCommand ? undefined : fromEnv(env, 'PASSWORD_FILE'));
  if (file) return { file };
  const command = flags.passwordCommand ?? (flags.passwordFile ? undefined : fromEnv(env, 'PASSWORD_COMMAND'));
  return command ? { command } : {};
}

/**
 * The password, or undefined when none is configured (the caller may then prompt).
 * Files and command output are trimmed of surrounding white space, as restic does.
 */
export async function resolvePassword(flags: RepositoryFlags, env: Env): Promise<string | undefined> {
  const { file, command } = passwordSource(flags, env);
  if (file) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new LifeboatError('E_NO_PASSWORD', `cannot read password file ${file}: ${errnoCode(err) ?? String(err)}`, {
        hint: 'check --password-file / LIFEBOAT_PASSWORD_FILE',
        cause: err,
      });
    }
  }
  if (command) {
    try {
      const { stdout } = await execFileAsync('/bin/sh', ['-c', command], { maxBuffer: 1024 * 1024 });
      return stdout.trim();
    } catch (err) {
      throw new LifeboatError('E_NO_PASSWORD', `password command failed: ${command}`, {
        hint: 'check --password-command / LIFEBOAT_PASSWORD_COMMAND',
        cause: err,
      });
    }
  }
  return fromEnv(env, 'PASSWORD');
}
