/** Output of `system layout` and `system restore` (its steps on stderr, then the plan or what was done). */
import type { SystemLayout, SystemRestoreResult } from '../../app/index.js';
import { describeSystemLayout } from '../../app/index.js';
import { formatBytes } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { PrintTarget, Printers } from './index.js';

export const systemLayoutPrinter: Printers<(layout: SystemLayout) => void> = {
  text: (out) => (layout) => printLine(out.stdout, describeSystemLayout(layout).trimEnd()),
  json: (out) => (layout) => printJson(out.stdout, layout),
};

export interface SystemRestorePrinter {
  step(text: string): void;
  result(r: SystemRestoreResult): void;
}

function restoreText(out: PrintTarget, r: SystemRestoreResult): void {
  const w = out.stdout;
  if (!r.executed) {
    printLine(w, `plan to restore system source ${r.source} of point ${r.point} (snapshot ${r.snapshot.slice(0, 8)}) onto ${r.disk}:`);
    for (const s of r.steps) printLine(w, `  ${s}`);
    printLine(w, 'partition table (sfdisk script):');
    printLine(w, r.table.trimEnd().replace(/^/gm, '    '));
  } else {
    printLine(w, `restored system source ${r.source} of point ${r.point} onto ${r.disk}: ${r.filesRestored} files, ${formatBytes(r.bytesRestored)}${r.errors ? `, ${r.errors} errors` : ''}`);
    if (r.report) printLine(w, `report: ${r.report} in the restored system`);
  }
  for (const warning of r.warnings) printLine(w, `  needs manual work: ${warning}`);
  if (!r.executed) printLine(w, 'nothing was changed; run again with --yes to do this');
}

export const systemRestorePrinter: Printers<SystemRestorePrinter> = {
  text: (out) => ({
    step: (text) => {
      if (!out.quiet) printLine(out.stderr, text);
    },
    result: (r) => restoreText(out, r),
  }),
  json: (out) => ({
    step: () => {},
    result: (r) => printJson(out.stdout, { message_type: 'system_restore', ...r }),
  }),
};
