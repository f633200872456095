/** The native scrypt (key files' key derivation) against RFC 7914's vectors and node:crypto's scrypt. */
import assert from 'node:assert/strict';
import { randomBytes, randomInt, scryptSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { scrypt } from './index.js';

describe('native scrypt', () => {
  // RFC 7914 section 12 (the N=16384, r=8, p=1 and N=1048576 vectors only cost time)
  const rfc = [
    { password: '', salt: '', N: 16, r: 1, p: 1, hex: '77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906' },
    {
      password: 'password',
      salt: 'NaCl',
      N: 1024,
      r: 8,
      p: 16,
      hex: 'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640',
    },
  ];
  for (const v of rfc) {
    test(`RFC 7914: N=${v.N} r=${v.r} p=${v.p}`, async () => {
      const derived = await scrypt(Buffer.from(v.password), Buffer.from(v.salt), v.N, v.r, v.p, 64);
      assert.equal(derived?.toString('hex'), v.hex);
    });
  }

  // p ≥ 2 on two CPUs or more takes the two-thread form, each thread with a third of a table
  test('the same bytes as node:crypto for random passwords, salts, N, r, p and lengths', async () => {
    for (let i = 0; i < 40; i++) {
      const [N, r, p, length] = [2 ** randomInt(1, 12), randomInt(1, 10), randomInt(1, 5), randomInt(1, 130)];
      const [password, salt] = [randomBytes(randomInt(0, 80)), randomBytes(randomInt(0, 80))];
      const derived = await scrypt(password, salt, N, r, p, length);
      assert.deepEqual(derived, scryptSync(password, salt, length, { N, r, p, maxmem: 2 ** 30 }), `N=${N} r=${r} p=${p} length=${length}`);
    }
  });

  test("restic's strength (N=2^15, r=8, p=7: a table of 32 MiB, on huge pages where the kernel gives them)", async () => {
    const [password, salt] = [randomBytes(12), randomBytes(64)];
    assert.deepEqual(await scrypt(password, salt, 32768, 8, 7, 64), scryptSync(password, salt, 64, { N: 32768, r: 8, p: 7, maxmem: 2 ** 27 }));
  });

  test('N above 2^32 or not a power of 2 is left to node:crypto (undefined), before any table is mapped', async () => {
    assert.equal(await scrypt(Buffer.from('pw'), Buffer.alloc(64), 2 ** 33, 1, 1, 64), undefined);
    assert.equal(await scrypt(Buffer.from('pw'), Buffer.alloc(64), 1000, 1, 1, 64), undefined);
  });

  test('arguments out of range are refused', async () => {
    await assert.rejects(scrypt(Buffer.from('pw'), Buffer.alloc(64), 1, 8, 1, 64), /N ≥ 2/);
    await assert.rejects(scrypt(Buffer.from('pw'), Buffer.alloc(64), 1024, 0, 1, 64), /r ≥ 1/);
    await assert.rejects(scrypt(Buffer.from('pw'), Buffer.alloc(64), 1024, 8, 1, 0), /1 to 1024 bytes/);
  });
});
