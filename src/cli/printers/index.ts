/**
 * @module cli/printers
 * What each command prints, one printer per command, beside the commands: a printer has a text
 * form and a `--json` form with the same shape, and the action chooses one of them once
 * (`choosePrinter`), then hands it the use-case's result. An action therefore reads
 * parse → call the use-case → print, with no `if (json)` branches mixed into the work.
 * A printer of a streamed result (ls, find, diff) has one method per part (head, each entry, end).
 * The shared contract lives here; each command's printer file imports the app/ module whose data
 * it renders, so an action loads it with its use-case (`await import('../printers/….js')`) and a
 * command does not load the others.
 * May import: app (use-case files, as the commands do), core, the cli folder.
 */
import type { Writable } from 'node:stream';
import type { CommandContext } from '../command-context.js';

/** Where a printer writes, and whether text output was asked to be quiet (`-q`). */
export interface PrintTarget {
  stdout: Writable;
  stderr: Writable;
  quiet: boolean;
}

/** A command's printer in its two forms; P is what the action calls (a function or an object of them). */
export interface Printers<P> {
  text: (out: PrintTarget) => P;
  json: (out: PrintTarget) => P;
}

/** The form the global flags ask for (`--json` or text), bound to the command's streams. */
export function choosePrinter<P>(ctx: CommandContext, printers: Printers<P>): P {
  const out: PrintTarget = { stdout: ctx.io.stdout, stderr: ctx.io.stderr, quiet: Boolean(ctx.flags.quiet) };
  return ctx.flags.json ? printers.json(out) : printers.text(out);
}

/**
 * The printers of a command whose output has no JSON form: `--json` prints the same text, as the
 * command always did (a JSON form would be a change of its output contract).
 */
export function textInBothForms<P>(text: (out: PrintTarget) => P): Printers<P> {
  return { text, json: text };
}

/**
 * The output format of a command whose use-case renders every format itself (`inventory diff`,
 * `inventory check`): the global `--json` asks for 'json', else the command's own `--format`.
 */
export function chooseFormat<F extends string>(ctx: CommandContext, format: F): F | 'json' {
  return choosePrinter<F | 'json'>(ctx, { text: () => format, json: () => 'json' });
}
