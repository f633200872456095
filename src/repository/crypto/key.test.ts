import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../core/index.js';
import { type CryptoKey, generateKey, validateKey } from './index.js';

test('generateKey: right lengths, random, valid', () => {
  const a = generateKey();
  const b = generateKey();
  assert.deepEqual([a.encrypt.length, a.macK.length, a.macR.length], [32, 16, 16]);
  validateKey(a);
  assert.ok(!a.encrypt.equals(b.encrypt) && !a.macK.equals(b.macK) && !a.macR.equals(b.macR));
  assert.ok(!a.macK.equals(a.macR));
});

test('validateKey refuses wrong lengths and all-zero parts', () => {
  const good = generateKey();
  const cases: [string, CryptoKey][] = [
    ['encrypt 31 bytes', { ...good, encrypt: good.encrypt.subarray(0, 31) }],
    ['mac.k 17 bytes', { ...good, macK: Buffer.concat([good.macK, Buffer.alloc(1, 1)]) }],
    ['mac.r empty', { ...good, macR: Buffer.alloc(0) }],
    ['encrypt all zero', { ...good, encrypt: Buffer.alloc(32) }],
    ['mac.k all zero', { ...good, macK: Buffer.alloc(16) }],
    ['mac.r all zero', { ...good, macR: Buffer.alloc(16) }],
  ];
  for (const [what, key] of cases) assert.throws(() => validateKey(key), FormatError, what);
  // one non-zero byte is enough
  const oneBit = Buffer.alloc(16);
  oneBit[15] = 1;
  validateKey({ ...good, macR: oneBit });
});
