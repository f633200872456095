import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Id } from '../../core/index.js';
import { nativeAvailable } from '../../native/index.js';
import { type Node, decodeTree, encodeNode, encodeTree, parseGoTime, scanTree } from './index.js';

const ID_A = 'a1'.repeat(32) as Id;
const ID_B = 'b2'.repeat(32) as Id;

function node(name: string | Buffer, over: Partial<Node> = {}): Node {
  return {
    name: Buffer.isBuffer(name) ? name : Buffer.from(name),
    type: 'file',
    mode: 0o644,
    mtime: '2024-03-01T12:34:56.123456789+01:00',
    atime: '2024-03-01T12:34:56.123456789+01:00',
    ctime: '2023-12-31T23:59:60Z',
    uid: 1000,
    gid: 1000,
    user: 'alice',
    group: 'staff',
    inode: 2n ** 63n + 5n,
    deviceId: 2049n,
    size: 2 ** 52,
    links: 1n,
    device: 0n,
    content: [ID_A, ID_B],
    ...over,
  };
}

/** Every field the scan reads agrees with decodeTree's node; each node's JSON is as the tree holds it (for a tree Lifeboat encoded: the encoder's). */
function assertScanMatchesDecode(bytes: Buffer, encoded = true): void {
  const scanned = scanTree(bytes);
  assert.ok(scanned, 'the scan reads the tree');
  const decoded = decodeTree(bytes);
  assert.equal(scanned.count, decoded.length);
  decoded.forEach((d, i) => {
    const m = parseGoTime(d.mtime);
    const c = parseGoTime(d.ctime);
    assert.equal(scanned.compareName(i, d.name), 0);
    assert.equal(scanned.nameKey(i), d.name.toString('latin1'));
    assert.equal(scanned.type(i), d.type);
    assert.equal(scanned.inode(i), d.inode);
    assert.equal(scanned.deviceId(i), d.deviceId);
    assert.equal(scanned.size(i), d.size);
    assert.ok(scanned.sameTimes(i, m.unixSeconds, m.nanos, c.unixSeconds, c.nanos), `node ${i}: times`);
    assert.ok(!scanned.sameTimes(i, m.unixSeconds + 1n, m.nanos, c.unixSeconds, c.nanos), `node ${i}: another mtime`);
    assert.ok(!scanned.sameTimes(i, m.unixSeconds, m.nanos, c.unixSeconds, c.nanos + 1), `node ${i}: another ctime`);
    assert.equal(scanned.contentKeys(i).toString('hex'), (d.content ?? []).join(''));
    assert.equal(scanned.subtree(i), d.subtree);
    if (encoded) assert.equal(scanned.json(i), encodeNode(d));
    else assert.deepEqual(JSON.parse(scanned.json(i)), (JSON.parse(bytes.toString()) as { nodes: unknown[] }).nodes[i]);
    assert.deepEqual(scanned.node(i), d);
  });
}

test('scanTree reads what decodeTree reads: names in byte order, times in any zone, uint64 inodes, content and subtrees', () => {
  assert.ok(nativeAvailable(), 'the addon is built');
  const nodes = [
    node('R&D <notes>.txt'),
    node('dir', { type: 'dir', mode: 0x800001ed, content: null, subtree: ID_B, size: 0 }),
    node('empty', { content: [], size: 0, mtime: '1969-12-31T23:59:59.5-00:30', ctime: '0001-01-01T00:00:00Z' }),
    node('link', { type: 'symlink', linktarget: 'dir/ä "quoted"', content: null, size: 0 }),
    node(Buffer.from('naïve-名前', 'utf8'), { user: 'bob\u2028', error: 'read error: "x"' }),
    node('pipe', { type: 'fifo', content: null, size: 0, links: 2n ** 64n - 1n }),
  ];
  assertScanMatchesDecode(encodeTree(nodes));
  assertScanMatchesDecode(encodeTree([]));
  // restic writes no times for some nodes, and may order fields otherwise
  const loose = Buffer.from(`{"nodes":[{"type":"dir","subtree":"${ID_A}","name":"a","content":null},{"name":"b","type":"file","size":0,"inode":null}]}\n`);
  assertScanMatchesDecode(loose, false);
  assert.equal(scanTree(loose)!.sameTimes(0, -62135596800n, 0, -62135596800n, 0), true, 'an absent time is Go zero time');
});

test('scanTree declines what it does not read, and decodeTree decides', () => {
  const tree = (fields: string, name = 'a'): Buffer => Buffer.from(`{"nodes":[{"name":${JSON.stringify(name)},"type":"file"${fields}}]}`);
  assert.ok(scanTree(tree('')), 'the smallest node is read');
  const declined: [string, Buffer][] = [
    ['an extended attribute', tree(',"extended_attributes":[{"name":"user.a","value":"eA=="}]')],
    ['an unknown field', tree(',"colour":"red"')],
    ['a field twice', tree(',"size":1,"size":2')],
    ['a negative size', tree(',"size":-1')],
    ['a fractional inode', tree(',"inode":1.5')],
    ['an inode past 2^64', tree(',"inode":18446744073709551616')],
    ['a size past 2^53', tree(',"size":9007199254740993')],
    ['a numeric string', tree(',"uid":"7"')],
    ['an odd time', tree(',"mtime":"2024-03-01 12:00:00Z"')],
    ['ten fractional digits', tree(',"mtime":"2024-03-01T12:00:00.1234567891Z"')],
    ['an ID in capitals', tree(`,"content":["${ID_A.toUpperCase()}"]`)],
    ['a subtree on a file', tree(`,"subtree":"${ID_A}"`)],
    ['an unknown type', Buffer.from('{"nodes":[{"name":"a","type":"door"}]}')],
    ['a directory without subtree', Buffer.from('{"nodes":[{"name":"a","type":"dir"}]}')],
    ['a name with a Go escape', tree('', 'a\\x01')],
    ['a name escaping a non-ASCII character', Buffer.from('{"nodes":[{"name":"\\u00e4","type":"file"}]}')],
    ['names out of order', Buffer.from('{"nodes":[{"name":"b","type":"file"},{"name":"a","type":"file"}]}')],
    ['a name twice', Buffer.from('{"nodes":[{"name":"a","type":"file"},{"name":"a","type":"file"}]}')],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"nodes":[{"name":"'), Buffer.from([0xff]), Buffer.from('","type":"file"}]}')])],
    ['a truncated tree', tree('').subarray(0, 30)],
    ['text after the tree', Buffer.concat([tree(''), Buffer.from('x')])],
    ['another document', Buffer.from('{"packs":[]}')],
  ];
  for (const [what, bytes] of declined) assert.equal(scanTree(bytes), undefined, what);
  // \u0026 and friends are how Go writes '&', '<' and '>': read as the bytes
  const amp = scanTree(Buffer.from('{"nodes":[{"name":"a\\u0026b","type":"file"}]}'))!;
  assert.equal(amp.compareName(0, Buffer.from('a&b')), 0);
  assert.ok(amp.compareName(0, Buffer.from('a&c')) < 0 && amp.compareName(0, Buffer.from('a&a')) > 0);
});

test('scanTree on damaged trees: it never reads one that decodeTree refuses, and what it reads agrees with decodeTree', () => {
  const good = encodeTree([
    node('a&b'),
    node('dir', { type: 'dir', mode: 0x800001ed, content: null, subtree: ID_B, size: 0 }),
    node('link', { type: 'symlink', linktarget: 't', content: null, size: 0, mtime: '2024-03-01T12:34:56-08:00' }),
  ]);
  // a seeded generator, so that a failure can be run again
  let seed = 0x9e3779b9;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const bytesOf = '{}[]":,\\0123456789-.eEtrufalsn u"x'.split('').map((c) => c.charCodeAt(0));
  let read = 0;
  for (let round = 0; round < 3000; round++) {
    const damaged = Buffer.from(good);
    for (let k = 1 + next(3); k > 0; k--) {
      const at = next(damaged.length);
      damaged[at] = next(4) === 0 ? next(256) : bytesOf[next(bytesOf.length)]!;
    }
    const cut = next(8) === 0 ? damaged.subarray(0, next(damaged.length)) : damaged;
    const scanned = scanTree(cut);
    if (!scanned) continue;
    read++;
    let decoded: Node[];
    try {
      decoded = decodeTree(cut);
    } catch (err) {
      assert.fail(`round ${round}: the scan read a tree decodeTree refuses (${(err as Error).message}): ${cut.toString('latin1')}`);
    }
    assert.equal(scanned.count, decoded.length, `round ${round}`);
    decoded.forEach((d, i) => {
      assert.equal(scanned.compareName(i, d.name), 0, `round ${round} node ${i}: name`);
      assert.equal(scanned.type(i), d.type, `round ${round} node ${i}: type`);
      assert.equal(scanned.inode(i), d.inode, `round ${round} node ${i}: inode`);
      assert.equal(scanned.size(i), d.size, `round ${round} node ${i}: size`);
      assert.equal(scanned.subtree(i), d.subtree, `round ${round} node ${i}: subtree`);
      assert.equal(scanned.contentKeys(i).toString('hex'), (d.content ?? []).join(''), `round ${round} node ${i}: content`);
    });
  }
  assert.ok(read > 0, 'some damaged trees are still read (a damaged value the scan accepts)');
});
