/**
 * restic's authenticated encryption (spec 3.2): IV ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES.
 * The MAC covers the ciphertext only; the IV enters through s = AES-128(macK, IV). The MAC is
 * verified (constant time) before anything is decrypted.
 *
 * The native addon does the whole operation into caller-owned buffers; a node:crypto +
 * @noble/ciphers implementation is the fallback and the cross-check in tests.
 */
import { createCipheriv, randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305';
import { FormatError, IntegrityError } from '../../core/index.js';
import { nativeAvailable, openInto as nativeOpenInto, sealInto as nativeSealInto } from '../../native/index.js';

export interface CryptoKey {
  encrypt: Buffer;
  macK: Buffer;
  macR: Buffer;
}

export const CIPHERTEXT_OVERHEAD = 32;
const ZERO16 = Buffer.alloc(16);
const ZERO32 = Buffer.alloc(32);

let useNative = nativeAvailable();

/** For tests: force the pure-JS path (false) or the native path (true). Returns the old setting. */
export function setNativeCrypto(enabled: boolean): boolean {
  const old = useNative;
  useNative = enabled && nativeAvailable();
  return old;
}

export function generateKey(): CryptoKey {
  const key = { encrypt: randomBytes(32), macK: randomBytes(16), macR: randomBytes(16) };
  validateKey(key);
  return key;
}

export function validateKey(key: CryptoKey): void {
  if (key.encrypt.length !== 32 || key.macK.length !== 16 || key.macR.length !== 16) throw new FormatError('invalid key: wrong part lengths');
  if (key.encrypt.equals(ZERO32) || key.macK.equals(ZERO16) || key.macR.equals(ZERO16)) throw new FormatError('invalid key: a part is all zero');
}

/** Poly1305-AES tag of `msg` (pure JS path; the native path computes it inside sealInto/openInto). */
export function poly1305Aes(macK: Uint8Array, macR: Uint8Array, nonce: Uint8Array, msg: Uint8Array): Buffer {
  const ecb = createCipheriv('aes-128-ecb', macK, null);
  ecb.setAutoPadding(false);
  const s = ecb.update(nonce);
  return Buffer.from(noblePoly1305(msg, Buffer.concat([macR, s])));
}

function ctr(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv('aes-256-ctr', key.encrypt, iv);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Encrypts into `out` at `outOffset`; returns plaintext length + 32. */
export function sealInto(key: CryptoKey, plaintext: Uint8Array, out: Buffer, outOffset: number): number {
  if (useNative) return nativeSealInto(key.encrypt, key.macK, key.macR, plaintext, out, outOffset);
  const iv = out.subarray(outOffset, outOffset + 16);
  do randomFillSync(iv);
  while (iv.equals(ZERO16));
  const ct = ctr(key, iv, plaintext);
  ct.copy(out, outOffset + 16);
  poly1305Aes(key.macK, key.macR, iv, ct).copy(out, outOffset + 16 + ct.length);
  return plaintext.length + CIPHERTEXT_OVERHEAD;
}

export function seal(key: CryptoKey, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + CIPHERTEXT_OVERHEAD);
  sealInto(key, plaintext, out, 0);
  return out;
}

const VERIFY_FAILED = 'ciphertext verification failed';

/** Verifies and decrypts into `out` at `outOffset`; returns the plaintext length. */
export function openInto(key: CryptoKey, data: Uint8Array, out: Buffer, outOffset: number): number {
  if (data.length < CIPHERTEXT_OVERHEAD) throw new IntegrityError(`${VERIFY_FAILED}: ${data.length} bytes is shorter than IV and MAC`);
  if (useNative) {
    const n = nativeOpenInto(key.encrypt, key.macK, key.macR, data, out, outOffset);
    if (n < 0) throw new IntegrityError(VERIFY_FAILED);
    return n;
  }
  const iv = data.subarray(0, 16);
  if (Buffer.from(iv).equals(ZERO16)) throw new IntegrityError(`${VERIFY_FAILED}: all-zero IV`);
  const ct = data.subarray(16, data.length - 16);
  const mac = data.subarray(data.length - 16);
  if (!timingSafeEqual(poly1305Aes(key.macK, key.macR, iv, ct), mac)) throw new IntegrityError(VERIFY_FAILED);
  return ctr(key, iv, ct).copy(out, outOffset);
}

export function open(key: CryptoKey, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.max(0, data.length - CIPHERTEXT_OVERHEAD));
  const n = openInto(key, data, out, 0);
  return out.subarray(0, n);
}
