/**
 * What listens to an operation's events: the plan file's notification targets, the `--log-file`
 * (JSON lines, appended, mode 0600) and the `--metrics-file`. A front end builds the listeners,
 * passes `hook` to the use-case, and awaits `finish()`: every problem of a listener comes back
 * as a message (the front end warns, exit 3); none fails the operation itself.
 */
import { appendFile } from 'node:fs/promises';
import { errorMessage } from '../core/index.js';
import type { NotifyTarget } from '../rollback/index.js';
import type { EventHook, LifeboatEvent } from './events.js';
import type { DeliveryResult } from './notify/index.js';

export interface OperationListenersOptions {
  notify?: readonly NotifyTarget[];
  logFile?: string;
  metricsFile?: string;
}

export interface OperationReport {
  events: LifeboatEvent[];
  deliveries: DeliveryResult[];
  /** One line per listener problem (a failed delivery, an unwritable file); no secrets. */
  problems: string[];
}

export interface OperationListeners {
  hook: EventHook;
  finish(): Promise<OperationReport>;
}

export async function operationListeners(opts: OperationListenersOptions): Promise<OperationListeners> {
  // the notifier (nodemailer, the rollback module for the targets' commands) is loaded only for targets
  const notifier = opts.notify?.length ? new (await import('./notify/notifier.js')).Notifier(opts.notify) : undefined;
  const events: LifeboatEvent[] = [];
  const logWrites: Promise<string | null>[] = [];
  let logChain: Promise<unknown> = Promise.resolve();
  return {
    hook: (e) => {
      events.push(e);
      notifier?.hook(e);
      if (opts.logFile) {
        const file = opts.logFile;
        const write = logChain
          .then(() => appendFile(file, `${JSON.stringify(e)}\n`, { mode: 0o600 }))
          .then(
            () => null,
            (err: unknown) => `cannot append to the log file ${file}: ${errorMessage(err)}`,
          );
        logChain = write;
        logWrites.push(write);
      }
    },
    async finish() {
      const problems: string[] = [];
      for (const p of await Promise.all(logWrites)) if (p) problems.push(p);
      if (opts.metricsFile && events.length) {
        // loaded when asked for: the metrics read the repository's points (app/point.js and all it imports)
        const { writeMetricsFile } = await import('./metrics.js');
        await writeMetricsFile(opts.metricsFile, events).catch((err: unknown) => problems.push(errorMessage(err)));
      }
      const deliveries = (await notifier?.settle()) ?? [];
      for (const d of deliveries) if (!d.ok) problems.push(`notification to ${d.target} failed after ${d.attempts} attempts: ${d.error}`);
      return { events, deliveries, problems };
    },
  };
}
