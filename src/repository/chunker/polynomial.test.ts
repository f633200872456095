import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FormatError } from '../../core/index.js';
import { deg, derivePolynomial, formatPolynomial, isIrreducible, parsePolynomial, polyGcd, polyMod, polyMulMod, randomPolynomial } from './index.js';
import { chunkerVectors, sha256Counter } from './testing/inputs.js';

const pv = chunkerVectors().polynomial_vectors;
const h = (s: string): bigint => BigInt(`0x${s}`);

describe('GF(2) polynomial arithmetic', () => {
  test('mod vectors', () => {
    for (const x of pv.mod) assert.equal(polyMod(h(x.a), h(x.b)), h(x.result), `${x.a} mod ${x.b}`);
    assert.throws(() => polyMod(5n, 0n), RangeError);
  });

  test('gcd vectors (both argument orders)', () => {
    for (const x of pv.gcd) {
      assert.equal(polyGcd(h(x.a), h(x.b)), h(x.gcd), `gcd(${x.a}, ${x.b})`);
      assert.equal(polyGcd(h(x.b), h(x.a)), h(x.gcd), `gcd(${x.b}, ${x.a})`);
    }
  });

  test('mulmod vectors', () => {
    for (const x of pv.mulmod) assert.equal(polyMulMod(h(x.a), h(x.b), h(x.mod)), h(x.result), `${x.a}·${x.b} mod ${x.mod}`);
  });

  test('degree and the expansion of the test polynomial', () => {
    assert.equal(deg(0n), -1);
    assert.equal(deg(1n), 0);
    const p = parsePolynomial('3da3358b4dc173');
    assert.equal(deg(p), 53);
    const terms: string[] = [];
    for (let i = deg(p); i >= 0; i--) if ((p >> BigInt(i)) & 1n) terms.push(i === 0 ? '1' : i === 1 ? 'x' : `x^${i}`);
    assert.equal(terms.join('+'), pv.expand_3da3358b4dc173);
  });
});

describe('chunker polynomials', () => {
  test('irreducibility vectors', () => {
    assert.ok(pv.irreducible.some((x) => x.irreducible) && pv.irreducible.some((x) => !x.irreducible));
    for (const x of pv.irreducible) assert.equal(isIrreducible(parsePolynomial(x.pol)), x.irreducible, x.pol);
  });

  test('parse and format as the config stores them', () => {
    assert.equal(parsePolynomial('3da3358b4dc173'), 0x3da3358b4dc173n);
    assert.equal(parsePolynomial('3DA3358B4DC173'), 0x3da3358b4dc173n);
    assert.equal(parsePolynomial('003da3358b4dc173'), 0x3da3358b4dc173n);
    assert.equal(parsePolynomial('ffffffffffffffff'), (1n << 64n) - 1n);
    for (const bad of ['', '0x3da3', '-1', '3da 3', '1ffffffffffffffff', 'g']) {
      assert.throws(() => parsePolynomial(bad), FormatError, JSON.stringify(bad));
    }
    assert.equal(formatPolynomial(0x249971770ab0ffn), '249971770ab0ff');
    assert.equal(formatPolynomial(0xabcn), 'abc');
    assert.throws(() => formatPolynomial(-1n), RangeError);
  });

  test('derivePolynomial reproduces restic DerivePolynomial on the sha256ctr stream', () => {
    const d = pv.derive_polynomial;
    assert.equal(d.source, 'sha256ctr');
    const source = sha256Counter(8 * (d.candidates_read + 10));
    let reads = 0;
    const p = derivePolynomial(() => source.subarray(8 * reads, 8 * ++reads));
    assert.equal(formatPolynomial(p), d.result);
    assert.equal(reads, d.candidates_read);
  });

  test('random polynomials have degree 53 and are irreducible', () => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 3; i++) {
      const r = randomPolynomial();
      assert.equal(deg(r), 53);
      assert.equal(r & 1n, 1n);
      assert.ok(isIrreducible(r));
      seen.add(r);
    }
    assert.ok(seen.size > 1, 'drawn from a random source');
  });
});
