/** Output of `schedule install|list|remove`: the files written (or, with --print, their content). */
import type { ScheduleEntry, ScheduleInstallResult } from '../../app/index.js';
import { renderTable } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { PrintTarget, Printers } from './index.js';

function warnings(out: PrintTarget, r: ScheduleInstallResult): void {
  for (const w of r.warnings) printLine(out.stderr, `lifeboat: warning: ${w}`);
}

/** `printed`: --print was given, the files were shown and not written. */
export const scheduleInstallPrinter: Printers<(r: ScheduleInstallResult, printed: boolean) => void> = {
  text: (out) => (r, printed) => {
    warnings(out, r);
    if (printed) {
      for (const f of r.files) out.stdout.write(`# ${f.path}\n${f.content}\n`);
      printLine(out.stdout, `# ${r.envFile.path} (mode 0600) would hold: ${r.envFile.variables.join(', ') || 'nothing yet'}`);
      return;
    }
    for (const f of r.files) printLine(out.stdout, `wrote ${f.path}`);
    printLine(out.stdout, r.envFile.created ? `wrote ${r.envFile.path} (mode 0600): ${r.envFile.variables.join(', ') || 'no variables'}` : `kept ${r.envFile.path} (mode 0600)`);
    for (const c of r.commands) printLine(out.stdout, `ran ${c}`);
  },
  json: (out) => (r, printed) => {
    warnings(out, r);
    printJson(out.stdout, { message_type: 'schedule', printed, files: r.files, env_file: r.envFile, commands: r.commands });
  },
};

export const scheduleListPrinter: Printers<(entries: ScheduleEntry[]) => void> = {
  text: (out) => (entries) => {
    printLine(
      out.stdout,
      renderTable(
        ['kind', 'name', 'schedule', 'command'],
        entries.map((e) => [e.kind, e.name, e.schedule, e.command]),
      ),
    );
    printLine(out.stdout, `${entries.length} schedules`);
  },
  json: (out) => (entries) => printJson(out.stdout, entries),
};

export const scheduleRemovePrinter: Printers<(r: { removed: string[]; commands: string[] }) => void> = {
  text: (out) => (r) => {
    for (const p of r.removed) printLine(out.stdout, `removed ${p}`);
    if (!r.removed.length) printLine(out.stdout, 'no such schedule');
  },
  json: (out) => (r) => printJson(out.stdout, { message_type: 'schedule_removed', removed: r.removed, commands: r.commands }),
};
