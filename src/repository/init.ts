/**
 * Creating a repository (restic init): structure, a master key wrapped by the first key file,
 * then the config with a fresh repository ID and a random irreducible chunker polynomial.
 * The config is written last: a repository without one does not exist yet, so an interrupted
 * init can simply be run again. A failed init removes what it made (the key file, the
 * directories `create` made) and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { type Backend, handle } from '../backend/index.js';
import { type Id, LifeboatError, NotFoundError } from '../core/index.js';
import { formatPolynomial, randomPolynomial } from './chunker/index.js';
import { generateKey, seal } from './crypto/index.js';
import { type NewKeyOptions, addKey, assertUsablePassword } from './keys.js';
import { type RepoConfig, encodeConfig } from './model/index.js';
import { Repository } from './repository.js';

export interface InitOptions extends NewKeyOptions {
  password: string;
  /** Repository format version: 2 (default, compression) or 1. */
  version?: 1 | 2;
  /** Chunker polynomial to use (copy/dedup with another repository); random by default. */
  chunkerPolynomial?: string;
}

export async function initRepository(backend: Backend, options: InitOptions): Promise<Repository> {
  const version = options.version ?? 2;
  if (version !== 1 && version !== 2) {
    throw new LifeboatError('E_USAGE', `repository version ${String(version)} is not supported`, { hint: 'use 1 or 2' });
  }
  assertUsablePassword(options.password);
  try {
    await backend.stat(handle('config'), { signal: options.signal });
    throw new LifeboatError('E_REPO_EXISTS', `a repository already exists at ${backend.location}`, {
      hint: 'use it, or choose another location for a new one',
    });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  await backend.create({ signal: options.signal });
  const master = generateKey();
  let keyId: Id | undefined;
  try {
    keyId = await addKey(backend, master, options.password, options);
    const config: RepoConfig = {
      version,
      id: randomBytes(32).toString('hex') as RepoConfig['id'],
      chunkerPolynomial: options.chunkerPolynomial ?? formatPolynomial(randomPolynomial()),
    };
    await backend.save(handle('config'), seal(master, encodeConfig(config)), { signal: options.signal });
    return Repository.fromParts(backend, master, config, keyId);
  } catch (err) {
    // a full disk, a refused write: leave nothing behind of what this init made
    if (keyId) await backend.remove(handle('keys', keyId)).catch(() => undefined);
    await backend.undoCreate?.().catch(() => undefined);
    throw err;
  }
}
