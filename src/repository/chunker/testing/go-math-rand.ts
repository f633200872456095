/**
 * A port of Go's math/rand default source (test-only), so the upstream chunker vectors whose input
 * is `rand.New(rand.NewSource(23))` can be reproduced.
 *
 * The source is an additive lagged Fibonacci generator over 64-bit words (length 607, tap 273):
 * every step adds two earlier words mod 2^64. Seeding fills the 607 words from a Park–Miller LCG
 * and XORs them with a fixed table, rngCooked. Go documents that table (math/rand/gen_cooked.go) as
 * the raw state of the same generator after seeding with 1 (with a weaker word packing) and then
 * running it 7.8e12 steps. We do not copy the table: we recompute it. Running 7.8e12 steps is out of
 * reach, but the recurrence x[t] = x[t−607] + x[t−273] is linear over the ring Z/2^64, so the state
 * after N steps follows from z^N mod (z^607 − z^334 − 1) (about 43 polynomial squarings) — the usual
 * jump-ahead for linear recurrences. Coefficients are kept as four 16-bit limbs in doubles, so a
 * whole 607×607 product accumulates exactly without BigInt.
 */

const LEN = 607;
const TAP = 273;
const LIMBS = 4;
const COOKED_STEPS = 7_800_000_000_000n;

/** x[n+1] = 48271 · x[n] mod (2^31 − 1), computed as Go does (Schrage's method, int32 math). */
function seedrand(x: number): number {
  const hi = Math.trunc(x / 44488);
  const lo = x % 44488;
  let r = 48271 * lo - 3399 * hi;
  if (r < 0) r += 2147483647;
  return r;
}

/** Polynomials of degree < 607 with coefficients mod 2^64: LEN × 4 little-endian 16-bit limbs. */
type Poly = Float64Array;

function normalizeInto(src: Float64Array, srcOff: number, dst: Float64Array, dstOff: number): void {
  let carry = 0;
  for (let k = 0; k < LIMBS; k++) {
    const v = src[srcOff + k]! + carry;
    const limb = v % 65536;
    dst[dstOff + k] = limb;
    carry = (v - limb) / 65536;
  }
}

/** dst[d] += src[s] (mod 2^64), both already normalized. */
function addCoefficient(p: Float64Array, d: number, s: number): void {
  let carry = 0;
  for (let k = 0; k < LIMBS; k++) {
    const v = p[d * LIMBS + k]! + p[s * LIMBS + k]! + carry;
    carry = v >= 65536 ? 1 : 0;
    p[d * LIMBS + k] = v - carry * 65536;
  }
}

/** Reduces a normalized polynomial of degree < top modulo z^607 − z^334 − 1, in place. */
function reduce(p: Float64Array, top: number): void {
  // z^d = z^(d−607) · z^607 = z^(d−273) + z^(d−607)
  for (let d = top - 1; d >= LEN; d--) {
    addCoefficient(p, d - TAP, d);
    addCoefficient(p, d - LEN, d);
  }
}

function mulMod(a: Poly, b: Poly): Poly {
  const acc = new Float64Array((2 * LEN - 1) * LIMBS);
  for (let i = 0; i < LEN; i++) {
    const a0 = a[i * 4]!;
    const a1 = a[i * 4 + 1]!;
    const a2 = a[i * 4 + 2]!;
    const a3 = a[i * 4 + 3]!;
    if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
    for (let j = 0; j < LEN; j++) {
      const b0 = b[j * 4]!;
      const b1 = b[j * 4 + 1]!;
      const b2 = b[j * 4 + 2]!;
      const b3 = b[j * 4 + 3]!;
      const o = (i + j) * 4;
      // limbs at 16·k bits for k ≥ 4 vanish mod 2^64; each sum stays below 2^44 (exact)
      acc[o] = acc[o]! + a0 * b0;
      acc[o + 1] = acc[o + 1]! + a0 * b1 + a1 * b0;
      acc[o + 2] = acc[o + 2]! + a0 * b2 + a1 * b1 + a2 * b0;
      acc[o + 3] = acc[o + 3]! + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
    }
  }
  for (let d = 0; d < 2 * LEN - 1; d++) normalizeInto(acc, d * LIMBS, acc, d * LIMBS);
  reduce(acc, 2 * LEN - 1);
  return acc.slice(0, LEN * LIMBS);
}

function mulByZ(a: Poly): Poly {
  const r = new Float64Array((LEN + 1) * LIMBS);
  r.set(a, LIMBS);
  reduce(r, LEN + 1);
  return r.slice(0, LEN * LIMBS);
}

/** z^n mod (z^607 − z^334 − 1). */
function zPow(n: bigint): Poly {
  let r: Poly = new Float64Array(LEN * LIMBS);
  r[0] = 1;
  for (let bit = BigInt(n.toString(2).length - 1); bit >= 0n; bit--) {
    r = mulMod(r, r);
    if ((n >> bit) & 1n) r = mulByZ(r);
  }
  return r;
}

const toLimbs = (v: bigint, out: Float64Array, off: number): void => {
  for (let k = 0; k < LIMBS; k++) out[off + k] = Number((v >> BigInt(16 * k)) & 0xffffn);
};
const fromLimbs = (p: Float64Array, off: number): bigint => BigInt(p[off]!) | (BigInt(p[off + 1]!) << 16n) | (BigInt(p[off + 2]!) << 32n) | (BigInt(p[off + 3]!) << 48n);

/**
 * Runs the generator of gen_cooked.go: seed 1 with words x<<20 ^ x<<10 ^ x, then `steps` steps;
 * returns the 607 raw (64-bit, unmasked) words of its state array as uint64.
 */
export function cookedTable(steps: bigint = COOKED_STEPS): bigint[] {
  const vec: bigint[] = [];
  let x = 1;
  for (let i = -20; i < LEN; i++) {
    x = seedrand(x);
    if (i >= 0) {
      let u = BigInt(x) << 20n;
      x = seedrand(x);
      u ^= BigInt(x) << 10n;
      x = seedrand(x);
      u ^= BigInt(x);
      vec.push(u);
    }
  }
  // Step t (t = 0, 1, …) writes position (333 − t) mod 607 with that word plus the word at
  // (606 − t) mod 607, i.e. x[t] = x[t−607] + x[t−273] where x[−k] = vec[(333 + k) mod 607].
  // Renumber y[j] = x[j − 607]: y[0..606] are the seeded words, y[j] = vec[(333 − j) mod 607].
  const pos = (t: bigint): number => Number((((333n - t) % 607n) + 607n) % 607n);
  const y = new Float64Array(LEN * LIMBS);
  for (let j = 0; j < LEN; j++) toLimbs(vec[pos(BigInt(j))]!, y, j * LIMBS);
  // After `steps` steps the array holds x[steps−607 .. steps−1] = y[steps .. steps+606].
  const out: bigint[] = new Array<bigint>(LEN).fill(0n);
  let p: Poly = zPow(steps);
  for (let k = 0; k < LEN; k++) {
    // y[steps + k] = Σ_j p[j] · y[j]  with  p = z^(steps+k) mod the characteristic polynomial
    const acc = new Float64Array(LIMBS);
    for (let j = 0; j < LEN; j++) {
      const c0 = p[j * 4]!;
      const c1 = p[j * 4 + 1]!;
      const c2 = p[j * 4 + 2]!;
      const c3 = p[j * 4 + 3]!;
      const y0 = y[j * 4]!;
      const y1 = y[j * 4 + 1]!;
      const y2 = y[j * 4 + 2]!;
      const y3 = y[j * 4 + 3]!;
      acc[0] = acc[0]! + c0 * y0;
      acc[1] = acc[1]! + c0 * y1 + c1 * y0;
      acc[2] = acc[2]! + c0 * y2 + c1 * y1 + c2 * y0;
      acc[3] = acc[3]! + c0 * y3 + c1 * y2 + c2 * y1 + c3 * y0;
    }
    normalizeInto(acc, 0, acc, 0);
    out[pos(steps + BigInt(k) - 607n)] = fromLimbs(acc, 0);
    p = mulByZ(p);
  }
  return out;
}

let cooked: bigint[] | undefined;

/** Go's math/rand rngSource with rand.Rand's Uint32 on top (`rand.New(rand.NewSource(seed))`). */
export class GoRand {
  private readonly hi = new Uint32Array(LEN);
  private readonly lo = new Uint32Array(LEN);
  private tap = 0;
  private feed = LEN - TAP;

  constructor(seed: number) {
    cooked ??= cookedTable();
    let s = seed % 2147483647;
    if (s < 0) s += 2147483647;
    if (s === 0) s = 89482311;
    let x = s;
    const m64 = (1n << 64n) - 1n;
    for (let i = -20; i < LEN; i++) {
      x = seedrand(x);
      if (i >= 0) {
        let u = (BigInt(x) << 40n) & m64;
        x = seedrand(x);
        u ^= BigInt(x) << 20n;
        x = seedrand(x);
        u ^= BigInt(x);
        u ^= cooked[i]!;
        this.hi[i] = Number(u >> 32n);
        this.lo[i] = Number(u & 0xffffffffn);
      }
    }
  }

  /** Advances the generator one step; returns Uint32() of the new word. */
  private step(): number {
    if (--this.tap < 0) this.tap += LEN;
    if (--this.feed < 0) this.feed += LEN;
    const f = this.feed;
    const t = this.tap;
    const lo = this.lo[f]! + this.lo[t]!;
    const carry = lo > 0xffffffff ? 1 : 0;
    const hi = (this.hi[f]! + this.hi[t]! + carry) >>> 0;
    this.hi[f] = hi;
    this.lo[f] = lo >>> 0;
    // Uint32() = uint32(Int63() >> 31) = bits 31..62 of the word
    return ((hi << 1) | ((lo >>> 0) >>> 31)) >>> 0;
  }

  uint32(): number {
    return this.step();
  }

  /** The chunker vectors' input: successive Uint32() values, little-endian, `length` bytes. */
  fill(length: number): Buffer {
    const out = Buffer.alloc(length + 4);
    const view = new DataView(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < length; i += 4) view.setUint32(i, this.step(), true);
    return out.subarray(0, length);
  }
}
