/**
 * @module repository/crypto
 * restic's cryptography (spec 3): crypto keys, IV ‖ AES-256-CTR ‖ Poly1305-AES objects (MAC
 * verified before decrypting), and scrypt user keys. The native addon (src/native) does Poly1305
 * and whole seal/open calls when it loads; node:crypto + @noble/ciphers otherwise.
 * Key-file and master-key JSON documents are encoded and parsed by repository/model.
 *
 * May import: native, core (node: builtins and @noble/ciphers otherwise).
 */
export { type CryptoKey, generateKey, validateKey } from './key.js';
export { CIPHERTEXT_OVERHEAD, IV_LENGTH, open, openInto, seal, sealInto, sealIntoWithIv } from './seal.js';
export { poly1305Aes } from './poly1305-aes.js';
export { type KdfParams, KDF_SALT_LENGTH, defaultKdfParams, deriveUserKey, startUserKeyDerivation, startedUserKeyDerivations, validateKdfParams } from './kdf/index.js';
/** For tests: switch between the native addon and the pure-JS implementation. */
export { nativeCryptoEnabled, setNativeCrypto } from './implementation.js';
