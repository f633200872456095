import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FormatError, type Id } from '../../core/index.js';
import { vectorsDir } from '../../../test/helpers/paths.js';
import { type Node, decodeTree, decodeTreeNodes } from './index.js';

const example = (JSON.parse(readFileSync(join(vectorsDir, 'json-encoding.json'), 'utf8')) as { example_tree_restic_0_14: { json: string } }).example_tree_restic_0_14.json;
const TREE_ID = 'ab'.repeat(32) as Id;

/** What decodeTree returns or throws for `doc`, and what the streaming decoder does. */
function outcome(decode: () => Node[]): { nodes: Node[] } | { error: unknown } {
  try {
    return { nodes: decode() };
  } catch (error) {
    return { error };
  }
}

/** Asserts that both decoders agree on `doc`; true when they accept it. */
function assertSameAsWhole(doc: string): boolean {
  const bytes = Buffer.from(doc);
  const whole = outcome(() => decodeTree(bytes));
  const streamed = outcome(() => [...decodeTreeNodes(bytes)]);
  if ('nodes' in whole) {
    assert.ok('nodes' in streamed, `${doc}: the streaming decoder threw ${'error' in streamed ? String(streamed.error) : ''}`);
    assert.deepEqual(streamed.nodes, whole.nodes, doc);
    return true;
  }
  assert.ok('error' in streamed, `${doc}: decodeTree refuses it, the streaming decoder accepted it`);
  assert.ok(streamed.error instanceof FormatError, `${doc}: ${String(streamed.error)}`);
  assert.equal(streamed.error.code, (whole.error as FormatError).code, doc);
  // the same message; JSON.parse's own words after a syntax error quote the text around it (the node's, not the blob's)
  const syntax = /^(tree is not valid JSON): .*$/s;
  assert.equal(streamed.error.message.replace(syntax, '$1'), (whole.error as FormatError).message.replace(syntax, '$1'), doc);
  return false;
}

const NODE_A = '{"name":"a","type":"file","mtime":"2020-01-01T00:00:00Z","atime":"2020-01-01T00:00:00Z","ctime":"2020-01-01T00:00:00Z","uid":0,"gid":0,"content":[]}';
// a name holding a quote, braces, a bracket and a backslash (Go-quoted, then JSON-escaped)
const NODE_B = NODE_A.replace('"a"', String.raw`"b \\\"}{[ \\\\"`);

test('valid blobs decode to the same nodes as decodeTree, whatever their spacing and shape', () => {
  const pretty = JSON.stringify(JSON.parse(example) as unknown, null, 2);
  for (const doc of [
    example,
    pretty,
    ` \r\n\t${pretty}\n\n`,
    '{"nodes":[]}\n',
    '{"nodes":[ ]}',
    `{"nodes":[${NODE_A},${NODE_B}]}`,
    // strings holding braces, brackets, escaped quotes and backslashes, and Go's \ufffd escapes
    `{"nodes":[${NODE_A.replace('"a"', String.raw`"x\ufffd}\\\\"`)}]}`,
    // shapes only the whole-document decoder reads: another key, no nodes, null, duplicate keys
    `{"x":[1,{"y":"]"}],"nodes":[${NODE_A}]}`,
    `{"nodes":[${NODE_A}],"x":1}`,
    `{"nodes":[${NODE_A}],"nodes":[${NODE_B}]}`,
    '{"nodes":null}',
    '{}',
    `{"n\\u006fdes":[${NODE_A}]}`,
  ]) {
    assert.ok(assertSameAsWhole(doc), doc);
  }
});

test('integers above 2^53 are read exactly, in the node that holds them and every node after it', () => {
  const big = NODE_A.replace('"uid":0', '"inode":18446744073709551557,"uid":0');
  const doc = `{"nodes":[${NODE_A},${big.replace('"a"', '"b"')},${big.replace('"a"', '"c"')}]}`;
  assert.ok(assertSameAsWhole(doc));
  assert.deepEqual(
    [...decodeTreeNodes(Buffer.from(doc))].map((n) => n.inode),
    [0n, 18446744073709551557n, 18446744073709551557n],
  );
});

test('every malformed blob decodeTree refuses is refused, with its error', () => {
  for (const doc of [
    '',
    '{',
    '{"nodes":[',
    `{"nodes":[${NODE_A}`,
    `{"nodes":[${NODE_A},]}`,
    `{"nodes":[,${NODE_A}]}`,
    `{"nodes":[${NODE_A}${NODE_B}]}`,
    `{"nodes":[${NODE_A}]}]`,
    `{"nodes":[${NODE_A}]} x`,
    `{"nodes":[${NODE_A.slice(0, -1)}]}`,
    `{"nodes":[${NODE_A.replace('"uid":0', '"uid":0 x')}]}`,
    `{"nodes":[${NODE_A.replace('"content":[]', '"content":[}')}]}`,
    `{"nodes":[${NODE_A.replace('"a"', '"a\u0001"')}]}`,
    `{"nodes":[${NODE_A}, 5]}`,
    `{"nodes":[${NODE_A}, null]}`,
    '{"nodes":5}',
    '{"nodes":[{"name":5,"type":"file"}]}',
    '{"nodes":[{"name":"a","type":"weird"}]}',
    '{"nodes":[{"name":"a","type":"dir"}]}',
    '{"nodes":[{"name":"a","type":"file","content":["zz"]}]}',
    '{"nodes":[{"name":"a","type":"file","size":-1}]}',
    '[]',
    '\ufeff{"nodes":[]}',
  ]) {
    assert.equal(assertSameAsWhole(doc), false, doc);
  }
});

test('nodes come one at a time: those before a malformed node are yielded, then its error names the tree', () => {
  const doc = Buffer.from(`{"nodes":[${NODE_A},${NODE_B},{"name":"c","type":"dir"}]}`);
  const it = decodeTreeNodes(doc, TREE_ID);
  assert.equal(it.next().value?.name.toString(), 'a');
  assert.equal(it.next().value?.name.toString(), 'b "}{[ \\');
  assert.throws(
    () => it.next(),
    (err: unknown) => err instanceof FormatError && err.message === `tree ${TREE_ID}: tree node 2: directory without subtree`,
  );
  // a blob of another shape is decoded whole first: its error comes before any node
  assert.throws(
    () => decodeTreeNodes(Buffer.from(`{"nodes":[${NODE_A}],"x":}`), TREE_ID).next(),
    (err: unknown) => err instanceof FormatError && err.message.startsWith(`tree ${TREE_ID}: tree is not valid JSON`),
  );
});

test('names and fields outside ASCII come out as their UTF-8 bytes from both decoders (decodeTree reads an ASCII tree without the UTF-8 decoder)', () => {
  const names = ['café', '日本語.txt', '😀', 'plain'];
  const doc = `{"nodes":[${names.map((n) => NODE_A.replace('"a"', JSON.stringify(n)).replace('"uid":0', '"user":"rené","uid":0')).join(',')}]}\n`;
  assert.ok(assertSameAsWhole(doc));
  const nodes = decodeTree(Buffer.from(doc));
  assert.deepEqual(
    nodes.map((n) => n.name),
    names.map((n) => Buffer.from(n, 'utf8')),
  );
  assert.deepEqual(
    nodes.map((n) => n.user),
    names.map(() => 'rené'),
  );
});
