/**
 * Inputs and typed vectors for the chunker tests (test-only): test/vectors/chunker.json
 * and the input generators it names.
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vectorsDir } from '../../../../test/helpers/paths.js';
import { GoRand } from './go-math-rand.js';

export interface ChunkVector {
  offset: number;
  length: number;
  cut_fingerprint: string;
  sha256: string;
}

export interface ChunkerCase {
  name: string;
  input: string;
  input_length: number;
  input_sha256?: string;
  polynomial: string;
  min_size: number;
  max_size: number;
  average_bits: number;
  chunks: ChunkVector[];
}

export interface ChunkerVectors {
  defaults: { window_size: number; min_size: number; max_size: number; average_bits: number; split_mask: string };
  gorand23_sha256: string;
  gorand23_first64_hex: string;
  tables_testpol: { polynomial: string; deg: number; mod: string[]; out: string[] };
  cases: ChunkerCase[];
  polynomial_vectors: {
    irreducible: { pol: string; irreducible: boolean }[];
    gcd: { a: string; b: string; gcd: string }[];
    mulmod: { a: string; b: string; mod: string; result: string }[];
    mod: { a: string; b: string; result: string }[];
    expand_3da3358b4dc173: string;
    derive_polynomial: { source: string; result: string; candidates_read: number };
  };
}

let cached: ChunkerVectors | undefined;
export function chunkerVectors(): ChunkerVectors {
  cached ??= JSON.parse(readFileSync(join(vectorsDir, 'chunker.json'), 'utf8')) as ChunkerVectors;
  return cached;
}

let counterStream: Buffer = Buffer.alloc(0);

/** SHA-256(uint32_le(0)) ‖ SHA-256(uint32_le(1)) ‖ …, truncated to `length` bytes (shared, read-only). */
export function sha256Counter(length: number): Buffer {
  if (counterStream.length < length) {
    const out = Buffer.alloc(Math.ceil(length / 32) * 32);
    const n = Buffer.alloc(4);
    for (let i = 0, off = 0; off < length; i++, off += 32) {
      n.writeUInt32LE(i);
      hash('sha256', n, 'buffer').copy(out, off);
    }
    counterStream = out;
  }
  return counterStream.subarray(0, length);
}

const goRandCache = new Map<number, Buffer>();

/** The bytes of a generator named in chunker.json's `input_generators`. */
export function vectorInput(kind: string, length: number): Buffer {
  switch (kind) {
    case 'empty':
    case 'zeros':
      return Buffer.alloc(length);
    case 'constant-0xff':
      return Buffer.alloc(length, 0xff);
    case 'sha256ctr':
      return sha256Counter(length);
    case 'go-math-rand-seed23': {
      let b = goRandCache.get(length);
      if (!b) {
        b = new GoRand(23).fill(length);
        goRandCache.set(length, b);
      }
      return b;
    }
    default:
      throw new Error(`unknown chunker input generator ${kind}`);
  }
}
