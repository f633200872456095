/**
 * The one action wrapper every command goes through: it builds the command's context, runs the
 * action, and turns what happened into the exit code of the contract (exit-codes.ts) — the code
 * the action asked for, or the code of the error it threw, printed as one message with its hint.
 * No stack trace reaches a user (LIFEBOAT_DEBUG=1 prints it).
 */
import { Command, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { type CommandContext, type GlobalFlags } from './command-context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { formatError, type Io } from './io.js';

/** A command's action: commander's arguments (positional ones, the options, the command) after the context. */
export type Action<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<void>;

/** Wraps an action for `.action()`; the arguments keep the types commander infers for the command. */
export type Run = <A extends unknown[]>(action: Action<A>) => (...args: A) => Promise<void>;

/** Adds commands to `program` (or to a parent command), each action wrapped by `run`. */
export type Register = (program: CommandUnknownOpts, run: Run) => void;

const wrapped = new WeakSet<object>();

/** True when `fn` was made by an action runner (the test that walks the program checks every command). */
export function isWrappedAction(fn: unknown): boolean {
  return typeof fn === 'function' && wrapped.has(fn);
}

/**
 * The runner of one program: `onExit` receives each command's exit code. An action that throws
 * is reported on stderr and exits with the code of its error (10, 11, 12, 130, else 1); once
 * `signal` is aborted, the abort's reason (interrupted, 130) is what is reported.
 */
export function actionRunner(io: Io, signal: AbortSignal, onExit: (code: number) => void): Run {
  return <A extends unknown[]>(action: Action<A>) => {
    const fn = async (...args: A): Promise<void> => {
      const cmd = args.at(-1);
      if (!(cmd instanceof Command)) throw new Error('an action runs with its command as the last argument');
      const flags: GlobalFlags = cmd.optsWithGlobals();
      const ctx: CommandContext = { io, flags, signal, exitCode: EXIT.ok };
      try {
        signal.throwIfAborted();
        await action(ctx, ...args);
      } catch (err) {
        const reason: unknown = signal.aborted ? signal.reason : err;
        io.stderr.write(`${formatError(reason)}\n`);
        if (io.env.LIFEBOAT_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
        ctx.exitCode = exitCodeFor(reason);
      }
      onExit(ctx.exitCode);
    };
    wrapped.add(fn);
    return fn;
  };
}
