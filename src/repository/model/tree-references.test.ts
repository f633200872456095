import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FormatError } from '../../core/index.js';
import { vectorsDir } from '../../../test/helpers/paths.js';
import { decodeTree, treeReferences } from './index.js';

const example = (JSON.parse(readFileSync(join(vectorsDir, 'json-encoding.json'), 'utf8')) as { example_tree_restic_0_14: { json: string } }).example_tree_restic_0_14.json;
const ID = (c: string): string => c.repeat(64);
const FILE = (content: string[]): string => `{"name":"f","type":"file","mtime":"2020-01-01T00:00:00Z","uid":0,"gid":0,"content":${JSON.stringify(content)}}`;
const DIR = (subtree: string): string => `{"name":"d","type":"dir","mode":2147484141,"subtree":"${subtree}"}`;

test("treeReferences gives the files' content and the directories' subtrees decodeTree gives", () => {
  const docs = [example, `{"nodes":[${FILE([ID('a'), ID('b')])},${DIR(ID('c'))},${FILE([])},{"name":"l","type":"symlink","linktarget":"x"},${DIR(ID('d'))}]}`, '{"nodes":[]}', '{"nodes":null}'];
  for (const doc of docs) {
    const nodes = decodeTree(Buffer.from(doc));
    const expected = {
      content: nodes.filter((n) => n.type === 'file').flatMap((n) => n.content ?? []),
      subtrees: nodes.filter((n) => n.type === 'dir').map((n) => n.subtree),
    };
    assert.deepEqual(treeReferences(Buffer.from(doc)), expected, doc);
  }
  assert.ok(treeReferences(Buffer.from(example)).content.length > 0, 'the example tree has file content');
});

test('treeReferences refuses what it reads when it is malformed, as decodeTree does', () => {
  for (const doc of [
    '',
    '[]',
    '{"nodes":5}',
    '{"nodes":[5]}',
    '{"nodes":[{"name":"a"}]}',
    '{"nodes":[{"name":"a","type":"weird"}]}',
    '{"nodes":[{"name":"a","type":"dir"}]}',
    `{"nodes":[${DIR('zz')}]}`,
    `{"nodes":[${FILE(['zz'])}]}`,
    `{"nodes":[${FILE([ID('A')])}]}`,
    `{"nodes":[${FILE([ID('a')]).replace(/"content":\[[^\]]*\]/, '"content":"x"')}]}`,
  ]) {
    assert.throws(() => decodeTree(Buffer.from(doc)), FormatError, `decodeTree accepts ${doc}`);
    assert.throws(() => treeReferences(Buffer.from(doc)), FormatError, doc);
  }
});
