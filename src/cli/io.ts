/**
 * Terminal I/O for commands: where output goes, JSON lines, messages and the password prompt.
 * Commands receive an `Io` so tests can capture everything a command prints.
 */
import type { Writable } from 'node:stream';
import { LifeboatError, errorMessage } from '../core/index.js';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** stderr is a terminal (progress lines may be drawn). */
  isTty: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Asks a question on the terminal without echo; undefined when there is no terminal. */
  prompt?: (question: string) => Promise<string>;
}

export function processIo(): Io {
  const isTty = Boolean(process.stderr.isTTY);
  // a reader that stops early (`lifeboat ls … | head`) is not an error
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    isTty,
    env: process.env,
    prompt: process.stdin.isTTY ? promptHidden : undefined,
  };
}

export function printLine(out: Writable, line: string | Buffer): void {
  out.write(typeof line === 'string' ? `${line}\n` : Buffer.concat([line, Buffer.from('\n')]));
}

export function printJson(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/** One line for a problem: `lifeboat: message` plus the hint when there is one. */
export function formatError(err: unknown): string {
  const msg = `lifeboat: ${errorMessage(err)}`;
  if (err instanceof LifeboatError && err.hint) return `${msg}\n  hint: ${err.hint}`;
  return msg;
}

async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  let answer = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return answer;
        if (ch === '\u0003') throw new LifeboatError('E_ABORTED', 'interrupted');
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    }
    return answer;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
