/**
 * Typed errors with stable codes. Every error a user can see is a LifeboatError:
 * `code` is stable (scripts and tests branch on it), `hint` tells the fix, `cause` chains.
 * Programmer errors stay plain `Error`.
 */

export type ErrorCode =
  | 'E_USAGE'
  | 'E_NOT_FOUND'
  | 'E_REPO_NOT_FOUND'
  | 'E_REPO_EXISTS'
  | 'E_WRONG_PASSWORD'
  | 'E_NO_PASSWORD'
  | 'E_INTEGRITY'
  | 'E_FORMAT'
  | 'E_UNSUPPORTED'
  | 'E_LOCKED'
  | 'E_BACKEND'
  | 'E_UNSAFE_PATH'
  | 'E_SNAPSHOT_NOT_FOUND'
  | 'E_AMBIGUOUS'
  | 'E_IO'
  | 'E_PARTIAL'
  | 'E_CONFIG'
  | 'E_COMMAND_FAILED'
  | 'E_PINNED'
  | 'E_PROOF_FAILED'
  | 'E_CONFLICT'
  | 'E_DISK_IN_USE'
  | 'E_DISK_TOO_SMALL'
  | 'E_NOTIFY'
  | 'E_ABORTED';

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) };
  }
}

/** A named thing (file, blob, snapshot, object in a backend) does not exist. */
export class NotFoundError extends LifeboatError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('E_NOT_FOUND', message, options);
  }
}

/** Stored bytes failed a MAC, a hash, a length or a structural check: the data is damaged. */
export class IntegrityError extends LifeboatError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('E_INTEGRITY', message, options);
  }
}

/** A document decoded but does not follow the format (bad JSON, unknown type, hostile field). */
export class FormatError extends LifeboatError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('E_FORMAT', message, options);
  }
}

export class WrongPasswordError extends LifeboatError {
  constructor(message = 'wrong password or no key found', options: ErrorOptions = {}) {
    super('E_WRONG_PASSWORD', message, {
      hint: 'check the password file, LIFEBOAT_PASSWORD or the password command',
      ...options,
    });
  }
}

export class LockedError extends LifeboatError {
  constructor(message: string, options: ErrorOptions = {}) {
    super('E_LOCKED', message, options);
  }
}

/** A backend operation failed; `transient` tells retry logic whether trying again can help. */
export class BackendError extends LifeboatError {
  readonly transient: boolean;
  constructor(message: string, options: ErrorOptions & { transient?: boolean } = {}) {
    super('E_BACKEND', message, options);
    this.transient = options.transient ?? false;
  }
}

export function isLifeboatError(err: unknown): err is LifeboatError {
  return err instanceof LifeboatError;
}

/** The errno code of a Node system error (`ENOENT`, …), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
