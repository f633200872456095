/**
 * Long work started from the console (point create, check, rollback apply) runs as a job in the
 * server process: its state (progress, current step, a log tail, the result) lives here, not in
 * a browser tab, so closing the tab does not stop it and a page that connects again gets the
 * whole state. Subscribers (Server-Sent Events streams) are told of changes at most every
 * `notifyMs`; the final state is sent at once. Cancelling aborts the job's AbortSignal.
 */
import { randomBytes } from 'node:crypto';

export type JobKind = 'point-create' | 'check' | 'rollback-apply';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  /** 0–100; null while unknown. */
  percent: number | null;
  bytesDone: number;
  bytesTotal: number | null;
  filesDone: number;
  filesTotal: number | null;
  /** Seconds left at the present rate; null while unknown. */
  etaSeconds: number | null;
  step: string;
}

export interface JobState {
  id: string;
  kind: JobKind;
  title: string;
  /** The CLI command that does the same. */
  cli: string;
  status: JobStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress;
  log: string[];
  /** One line saying how it ended. */
  summary: string | null;
  /** Where to look at the result (a point's page, a journal). */
  resultLink: string | null;
}

export interface JobControl {
  signal: AbortSignal;
  /** Sets the step shown and logs it. */
  step(step: string): void;
  log(line: string): void;
  /** Work done so far: `percent` is computed from bytes when not given. */
  progress(p: Partial<Omit<JobProgress, 'etaSeconds' | 'step'>>): void;
}

export interface JobOutcome {
  summary: string;
  resultLink?: string;
  /** Finished, but with problems: the job is marked failed. */
  failed?: boolean;
}

const LOG_LINES = 200;

interface Job {
  state: JobState;
  controller: AbortController;
  listeners: Set<(s: JobState) => void>;
  timer: NodeJS.Timeout | undefined;
  started: number;
  done: Promise<void>;
}

export class JobRunner {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly notifyMs = 250,
    /** Turns a thrown error into the line shown (never a stack trace). */
    private readonly describeError: (err: unknown) => string = (err) => (err instanceof Error ? err.message : String(err)),
    /** Applied to every log line and summary (commands may carry passwords in URLs). */
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  /** The job still running, if any: one job at a time works on the repository. */
  running(): JobState | undefined {
    for (const j of this.jobs.values()) if (j.state.status === 'running') return this.copy(j);
    return undefined;
  }

  list(): JobState[] {
    return [...this.jobs.values()].map((j) => this.copy(j)).reverse();
  }

  get(id: string): JobState | undefined {
    const j = this.jobs.get(id);
    return j ? this.copy(j) : undefined;
  }

  start(kind: JobKind, title: string, cli: string, run: (c: JobControl) => Promise<JobOutcome>): JobState {
    const id = randomBytes(6).toString('hex');
    const controller = new AbortController();
    const job: Job = {
      state: {
        id,
        kind,
        title,
        cli,
        status: 'running',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        progress: { percent: 0, bytesDone: 0, bytesTotal: null, filesDone: 0, filesTotal: null, etaSeconds: null, step: 'starting' },
        log: [],
        summary: null,
        resultLink: null,
      },
      controller,
      listeners: new Set(),
      timer: undefined,
      started: Date.now(),
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    const log = (line: string): void => {
      job.state.log.push(`${new Date().toISOString().slice(11, 19)} ${this.redact(line)}`);
      if (job.state.log.length > LOG_LINES) job.state.log.splice(0, job.state.log.length - LOG_LINES);
      this.changed(job);
    };
    const control: JobControl = {
      signal: controller.signal,
      step: (step) => {
        job.state.progress.step = this.redact(step);
        log(step);
      },
      log,
      progress: (p) => {
        const s = job.state.progress;
        Object.assign(s, p);
        if (p.percent === undefined && s.bytesTotal) s.percent = Math.min(99, Math.floor((100 * s.bytesDone) / s.bytesTotal));
        const elapsed = (Date.now() - job.started) / 1000;
        s.etaSeconds = s.percent && s.percent > 0 && s.percent < 100 ? Math.round((elapsed * (100 - s.percent)) / s.percent) : null;
        this.changed(job);
      },
    };
    job.done = run(control).then(
      (outcome) => this.finish(job, outcome.failed ? 'failed' : 'succeeded', outcome.summary, outcome.resultLink),
      (err: unknown) => this.finish(job, controller.signal.aborted ? 'cancelled' : 'failed', controller.signal.aborted ? 'cancelled by the operator' : this.describeError(err)),
    );
    return this.copy(job);
  }

  /** Asks a running job to stop; false when there is no such running job. */
  cancel(id: string): boolean {
    const j = this.jobs.get(id);
    if (!j || j.state.status !== 'running') return false;
    j.state.log.push(`${new Date().toISOString().slice(11, 19)} cancel requested`);
    j.controller.abort(new Error('cancelled by the operator'));
    this.changed(j);
    return true;
  }

  /**
   * Calls `listener` with the whole state now, then on every change (throttled) until the job
   * ends or the returned function is called.
   */
  subscribe(id: string, listener: (s: JobState) => void): (() => void) | undefined {
    const j = this.jobs.get(id);
    if (!j) return undefined;
    listener(this.copy(j));
    if (j.state.status !== 'running') return () => {};
    j.listeners.add(listener);
    return () => j.listeners.delete(listener);
  }

  /** Cancels every running job and waits for them to end (server shutdown). */
  async close(): Promise<void> {
    for (const j of this.jobs.values()) if (j.state.status === 'running') j.controller.abort(new Error('the console is shutting down'));
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  /** Resolves when the job has ended (tests, shutdown). */
  async settled(id: string): Promise<JobState | undefined> {
    await this.jobs.get(id)?.done;
    return this.get(id);
  }

  private finish(job: Job, status: JobStatus, summary: string, resultLink?: string): void {
    job.state.status = status;
    job.state.finishedAt = new Date().toISOString();
    job.state.summary = this.redact(summary);
    job.state.resultLink = resultLink ?? null;
    if (status === 'succeeded') Object.assign(job.state.progress, { percent: 100, etaSeconds: null, step: 'done' });
    job.state.log.push(`${job.state.finishedAt.slice(11, 19)} ${status}: ${job.state.summary}`);
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    const s = this.copy(job);
    for (const l of job.listeners) l(s);
    job.listeners.clear();
  }

  private changed(job: Job): void {
    if (job.timer || job.listeners.size === 0) return;
    job.timer = setTimeout(() => {
      job.timer = undefined;
      const s = this.copy(job);
      for (const l of job.listeners) l(s);
    }, this.notifyMs);
  }

  private copy(job: Job): JobState {
    return structuredClone(job.state);
  }
}
