/**
 * The pack restorer's read buffers: a pair per span in flight (the span's sealed bytes, and the
 * place its compressed blobs are decompressed to), reused from span to span; spans larger than
 * SPAN_BYTES (one large blob each) share one larger pair (at least any chunk restic makes), one
 * span at a time. Reused rather than allocated per read: a dead read buffer is freed only when V8
 * collects its Buffer, and that let tens of MiB of them wait; a fresh buffer also costs its
 * first-touch page faults on every read.
 */
import { CHUNK_BLOB_BYTES } from '../../repository/pack/index.js';
import type { Span } from './pack-plan.js';

/** Most bytes of a pack read at once, and most bytes its compressed blobs decompress to. */
export const SPAN_BYTES = 2 * 1024 * 1024;

/** A span's read (`sealed`) and where its compressed blobs are decompressed to (`plain`). */
export interface SpanBuffers {
  sealed: Buffer;
  plain: Buffer;
}

export class SpanBufferPool {
  private readonly free: SpanBuffers[] = [];
  private large: SpanBuffers | undefined;
  private largeQueue: Promise<void> = Promise.resolve();

  /** Whether `span` goes through the large pair (one blob larger than a span). */
  static isLarge(span: Span): boolean {
    return span.end - span.start > SPAN_BYTES || span.plain > SPAN_BYTES;
  }

  /**
   * Runs `fn` with buffers that fit `span` (the large pair once no other span uses it). When `fn`
   * answers false the buffers are not reused: a failed read may have left anything in them.
   */
  async with(span: Span, fn: (buffers: SpanBuffers) => Promise<boolean>): Promise<void> {
    if (!SpanBufferPool.isLarge(span)) {
      const buffers = this.free.pop() ?? { sealed: Buffer.allocUnsafeSlow(SPAN_BYTES), plain: Buffer.allocUnsafeSlow(SPAN_BYTES) };
      if (await fn(buffers)) this.free.push(buffers);
      return;
    }
    const previous = this.largeQueue;
    let release!: () => void;
    this.largeQueue = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      const large = (this.large ??= { sealed: Buffer.alloc(0), plain: Buffer.alloc(0) });
      if (large.sealed.length < span.end - span.start) large.sealed = Buffer.allocUnsafeSlow(Math.max(span.end - span.start, CHUNK_BLOB_BYTES));
      if (large.plain.length < span.plain) large.plain = Buffer.allocUnsafeSlow(Math.max(span.plain, CHUNK_BLOB_BYTES));
      if (!(await fn(large))) this.large = undefined;
    } finally {
      release();
    }
  }
}
