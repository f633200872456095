/** Typed access to test/vectors/crypto.json for the tests of this folder (test-only). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vectorsDir } from '../../../../test/helpers/paths.js';
import type { CryptoKey } from '../key.js';

export interface HexKey {
  encrypt: string;
  mac_k: string;
  mac_r: string;
}

export interface CryptoVectors {
  poly1305_aes: {
    vectors: { msg: string; r: string; k: string; nonce: string; mac: string }[];
    unclamped_r_example: { msg: string; r_as_stored: string; r_clamped: string; k: string; nonce: string; mac: string };
  };
  decrypt_vectors: (HexKey & { encrypt_key: string; data: string; iv: string; mac: string; plaintext_utf8: string })[];
  kdf_vectors: {
    password: string;
    key_file_name: string;
    key_file_json: string;
    scrypt: { N: number; r: number; p: number; salt_base64: string; dklen: number; output: string };
    user_key: HexKey;
    decrypted_master_key_json: string;
    master_key: HexKey;
    config_file: string;
    config_plaintext: string;
  }[];
}

export function loadCryptoVectors(): CryptoVectors {
  return JSON.parse(readFileSync(join(vectorsDir, 'crypto.json'), 'utf8')) as CryptoVectors;
}

export const hex = (s: string): Buffer => Buffer.from(s, 'hex');

export function keyFromHex(k: HexKey): CryptoKey {
  return { encrypt: hex(k.encrypt), macK: hex(k.mac_k), macR: hex(k.mac_r) };
}
