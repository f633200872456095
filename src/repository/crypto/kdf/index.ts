/**
 * Password → user key with scrypt (spec 3.3): scrypt(password UTF-8, salt, N, r, p, 64 bytes);
 * bytes 0..31 encrypt, 32..47 mac.k, 48..63 mac.r. Parameter rules are restic's (simple-scrypt).
 * The native addon derives it (native/scrypt.c: its table on huge pages, which saves ≈ 80 ms of
 * page faults per derivation); Node's scrypt otherwise, and for parameters the addon declines.
 * Node's refuses anything above 32 MiB unless `maxmem` is raised, which restic-strength parameters
 * need. Both run on the thread pool, so the event loop stays free.
 * Its own folder with few imports: a command that opens a local repository loads this module
 * first, before everything else, to start the derivation (cli/early-key.ts).
 */
import { createHash, randomBytes, scrypt } from 'node:crypto';
import { FormatError, LifeboatError } from '../../../core/index.js';
import { scrypt as nativeScrypt } from '../../../native/index.js';
import { nativeCryptoEnabled } from '../implementation.js';
import type { CryptoKey } from '../key.js';

/** scrypt parameters as stored in a key file (`N`, `r`, `p`, `salt`). */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
  /** 64 bytes. */
  salt: Buffer;
}

export const KDF_SALT_LENGTH = 64;
const KEY_LENGTH = 64;

/** Throws FormatError unless N > 1 is a power of two, r ≥ 1, p ≥ 1, r·p < 2^30 and the salt is 64 bytes. */
export function validateKdfParams(params: KdfParams): void {
  const { N, r, p, salt } = params;
  if (!Number.isSafeInteger(N) || N <= 1 || (BigInt(N) & BigInt(N - 1)) !== 0n) {
    throw new FormatError(`invalid scrypt parameter N=${N}: must be a power of two above 1`);
  }
  if (!Number.isSafeInteger(r) || r < 1) throw new FormatError(`invalid scrypt parameter r=${r}: must be at least 1`);
  if (!Number.isSafeInteger(p) || p < 1) throw new FormatError(`invalid scrypt parameter p=${p}: must be at least 1`);
  if (r * p >= 2 ** 30) throw new FormatError(`invalid scrypt parameters r=${r} p=${p}: r·p must be below 2^30`);
  if (!(salt instanceof Uint8Array) || salt.length !== KDF_SALT_LENGTH) {
    throw new FormatError(`invalid key salt: ${salt instanceof Uint8Array ? salt.length : typeof salt} bytes instead of ${KDF_SALT_LENGTH}`);
  }
}

/** Parameters for a new key: N=32768, r=8, p=1 (restic's strength, ~32 MiB) and a fresh 64-byte salt. */
export function defaultKdfParams(): KdfParams {
  return { N: 32768, r: 8, p: 1, salt: randomBytes(KDF_SALT_LENGTH) };
}

/**
 * Derives the user key from a password (a string is encoded as UTF-8). Validates the parameters
 * first (FormatError). Does not check the key parts for all-zero: that is the caller's business
 * when the key is used to open the master key.
 */
export async function deriveUserKey(password: string | Uint8Array, params: KdfParams): Promise<CryptoKey> {
  validateKdfParams(params);
  const secret = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  asked = true;
  if (started && started.inputs === derivationKey(secret, params)) {
    const early = started.derivation;
    started = undefined;
    return early;
  }
  return derive(secret, params);
}

/**
 * The derivation started before anyone asked (startUserKeyDerivation), with a hash of its inputs:
 * the program starts the one it expects while its modules load, on the thread pool (≈ 0.16 s of
 * scrypt beside ≈ 0.3 s of loading), and deriveUserKey takes it when the inputs are the same.
 */
let started: { inputs: string; derivation: Promise<CryptoKey> } | undefined;
/** Once a key was asked for, nothing more is started: it would only run beside the one that is needed. */
let asked = false;

function derivationKey(secret: Uint8Array, { N, r, p, salt }: KdfParams): string {
  return createHash('sha256').update(`${N}:${r}:${p}:`).update(salt).update(secret).digest('hex');
}

/** Starts deriving a user key that deriveUserKey will be asked for with the same inputs (one at a time). */
export function startUserKeyDerivation(password: string, params: KdfParams): void {
  validateKdfParams(params);
  if (asked || started) return;
  const secret = Buffer.from(password, 'utf8');
  const derivation = derive(secret, params);
  derivation.catch(() => undefined); // whoever takes it sees the failure; unused, it is dropped
  started = { inputs: derivationKey(secret, params), derivation };
}

/** Derivations started and not taken yet, 0 or 1 (tests). */
export function startedUserKeyDerivations(): number {
  return started ? 1 : 0;
}

async function derive(secret: Uint8Array, params: KdfParams): Promise<CryptoKey> {
  const derived = (nativeCryptoEnabled() ? await nativeScrypt(secret, params.salt, params.N, params.r, params.p, KEY_LENGTH) : undefined) ?? (await nodeScrypt(secret, params));
  return { encrypt: derived.subarray(0, 32), macK: derived.subarray(32, 48), macR: derived.subarray(48, 64) };
}

function nodeScrypt(secret: Uint8Array, { N, r, p, salt }: KdfParams): Promise<Buffer> {
  // Node's own bound is about 128·N·r; this leaves room for p and the bookkeeping.
  const maxmem = 128 * N * r * (p + 2) + 16 * 1024 * 1024;
  return new Promise<Buffer>((resolve, reject) => {
    const fail = (err: Error): void => {
      reject(new LifeboatError('E_UNSUPPORTED', `scrypt (N=${N}, r=${r}, p=${p}) failed: ${err.message}`, { cause: err }));
    };
    try {
      scrypt(secret, salt, KEY_LENGTH, { N, r, p, maxmem }, (err, key) => (err ? fail(err) : resolve(key)));
    } catch (err) {
      fail(err as Error); // parameters Node refuses synchronously (e.g. N above 2^32)
    }
  });
}
