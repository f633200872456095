import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { chunkerCuts } from '../../native/index.js';
import { Chunker, ChunkerTables, MAX_SIZE, MIN_SIZE, chunkBoundaries, parsePolynomial } from './index.js';
import type { ChunkerParams } from './index.js';
import { chunkerVectors, sha256Counter, vectorInput } from './testing/inputs.js';

const TEST_POL = 0x3da3358b4dc173n;
const v = chunkerVectors();

interface Got {
  offset: number;
  length: number;
  /** digest at the cut; undefined for a final chunk that ended with the input */
  fingerprint?: string;
}

/**
 * Feeds `input` the way the archiver does: consecutive pieces of `pieceSize(k)` bytes (k = piece
 * number), each scanned until no cut is left in it; the bytes pending at the end form the last chunk.
 */
function chunkStream(c: Chunker, input: Uint8Array, pieceSize: (k: number) => number): Got[] {
  const got: Got[] = [];
  let chunkStart = 0;
  let pos = 0;
  for (let k = 0; pos < input.length; k++) {
    const end = Math.min(input.length, pos + pieceSize(k));
    const piece = input.subarray(pos, end); // a separate view, as a pooled read buffer would be
    let scan = 0;
    for (let cut = c.next(piece, scan, piece.length); cut >= 0; cut = c.next(piece, scan, piece.length)) {
      got.push({ offset: chunkStart, length: pos + cut - chunkStart, fingerprint: c.lastCutFingerprint.toString(16).padStart(16, '0') });
      chunkStart = pos + cut;
      scan = cut;
    }
    assert.equal(c.pending, end - chunkStart, 'pending counts the bytes of the unfinished chunk');
    pos = end;
  }
  if (chunkStart < input.length) got.push({ offset: chunkStart, length: input.length - chunkStart });
  return got;
}

const lengths = (g: Got[]): number[] => g.map((x) => x.length);
const paramsOf = (c: { min_size: number; max_size: number; average_bits: number }): ChunkerParams => ({
  minSize: c.min_size,
  maxSize: c.max_size,
  averageBits: c.average_bits,
});

describe('chunker tables', () => {
  test('out[] and mod[] for the test polynomial match the vectors', () => {
    const t = ChunkerTables.for(parsePolynomial(v.tables_testpol.polynomial));
    const value = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    assert.equal(v.tables_testpol.mod.length, 256);
    v.tables_testpol.mod.forEach((m, i) => assert.equal(value(t.modHi[i]!, t.modLo[i]!), BigInt(`0x${m}`), `mod[${i}]`));
    v.tables_testpol.out.forEach((m, i) => assert.equal(value(t.outHi[i]!, t.outLo[i]!), BigInt(`0x${m}`), `out[${i}]`));
    assert.equal(t.shift, v.tables_testpol.deg - 8 - 32);
  });

  test('are cached per polynomial', () => {
    assert.equal(ChunkerTables.for(TEST_POL), ChunkerTables.for(TEST_POL));
    assert.notEqual(ChunkerTables.for(TEST_POL), ChunkerTables.for(0x249971770ab0ffn));
  });
});

describe('chunk boundary vectors', () => {
  assert.equal(MIN_SIZE, v.defaults.min_size);
  assert.equal(MAX_SIZE, v.defaults.max_size);
  for (const c of v.cases) {
    test(c.name, () => {
      const input = vectorInput(c.input, c.input_length);
      assert.equal(input.length, c.input_length);
      if (c.input_sha256) assert.equal(createHash('sha256').update(input).digest('hex'), c.input_sha256, 'input generator');
      const chunker = new Chunker(parsePolynomial(c.polynomial), paramsOf(c));
      const got = chunkStream(chunker, input, () => input.length);
      assert.deepEqual(
        lengths(got),
        c.chunks.map((w) => w.length),
      );
      c.chunks.forEach((want, i) => {
        const g = got[i]!;
        assert.equal(g.offset, want.offset, `chunk ${i} offset`);
        assert.equal(
          createHash('sha256')
            .update(input.subarray(g.offset, g.offset + g.length))
            .digest('hex'),
          want.sha256,
          `chunk ${i} sha256`,
        );
        // the final chunk of an input that ended without a cut has no cut fingerprint (see the vectors' notes)
        if (g.fingerprint !== undefined) assert.equal(g.fingerprint, want.cut_fingerprint, `chunk ${i} cut fingerprint`);
      });
      if (c.chunks.length > 1) assert.ok(got.slice(0, -1).every((g) => g.fingerprint !== undefined));
    });
  }

  test('gorand23_default fed in 64 KiB and in 1 MiB + 7 byte pieces', () => {
    const c = v.cases.find((x) => x.name === 'gorand23_default')!;
    const input = vectorInput(c.input, c.input_length);
    const want = c.chunks.map((w) => ({ offset: w.offset, length: w.length, fingerprint: w.cut_fingerprint }));
    for (const size of [64 * 1024, 1024 * 1024 + 7]) {
      const got = chunkStream(new Chunker(TEST_POL), input, () => size);
      // the last chunk has no cut fingerprint of its own
      assert.deepEqual(got.slice(0, -1), want.slice(0, -1), `pieces of ${size}`);
      assert.equal(got.at(-1)!.length, want.at(-1)!.length);
    }
  });

  test('sha256ctr_small_params fed one byte at a time', () => {
    const c = v.cases.find((x) => x.name === 'sha256ctr_small_params')!;
    const input = vectorInput(c.input, c.input_length);
    const got = chunkStream(new Chunker(TEST_POL, paramsOf(c)), input, () => 1);
    assert.deepEqual(
      got.slice(0, -1),
      c.chunks.slice(0, -1).map((w) => ({ offset: w.offset, length: w.length, fingerprint: w.cut_fingerprint })),
    );
    assert.deepEqual(
      lengths(got),
      c.chunks.map((w) => w.length),
    );
  });
});

describe('streaming', () => {
  const input = sha256Counter(3 * 1024 * 1024);
  const whole = chunkBoundaries(TEST_POL, input);

  test('the 3 MiB input has content-defined cuts (the property below is not vacuous)', () => {
    assert.ok(whole.length >= 2, `${whole.length} chunks`);
    assert.equal(
      whole.reduce((a, b) => a + b, 0),
      input.length,
    );
    assert.ok(whole.slice(0, -1).every((n) => n >= MIN_SIZE && n < MAX_SIZE));
  });

  test('boundaries do not depend on how the input is split (random piece sizes)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 600_000 })), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        (sizes, firstPiece) => {
          const c = new Chunker(TEST_POL);
          const got = chunkStream(c, input, (k) => (k === 0 ? firstPiece : sizes[k % sizes.length]!));
          assert.deepEqual(lengths(got), whole);
        },
      ),
      { numRuns: 15 },
    );
  });

  test('reset() starts a new stream; next() on an empty range consumes nothing', () => {
    const c = new Chunker(TEST_POL);
    // leave state behind: half a chunk of hashed bytes
    assert.equal(c.next(input, 0, MIN_SIZE - 10), -1);
    assert.equal(c.pending, MIN_SIZE - 10);
    c.reset();
    assert.equal(c.pending, 0);
    assert.equal(c.next(input, 5, 5), -1);
    assert.equal(c.pending, 0);
    assert.deepEqual(lengths(chunkStream(c, input, () => 100_000)), whole);
  });

  test('zeros are cut at exactly MinSize; data without a match at MaxSize', () => {
    assert.deepEqual(chunkBoundaries(TEST_POL, new Uint8Array(MIN_SIZE * 2 + 5)), [MIN_SIZE, MIN_SIZE, 5]);
    const ff = new Uint8Array(MAX_SIZE + 1).fill(0xff);
    const c = new Chunker(TEST_POL);
    assert.equal(c.next(ff, 0, ff.length), MAX_SIZE);
    assert.equal(c.pending, 0);
    assert.deepEqual(chunkBoundaries(TEST_POL, new Uint8Array(0)), []);
    assert.deepEqual(chunkBoundaries(TEST_POL, new Uint8Array(MIN_SIZE)), [MIN_SIZE]);
  });

  test('rejects parameters the algorithm cannot honour', () => {
    assert.throws(() => new Chunker(TEST_POL, { minSize: 32 }), RangeError);
    assert.throws(() => new Chunker(TEST_POL, { minSize: 1024, maxSize: 512 }), RangeError);
    assert.throws(() => new Chunker(TEST_POL, { averageBits: 0 }), RangeError);
    assert.throws(() => new Chunker(TEST_POL, { averageBits: 40 }), RangeError);
    assert.throws(() => new Chunker(0x13n), RangeError, 'degree 4 does not fit the split digest');
  });
});

/** Chunk lengths from the native chunker's cut positions (the last chunk ends with the input). */
function nativeLengths(pol: bigint, input: Uint8Array, slice: number): number[] {
  const cuts = chunkerCuts(pol, input, slice);
  if (cuts.at(-1) !== input.length && input.length > 0) cuts.push(input.length);
  return cuts.map((c, i) => c - (i === 0 ? 0 : cuts[i - 1]!));
}

describe('the native chunker (file lanes) cuts where this one does', () => {
  for (const c of v.cases.filter((x) => x.min_size === MIN_SIZE && x.max_size === MAX_SIZE && x.average_bits === 20)) {
    test(`vector ${c.name}, fed whole and in 64 KiB + 3 byte reads`, () => {
      const input = vectorInput(c.input, c.input_length);
      for (const slice of [input.length || 1, 64 * 1024 + 3]) {
        assert.deepEqual(
          nativeLengths(parsePolynomial(c.polynomial), input, slice),
          c.chunks.map((w) => w.length),
          `reads of ${slice}`,
        );
      }
    });
  }

  test('random data with runs of one byte (MinSize and MaxSize cuts), any read size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ random: fc.boolean(), length: fc.integer({ min: 1, max: 3 * MAX_SIZE }) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 2 * 1024 * 1024 }),
        fc.integer({ min: 0, max: 1000 }),
        (parts, slice, seed) => {
          const input = Buffer.concat(parts.map((p, i) => (p.random ? sha256Counter(p.length + seed * (i + 1)).subarray(seed * (i + 1)) : Buffer.alloc(p.length, i))));
          assert.deepEqual(nativeLengths(TEST_POL, input, slice), chunkBoundaries(TEST_POL, input));
        },
      ),
      { numRuns: 12 },
    );
  });

  test('cuts close together: the first one wins, however the native scan divides the bytes among its runs', () => {
    // the 64 bytes before a cut the mask made are a window whose digest cuts wherever they are
    const source = sha256Counter(8 * 1024 * 1024);
    const windows = chunkBoundaries(TEST_POL, source)
      .reduce<number[]>((ends, length) => [...ends, (ends.at(-1) ?? 0) + length], [])
      .filter((end, i, ends) => end < source.length && end - (ends[i - 1] ?? 0) < MAX_SIZE)
      .slice(0, 2)
      .map((end) => source.subarray(end - 64, end));
    assert.equal(windows.length, 2);
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_SIZE, max: MIN_SIZE + 40_000 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 2 * 1024 * 1024 }),
        (first, gaps, slice) => {
          const input = Buffer.from(sha256Counter(MIN_SIZE + 200_000).subarray(7));
          let end = first;
          for (const [k, gap] of [0, ...gaps].entries()) {
            end += gap;
            windows[k % 2]!.copy(input, end - 64);
          }
          assert.deepEqual(nativeLengths(TEST_POL, input, slice), chunkBoundaries(TEST_POL, input));
        },
      ),
      { numRuns: 60 },
    );
  });

  test('polynomials of every degree the chunker takes (the native loop has a path for degree 53 and one for the rest)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 41, max: 56 }),
        fc.bigInt({ min: 0n, max: (1n << 40n) - 1n }),
        fc.integer({ min: 1, max: 3 * 1024 * 1024 }),
        fc.integer({ min: 0, max: 1000 }),
        (degree, low, slice, seed) => {
          const pol = (1n << BigInt(degree)) | (low << 1n) | 1n;
          const input = sha256Counter(6 * 1024 * 1024 + seed).subarray(seed);
          assert.deepEqual(nativeLengths(pol, input, slice), chunkBoundaries(pol, input), `degree ${degree}`);
        },
      ),
      { numRuns: 16 },
    );
  });
});
