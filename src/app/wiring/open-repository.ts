/**
 * The composition root for repository access: location → backend → Repository.
 */
import type { Backend } from '../../backend/index.js';
import { openBackend } from '../../backend/location/index.js';
import { LifeboatError } from '../../core/index.js';
import { Repository } from '../../repository/index.js';
import { type Env, type RepositoryFlags, resolvePassword, resolveRepositoryLocation } from './credentials.js';

export interface RepositoryContext {
  flags: RepositoryFlags;
  env: Env;
  /** Asks for a password interactively (a TTY); absent when there is no terminal. */
  prompt?: (question: string) => Promise<string>;
  signal?: AbortSignal;
}

export async function getPassword(ctx: RepositoryContext, question = 'enter password for repository: '): Promise<string> {
  const password = await resolvePassword(ctx.flags, ctx.env);
  if (password !== undefined) return password;
  if (ctx.prompt) return ctx.prompt(question);
  throw new LifeboatError('E_NO_PASSWORD', 'no password given and no terminal to ask on', {
    hint: 'use --password-file, --password-command or LIFEBOAT_PASSWORD',
  });
}

export async function openLocation(ctx: RepositoryContext): Promise<Backend> {
  return openBackend(resolveRepositoryLocation(ctx.flags, ctx.env));
}

/** Opens the repository named by the context, asking for the password if needed. */
export async function openRepository(ctx: RepositoryContext): Promise<Repository> {
  const backend = await openLocation(ctx);
  try {
    const password = await getPassword(ctx);
    return await Repository.open(backend, { password, signal: ctx.signal });
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/** The context of a second repository (copy's source): --from-* flags, then *_FROM_* variables. */
export function sourceRepositoryContext(
  flags: { fromRepo?: string; fromPasswordFile?: string; fromPasswordCommand?: string },
  ctx: RepositoryContext,
): RepositoryContext {
  const env = ctx.env;
  const pick = (name: string): string | undefined => env[`LIFEBOAT_FROM_${name}`] || env[`RESTIC_FROM_${name}`] || undefined;
  return {
    flags: { repo: flags.fromRepo, passwordFile: flags.fromPasswordFile, passwordCommand: flags.fromPasswordCommand },
    env: {
      LIFEBOAT_REPOSITORY: pick('REPOSITORY'),
      LIFEBOAT_PASSWORD: pick('PASSWORD'),
      LIFEBOAT_PASSWORD_FILE: pick('PASSWORD_FILE'),
      LIFEBOAT_PASSWORD_COMMAND: pick('PASSWORD_COMMAND'),
    },
    prompt: ctx.prompt,
    signal: ctx.signal,
  };
}

/** A context whose repository and password file default to the plan file's (flags still win). */
export function planRepositoryContext(ctx: RepositoryContext, plan: { repository?: string; passwordFile?: string }): RepositoryContext {
  const f = ctx.flags;
  const usePlanPassword = !f.passwordFile && !f.passwordCommand && plan.passwordFile;
  return {
    ...ctx,
    flags: { ...f, repo: f.repo ?? plan.repository, ...(usePlanPassword ? { passwordFile: plan.passwordFile } : {}) },
  };
}
