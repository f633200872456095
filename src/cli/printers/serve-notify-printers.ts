/** Output of `serve` (its start-up lines) and `notify test` (one line per target). */
import type { DeliveryResult } from '../../app/index.js';
import type { RunningConsole } from '../../web/index.js';
import { printJson, printLine } from '../io.js';
import { type Printers, textInBothForms } from './index.js';

export interface ConsolePrinter {
  started(running: Pick<RunningConsole, 'url' | 'loginUrl' | 'newToken'>): void;
  stopping(): void;
}

/** `serve`'s start-up lines are for the person who starts it: --json prints them as text too. */
export const consolePrinter: Printers<ConsolePrinter> = textInBothForms((out) => ({
  started: (running) => {
    printLine(out.stdout, `lifeboat console listening on ${running.url}`);
    printLine(out.stdout, `log in: ${running.loginUrl}`);
    if (!running.newToken) printLine(out.stdout, 'the token is the one in the token file');
  },
  stopping: () => printLine(out.stderr, 'lifeboat console: stopping'),
}));

export const notifyTestPrinter: Printers<(r: DeliveryResult) => void> = {
  text: (out) => (r) => printLine(r.ok ? out.stdout : out.stderr, r.ok ? `ok    ${r.target}` : `lifeboat: warning: ${r.target}: failed after ${r.attempts} attempts: ${r.error}`),
  json: (out) => (r) => printJson(out.stdout, { message_type: 'notify_test', target: r.target, ok: r.ok, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) }),
};
