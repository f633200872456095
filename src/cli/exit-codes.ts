/**
 * Exit codes: a public contract for scripts (docs/cli.md), the same numbers restic uses.
 */
import { LifeboatError } from '../core/index.js';

export const EXIT = {
  ok: 0,
  error: 1,
  /** Finished, but some files could not be read or written (restic's "incomplete snapshot"). */
  partial: 3,
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
