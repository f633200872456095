/**
 * Property-based fuzzing of every decoder that reads bytes from a repository: tree, snapshot,
 * index (the JSON decoder and the fast scanner), config, key file, master key, lock, and pack
 * headers. Seeds are the documents restic 0.14 wrote (test/vectors/repo-v2-restic-0.14.json);
 * each property feeds arbitrary bytes, the seeds with bytes overwritten or cut, and the seeds
 * with fields replaced by hostile values (negative, huge and fractional numbers, wrong types,
 * 20,000-deep nesting, 1 MiB strings, unknown keys). Each input must end in a value or a
 * LifeboatError, within PER_INPUT_MS and PER_INPUT_HEAP_BYTES (fuzz-harness.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LifeboatError } from '../../src/core/index.js';
import { validateKdfParams } from '../../src/repository/crypto/index.js';
import {
  MAX_BLOB_LENGTH,
  MIN_BLOB_LENGTH,
  decodeConfig,
  decodeIndex,
  decodeKeyFile,
  decodeLock,
  decodeMasterKey,
  decodeSnapshot,
  decodeTree,
  decodeTreeNodes,
  scanIndex,
} from '../../src/repository/model/index.js';
import { parsePackHeader } from '../../src/repository/pack/index.js';
import { vectorsDir } from '../helpers/paths.js';
import { expectTypedOutcome, mangledBytes, mutatedJson, runs } from './fuzz-harness.js';

interface Vectors {
  files: Record<string, string>;
  decoded: Record<string, Record<string, unknown>>;
}
const vectors = JSON.parse(readFileSync(join(vectorsDir, 'repo-v2-restic-0.14.json'), 'utf8')) as Vectors;
const decodedEntry = (prefix: string): Record<string, unknown> => {
  const key = Object.keys(vectors.decoded).find((k) => k.startsWith(prefix));
  assert.ok(key, `no ${prefix} in the vectors`);
  return vectors.decoded[key]!;
};
const packs = Object.keys(vectors.decoded)
  .filter((k) => k.startsWith('data/'))
  .map((k) => vectors.decoded[k]!);
const treeBlob = packs.flatMap((p) => p.blobs as { type: string; plaintext_hex: string }[]).find((b) => b.type === 'tree')!;

const seeds = {
  config: Buffer.from(decodedEntry('config').plaintext as string),
  snapshot: Buffer.from(decodedEntry('snapshots/').json as string),
  index: Buffer.from(decodedEntry('index/').json as string),
  tree: Buffer.from(treeBlob.plaintext_hex, 'hex'),
  keyFile: Buffer.from(vectors.files[Object.keys(vectors.files).find((k) => k.startsWith('keys/'))!]!, 'hex'),
  masterKey: Buffer.from(decodedEntry('key').master_key_json as string),
  lock: Buffer.from('{"time":"2026-11-24T00:16:35.976175497+01:00","exclusive":false,"hostname":"vectorhost","username":"root","pid":4242,"uid":0,"gid":0}'),
};

/** The decoders, each as restic's readers call them. */
const decoders: Record<keyof typeof seeds, (b: Buffer) => unknown> = {
  config: decodeConfig,
  snapshot: decodeSnapshot,
  index: (b) => decodeIndex(b, 'index/fuzz'),
  tree: decodeTree,
  keyFile: (b) => {
    const doc = decodeKeyFile(b);
    // the KDF parameters are checked before scrypt runs (a hostile N must not take the memory)
    validateKdfParams({ N: doc.N, r: doc.r, p: doc.p, salt: doc.salt });
    return doc;
  },
  masterKey: decodeMasterKey,
  lock: decodeLock,
};

/** Inputs per property: 3 kinds × 7 documents × these runs ≈ 4,000 inputs in ≈ 10 s on 2 cores. */
const RUNS_BYTES = 150;
const RUNS_MUTATED = 300;

describe('fuzz: repository documents', () => {
  test('the seeds are restic 0.14 documents every decoder accepts', () => {
    for (const [name, decode] of Object.entries(decoders)) decode(seeds[name as keyof typeof seeds]);
  });

  for (const [name, decode] of Object.entries(decoders)) {
    const seed = seeds[name as keyof typeof seeds];
    test(`${name}: arbitrary and mangled bytes give a value or a LifeboatError`, () => {
      fc.assert(
        fc.property(mangledBytes(seed), (bytes) => expectTypedOutcome(`${name} of ${bytes.length} bytes`, () => decode(bytes))),
        runs(RUNS_BYTES),
      );
    });
    test(`${name}: fields replaced by hostile values give a value or a LifeboatError`, () => {
      fc.assert(
        fc.property(mutatedJson(JSON.parse(seed.toString('utf8'))), (text) => expectTypedOutcome(`${name} ${text.slice(0, 200)}`, () => decode(Buffer.from(text)))),
        runs(RUNS_MUTATED),
      );
    });
  }

  test('tree, streamed: decodeTreeNodes yields the nodes decodeTree returns, and refuses what it refuses with the same code', () => {
    const seedDoc = JSON.parse(seeds.tree.toString('utf8')) as unknown;
    const outcome = <T>(decode: () => T): { value: T } | { code: string } => {
      try {
        return { value: decode() };
      } catch (err) {
        return { code: err instanceof LifeboatError ? err.code : `not a LifeboatError: ${String(err)}` };
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedJson(seedDoc).map((t) => Buffer.from(t)),
          mangledBytes(seeds.tree),
        ),
        (bytes) => {
          expectTypedOutcome('decodeTreeNodes', () => [...decodeTreeNodes(bytes)]);
          assert.deepEqual(
            outcome(() => [...decodeTreeNodes(bytes)]),
            outcome(() => decodeTree(bytes)),
            bytes.toString('utf8', 0, 300),
          );
        },
      ),
      runs(RUNS_MUTATED),
    );
  });

  test('index scanner: mutated index files are either scanned or handed to the full decoder', () => {
    const seedDoc = JSON.parse(seeds.index.toString('utf8')) as unknown;
    fc.assert(
      fc.property(
        fc.oneof(
          mutatedJson(seedDoc).map((t) => Buffer.from(t)),
          mangledBytes(seeds.index),
        ),
        fc.boolean(),
        (bytes, compressedAllowed) => {
          expectTypedOutcome('scanIndex', () =>
            scanIndex(bytes, compressedAllowed, (_type, _id, _pack, offset, length, uncompressedLength) => {
              // what the scanner reports is used as a read range without further checks
              assert.ok(Number.isSafeInteger(offset) && offset >= 0, `offset ${offset}`);
              assert.ok(length >= MIN_BLOB_LENGTH && length <= MAX_BLOB_LENGTH, `length ${length}`);
              assert.ok(uncompressedLength >= 0 && uncompressedLength <= MAX_BLOB_LENGTH, `uncompressed length ${uncompressedLength}`);
            }),
          );
        },
      ),
      runs(RUNS_MUTATED),
    );
  });
});

describe('fuzz: pack headers', () => {
  const headers = packs.map((p) => Buffer.from(p.header_plaintext_hex as string, 'hex'));
  const hostileUint32 = fc.constantFrom(0, 1, 31, 32, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff);

  test('the seeds are restic 0.14 pack headers', () => {
    for (const h of headers) assert.ok(parsePackHeader(h, 2, 'seed').length > 0);
  });

  test('arbitrary and mangled headers give blobs with usable ranges or a LifeboatError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...headers).chain((h) => mangledBytes(h)),
        fc.constantFrom(1, 2),
        (bytes, version) => {
          expectTypedOutcome('parsePackHeader', () => {
            for (const b of parsePackHeader(bytes, version, 'fuzz')) {
              assert.ok(b.length >= MIN_BLOB_LENGTH && b.length <= MAX_BLOB_LENGTH && Number.isSafeInteger(b.offset));
            }
          });
        },
      ),
      runs(RUNS_MUTATED),
    );
  });

  test('length fields replaced by hostile values give a LifeboatError naming the pack', () => {
    fc.assert(
      fc.property(fc.constantFrom(...headers), fc.nat(), hostileUint32, fc.constantFrom(1, 5), (h, entry, value, field) => {
        const bytes = Buffer.from(h);
        // the seeds hold compressed entries only (41 bytes: type, length, uncompressed length, ID)
        const at = (entry % (bytes.length / 41)) * 41 + field;
        bytes.writeUInt32LE(value, at);
        let thrown: unknown;
        expectTypedOutcome('parsePackHeader', () => {
          try {
            parsePackHeader(bytes, 2, 'data/fuzzpack');
          } catch (err) {
            thrown = err;
            throw err;
          }
        });
        const bad = (field === 1 && (value < MIN_BLOB_LENGTH || value > MAX_BLOB_LENGTH)) || (field === 5 && (value === 0 || value > MAX_BLOB_LENGTH));
        if (bad) {
          assert.ok(thrown, `length ${value} in field ${field} was accepted`);
          assert.match((thrown as Error).message, /data\/fuzzpack/);
        }
      }),
      runs(RUNS_MUTATED),
    );
  });
});
