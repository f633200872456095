/** Output of `restore` (with -v each action on an entry, then the summary) and `cat`. */
import type { OverwriteMode, RestoreAction, RestoreResult } from '../../app/index.js';
import { formatBytes, formatDuration } from '../format.js';
import { printJson, printLine } from '../io.js';
import { type Printers, textInBothForms } from './index.js';

/** How `restore -v` names each action: [with --dry-run, done]. */
const ACTION_WORDS: Record<RestoreAction, [string, string]> = {
  restore: ['would restore', 'restored'],
  update: ['would update', 'updated'],
  unchanged: ['unchanged', 'unchanged'],
  skip: ['would skip', 'skipped'],
  delete: ['would delete', 'deleted'],
};

export interface RestorePrinter {
  /** Present when this form lists each action on an entry (text with -v). */
  action?: (action: RestoreAction, item: string) => void;
  summary(r: RestoreResult, seconds: number): void;
}

export interface RestoreOptions {
  target: string;
  dryRun: boolean;
  verify: boolean;
  overwrite: OverwriteMode;
  verbose: boolean;
}

export function restorePrinter(o: RestoreOptions): Printers<RestorePrinter> {
  return {
    text: (out) => ({
      ...(o.verbose ? { action: (action: RestoreAction, item: string) => printLine(out.stdout, `${ACTION_WORDS[action][o.dryRun ? 0 : 1]} ${item}`) } : {}),
      summary: (r, seconds) => {
        if (out.quiet) return;
        // what was written, not what was selected: a file that failed is not "restored"
        const [verb, files, bytes] = o.dryRun ? ['would restore', r.filesTotal, r.bytesTotal] : ['restored', r.filesDone, r.bytesDone];
        printLine(
          out.stdout,
          `${verb} snapshot ${r.snapshotId.slice(0, 8)} to ${o.target}: ${files} files, ${r.dirs} dirs, ${r.others} other entries, ${formatBytes(bytes)} in ${formatDuration(seconds)}`,
        );
        if (o.verify) printLine(out.stdout, `verified ${r.verified} files`);
        if (r.filesUnchanged || r.skipped || r.deleted) {
          printLine(out.stdout, `${r.filesUnchanged} files unchanged, ${r.skipped} entries kept as they were (--overwrite ${o.overwrite}), ${r.deleted} entries ${o.dryRun ? 'to delete' : 'deleted'}`);
        }
        if (r.filesFailed) printLine(out.stdout, `${r.filesFailed} of ${r.filesTotal} files could not be restored`);
        if (r.errors) printLine(out.stdout, `${r.errors} errors`);
      },
    }),
    json: (out) => ({
      summary: (r, seconds) =>
        printJson(out.stdout, {
          message_type: 'summary',
          snapshot_id: r.snapshotId,
          dry_run: o.dryRun,
          total_files: r.filesTotal,
          files_restored: r.filesDone,
          files_failed: r.filesFailed,
          files_unchanged: r.filesUnchanged,
          skipped: r.skipped,
          deleted: r.deleted,
          total_bytes: r.bytesTotal,
          bytes_restored: r.bytesDone,
          dirs: r.dirs,
          others: r.others,
          errors: r.errors,
          files_verified: r.verified,
          seconds_elapsed: seconds,
        }),
    }),
  };
}

/** `cat` prints the object as the repository holds it (restic's JSON, or the raw bytes of a blob or pack), whatever --json says. */
export const catPrinter: Printers<(object: Buffer) => void> = textInBothForms((out) => (object) => {
  out.stdout.write(object);
});
