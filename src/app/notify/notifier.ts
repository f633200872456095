/** Fans events out to the plan file's notification targets, in the background of the operation. */
import type { NotifyTarget } from '../../rollback/index.js';
import type { EventHook, LifeboatEvent } from '../events.js';
import { type DeliveryResult, deliver, targetWants } from './delivery.js';

export class Notifier {
  private readonly pending: Promise<DeliveryResult>[] = [];

  constructor(private readonly targets: readonly NotifyTarget[]) {}

  /** Queues the event for every target whose `on:` takes it; returns at once. */
  readonly hook: EventHook = (e: LifeboatEvent) => {
    this.targets.forEach((t, i) => {
      if (targetWants(t, e)) this.pending.push(deliver(t, i, e));
    });
  };

  /** Waits for every queued delivery (each bounded by its timeout and retries). */
  async settle(): Promise<DeliveryResult[]> {
    return Promise.all(this.pending.splice(0));
  }
}

/** Sends one event to every target (whatever their `on:` says): `lifeboat notify test`. */
export async function notifyAll(targets: readonly NotifyTarget[], e: LifeboatEvent): Promise<DeliveryResult[]> {
  return Promise.all(targets.map((t, i) => deliver(t, i, e)));
}
