/**
 * A repository for unit tests: memory backend (or a local one in `dir`), cheap scrypt parameters,
 * fixed chunker polynomial (the one restic's own tests use). Never imported by production code.
 */
import { randomBytes } from 'node:crypto';
import { LocalBackend } from '../../backend/local/index.js';
import { MemoryBackend } from '../../backend/memory/index.js';
import { initRepository } from '../init.js';
import type { Repository } from '../repository.js';

export const TEST_POLYNOMIAL = '3da3358b4dc173';

export async function makeTestRepository(options: { version?: 1 | 2; password?: string; dir?: string } = {}): Promise<Repository> {
  return initRepository(options.dir === undefined ? new MemoryBackend() : new LocalBackend(options.dir), {
    password: options.password ?? 'test',
    version: options.version ?? 2,
    chunkerPolynomial: TEST_POLYNOMIAL,
    kdf: { N: 1024, r: 1, p: 1, salt: randomBytes(64) },
    username: 'test',
    hostname: 'test',
  });
}
