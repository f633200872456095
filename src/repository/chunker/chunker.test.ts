import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { vectorsDir } from '../../../test/helpers/paths.js';
import { Chunker, ChunkerTables, chunkBoundaries, formatPolynomial, isIrreducible, parsePolynomial, randomPolynomial } from './index.js';

interface Case {
  name: string;
  input: string;
  input_length: number;
  polynomial: string;
  min_size: number;
  max_size: number;
  average_bits: number;
  chunks: { offset: number; length: number; cut_fingerprint: string; sha256: string }[];
}
const v = JSON.parse(readFileSync(join(vectorsDir, 'chunker.json'), 'utf8')) as {
  cases: Case[];
  tables_testpol: { mod: string[]; out: string[] };
  polynomial_vectors: { irreducible: { pol: string; irreducible: boolean }[] };
};

function makeInput(kind: string, length: number): Buffer | undefined {
  if (kind === 'zeros' || kind === 'empty') return Buffer.alloc(length);
  if (kind === 'constant-0xff') return Buffer.alloc(length, 0xff);
  if (kind === 'sha256ctr') {
    const out = Buffer.alloc(length + 32);
    const n = Buffer.alloc(4);
    for (let i = 0, off = 0; off < length; i++, off += 32) {
      n.writeUInt32LE(i);
      createHash('sha256').update(n).digest().copy(out, off);
    }
    return out.subarray(0, length);
  }
  return undefined; // go-math-rand input: needs a port of Go's math/rand, not reproduced here
}

test('tables for the test polynomial', () => {
  const t = ChunkerTables.for(0x3da3358b4dc173n);
  const value = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  v.tables_testpol.mod.forEach((m, i) => assert.equal(value(t.modHi[i]!, t.modLo[i]!), BigInt(`0x${m}`), `mod[${i}]`));
  v.tables_testpol.out.forEach((m, i) => assert.equal(value(t.outHi[i]!, t.outLo[i]!), BigInt(`0x${m}`), `out[${i}]`));
});

test('boundary vectors (reproducible inputs)', () => {
  let ran = 0;
  for (const c of v.cases) {
    const input = makeInput(c.input, c.input_length);
    if (!input) continue;
    ran++;
    const pol = parsePolynomial(c.polynomial);
    const params = { minSize: c.min_size, maxSize: c.max_size, averageBits: c.average_bits };
    const chunker = new Chunker(pol, params);
    let start = 0;
    const got: { offset: number; length: number; cut_fingerprint?: string; sha256: string }[] = [];
    for (let pos = 0; pos < input.length; ) {
      const cut = chunker.next(input, pos, input.length);
      if (cut < 0) break;
      got.push({ offset: start, length: cut - start, cut_fingerprint: chunker.lastCutFingerprint.toString(16).padStart(16, '0'), sha256: createHash('sha256').update(input.subarray(start, cut)).digest('hex') });
      start = cut;
      pos = cut;
    }
    if (start < input.length) got.push({ offset: start, length: input.length - start, sha256: createHash('sha256').update(input.subarray(start)).digest('hex') });
    assert.equal(got.length, c.chunks.length, c.name);
    c.chunks.forEach((want, i) => {
      assert.equal(got[i]!.offset, want.offset, `${c.name} chunk ${i}`);
      assert.equal(got[i]!.length, want.length, `${c.name} chunk ${i}`);
      assert.equal(got[i]!.sha256, want.sha256, `${c.name} chunk ${i}`);
      if (got[i]!.cut_fingerprint) assert.equal(got[i]!.cut_fingerprint, want.cut_fingerprint, `${c.name} chunk ${i}`);
    });
  }
  assert.ok(ran >= 4, `ran ${ran} cases`);
});

test('boundaries do not depend on how the input is split', () => {
  const input = makeInput('sha256ctr', 3 * 1024 * 1024)!;
  const pol = 0x3da3358b4dc173n;
  const whole = chunkBoundaries(pol, input);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
      const c = new Chunker(pol);
      const lengths: number[] = [];
      let chunkStart = 0;
      let pos = 0;
      let k = 0;
      while (pos < input.length) {
        const end = Math.min(input.length, pos + sizes[k++ % sizes.length]!);
        let scan = pos;
        for (let cut = c.next(input, scan, end); cut >= 0; cut = c.next(input, scan, end)) {
          lengths.push(cut - chunkStart);
          chunkStart = cut;
          scan = cut;
        }
        pos = end;
      }
      if (chunkStart < input.length) lengths.push(input.length - chunkStart);
      assert.deepEqual(lengths, whole);
    }),
    { numRuns: 12 },
  );
});

test('polynomials: irreducibility vectors, formatting, random polynomials', () => {
  for (const p of v.polynomial_vectors.irreducible) assert.equal(isIrreducible(parsePolynomial(p.pol)), p.irreducible, p.pol);
  assert.equal(formatPolynomial(parsePolynomial('3da3358b4dc173')), '3da3358b4dc173');
  const r = randomPolynomial();
  assert.ok(isIrreducible(r));
  assert.equal(r >> 53n, 1n);
});
