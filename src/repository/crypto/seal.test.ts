import assert from 'node:assert/strict';
import { createDecipheriv, randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { IntegrityError } from '../../core/index.js';
import { nativeAvailable } from '../../native/index.js';
import { CIPHERTEXT_OVERHEAD, type CryptoKey, generateKey, nativeCryptoEnabled, open, openInto, poly1305Aes, seal, sealInto, setNativeCrypto } from './index.js';
import { hex, keyFromHex, loadCryptoVectors } from './testing/crypto-vectors.js';

const vectors = loadCryptoVectors();
const initial = nativeCryptoEnabled();
after(() => setNativeCrypto(initial));

test('the native implementation is in use when the addon is built', () => {
  assert.equal(nativeAvailable(), true, 'run `npm ci` or `npm run build:native`');
  assert.equal(initial, true);
});

/** Runs `fn` with the native (true) or pure-JS (false) implementation selected. */
function using<T>(native: boolean, fn: () => T): T {
  const previous = setNativeCrypto(native);
  try {
    assert.equal(nativeCryptoEnabled(), native);
    return fn();
  } finally {
    setNativeCrypto(previous);
  }
}

function flip(data: Buffer, index: number): Buffer {
  const copy = Buffer.from(data);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

const integrity =
  (pattern: RegExp = /^ciphertext verification failed/) =>
  (err: unknown): boolean => {
    assert.ok(err instanceof IntegrityError, `expected IntegrityError, got ${String(err)}`);
    assert.equal(err.code, 'E_INTEGRITY');
    assert.match(err.message, pattern);
    return true;
  };

for (const native of [true, false]) {
  describe(native ? 'native addon' : 'pure JS (node:crypto + @noble/ciphers)', () => {
    test('Poly1305-AES: every vector, and r unclamped or pre-clamped', () => {
      using(native, () => {
        assert.ok(vectors.poly1305_aes.vectors.length >= 4);
        for (const v of vectors.poly1305_aes.vectors) {
          assert.equal(poly1305Aes(hex(v.k), hex(v.r), hex(v.nonce), hex(v.msg)).toString('hex'), v.mac, `msg ${v.msg.slice(0, 16)}…`);
        }
        const u = vectors.poly1305_aes.unclamped_r_example;
        assert.notEqual(u.r_as_stored, u.r_clamped);
        assert.equal(poly1305Aes(hex(u.k), hex(u.r_as_stored), hex(u.nonce), hex(u.msg)).toString('hex'), u.mac);
        assert.equal(poly1305Aes(hex(u.k), hex(u.r_clamped), hex(u.nonce), hex(u.msg)).toString('hex'), u.mac);
      });
    });

    test('decrypts the fixed restic vector; its IV and MAC are where the format says', () => {
      using(native, () => {
        for (const v of vectors.decrypt_vectors) {
          const key = keyFromHex({ encrypt: v.encrypt_key, mac_k: v.mac_k, mac_r: v.mac_r });
          const data = hex(v.data);
          assert.equal(data.subarray(0, 16).toString('hex'), v.iv);
          assert.equal(data.subarray(-16).toString('hex'), v.mac);
          assert.equal(open(key, data).toString('utf8'), v.plaintext_utf8);
          assert.equal(poly1305Aes(key.macK, key.macR, hex(v.iv), data.subarray(16, -16)).toString('hex'), v.mac);
        }
      });
    });

    test('a flipped bit anywhere (IV, ciphertext, MAC) fails verification', () => {
      using(native, () => {
        const v = vectors.decrypt_vectors[0]!;
        const key = keyFromHex({ encrypt: v.encrypt_key, mac_k: v.mac_k, mac_r: v.mac_r });
        const data = hex(v.data);
        for (let i = 0; i < data.length; i++) assert.throws(() => open(key, flip(data, i)), integrity(), `byte ${i}`);
        const wrongKey = { ...key, macR: flip(key.macR, 5) };
        assert.throws(() => open(wrongKey, data), integrity());
      });
    });

    test('truncated input and an all-zero IV fail verification', () => {
      using(native, () => {
        const key = generateKey();
        const sealed = seal(key, Buffer.from('payload'));
        for (const length of [0, 1, 16, 31]) assert.throws(() => open(key, sealed.subarray(0, length)), integrity(), `length ${length}`);
        assert.throws(() => open(key, sealed.subarray(0, sealed.length - 1)), integrity());
        assert.throws(() => open(key, sealed.subarray(1)), integrity());
        // a correctly MACed object under the all-zero IV is still refused
        const body = Buffer.alloc(5, 1);
        const zeroIvObject = Buffer.concat([Buffer.alloc(16), body, poly1305Aes(key.macK, key.macR, Buffer.alloc(16), body)]);
        assert.throws(() => open(key, zeroIvObject), integrity(/all-zero IV/));
        // the empty plaintext: exactly 32 bytes is valid
        const empty = seal(key, Buffer.alloc(0));
        assert.equal(empty.length, CIPHERTEXT_OVERHEAD);
        assert.equal(open(key, empty).length, 0);
      });
    });

    test('seal/open round trips at block and slice boundaries; ciphertext is AES-256-CTR with the IV as counter', () => {
      using(native, () => {
        const key = generateKey();
        for (const size of [0, 1, 15, 16, 17, 4095, 16 * 1024, 16 * 1024 + 1, 64 * 1024 + 17, 1 << 20]) {
          const plaintext = randomBytes(size);
          const sealed = seal(key, plaintext);
          assert.equal(sealed.length, size + CIPHERTEXT_OVERHEAD);
          assert.ok(open(key, sealed).equals(plaintext), `size ${size}`);
          // independent check of the layout with node:crypto
          const decipher = createDecipheriv('aes-256-ctr', key.encrypt, sealed.subarray(0, 16));
          assert.ok(Buffer.concat([decipher.update(sealed.subarray(16, 16 + size)), decipher.final()]).equals(plaintext));
          assert.ok(poly1305Aes(key.macK, key.macR, sealed.subarray(0, 16), sealed.subarray(16, 16 + size)).equals(sealed.subarray(16 + size)));
        }
      });
    });

    test('every seal uses a fresh, non-zero IV', () => {
      using(native, () => {
        const key = generateKey();
        const ivs = new Set<string>();
        for (let i = 0; i < 200; i++) {
          const iv = seal(key, Buffer.from('same')).subarray(0, 16);
          assert.notEqual(iv.toString('hex'), '0'.repeat(32));
          ivs.add(iv.toString('hex'));
        }
        assert.equal(ivs.size, 200);
      });
    });

    test('sealInto/openInto write at an offset, touch nothing else, and work in place', () => {
      using(native, () => {
        const key = generateKey();
        const plaintext = randomBytes(1000);
        const out = Buffer.alloc(7 + plaintext.length + 32 + 5, 0xee);
        assert.equal(sealInto(key, plaintext, out, 7), plaintext.length + 32);
        assert.ok(out.subarray(0, 7).equals(Buffer.alloc(7, 0xee)));
        assert.ok(out.subarray(-5).equals(Buffer.alloc(5, 0xee)));
        const sealed = out.subarray(7, 7 + plaintext.length + 32);
        assert.ok(open(key, sealed).equals(plaintext));

        const plainOut = Buffer.alloc(3 + plaintext.length + 2, 0xdd);
        assert.equal(openInto(key, sealed, plainOut, 3), plaintext.length);
        assert.ok(plainOut.subarray(3, 3 + plaintext.length).equals(plaintext));
        assert.ok(plainOut.subarray(0, 3).equals(Buffer.alloc(3, 0xdd)) && plainOut.subarray(-2).equals(Buffer.alloc(2, 0xdd)));

        // in place: the plaintext already sits where the ciphertext goes
        const buffer = Buffer.alloc(plaintext.length + 32);
        plaintext.copy(buffer, 16);
        sealInto(key, buffer.subarray(16, 16 + plaintext.length), buffer, 0);
        assert.ok(open(key, buffer).equals(plaintext));
        // open in place over the sealed bytes (output starts at the IV: overlaps the ciphertext)
        assert.equal(openInto(key, buffer, buffer, 0), plaintext.length);
        assert.ok(buffer.subarray(0, plaintext.length).equals(plaintext));
        // and at the ciphertext's own position
        const again = seal(key, plaintext);
        assert.equal(openInto(key, again, again, 16), plaintext.length);
        assert.ok(again.subarray(16, 16 + plaintext.length).equals(plaintext));
        // and with the output after the input (forward overlap)
        const fwd = Buffer.alloc(plaintext.length + 32 + 40);
        seal(key, plaintext).copy(fwd, 0);
        assert.equal(openInto(key, fwd.subarray(0, plaintext.length + 32), fwd, 40), plaintext.length);
        assert.ok(fwd.subarray(40, 40 + plaintext.length).equals(plaintext));
      });
    });

    test('a failed open writes nothing; output too small and partial overlap are refused', () => {
      using(native, () => {
        const key = generateKey();
        const sealed = seal(key, Buffer.alloc(100, 3));
        const out = Buffer.alloc(100, 0x55);
        assert.throws(() => openInto(key, flip(sealed, 50), out, 0), integrity());
        assert.ok(out.equals(Buffer.alloc(100, 0x55)));
        assert.throws(() => openInto(key, sealed, Buffer.alloc(99), 0), RangeError);
        assert.throws(() => openInto(key, sealed, Buffer.alloc(100), 1), RangeError);
        assert.throws(() => sealInto(key, Buffer.alloc(10), Buffer.alloc(41), 0), RangeError);
        assert.throws(() => sealInto(key, Buffer.alloc(10), Buffer.alloc(42), 1), RangeError);
        const shared = Buffer.alloc(200);
        assert.throws(() => sealInto(key, shared.subarray(10, 60), shared, 0), RangeError);
      });
    });
  });
}

describe('native and pure-JS implementations agree', () => {
  test('identical Poly1305-AES tags on random inputs', () => {
    // around 1,024 bytes the native side switches from its own accumulator to OpenSSL's Poly1305
    for (const length of [0, 1, 15, 16, 17, 33, 255, 1023, 1024, 1025, 1040, 4097, 100_003]) {
      const [macK, macR, nonce, msg] = [randomBytes(16), randomBytes(16), randomBytes(16), randomBytes(length)];
      const a = using(true, () => poly1305Aes(macK, macR, nonce, msg));
      const b = using(false, () => poly1305Aes(macK, macR, nonce, msg));
      assert.equal(a.toString('hex'), b.toString('hex'), `length ${length}`);
    }
  });

  test('what one seals, the other opens (both directions)', () => {
    const key: CryptoKey = generateKey();
    for (const size of [0, 17, 1023, 1024, 1041, 70_000]) {
      const plaintext = randomBytes(size);
      assert.ok(
        using(false, () =>
          open(
            key,
            using(true, () => seal(key, plaintext)),
          ),
        ).equals(plaintext),
      );
      assert.ok(
        using(true, () =>
          open(
            key,
            using(false, () => seal(key, plaintext)),
          ),
        ).equals(plaintext),
      );
    }
  });
});
