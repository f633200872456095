/**
 * IDs: 32-byte SHA-256 values, written as 64 lowercase hex characters (restic's vocabulary:
 * storage IDs name files, blob IDs name blob plaintexts). Hex strings are the currency between
 * modules; bulk structures (the index) keep raw bytes.
 */
import { createHash } from 'node:crypto';

declare const idBrand: unique symbol;
/** 64 lowercase hex characters. */
export type Id = string & { readonly [idBrand]: true };

const ID_PATTERN = /^[0-9a-f]{64}$/;

export function isId(value: string): value is Id {
  return ID_PATTERN.test(value);
}

export function parseId(value: string, what = 'ID'): Id {
  if (!isId(value)) throw new TypeError(`invalid ${what} ${JSON.stringify(value.slice(0, 80))}: want 64 lowercase hex characters`);
  return value;
}

export function idFromBytes(bytes: Uint8Array): Id {
  if (bytes.length !== 32) throw new TypeError(`an ID has 32 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('hex') as Id;
}

export function idToBytes(id: Id): Buffer {
  return Buffer.from(id, 'hex');
}

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256Id(...parts: Uint8Array[]): Id {
  return sha256(...parts).toString('hex') as Id;
}

/** First 8 hex characters, as restic prints short IDs. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
