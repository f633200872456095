/**
 * Starts deriving the key of a local repository while the program's modules load (see
 * cli/early-key.ts): the location and the password resolved as openRepository resolves them, the
 * repository's only key file read from <repository>/keys. Anything else (a remote store, a
 * password command, which must run once, several key files, a file that does not parse) starts
 * nothing, and openRepository derives the key as always; so does a derivation whose inputs turn
 * out different (crypto/kdf matches them exactly). Never throws, prints nothing.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isId } from '../../core/index.js';
// the kdf and the key-file parser alone: this module is loaded before everything else
import { startUserKeyDerivation } from '../../repository/crypto/kdf/index.js';
import { decodeKeyFile } from '../../repository/model/documents.js';
import { type Env, type RepositoryFlags, passwordSource, resolvePassword, resolveRepositoryLocation } from './credentials.js';

export async function prefetchRepositoryKey(flags: RepositoryFlags, env: Env): Promise<void> {
  try {
    if (passwordSource(flags, env).command) return;
    const location = resolveRepositoryLocation(flags, env);
    const dir = location.startsWith('local:') ? location.slice('local:'.length) : location;
    // sftp:, s3:, rest:, rclone:, … (a looser test than backend/location's parseLocation, which
    // would load the backend modules first: the key file was read 24–53 ms later under strace)
    if (/^[a-z][a-z0-9+.-]*:/i.test(dir)) return;
    const names = (await readdir(join(dir, 'keys'))).filter(isId);
    if (names.length !== 1) return;
    const { N, r, p, salt } = decodeKeyFile(await readFile(join(dir, 'keys', names[0]!)));
    const password = await resolvePassword(flags, env);
    if (!password) return;
    startUserKeyDerivation(password, { N, r, p, salt });
  } catch {
    // openRepository resolves and reports all of this again
  }
}
