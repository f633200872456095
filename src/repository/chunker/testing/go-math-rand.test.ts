import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { GoRand, cookedTable } from './go-math-rand.js';
import { chunkerVectors } from './inputs.js';

test('jump-ahead equals stepping the generator (small step counts)', () => {
  // a plain simulation of gen_cooked.go for a few thousand steps, compared with the polynomial jump
  const M = (1n << 64n) - 1n;
  const seed = (x: number): number => {
    const r = 48271 * (x % 44488) - 3399 * Math.trunc(x / 44488);
    return r < 0 ? r + 2147483647 : r;
  };
  const vec: bigint[] = [];
  let x = 1;
  for (let i = -20; i < 607; i++) {
    x = seed(x);
    if (i >= 0) {
      let u = BigInt(x) << 20n;
      x = seed(x);
      u ^= BigInt(x) << 10n;
      x = seed(x);
      vec.push(u ^ BigInt(x));
    }
  }
  let tap = 0;
  let feed = 607 - 273;
  for (let steps = 0; steps <= 1500; steps++) {
    if (steps === 0 || steps === 1 || steps === 606 || steps === 607 || steps === 1500) {
      assert.deepEqual(cookedTable(BigInt(steps)), vec, `after ${steps} steps`);
    }
    if (--tap < 0) tap += 607;
    if (--feed < 0) feed += 607;
    vec[feed] = (vec[feed]! + vec[tap]!) & M;
  }
});

test('rand.New(rand.NewSource(23)) stream matches the vector hashes', () => {
  const v = chunkerVectors();
  const b = new GoRand(23).fill(32 * 1024 * 1024);
  assert.equal(b.subarray(0, 64).toString('hex'), v.gorand23_first64_hex);
  assert.equal(createHash('sha256').update(b).digest('hex'), v.gorand23_sha256);
});
