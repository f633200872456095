/**
 * @module repository/crypto
 * restic's cryptography: AES-256-CTR + Poly1305-AES objects, scrypt key derivation.
 * May import: native, core.
 */
export * from './crypto.js';
export * from './kdf.js';
