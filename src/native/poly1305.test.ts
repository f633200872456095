/** The native Poly1305 (used by the restic cipher) against RFC 8439 and a BigInt reference. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { poly1305 } from './index.js';

/** Independent Poly1305 (RFC 8439 2.5.1) with BigInt, as the oracle for the native one. */
function poly1305Reference(key: Uint8Array, msg: Uint8Array): Buffer {
  const le = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).reverse().toString('hex') || '0'}`);
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = le(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const block = msg.subarray(i, i + 16);
    acc = ((acc + le(block) + (1n << BigInt(8 * block.length))) * r) % p;
  }
  const tag = (acc + s) & ((1n << 128n) - 1n);
  return Buffer.from(tag.toString(16).padStart(32, '0'), 'hex').reverse();
}

function tag(key: Uint8Array, msg: Uint8Array): Buffer {
  const out = Buffer.alloc(16);
  poly1305(key, msg, out);
  return out;
}

describe('poly1305', () => {
  test('RFC 8439 section 2.5.2 example', () => {
    const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
    assert.equal(tag(key, Buffer.from('Cryptographic Forum Research Group')).toString('hex'), 'a8061dc1305136c6c22b8baf0c0127a9');
  });

  test('final reduction: an accumulator in [p, 2^130) is reduced', () => {
    // r = 2, s = 0, one block of 0xff: h = (2^129 - 1) * 2 = 2^130 - 2 = p + 3.
    const key = Buffer.alloc(32);
    key[0] = 2;
    assert.equal(tag(key, Buffer.alloc(16, 0xff)).toString('hex'), '03000000000000000000000000000000');
  });

  test('s is added modulo 2^128', () => {
    // r = 0 makes h = 0, so the tag is s itself, with a carry out of the top discarded.
    const key = Buffer.concat([Buffer.alloc(16), Buffer.alloc(16, 0xff)]);
    assert.equal(tag(key, Buffer.from('anything')).toString('hex'), 'ff'.repeat(16));
  });

  test('matches a BigInt reference for every length 0..200 and large extreme inputs', () => {
    for (let len = 0; len <= 200; len++) {
      const key = randomBytes(32);
      const msg = randomBytes(len);
      assert.equal(tag(key, msg).toString('hex'), poly1305Reference(key, msg).toString('hex'), `length ${len}`);
    }
    // All-ones r (clamped to its maximum) and all-ones messages keep the accumulator near p.
    const maxKey = Buffer.alloc(32, 0xff);
    for (const len of [15, 16, 17, 64, 1000, 4096 + 5]) {
      const msg = Buffer.alloc(len, 0xff);
      assert.equal(tag(maxKey, msg).toString('hex'), poly1305Reference(maxKey, msg).toString('hex'), `0xff × ${len}`);
    }
    const key = randomBytes(32);
    const big = randomBytes(64 * 1024 + 3);
    assert.equal(tag(key, big).toString('hex'), poly1305Reference(key, big).toString('hex'));
  });

  test('reads views at their offset and writes only 16 bytes', () => {
    const backing = randomBytes(100);
    const key = backing.subarray(5, 37);
    const msg = backing.subarray(40, 97);
    const out = Buffer.alloc(20, 0xaa);
    poly1305(key, msg, out.subarray(2, 18));
    assert.equal(out.subarray(2, 18).toString('hex'), poly1305Reference(key, msg).toString('hex'));
    assert.deepEqual([out[0], out[1], out[18], out[19]], [0xaa, 0xaa, 0xaa, 0xaa]);
  });

  test('rejects a wrong key length or a short output', () => {
    assert.throws(() => poly1305(Buffer.alloc(31), Buffer.alloc(1), Buffer.alloc(16)), RangeError);
    assert.throws(() => poly1305(Buffer.alloc(32), Buffer.alloc(1), Buffer.alloc(15)), RangeError);
    assert.throws(() => poly1305('k' as unknown as Uint8Array, Buffer.alloc(1), Buffer.alloc(16)), TypeError);
  });
});
