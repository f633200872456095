/** Output of `ready`: the readiness report of the plan's checklist, and what is not ready. */
import type { ReadinessReport } from '../../app/index.js';
import { renderReadiness } from '../../app/index.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

export const readinessPrinter: Printers<(r: ReadinessReport) => void> = {
  text: (out) => (r) => {
    out.stdout.write(renderReadiness(r));
    if (r.red.length) printLine(out.stderr, `lifeboat: not ready: ${r.red.map((i) => `${i.id}${i.pool ? `:${i.pool}` : ''} (${i.status})`).join(', ')}`);
  },
  json: (out) => (r) => printJson(out.stdout, { message_type: 'readiness', ...r }),
};
