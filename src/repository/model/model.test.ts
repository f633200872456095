import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { FormatError, type Id } from '../../core/index.js';
import { vectorsDir } from '../../../test/helpers/paths.js';
import {
  EMPTY_TREE_ID,
  type IndexPack,
  MAX_BLOB_LENGTH,
  decodeIndex,
  decodeSnapshot,
  decodeTree,
  encodeIndex,
  encodeSnapshot,
  TreeBuilder,
  encodeTree,
  fileModeFromStat,
  formatGoTime,
  goJsonString,
  goTimeEquals,
  goTimeFromNs,
  goTimeToNs,
  parseGoTime,
  quoteName,
  unquoteName,
} from './index.js';

const v = JSON.parse(readFileSync(join(vectorsDir, 'json-encoding.json'), 'utf8')) as {
  node_name_encoding: { vectors: { input_hex: string; go_quote_inner: string; name_field_json: string; plain_string_json: string }[] };
  time_vectors: { json: string[] };
  example_tree_restic_0_14: { blob_id: string; json: string };
  file_mode_bits: { examples_from_restic_0_14_output: Record<string, number> };
};

test('name quoting and Go JSON strings match every vector', () => {
  for (const row of v.node_name_encoding.vectors) {
    const bytes = Buffer.from(row.input_hex, 'hex');
    assert.equal(quoteName(bytes), row.go_quote_inner, row.input_hex);
    assert.equal(goJsonString(quoteName(bytes)), row.name_field_json, row.input_hex);
    assert.equal(goJsonString(bytes), row.plain_string_json, row.input_hex);
    assert.ok(unquoteName(JSON.parse(row.name_field_json) as string).equals(bytes), row.input_hex);
  }
});

test('time formatting and parsing', () => {
  for (const token of v.time_vectors.json) {
    const s = JSON.parse(token) as string;
    assert.equal(formatGoTime(parseGoTime(s)), s);
  }
  assert.equal(formatGoTime(goTimeFromNs(1_000_000_000_123n, 0)), '1970-01-01T00:16:40.000000123Z');
  assert.equal(goTimeToNs(parseGoTime('2015-11-10T22:10:09.445482227+01:00')), 1447189809445482227n);
  assert.throws(() => parseGoTime('yesterday'), FormatError);
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 19n }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ns, off) => {
      const t = goTimeFromNs(ns, off);
      assert.equal(goTimeToNs(parseGoTime(formatGoTime(t))), ns);
    }),
  );
});

test('goTimeEquals agrees with parseGoTime on any time, zone and shape', () => {
  const same = (s: string, ns: bigint): boolean => {
    const secs = ns / 1_000_000_000n - (ns % 1_000_000_000n < 0n ? 1n : 0n);
    const nanos = Number(ns - secs * 1_000_000_000n);
    return goTimeEquals(s, Number(secs), nanos);
  };
  fc.assert(
    fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 19n }), fc.integer({ min: -14 * 60, max: 14 * 60 }), fc.integer({ min: -3, max: 3 }), (ns, off, delta) => {
      const s = formatGoTime(goTimeFromNs(ns, off));
      assert.equal(same(s, ns), true, s);
      assert.equal(same(s, ns + BigInt(delta)), delta === 0, `${s} vs ${delta} ns`);
      assert.equal(same(s, ns + BigInt(delta) * 1_000_000_000n), delta === 0, `${s} vs ${delta} s`);
    }),
  );
  // shapes the fast path leaves to the parser: lower-case separators, long fractions, years past 9999
  assert.equal(same('2015-11-10t22:10:09.445482227z', 1447193409445482227n), true);
  assert.equal(same('2015-11-10T22:10:09.4454822279999+01:00', 1447189809445482227n), true);
  assert.equal(same('12015-01-01T00:00:00Z', goTimeToNs(parseGoTime('12015-01-01T00:00:00Z'))), true);
  for (const bad of ['', 'yesterday', '2015-11-10T22:10:09.+01:00', '2015-13-10T22:10:09Z', '2015-11-10T22:10:09+0100', '2015-11-10T22:10:09', '2015-11-10T24:10:09Z', '2015-11-10T22:10:09Zx']) {
    assert.equal(goTimeEquals(bad, 1447189809, 0), false, bad);
    assert.throws(() => parseGoTime(bad), FormatError, bad);
  }
  // parseGoTime reads the usual shape without its regular expression: the same instant, nanoseconds and zone either way
  for (const [usual, other] of [
    ['2015-11-10T22:10:09.445482227+01:00', '2015-11-10t22:10:09.4454822279+01:00'],
    ['1969-12-31T23:59:59.5-00:30', '1969-12-31t23:59:59.500000000000-00:30'],
    ['2024-02-29T12:00:00Z', '2024-02-29t12:00:00z'],
  ] as const) {
    assert.deepEqual(parseGoTime(usual), parseGoTime(other), usual);
  }
});

test('the restic 0.14 tree blob decodes and re-encodes byte for byte', () => {
  const json = v.example_tree_restic_0_14.json;
  assert.equal(createHash('sha256').update(json).digest('hex'), v.example_tree_restic_0_14.blob_id);
  const nodes = decodeTree(Buffer.from(json));
  assert.ok(nodes.length > 5);
  assert.equal(encodeTree(nodes).toString('utf8'), json);
  assert.equal(createHash('sha256').update(encodeTree([])).digest('hex'), EMPTY_TREE_ID);
});

test('TreeBuilder sorts by raw name bytes (non-UTF-8 names included) and refuses duplicates', () => {
  const nodes = decodeTree(Buffer.from(v.example_tree_restic_0_14.json));
  const base = nodes[0]!;
  // 0xff sorts after every UTF-8 lead byte below it, 'Z' before 'a', a prefix before its extensions
  const names = [Buffer.from([0xff, 0x61]), Buffer.from('a'), Buffer.from('Z'), Buffer.from('ab'), Buffer.from([0xc3, 0xa9]), Buffer.from([0x7f])];
  const b = new TreeBuilder();
  for (const name of names) b.add({ ...base, name });
  const encoded = b.encode();
  const order = decodeTree(encoded).map((n) => n.name);
  assert.deepEqual(
    order,
    [...names].sort((x, y) => Buffer.compare(x, y)),
  );
  // same bytes as encoding the sorted nodes one by one
  assert.equal(encoded.toString('latin1'), encodeTree([...names].sort((x, y) => Buffer.compare(x, y)).map((name) => ({ ...base, name }))).toString('latin1'));
  assert.equal(b.size, names.length);
  const dup = new TreeBuilder();
  dup.add({ ...base, name: Buffer.from('x') });
  dup.add({ ...base, name: Buffer.from('x') });
  assert.throws(() => dup.encode(), FormatError);
});

test('file modes from stat', () => {
  const ex = v.file_mode_bits.examples_from_restic_0_14_output;
  assert.ok(Object.keys(ex).length > 3);
  assert.equal(fileModeFromStat(0o100644), 420);
  assert.equal(fileModeFromStat(0o040755), 2147484141);
  assert.equal(fileModeFromStat(0o041777), 2148532735);
  assert.equal(fileModeFromStat(0o120777), 134218239);
  assert.equal(fileModeFromStat(0o010644), 33554852);
  assert.equal(fileModeFromStat(0o020644), 69206436);
  assert.equal(fileModeFromStat(0o060644), 67109284);
  assert.equal(fileModeFromStat(0o104755), 8389101);
  assert.equal(fileModeFromStat(0o102640), 4194720);
});

test('inode numbers above 2^53 survive a round trip', () => {
  const big = 18446744073709551557n;
  const json = `{"nodes":[{"name":"x","type":"file","mtime":"2020-01-01T00:00:00Z","atime":"2020-01-01T00:00:00Z","ctime":"2020-01-01T00:00:00Z","uid":0,"gid":0,"inode":${big},"device_id":9007199254740993,"links":1,"content":[]}]}\n`;
  const [node] = decodeTree(Buffer.from(json));
  assert.equal(node!.inode, big);
  assert.equal(node!.deviceId, 9007199254740993n);
  assert.equal(encodeTree([node!]).toString(), json);
  // around 2^53: the quick parse keeps what it reads exactly, the exact parse takes the rest
  for (const n of [9007199254740991n, 9007199254740992n, 9007199254740993n, 99999999999999999n]) {
    const [m] = decodeTree(Buffer.from(json.replace(`${big}`, `${n}`)));
    assert.equal(m!.inode, n);
  }
  const generic = json.replace('"content":[]', '"generic_attributes":{"a":{"b":[18446744073709551557]}},"content":[]');
  assert.equal(decodeTree(Buffer.from(generic))[0]!.genericAttributes, '{"a":{"b":["18446744073709551557"]}}');
});

test('long numbers are found with whitespace around them, and digit runs inside strings are left alone', async () => {
  const { parseJson } = await import('./json-reader.js');
  assert.deepEqual(parseJson('{ "inode" : 18446744073709551557 , "ids": [ 1234567890123456789 ] }', 't'), {
    inode: '18446744073709551557',
    ids: ['1234567890123456789'],
  });
  // 16 digits in a row inside a content ID: a string, never rewritten
  const id = '0123456789012345678901234567890123456789012345678901234567890abc';
  assert.deepEqual(parseJson(`{"content":["${id}"],"size":7}`, 't'), { content: [id], size: 7 });
});

test('hostile documents are FormatErrors, never crashes', () => {
  const bad = [
    '{"nodes":[',
    '{"nodes":5}',
    '{"nodes":[{"name":5,"type":"file"}]}',
    '{"nodes":[{"name":"a\\\\q","type":"file"}]}',
    '{"nodes":[{"name":"a","type":"weird"}]}',
    '{"nodes":[{"name":"a","type":"dir"}]}',
    '{"nodes":[{"name":"a","type":"file","content":["zz"]}]}',
    '{"nodes":[{"name":"a","type":"file","size":-1}]}',
    '[]',
  ];
  for (const doc of bad) assert.throws(() => decodeTree(Buffer.from(doc)), FormatError, doc);
  assert.throws(() => decodeSnapshot(Buffer.from('{"time":"x","tree":"' + 'a'.repeat(64) + '"}')), FormatError);
  assert.throws(() => decodeSnapshot(Buffer.from('{"time":"2020-01-01T00:00:00Z"}')), FormatError);
  assert.throws(() => decodeIndex(Buffer.from('{"packs":[{"id":"x"}]}')), FormatError);
  assert.throws(() => decodeIndex(Buffer.from('{"packs":[{"id":"' + 'a'.repeat(64) + '","blobs":[{"id":"' + 'b'.repeat(64) + '","type":"foo","offset":0,"length":40}]}]}')), FormatError);
});

test('quoteName/unquoteName round trip any bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
      const quoted = quoteName(bytes);
      const json = goJsonString(quoted);
      assert.ok(unquoteName(JSON.parse(json) as string).equals(Buffer.from(bytes)));
    }),
    { numRuns: 2000 },
  );
});

test('snapshot and index round trips', () => {
  const snap = {
    time: '2026-11-23T23:59:49.074895526Z',
    tree: '0cb3a3af'.padEnd(64, '0') as Id,
    paths: ['/tmp/src'],
    hostname: 'testhost',
    username: 'root',
    tags: ['t1', 't2'],
  };
  const bytes = encodeSnapshot(snap);
  assert.equal(bytes.toString(), `{"time":"2026-11-23T23:59:49.074895526Z","tree":"${snap.tree}","paths":["/tmp/src"],"hostname":"testhost","username":"root","tags":["t1","t2"]}`);
  assert.deepEqual(decodeSnapshot(bytes), snap);
  const packs = [
    {
      id: 'a'.repeat(64) as never,
      blobs: [
        { id: 'b'.repeat(64) as never, type: 'data' as const, offset: 0, length: 47, uncompressedLength: 6 },
        { id: 'c'.repeat(64) as never, type: 'tree' as const, offset: 47, length: 412, uncompressedLength: 0 },
      ],
    },
  ];
  assert.deepEqual(decodeIndex(encodeIndex(packs)).packs, packs);
  assert.match(encodeIndex(packs).toString(), /\n$/);
});

test('encodeIndex writes packs handed over one at a time, of any size and with the largest numbers, as decodeIndex reads them', () => {
  const hex = (n: number): string => n.toString(16).padStart(64, '0');
  const packs: IndexPack[] = [0, 1, 3000, 0, 40].map((count, p) => ({
    id: hex(1e6 + p) as Id,
    blobs: Array.from({ length: count }, (_, i) => ({
      id: hex(p * 1e5 + i) as Id,
      type: i % 2 ? ('tree' as const) : ('data' as const),
      offset: Number.MAX_SAFE_INTEGER - 2 * MAX_BLOB_LENGTH,
      length: MAX_BLOB_LENGTH,
      uncompressedLength: i % 3 ? MAX_BLOB_LENGTH : 0,
    })),
  }));
  function* oneAtATime(): Generator<IndexPack> {
    yield* packs;
  }
  const bytes = encodeIndex(oneAtATime());
  assert.deepEqual(decodeIndex(bytes).packs, packs);
  assert.deepEqual(bytes, encodeIndex(packs));
  assert.deepEqual(decodeIndex(encodeIndex([])).packs, []);
});
