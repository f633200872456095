/**
 * Exit codes: a public contract for scripts (docs/cli.md), the same numbers restic uses.
 */
import { LifeboatError } from '../core/index.js';

export const EXIT = {
  ok: 0,
  error: 1,
  /** Finished, but some files could not be read or written (restic's "incomplete snapshot"). */
  partial: 3,
  /** `rollback plan`: the present differs from the point (the plan has work to do). */
  planHasWork: 2,
  repositoryNotFound: 10,
  locked: 11,
  wrongPassword: 12,
  interrupted: 130,
} as const;

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof LifeboatError)) return EXIT.error;
  switch (err.code) {
    case 'E_REPO_NOT_FOUND':
      return EXIT.repositoryNotFound;
    case 'E_LOCKED':
      return EXIT.locked;
    case 'E_WRONG_PASSWORD':
      return EXIT.wrongPassword;
    case 'E_ABORTED':
      return EXIT.interrupted;
    default:
      return EXIT.error;
  }
}

/** The lines of `--help` that state the contract (docs/cli.md has the full table). */
export function exitCodesHelp(): string {
  return [
    `Exit codes: ${EXIT.ok} success, ${EXIT.error} error, ${EXIT.partial} finished but some files could not be read,`,
    `${EXIT.repositoryNotFound} no repository at the location, ${EXIT.locked} repository locked, ${EXIT.wrongPassword} wrong password, ${EXIT.interrupted} interrupted.`,
  ].join('\n');
}
