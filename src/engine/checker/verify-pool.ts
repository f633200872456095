/** Main-thread side of check --read-data's verification threads: one pack at a time per thread. */
import { Worker } from 'node:worker_threads';
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import type { PackProblem } from '../../repository/pack/index.js';

interface Waiting {
  resolve: (p: PackProblem[]) => void;
  reject: (e: Error) => void;
}

export class VerifyPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: (() => void)[] = [];
  private readonly pending = new Map<number, Waiting>();
  private jobs = 0;

  constructor(init: { key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array }; version: number }, count: number) {
    for (let i = 0; i < count; i++) {
      const w = new Worker(new URL('./verify-worker.js', import.meta.url), { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
      w.on('message', (m: { job: number; problems: PackProblem[] }) => {
        this.pending.get(m.job)?.resolve(m.problems);
        this.pending.delete(m.job);
        this.release(w);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  private release(w: Worker): void {
    const next = this.queue.shift();
    this.idle.push(w);
    next?.();
  }

  private async acquire(): Promise<Worker> {
    while (this.idle.length === 0) await new Promise<void>((r) => this.queue.push(r));
    return this.idle.pop()!;
  }

  /** Verifies a pack on a free thread; `bytes` is transferred (unusable afterwards). */
  async verify(packId: Id, bytes: Buffer, indexed: CompactPack): Promise<PackProblem[]> {
    const w = await this.acquire();
    const job = ++this.jobs;
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    return new Promise<PackProblem[]>((resolve, reject) => {
      this.pending.set(job, { resolve, reject });
      w.postMessage({ job, packId, bytes, indexed }, whole ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
