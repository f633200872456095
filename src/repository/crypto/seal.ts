/**
 * restic's authenticated encryption (spec 3.2): IV ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES.
 *
 *   seal(key, p):  iv ← CSPRNG (never all zero); c ← AES-256-CTR(key.encrypt, iv, p)
 *                  tag ← Poly1305-AES(key.macK, key.macR, nonce = iv, message = c)   (IV not MACed)
 *                  → iv ‖ c ‖ tag
 *   open(key, d):  refuse d shorter than 32 bytes or with an all-zero IV; recompute the tag over c
 *                  and compare in constant time BEFORE decrypting; mismatch →
 *                  IntegrityError('ciphertext verification failed') (also the wrong-password signal).
 *
 * The native addon does the whole operation in one call, into the caller's buffer (~2 GB/s for
 * 1 MiB blobs). The fallback uses node:crypto, whose Cipher.update always returns a fresh buffer:
 * it goes through 16 KiB slices, copied into place, so no large temporary is allocated per blob
 * (see "first-touch page faults" in the benchmark README). Measured for 1 MiB: 16 KiB slices
 * were the steadiest (2.0–2.7 GB/s); 64 KiB swung between 0.4 and 4 GB/s with page faults; one
 * whole-blob update depends on malloc's mmap threshold. Its real limit is @noble/ciphers'
 * Poly1305 (~250 MB/s).
 */
import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { IntegrityError } from '../../core/index.js';
import { openInto as nativeOpenInto, sealInto as nativeSealInto } from '../../native/index.js';
import { nativeCryptoEnabled } from './implementation.js';
import { type CryptoKey, randomNonZero } from './key.js';
import { poly1305Aes } from './poly1305-aes.js';

/** Bytes of the IV that opens every sealed object. */
export const IV_LENGTH = 16;
/** Bytes of the Poly1305-AES MAC that closes every sealed object. */
const MAC_LENGTH = 16;
/** Encrypted length = plaintext length + 32 (IV and MAC). */
export const CIPHERTEXT_OVERHEAD = IV_LENGTH + MAC_LENGTH;
const SLICE = 16 * 1024;
const VERIFY_FAILED = 'ciphertext verification failed';

/** True when the two views share memory without starting at the same byte. */
function overlapsPartially(a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  return a.byteOffset !== b.byteOffset && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/** AES-256-CTR of `input` into `out` at `outOffset`, slice by slice (in place allowed). */
function ctrInto(encrypt: Uint8Array, iv: Uint8Array, input: Uint8Array, out: Buffer, outOffset: number): void {
  const cipher = createCipheriv('aes-256-ctr', encrypt, iv);
  for (let pos = 0; pos < input.length; pos += SLICE) {
    const chunk = cipher.update(input.subarray(pos, pos + SLICE));
    out.set(chunk, outOffset + pos);
  }
  cipher.final();
}

function checkRange(out: Uint8Array, outOffset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(outOffset) || outOffset < 0 || outOffset + length > out.length) {
    throw new RangeError(`${what}: ${length} bytes do not fit into the output at offset ${outOffset} (output ${out.length} bytes)`);
  }
}

/**
 * Encrypts `plaintext` into `out` at `outOffset` (IV ‖ ciphertext ‖ MAC) and returns the bytes
 * written, plaintext length + 32. Allocates no output. The plaintext may sit exactly where the
 * ciphertext goes (`outOffset + 16`), but must not partially overlap it.
 */
export function sealInto(key: CryptoKey, plaintext: Uint8Array, out: Buffer, outOffset: number): number {
  if (nativeCryptoEnabled()) return nativeSealInto(key.encrypt, key.macK, key.macR, plaintext, out, outOffset);
  const iv = Buffer.allocUnsafe(IV_LENGTH);
  randomNonZero(iv);
  return sealIntoWithIv(key, plaintext, out, outOffset, iv);
}

/**
 * `sealInto` with a given IV instead of a random one. Only for tests that compare two writers
 * byte for byte: an IV must never be used twice with a key.
 */
export function sealIntoWithIv(key: CryptoKey, plaintext: Uint8Array, out: Buffer, outOffset: number, iv: Uint8Array): number {
  const total = plaintext.length + CIPHERTEXT_OVERHEAD;
  if (iv.length !== IV_LENGTH || iv.every((b) => b === 0)) throw new RangeError(`sealIntoWithIv: the IV must be ${IV_LENGTH} bytes, not all zero`);
  checkRange(out, outOffset, total, 'sealInto');
  const ctStart = outOffset + IV_LENGTH;
  const ciphertext = out.subarray(ctStart, ctStart + plaintext.length);
  if (overlapsPartially(plaintext, ciphertext)) throw new RangeError('sealInto: the plaintext partially overlaps the output');
  ctrInto(key.encrypt, iv, plaintext, out, ctStart);
  const mac = poly1305Aes(key.macK, key.macR, iv, ciphertext);
  out.set(mac, ctStart + plaintext.length);
  out.set(iv, outOffset);
  return total;
}

/** Encrypts into a new buffer: IV ‖ ciphertext ‖ MAC. */
export function seal(key: CryptoKey, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + CIPHERTEXT_OVERHEAD);
  sealInto(key, plaintext, out, 0);
  return out;
}

function isZeroIv(data: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < IV_LENGTH; i++) acc |= data[i]!;
  return acc === 0;
}

/**
 * Verifies the MAC in constant time, then decrypts into `out` at `outOffset`; returns the
 * plaintext length (data length − 32). Throws IntegrityError('ciphertext verification failed')
 * when the data is shorter than 32 bytes, has an all-zero IV or fails the MAC; nothing is written
 * then. `out` may overlap `data`.
 */
export function openInto(key: CryptoKey, data: Uint8Array, out: Buffer, outOffset: number): number {
  if (data.length < CIPHERTEXT_OVERHEAD) {
    throw new IntegrityError(`${VERIFY_FAILED}: ${data.length} bytes is shorter than IV and MAC`);
  }
  const plainLength = data.length - CIPHERTEXT_OVERHEAD;
  if (nativeCryptoEnabled()) {
    const n = nativeOpenInto(key.encrypt, key.macK, key.macR, data, out, outOffset);
    if (n < 0) throw new IntegrityError(isZeroIv(data) ? `${VERIFY_FAILED}: all-zero IV` : VERIFY_FAILED);
    return n;
  }
  checkRange(out, outOffset, plainLength, 'openInto');
  if (isZeroIv(data)) throw new IntegrityError(`${VERIFY_FAILED}: all-zero IV`);
  const iv = Buffer.from(data.subarray(0, IV_LENGTH)); // copied: `out` may overwrite it
  const ciphertext = data.subarray(IV_LENGTH, IV_LENGTH + plainLength);
  const mac = data.subarray(IV_LENGTH + plainLength);
  if (!timingSafeEqual(poly1305Aes(key.macK, key.macR, iv, ciphertext), mac)) throw new IntegrityError(VERIFY_FAILED);
  const target = out.subarray(outOffset, outOffset + plainLength);
  if (overlapsPartially(ciphertext, target)) {
    out.set(ciphertext, outOffset); // memmove, then decrypt in place
    ctrInto(key.encrypt, iv, target, out, outOffset);
  } else {
    ctrInto(key.encrypt, iv, ciphertext, out, outOffset);
  }
  return plainLength;
}

/** Verifies and decrypts into a new buffer; see openInto. */
export function open(key: CryptoKey, data: Uint8Array): Buffer {
  if (data.length < CIPHERTEXT_OVERHEAD) {
    throw new IntegrityError(`${VERIFY_FAILED}: ${data.length} bytes is shorter than IV and MAC`);
  }
  const out = Buffer.allocUnsafe(data.length - CIPHERTEXT_OVERHEAD);
  openInto(key, data, out, 0);
  return out;
}
