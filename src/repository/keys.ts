/**
 * Key files (spec 3.3): each wraps the master key with a password-derived key (scrypt).
 * Opening tries the key files in turn (at most 20, a hinted one first) until one decrypts; a key
 * file that cannot be read or decoded (empty, truncated, not JSON, bad KDF parameters) is named
 * in a warning and skipped, so one broken file beside a valid key does not lock users out.
 */
import { hostname as osHostname, userInfo } from 'node:os';
import { type Backend, handle } from '../backend/index.js';
import { type Id, IntegrityError, LifeboatError, WrongPasswordError, sha256Id } from '../core/index.js';
import { type CryptoKey, type KdfParams, defaultKdfParams, deriveUserKey, open as openSealed, seal } from './crypto/index.js';
import { decodeKeyFile, decodeMasterKey, encodeKeyFile, encodeMasterKey, formatGoTime, goTimeFromNs } from './model/index.js';

/** restic tries at most this many key files before giving up. */
const MAX_KEYS_TRIED = 20;

export interface UnlockOptions {
  password: string;
  keyHint?: string;
  signal?: AbortSignal;
  /** Told about each key file that was skipped because it is unusable. */
  onWarning?: (message: string) => void;
}

/** Errors that make one key file unusable without saying anything about the others. */
function isUnusableKeyFile(err: unknown): err is LifeboatError {
  return err instanceof LifeboatError && (err.code === 'E_FORMAT' || err.code === 'E_NOT_FOUND' || err.code === 'E_UNSUPPORTED' || err.code === 'E_INTEGRITY');
}

export async function unlockMasterKey(backend: Backend, options: UnlockOptions): Promise<{ key: CryptoKey; keyId: Id }> {
  const names: string[] = [];
  for await (const f of backend.list('keys', { signal: options.signal })) names.push(f.name);
  if (names.length === 0) {
    throw new LifeboatError('E_FORMAT', `no key files in ${backend.location}/keys`, {
      hint: "the repository was not initialised completely, or is in restic's old s3legacy layout (key/, snapshot/ instead of keys/, snapshots/), which Lifeboat reads only from a local directory: copy it to one (restic copy, or a plain file copy) and use that",
    });
  }
  if (options.keyHint) {
    const i = names.findIndex((n) => n.startsWith(options.keyHint!));
    if (i > 0) names.unshift(...names.splice(i, 1));
  }
  const unusable: string[] = [];
  for (const name of names.slice(0, MAX_KEYS_TRIED)) {
    let userKey: CryptoKey;
    let doc: ReturnType<typeof decodeKeyFile>;
    try {
      doc = decodeKeyFile(await backend.load(handle('keys', name), 0, 0, { signal: options.signal }));
      userKey = await deriveUserKey(options.password, { N: doc.N, r: doc.r, p: doc.p, salt: doc.salt });
    } catch (err) {
      if (!isUnusableKeyFile(err)) throw err;
      unusable.push(name);
      options.onWarning?.(`key file keys/${name} is unusable and was skipped: ${err.message}`);
      continue;
    }
    let plain: Buffer;
    try {
      plain = openSealed(userKey, doc.data);
    } catch (err) {
      if (err instanceof IntegrityError) continue;
      throw err;
    }
    try {
      const mk = decodeMasterKey(plain);
      return { key: { encrypt: mk.encrypt, macK: mk.macK, macR: mk.macR }, keyId: name as Id };
    } catch (err) {
      if (!isUnusableKeyFile(err)) throw err;
      unusable.push(name);
      options.onWarning?.(`key file keys/${name} opens with this password but holds no valid master key: ${err.message}`);
    }
  }
  if (unusable.length === names.length) {
    throw new LifeboatError('E_FORMAT', `no usable key file in ${backend.location}/keys (unusable: ${unusable.map((n) => `keys/${n}`).join(', ')})`, {
      hint: 'the key files are damaged; restore them from a copy of the repository',
    });
  }
  throw new WrongPasswordError(`wrong password or no key found for ${backend.location}${unusable.length ? ` (skipped unusable key files: ${unusable.map((n) => `keys/${n}`).join(', ')})` : ''}`);
}

export interface NewKeyOptions {
  /** scrypt parameters; restic-strength defaults. Tests pass cheap ones. */
  kdf?: KdfParams;
  username?: string;
  hostname?: string;
  signal?: AbortSignal;
}

/**
 * Refuses a password that is empty or only white space (restic's rule): it would protect the
 * repository with nothing. Checked before anything is written.
 */
export function assertUsablePassword(password: string): void {
  if (password.trim() === '') {
    throw new LifeboatError('E_NO_PASSWORD', 'an empty password is not a password', {
      hint: 'give a non-empty password (--password-file, --password-command or LIFEBOAT_PASSWORD)',
    });
  }
}

/** Writes a key file wrapping `master` with `password`; returns its ID. */
export async function addKey(backend: Backend, master: CryptoKey, password: string, options: NewKeyOptions = {}): Promise<Id> {
  assertUsablePassword(password);
  const kdf = options.kdf ?? defaultKdfParams();
  const userKey = await deriveUserKey(password, kdf);
  const json = encodeKeyFile({
    created: formatGoTime(goTimeFromNs(BigInt(Date.now()) * 1_000_000n)),
    username: options.username ?? safeUsername(),
    hostname: options.hostname ?? osHostname(),
    kdf: 'scrypt',
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    salt: kdf.salt,
    data: seal(userKey, encodeMasterKey({ encrypt: master.encrypt, macK: master.macK, macR: master.macR })),
  });
  const id = sha256Id(json);
  await backend.save(handle('keys', id), json, { signal: options.signal });
  return id;
}

export function safeUsername(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
