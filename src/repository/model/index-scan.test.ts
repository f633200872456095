import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Id } from '../../core/index.js';
import { type IndexPack, MAX_BLOB_LENGTH, decodeIndex, encodeIndex } from './index-file.js';
import { nativeAvailable } from '../../native/index.js';
import { type IndexBlobVisitor, scanIndex, scanIndexInJs } from './index-scan.js';

/** Both readers: the addon's (scanIndex uses it when it loads) and the JavaScript one. */
const READERS: [string, (bytes: Uint8Array, compressedAllowed: boolean, visit: IndexBlobVisitor) => boolean][] = [
  ['scanIndex', scanIndex],
  ['scanIndexInJs', scanIndexInJs],
];

const hexId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex') as Id);
const packs = fc.array(
  fc.record({
    id: hexId,
    blobs: fc.array(
      fc.record({
        id: hexId,
        type: fc.constantFrom('data' as const, 'tree' as const),
        offset: fc.nat({ max: 2 ** 40 }),
        length: fc.integer({ min: 32, max: MAX_BLOB_LENGTH }),
        uncompressedLength: fc.oneof(fc.constant(0), fc.nat({ max: MAX_BLOB_LENGTH })),
      }),
      { maxLength: 6 },
    ),
  }),
  { maxLength: 5 },
);

/** What scanIndex reports, as decodeIndex's flat list; undefined when it declined. */
function scanned(bytes: Uint8Array, compressedAllowed = true, scan = scanIndex): unknown[] | undefined {
  const got: unknown[] = [];
  const ok = scan(bytes, compressedAllowed, (type, id, packId, offset, length, uncompressedLength) =>
    got.push({ packId, id: Buffer.from(id).toString('hex'), type, offset, length, uncompressedLength }),
  );
  return ok ? got : undefined;
}

function decoded(bytes: Uint8Array): unknown[] {
  return decodeIndex(bytes).packs.flatMap((p) => p.blobs.map((b) => ({ packId: p.id, ...b })));
}

/** The same document with the keys of every object in reverse order and whitespace around everything. */
function reshaped(value: unknown): string {
  if (Array.isArray(value)) return `[ ${value.map(reshaped).join(' ,\n ')} ]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).reverse();
    return `{\n\t${entries.map(([k, v]) => `${JSON.stringify(k)} : ${reshaped(v)}`).join(' ,\r\n ')} }`;
  }
  return JSON.stringify(value);
}

test('scanIndex reads what encodeIndex writes, and any key order and whitespace, as decodeIndex does', () => {
  fc.assert(
    fc.property(packs, fc.array(hexId, { maxLength: 3 }), (p: IndexPack[], supersedes) => {
      const bytes = encodeIndex(p);
      const doc = JSON.parse(bytes.toString()) as Record<string, unknown>;
      if (supersedes.length) doc['supersedes'] = supersedes;
      const other = Buffer.from(`${reshaped(doc)}\n`);
      for (const [name, scan] of READERS) {
        assert.deepEqual(scanned(bytes, true, scan), decoded(bytes), name);
        assert.deepEqual(scanned(other, true, scan), decoded(other), name);
      }
    }),
    { numRuns: 200 },
  );
});

test('scanIndex declines, without reporting a blob, whatever it does not read; decodeIndex then decides', () => {
  const id = 'ab'.repeat(32);
  const blob = (extra = '') => `{"id":"${id}","type":"data","offset":0,"length":40${extra}}`;
  const doc = (blobs: string) => `{"packs":[{"id":"${id}","blobs":[${blobs}]}]}`;
  const declined = [
    doc(blob(',"uncompressed_length":7')).replace('"packs"', '"p\\u0061cks"'), // escape in a key
    doc(blob(',"comment":"x"')), // unknown key
    doc(blob(',"offset":1')), // repeated key
    doc(blob()).replace('"offset":0', '"offset":-0'),
    doc(blob()).replace('"length":40', '"length":4e1'),
    doc(blob()).replace('"length":40', '"length":40.0'),
    doc(blob()).replace('"length":40', '"length":040'),
    doc(blob()).replace('"length":40', '"length":31'), // too short for a sealed blob
    doc(blob()).replace('"length":40', '"length":4294967295'), // issue 20 defect 2: beyond one read
    doc(blob()).replace('"offset":0', '"offset":9007199254740000'), // offset + length beyond 2^53
    doc(blob(',"uncompressed_length":4294967295')),
    doc(blob()).replace('"type":"data"', '"type":"Data"'),
    doc(blob()).replace(`"id":"${id}","type"`, `"id":"${id.toUpperCase()}","type"`),
    doc(blob()).replace(`"id":"${id}","type"`, '"id":null,"type"'),
    doc(`${blob()},`), // trailing comma
    `${doc(blob())} x`,
    `[${doc(blob())}]`, // the legacy form is an array of packs
    '{"packs":null}',
    `{"supersedes":["${id}"]}`, // no packs
    doc(blob()).slice(0, -1),
    '',
  ];
  for (const [name, scan] of READERS) {
    for (const text of declined) {
      let reported = 0;
      assert.equal(
        scan(Buffer.from(text), true, () => reported++),
        false,
        `${name}: ${text}`,
      );
      assert.equal(reported, 0);
    }
    // compressed blobs in a repository version 1: declined, so decodeIndex's caller can refuse them
    const compressed = Buffer.from(doc(blob(',"uncompressed_length":100')));
    assert.equal(scanned(compressed, false, scan), undefined, name);
    assert.deepEqual(scanned(compressed, true, scan), decoded(compressed), name);
    assert.deepEqual(scanned(Buffer.from('{"packs":[]}'), true, scan), [], name);
  }
  assert.ok(nativeAvailable(), 'the addon is built: scanIndex is its reader');
});

test('issue 20 defect 2: decodeIndex refuses a length, offset or uncompressed length out of range, naming the index file, the pack and the blob', () => {
  const pack = 'cd'.repeat(32);
  const blob = 'ab'.repeat(32);
  for (const [fields, problem] of [
    ['"offset":0,"length":4294967295', /length 4294967295 is out of range/],
    ['"offset":0,"length":2147483648', /length 2147483648 is out of range/],
    ['"offset":9007199254740000,"length":4000', /offset 9007199254740000 \+ length 4000 is out of range/],
    ['"offset":0,"length":40,"uncompressed_length":4294967295', /uncompressed length 4294967295 is out of range/],
    ['"offset":1152921504606846976,"length":40', /offset: want a non-negative integer below 2\^53|offset/],
  ] as const) {
    const text = `{"packs":[{"id":"${pack}","blobs":[{"id":"${blob}","type":"data",${fields}}]}]}`;
    assert.throws(
      () => decodeIndex(Buffer.from(text), 'index/ef01'),
      (err: Error) => {
        assert.ok(err.message.startsWith(`index/ef01: pack ${pack} blob ${blob}`), err.message);
        assert.match(err.message, problem);
        return true;
      },
    );
  }
});

test('both readers agree on every prefix of an index file and on random changes to its bytes', () => {
  const agree = (bytes: Uint8Array): void => {
    const [native, js] = READERS.map(([, scan]) => scanned(bytes, true, scan));
    assert.deepEqual(native, js, Buffer.from(bytes).toString());
  };
  const id = 'cd'.repeat(32);
  const text = Buffer.from(
    `{"supersedes":["${id}"],"packs":[{"id":"${id}","blobs":[{"id":"${id}","type":"tree","offset":12,"length":345,"uncompressed_length":678},{"type":"data","id":"${id}","length":40,"offset":0}]}]}`,
  );
  for (let end = 0; end < text.length; end++) {
    agree(text.subarray(0, end));
    assert.equal(scanned(text.subarray(0, end)), undefined);
  }
  agree(text);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: text.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (changes) => {
      const bytes = Buffer.from(text);
      for (const [at, value] of changes) bytes[at] = value;
      agree(bytes);
    }),
    { numRuns: 2000 },
  );
});
