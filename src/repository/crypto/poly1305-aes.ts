/**
 * Poly1305-AES (spec 3.2): s = AES-128-ECB(macK, nonce), then one-time Poly1305 with the key
 * r ‖ s, where r = macR clamped by Poly1305 itself.
 */
import { createCipheriv } from 'node:crypto';
import { poly1305 as poly1305Js } from '@noble/ciphers/_poly1305';
import { poly1305 as poly1305Native } from '../../native/index.js';
import { nativeCryptoEnabled } from './implementation.js';

/** The 32-byte one-time Poly1305 key r ‖ AES-128(macK, nonce). */
export function poly1305Key(macK: Uint8Array, macR: Uint8Array, nonce: Uint8Array): Buffer {
  const ecb = createCipheriv('aes-128-ecb', macK, null);
  ecb.setAutoPadding(false);
  const s = ecb.update(nonce);
  if (s.length !== 16) throw new RangeError('poly1305Aes: the nonce must be 16 bytes');
  return Buffer.concat([macR, s], 32);
}

/** The 16-byte Poly1305-AES tag of `msg` (native Poly1305 when available, @noble/ciphers otherwise). */
export function poly1305Aes(macK: Uint8Array, macR: Uint8Array, nonce: Uint8Array, msg: Uint8Array): Buffer {
  if (macR.length !== 16) throw new RangeError('poly1305Aes: macR must be 16 bytes');
  const key = poly1305Key(macK, macR, nonce);
  if (nativeCryptoEnabled()) {
    const tag = Buffer.allocUnsafe(16);
    poly1305Native(key, msg, tag);
    return tag;
  }
  const tag = poly1305Js(msg, key);
  return Buffer.from(tag.buffer, tag.byteOffset, tag.byteLength);
}
