/**
 * Progress reporting for long work: a single redrawn line on a terminal (stderr), `status` JSON
 * lines with --json, nothing otherwise. Throttled so reporting never costs measurable time.
 */
import type { CommandContext } from './command-context.js';
import { formatBytes, formatDuration } from './format.js';
import { printJson } from './io.js';

export interface ProgressSnapshot {
  filesDone: number;
  filesTotal?: number;
  bytesDone: number;
  bytesTotal?: number;
  current?: string;
}

export class ProgressReporter {
  private lastDraw = 0;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly ctx: CommandContext,
    private readonly render: (p: ProgressSnapshot, elapsedSeconds: number) => string,
    private readonly intervalMs = ctx.flags.json ? 1000 : 200,
  ) {}

  private get active(): boolean {
    return !this.ctx.flags.quiet && (this.ctx.flags.json === true || this.ctx.io.isTty);
  }

  update(p: ProgressSnapshot): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.emit(p);
  }

  private emit(p: ProgressSnapshot): void {
    const elapsed = (Date.now() - this.started) / 1000;
    if (this.ctx.flags.json) {
      const percent = p.bytesTotal ? p.bytesDone / p.bytesTotal : 0;
      printJson(this.ctx.io.stdout, {
        message_type: 'status',
        seconds_elapsed: Math.round(elapsed),
        percent_done: Math.min(1, percent),
        total_files: p.filesTotal,
        files_done: p.filesDone,
        total_bytes: p.bytesTotal,
        bytes_done: p.bytesDone,
        ...(p.current ? { current_files: [p.current] } : {}),
      });
      return;
    }
    const columns = (this.ctx.io.stderr as { columns?: number }).columns ?? 100;
    const line = this.render(p, elapsed).slice(0, Math.max(20, columns - 1));
    this.ctx.io.stderr.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  /** Clears the progress line (call before printing the final summary). */
  done(): void {
    if (this.drawn) this.ctx.io.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

/** Estimated seconds left from the rate so far. */
export function eta(done: number, total: number | undefined, elapsed: number): number | undefined {
  if (!total || done <= 0 || elapsed <= 0) return undefined;
  return ((total - done) * elapsed) / done;
}

/** The progress line of a backup: elapsed, files, bytes of the total, ETA, current file. */
export function backupProgressLine(p: ProgressSnapshot, elapsed: number): string {
  const left = eta(p.bytesDone, p.bytesTotal, elapsed);
  return `[${formatDuration(elapsed)}] ${p.filesDone} files ${formatBytes(p.bytesDone)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}${left !== undefined ? ` ETA ${formatDuration(left)}` : ''}  ${p.current ?? ''}`;
}
