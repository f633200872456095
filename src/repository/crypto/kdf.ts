/**
 * Password → user key with scrypt (spec 3.3), with restic's parameter rules. Node's scrypt needs
 * an explicit `maxmem` for restic-strength parameters.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { FormatError } from '../../core/index.js';
import type { CryptoKey } from './crypto.js';

export interface KdfParams {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
}

export function validateKdfParams(params: KdfParams): void {
  const { N, r, p, salt } = params;
  if (!Number.isInteger(N) || N <= 1 || (N & (N - 1)) !== 0) throw new FormatError(`invalid scrypt N=${N}: must be a power of two above 1`);
  if (!Number.isInteger(r) || r < 1 || !Number.isInteger(p) || p < 1 || r * p >= 2 ** 30) throw new FormatError(`invalid scrypt parameters r=${r} p=${p}`);
  if (salt.length !== 64) throw new FormatError(`invalid key salt: ${salt.length} bytes instead of 64`);
}

/** restic's strength: N=32768, r=8, p=1 (about 32 MiB and well under a second). */
export function defaultKdfParams(): KdfParams {
  return { N: 32768, r: 8, p: 1, salt: randomBytes(64) };
}

export async function deriveUserKey(password: string | Uint8Array, params: KdfParams): Promise<CryptoKey> {
  validateKdfParams(params);
  const maxmem = 128 * params.N * params.r * (params.p + 2) + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(typeof password === 'string' ? Buffer.from(password, 'utf8') : password, params.salt, 64, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => {
      if (err) reject(new FormatError(`scrypt failed: ${err.message}`, { cause: err }));
      else resolve({ encrypt: key.subarray(0, 32), macK: key.subarray(32, 48), macR: key.subarray(48, 64) });
    });
  });
}
