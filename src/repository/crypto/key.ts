/**
 * Crypto keys (spec 3.1): the master key and a password-derived user key share this shape.
 */
import { randomFillSync } from 'node:crypto';
import { FormatError } from '../../core/index.js';

/** An AES-256 key for CTR mode and the two Poly1305-AES parts. `macR` is stored as generated (unclamped). */
export interface CryptoKey {
  /** 32 bytes: AES-256-CTR key. */
  encrypt: Buffer;
  /** 16 bytes: AES-128 key that turns each IV into the Poly1305 `s`. */
  macK: Buffer;
  /** 16 bytes: Poly1305 `r` (clamped when used, never when stored). */
  macR: Buffer;
}

function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** Fills `bytes` from the CSPRNG until it is not all zero (restic refuses all-zero key parts and IVs). */
export function randomNonZero(bytes: Uint8Array): void {
  do randomFillSync(bytes);
  while (isAllZero(bytes));
}

/** A fresh random key from the CSPRNG; no part is all zero. */
export function generateKey(): CryptoKey {
  const key: CryptoKey = { encrypt: Buffer.alloc(32), macK: Buffer.alloc(16), macR: Buffer.alloc(16) };
  randomNonZero(key.encrypt);
  randomNonZero(key.macK);
  randomNonZero(key.macR);
  return key;
}

/** Throws FormatError unless the parts are 32/16/16 bytes and none is all zero (restic's rule). */
export function validateKey(key: CryptoKey): void {
  const parts = [
    ['encrypt', key.encrypt, 32],
    ['mac.k', key.macK, 16],
    ['mac.r', key.macR, 16],
  ] as const;
  for (const [name, part, length] of parts) {
    if (!(part instanceof Uint8Array) || part.length !== length) {
      throw new FormatError(`invalid key: ${name} must be ${length} bytes, got ${part instanceof Uint8Array ? part.length : typeof part}`);
    }
    if (isAllZero(part)) throw new FormatError(`invalid key: ${name} is all zero`);
  }
}
