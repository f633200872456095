/**
 * @module platform/exec
 * Runs an external command with a timeout and an AbortSignal and captures its output. A non-zero
 * exit is data (returned in `code`), not an exception; only "could not start" (ENOENT, EACCES),
 * a timeout and an abort throw. May import: core.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { LifeboatError, NotFoundError, errnoCode } from '../../core/index.js';

export interface RunOptions {
  /** Kill the command (SIGKILL) after this many milliseconds; default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Written (or piped, with backpressure) to the command's stdin, which is then closed. */
  input?: string | Buffer | Readable;
  /** Environment; default the current process environment. */
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Stop capturing (and kill the command) beyond this many bytes of stdout; default 256 MiB. */
  maxOutputBytes?: number;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  /** Exit code, or null when the command was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `cmd` with `args` (no shell). Throws NotFoundError when the command does not exist,
 * LifeboatError('E_COMMAND_FAILED') on timeout or output overflow, and the signal's reason on abort.
 */
export function runCommand(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxOut = options.maxOutputBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let failure: unknown;
    const kill = (reason: unknown): void => {
      if (failure === undefined) failure = reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill(new LifeboatError('E_COMMAND_FAILED', `${cmd} did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const onAbort = (): void => kill(options.signal?.reason ?? new LifeboatError('E_ABORTED', 'aborted'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxOut) kill(new LifeboatError('E_COMMAND_FAILED', `${cmd} printed more than ${maxOut} bytes`));
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1024) err.push(d);
    });
    const done = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      done();
      const code = errnoCode(e);
      if (code === 'ENOENT') reject(new NotFoundError(`command not found: ${cmd}`, { cause: e }));
      else reject(new LifeboatError('E_COMMAND_FAILED', `cannot run ${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, sig) => {
      done();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason or spawn error, passed on unchanged
      if (failure !== undefined) reject(failure);
      else resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code, signal: sig });
    });
    // a command that exits without reading its stdin makes the write fail with EPIPE: not our error
    child.stdin.on('error', () => {});
    const input = options.input;
    if (input instanceof Readable) {
      input.on('error', (e) => kill(e));
      input.pipe(child.stdin);
    } else {
      child.stdin.end(input ?? '');
    }
  });
}

/** True when `name` (a bare command name or a path) is an executable file on `PATH`. */
export async function commandExists(name: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<boolean> {
  const candidates = name.includes('/')
    ? [name]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return true;
    } catch {
      // not here; try the next PATH entry
    }
  }
  return false;
}
