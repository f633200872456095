import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import type { Span } from './pack-plan.js';
import { LARGE_PAIRS, SPAN_BYTES, type SpanBuffers, SpanBufferPool } from './span-buffers.js';

const large = (bytes: number): Span => ({ from: 0, to: 1, start: 0, end: bytes, plain: bytes });
const small: Span = { from: 0, to: 1, start: 0, end: 1000, plain: 2000 };

/**
 * Runs `spans` through one pool as the pack restorer does: several packs at once, each its spans
 * one after the other (a pack asks for the next span's buffers as soon as the last span is done),
 * each span holding its buffers for a few turns of the event loop.
 */
async function runAll(pool: SpanBufferPool, spans: Span[], packs = 4): Promise<{ most: number; used: SpanBuffers[] }> {
  let holding = 0;
  let most = 0;
  const used: SpanBuffers[] = [];
  await Promise.all(
    Array.from({ length: packs }, async (_, p) => {
      for (let i = p; i < spans.length; i += packs) {
        const span = spans[i]!;
        await pool.with(span, async (buffers) => {
          holding++;
          most = Math.max(most, holding);
          assert.ok(buffers.sealed.length >= span.end - span.start && buffers.plain.length >= span.plain);
          used.push(buffers);
          for (let t = 0; t < 1 + (i % 3); t++) await turn();
          holding--;
          return true;
        });
      }
    }),
  );
  return { most, used };
}

test('span buffers: at most LARGE_PAIRS large spans hold buffers at once, and pairs are reused', async () => {
  assert.equal(LARGE_PAIRS, 2);
  const pool = new SpanBufferPool();
  const spans = Array.from({ length: 40 }, (_, i) => large(SPAN_BYTES + 1 + i));
  const { most, used } = await runAll(pool, spans);
  assert.equal(most, LARGE_PAIRS);
  assert.equal(new Set(used).size, LARGE_PAIRS, 'each large span reuses one of the pairs');
  // a span that arrives after the others were served still gets a pair (no slot was lost)
  const again = await runAll(pool, [large(SPAN_BYTES * 2)]);
  assert.equal(again.most, 1);
});

test('span buffers: small spans do not wait for large ones, and a pair whose read failed is not reused', async () => {
  const pool = new SpanBufferPool(1);
  const order: string[] = [];
  let releaseLarge!: () => void;
  const held = new Promise<void>((resolve) => (releaseLarge = resolve));
  let failed: SpanBuffers | undefined;
  const first = pool.with(large(SPAN_BYTES * 3), async (b) => {
    failed = b;
    order.push('large 1');
    await held;
    return false; // a failed read: this pair is dropped
  });
  const second = pool.with(large(SPAN_BYTES * 3), async (b) => {
    order.push('large 2');
    assert.notEqual(b, failed);
    return true;
  });
  await pool.with(small, async (b) => {
    order.push('small');
    assert.equal(b.sealed.length, SPAN_BYTES);
    return true;
  });
  assert.deepEqual(order, ['large 1', 'small']);
  releaseLarge();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['large 1', 'small', 'large 2']);
});
