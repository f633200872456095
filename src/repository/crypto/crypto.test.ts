import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { IntegrityError } from '../../core/index.js';
import { vectorsDir } from '../../../test/helpers/paths.js';
import { decodeKeyFile, decodeMasterKey } from '../model/index.js';
import { type CryptoKey, deriveUserKey, generateKey, open, poly1305Aes, seal, setNativeCrypto } from './index.js';

interface Vectors {
  poly1305_aes: { vectors: { msg: string; r: string; k: string; nonce: string; mac: string }[]; unclamped_r_example: { msg: string; r_as_stored: string; r_clamped: string; k: string; nonce: string; mac: string } };
  decrypt_vectors: { encrypt_key: string; mac_k: string; mac_r: string; data: string; plaintext_utf8: string }[];
  kdf_vectors: {
    password: string;
    key_file_json: string;
    key_file_name: string;
    scrypt: { N: number; r: number; p: number; salt_base64: string };
    user_key: { encrypt: string; mac_k: string; mac_r: string };
    master_key: { encrypt: string; mac_k: string; mac_r: string };
    config_file: string;
    config_plaintext: string;
  }[];
}

const v = JSON.parse(readFileSync(join(vectorsDir, 'crypto.json'), 'utf8')) as Vectors;
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const key = (k: { encrypt: string; mac_k: string; mac_r: string }): CryptoKey => ({ encrypt: hex(k.encrypt), macK: hex(k.mac_k), macR: hex(k.mac_r) });

for (const native of [true, false]) {
  describe(`crypto (${native ? 'native addon' : 'pure JS'})`, () => {
    test('Poly1305-AES vectors', () => {
      const old = setNativeCrypto(native);
      try {
        for (const t of v.poly1305_aes.vectors) assert.equal(poly1305Aes(hex(t.k), hex(t.r), hex(t.nonce), hex(t.msg)).toString('hex'), t.mac);
        const u = v.poly1305_aes.unclamped_r_example;
        assert.equal(poly1305Aes(hex(u.k), hex(u.r_as_stored), hex(u.nonce), hex(u.msg)).toString('hex'), u.mac);
        assert.equal(poly1305Aes(hex(u.k), hex(u.r_clamped), hex(u.nonce), hex(u.msg)).toString('hex'), u.mac);
      } finally {
        setNativeCrypto(old);
      }
    });

    test('decrypts restic test values, rejects tampering and truncation', () => {
      const old = setNativeCrypto(native);
      try {
        for (const t of v.decrypt_vectors) {
          const k = key({ encrypt: t.encrypt_key, mac_k: t.mac_k, mac_r: t.mac_r });
          assert.equal(open(k, hex(t.data)).toString('utf8'), t.plaintext_utf8);
          const bad = hex(t.data);
          bad[20] = bad[20]! ^ 1;
          assert.throws(() => open(k, bad), IntegrityError);
          assert.throws(() => open(k, hex(t.data).subarray(0, 31)), IntegrityError);
          const zeroIv = hex(t.data);
          zeroIv.fill(0, 0, 16);
          assert.throws(() => open(k, zeroIv), IntegrityError);
        }
      } finally {
        setNativeCrypto(old);
      }
    });

    test('seal/open round trip, and both implementations interoperate', () => {
      const k = generateKey();
      for (const size of [0, 1, 15, 16, 17, 1000, 1 << 20]) {
        const data = Buffer.alloc(size, 7);
        setNativeCrypto(native);
        const sealed = seal(k, data);
        assert.equal(sealed.length, size + 32);
        setNativeCrypto(!native);
        assert.ok(open(k, sealed).equals(data));
        setNativeCrypto(true);
      }
    });
  });
}

test('key files from restic test repositories open with the password', async () => {
  for (const t of v.kdf_vectors) {
    const doc = decodeKeyFile(Buffer.from(t.key_file_json));
    assert.equal(doc.N, t.scrypt.N);
    const userKey = await deriveUserKey(t.password, { N: doc.N, r: doc.r, p: doc.p, salt: doc.salt });
    assert.deepEqual(userKey, key(t.user_key));
    const master = decodeMasterKey(open(userKey, doc.data));
    assert.deepEqual({ encrypt: master.encrypt, macK: master.macK, macR: master.macR }, key(t.master_key));
    assert.equal(open(key(t.master_key), hex(t.config_file)).toString('utf8'), t.config_plaintext);
    await assert.rejects(deriveUserKey(t.password, { N: 3, r: 1, p: 1, salt: doc.salt }), /power of two/);
  }
});
