import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { FormatError, IntegrityError, LifeboatError } from '../../../core/index.js';
import { type KdfParams, defaultKdfParams, deriveUserKey, open, validateKdfParams, validateKey } from '../index.js';
import { hex, keyFromHex, loadCryptoVectors } from '../testing/crypto-vectors.js';

const vectors = loadCryptoVectors();

interface KeyFileJson {
  kdf: string;
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

interface MasterKeyJson {
  mac: { k: string; r: string };
  encrypt: string;
}

describe('key files from restic test repositories (password "geheim")', () => {
  assert.equal(vectors.kdf_vectors.length, 2);
  for (const v of vectors.kdf_vectors) {
    test(`${v.key_file_name.slice(0, 12)}… N=${v.scrypt.N} r=${v.scrypt.r} p=${v.scrypt.p}`, async () => {
      assert.equal(createHash('sha256').update(v.key_file_json).digest('hex'), v.key_file_name);
      const doc = JSON.parse(v.key_file_json) as KeyFileJson;
      assert.equal(doc.kdf, 'scrypt');
      const params: KdfParams = { N: doc.N, r: doc.r, p: doc.p, salt: Buffer.from(doc.salt, 'base64') };
      assert.deepEqual(
        { N: params.N, r: params.r, p: params.p, salt: params.salt.toString('base64') },
        {
          N: v.scrypt.N,
          r: v.scrypt.r,
          p: v.scrypt.p,
          salt: v.scrypt.salt_base64,
        },
      );

      const userKey = await deriveUserKey(v.password, params);
      assert.equal(Buffer.concat([userKey.encrypt, userKey.macK, userKey.macR]).toString('hex'), v.scrypt.output);
      assert.deepEqual(userKey, keyFromHex(v.user_key));
      validateKey(userKey);
      const cheap = params.N * params.r <= 1024; // extra derivations only with cheap parameters
      // the password may also come as bytes
      if (cheap) assert.deepEqual(await deriveUserKey(Buffer.from(v.password, 'utf8'), params), userKey);

      const masterJson = open(userKey, Buffer.from(doc.data, 'base64')).toString('utf8');
      assert.equal(masterJson, v.decrypted_master_key_json);
      const master = JSON.parse(masterJson) as MasterKeyJson;
      const masterKey = { encrypt: Buffer.from(master.encrypt, 'base64'), macK: Buffer.from(master.mac.k, 'base64'), macR: Buffer.from(master.mac.r, 'base64') };
      assert.deepEqual(masterKey, keyFromHex(v.master_key));
      validateKey(masterKey);

      assert.equal(open(masterKey, hex(v.config_file)).toString('utf8'), v.config_plaintext);

      // a wrong password shows as a MAC failure on the key file's data
      if (cheap) {
        const wrong = await deriveUserKey(`${v.password}!`, params);
        assert.throws(() => open(wrong, Buffer.from(doc.data, 'base64')), IntegrityError);
      }
    });
  }
});

describe("validateKdfParams (restic's rules)", () => {
  const salt = Buffer.alloc(64, 1);
  const ok: KdfParams[] = [
    { N: 2, r: 1, p: 1, salt },
    { N: 128, r: 1, p: 1, salt },
    { N: 32768, r: 8, p: 1, salt },
    { N: 2 ** 20, r: 8, p: 16, salt },
    { N: 16, r: 2 ** 15, p: 2 ** 15 - 1, salt },
  ];
  const bad: [string, KdfParams][] = [
    ['N = 1', { N: 1, r: 1, p: 1, salt }],
    ['N = 0', { N: 0, r: 1, p: 1, salt }],
    ['N negative', { N: -4, r: 1, p: 1, salt }],
    ['N not a power of two', { N: 3, r: 1, p: 1, salt }],
    ['N = 2^15 + 2^14', { N: 49152, r: 1, p: 1, salt }],
    ['N fractional', { N: 2.5, r: 1, p: 1, salt }],
    ['r = 0', { N: 16, r: 0, p: 1, salt }],
    ['p = 0', { N: 16, r: 1, p: 0, salt }],
    ['r fractional', { N: 16, r: 1.5, p: 1, salt }],
    ['r·p = 2^30', { N: 16, r: 2 ** 15, p: 2 ** 15, salt }],
    ['salt 32 bytes', { N: 16, r: 1, p: 1, salt: Buffer.alloc(32) }],
    ['salt 65 bytes', { N: 16, r: 1, p: 1, salt: Buffer.alloc(65) }],
  ];
  test('accepts valid parameters', () => {
    for (const params of ok) validateKdfParams(params);
  });
  test('refuses invalid parameters with FormatError', () => {
    for (const [what, params] of bad) assert.throws(() => validateKdfParams(params), FormatError, what);
  });
  test('deriveUserKey validates before running scrypt', async () => {
    await assert.rejects(deriveUserKey('pw', { N: 3, r: 1, p: 1, salt }), (err: unknown) => err instanceof FormatError && /power of two/.test(err.message));
    await assert.rejects(deriveUserKey('pw', { N: 16, r: 1, p: 1, salt: Buffer.alloc(10) }), FormatError);
  });
  test('parameters scrypt itself cannot run give a LifeboatError, not a raw Node error', async () => {
    await assert.rejects(deriveUserKey('pw', { N: 2 ** 40, r: 1, p: 1, salt }), (err: unknown) => err instanceof LifeboatError && err.code === 'E_UNSUPPORTED');
  });
});

test('defaultKdfParams: restic strength, a fresh salt each time, and Node can run it (maxmem)', async () => {
  const a = defaultKdfParams();
  const b = defaultKdfParams();
  assert.deepEqual({ N: a.N, r: a.r, p: a.p }, { N: 32768, r: 8, p: 1 });
  validateKdfParams(a);
  assert.equal(a.salt.length, 64);
  assert.ok(!a.salt.equals(b.salt));
  const key = await deriveUserKey('password', a); // 32 MiB: above Node's default maxmem
  validateKey(key);
  assert.notDeepEqual(await deriveUserKey('password', b), key);
});
