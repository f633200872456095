/**
 * The pack restorer's read buffers: a pair per span in flight (the span's sealed bytes, and the
 * place its compressed blobs are decompressed to), reused from span to span; spans larger than
 * SPAN_BYTES (one large blob each) share LARGE_PAIRS larger pairs (at least any chunk restic
 * makes), one span per pair at a time. Reused rather than allocated per read: a dead read buffer
 * is freed only when V8 collects its Buffer, and that let tens of MiB of them wait; a fresh
 * buffer also costs its first-touch page faults on every read.
 */
import { CHUNK_BLOB_BYTES } from '../../repository/pack/index.js';
import type { Span } from './pack-plan.js';

/** Most bytes of a pack read at once, and most bytes its compressed blobs decompress to. */
export const SPAN_BYTES = 2 * 1024 * 1024;
/**
 * Large spans in flight at once. With one, every large blob waited for the last one's read,
 * opening and write in turn, and a core idled through the large files (2 GiB dataset into
 * /dev/shm, 6 pairs: wall −8 %, +10 MiB); four were no faster than two and held 22 MiB more.
 */
export const LARGE_PAIRS = 2;

/** A span's read (`sealed`) and where its compressed blobs are decompressed to (`plain`). */
export interface SpanBuffers {
  sealed: Buffer;
  plain: Buffer;
}

export class SpanBufferPool {
  private readonly free: SpanBuffers[] = [];
  /** Large pairs not in use, and the spans waiting for one. */
  private readonly freeLarge: SpanBuffers[] = [];
  private readonly waiting: (() => void)[] = [];
  private largeInUse = 0;

  /** `largePairs`: large spans in flight at once, each with its own pair. */
  constructor(private readonly largePairs = LARGE_PAIRS) {}

  /** Whether `span` goes through a large pair (one blob larger than a span). */
  static isLarge(span: Span): boolean {
    return span.end - span.start > SPAN_BYTES || span.plain > SPAN_BYTES;
  }

  /**
   * Runs `fn` with buffers that fit `span` (a large pair once one is free). When `fn` answers
   * false the buffers are not reused: a failed read may have left anything in them.
   */
  async with(span: Span, fn: (buffers: SpanBuffers) => Promise<boolean>): Promise<void> {
    if (!SpanBufferPool.isLarge(span)) {
      const buffers = this.free.pop() ?? { sealed: Buffer.allocUnsafeSlow(SPAN_BYTES), plain: Buffer.allocUnsafeSlow(SPAN_BYTES) };
      if (await fn(buffers)) this.free.push(buffers);
      return;
    }
    // a slot is taken here, or handed over by the span that gives one back
    if (this.largeInUse < this.largePairs) this.largeInUse++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      const large = this.freeLarge.pop() ?? { sealed: Buffer.alloc(0), plain: Buffer.alloc(0) };
      if (large.sealed.length < span.end - span.start) large.sealed = Buffer.allocUnsafeSlow(Math.max(span.end - span.start, CHUNK_BLOB_BYTES));
      if (large.plain.length < span.plain) large.plain = Buffer.allocUnsafeSlow(Math.max(span.plain, CHUNK_BLOB_BYTES));
      if (await fn(large)) this.freeLarge.push(large);
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.largeInUse--;
    }
  }
}
