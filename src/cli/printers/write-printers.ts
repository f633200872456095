/** Output of the commands that write: init, backup (its summary; progress lines: ../progress.ts), copy. */
import type { BackupResult, CopyResult, InitResult } from '../../app/index.js';
import { formatBytes, formatDuration } from '../format.js';
import { printJson, printLine } from '../io.js';
import type { Printers } from './index.js';

export const initPrinter: Printers<(r: InitResult) => void> = {
  text: (out) => (r) => {
    if (out.quiet) return;
    printLine(out.stdout, `created repository ${r.id.slice(0, 10)} (version ${r.version}) at ${r.location}`);
    printLine(out.stdout, 'Keep the password safe: without it the data cannot be read back.');
  },
  json: (out) => (r) => printJson(out.stdout, { message_type: 'initialized', id: r.id, repository: r.location, version: r.version }),
};

export interface BackupPrinter {
  /** Something read differently than asked (on stderr; the backup goes on). */
  warning(path: string, message: string): void;
  /** `errors`: the files and directories that could not be read (reported as they happened). */
  summary(r: BackupResult, errors: number): void;
}

const seconds = (r: BackupResult): number => (r.finishedAt.getTime() - r.startedAt.getTime()) / 1000;
const count = (n: number): string => String(n).padStart(8);

export const backupPrinter: Printers<BackupPrinter> = {
  text: (out) => ({
    warning: (path, message) => out.stderr.write(`lifeboat: warning: ${path}: ${message}\n`),
    summary: (r, errors) => {
      if (out.quiet) return;
      const s = r.stats;
      if (r.parent) printLine(out.stdout, `using parent snapshot ${r.parent.slice(0, 8)}`);
      printLine(out.stdout, `Files:  ${count(s.filesNew)} new, ${count(s.filesChanged)} changed, ${count(s.filesUnmodified)} unmodified`);
      printLine(out.stdout, `Dirs:   ${count(s.dirsNew)} new, ${count(s.dirsChanged)} changed, ${count(s.dirsUnmodified)} unmodified`);
      printLine(out.stdout, `Added to the repository: ${formatBytes(r.dataAdded)} (${formatBytes(r.dataAddedPacked)} stored)`);
      printLine(out.stdout, `processed ${s.totalFilesProcessed} files, ${formatBytes(s.totalBytesProcessed)} in ${formatDuration(seconds(r))}`);
      printLine(out.stdout, r.snapshotId ? `snapshot ${r.snapshotId.slice(0, 8)} saved` : 'dry run: nothing was saved');
      if (errors) printLine(out.stdout, `Warning: ${errors} files or directories could not be read; the snapshot is incomplete`);
    },
  }),
  json: (out) => ({
    warning: (path, message) => printJson(out.stderr, { message_type: 'warning', item: path, message }),
    summary: (r, errors) => {
      const s = r.stats;
      printJson(out.stdout, {
        message_type: 'summary',
        files_new: s.filesNew,
        files_changed: s.filesChanged,
        files_unmodified: s.filesUnmodified,
        dirs_new: s.dirsNew,
        dirs_changed: s.dirsChanged,
        dirs_unmodified: s.dirsUnmodified,
        data_blobs: r.dataBlobs,
        tree_blobs: r.treeBlobs,
        data_added: r.dataAdded,
        data_added_packed: r.dataAddedPacked,
        total_files_processed: s.totalFilesProcessed,
        total_bytes_processed: s.totalBytesProcessed,
        total_duration: seconds(r),
        dry_run: r.dryRun,
        ...(r.snapshotId ? { snapshot_id: r.snapshotId } : {}),
        ...(r.parent ? { parent: r.parent } : {}),
        errors,
      });
    },
  }),
};

export interface CopyPrinter {
  snapshot(from: string, to: string | undefined, skipped: boolean): void;
  summary(r: CopyResult): void;
}

export const copyPrinter: Printers<CopyPrinter> = {
  text: (out) => ({
    snapshot: (from, to, skipped) => {
      if (!out.quiet) printLine(out.stdout, skipped ? `snapshot ${from.slice(0, 8)} already copied, skipped` : `snapshot ${from.slice(0, 8)} copied as ${to!.slice(0, 8)}`);
    },
    summary: (r) => {
      if (out.quiet) return;
      printLine(
        out.stdout,
        `copied ${r.copied} snapshots, skipped ${r.skipped}${r.rechunked ? ' (re-chunked: the chunker parameters differ)' : ''}; ${r.dataBlobs} data and ${r.treeBlobs} tree blobs added`,
      );
    },
  }),
  json: (out) => ({
    snapshot: (from, to, skipped) => printJson(out.stdout, { message_type: 'copied', from, to, skipped }),
    summary: () => {},
  }),
};
