/** Use-cases: manage the repository's key files (passwords). */
import { readFile } from 'node:fs/promises';
import { type Id, LifeboatError } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { decodeKeyFile } from '../repository/model/index.js';

export interface KeyInfo {
  id: Id;
  current: boolean;
  created: string;
  username: string;
  hostname: string;
}

export async function listKeys(repo: Repository, signal?: AbortSignal): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for await (const id of repo.listIds('keys', signal)) {
    const doc = decodeKeyFile(await repo.loadRawFile('keys', id, signal));
    out.push({ id, current: id === repo.keyId, created: doc.created, username: doc.username, hostname: doc.hostname });
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
}

/** The new password from --new-password-file, or from a prompt asked twice. */
export async function newPassword(file: string | undefined, prompt?: (q: string) => Promise<string>): Promise<string> {
  if (file) return (await readFile(file, 'utf8')).trim();
  if (!prompt) throw new LifeboatError('E_NO_PASSWORD', 'no new password given and no terminal to ask on', { hint: 'use --new-password-file' });
  const a = await prompt('enter new password: ');
  if ((await prompt('enter new password again: ')) !== a) throw new LifeboatError('E_NO_PASSWORD', 'passwords do not match');
  if (!a) throw new LifeboatError('E_NO_PASSWORD', 'an empty password is not a password');
  return a;
}

export function addRepositoryKey(repo: Repository, password: string, signal?: AbortSignal): Promise<Id> {
  return repo.addKeyFile(password, { signal });
}

/** Removes a key file; the key that opened the repository cannot be removed (restic's rule). */
export async function removeRepositoryKey(repo: Repository, prefix: string, signal?: AbortSignal): Promise<Id> {
  const matches: Id[] = [];
  for await (const id of repo.listIds('keys', signal)) if (id.startsWith(prefix)) matches.push(id);
  if (matches.length !== 1) {
    throw new LifeboatError(matches.length ? 'E_AMBIGUOUS' : 'E_NOT_FOUND', `${matches.length ? 'several keys match' : 'no key matches'} ${prefix}`, { hint: 'see `lifeboat key list`' });
  }
  const id = matches[0]!;
  if (id === repo.keyId) {
    throw new LifeboatError('E_USAGE', `key ${id.slice(0, 8)} is the one in use and cannot be removed`, { hint: 'open the repository with another password to remove it' });
  }
  await repo.removeFile('keys', id, signal);
  return id;
}

/** Replaces the current key by one with a new password (new key first, then the old one removed). */
export async function changePassword(repo: Repository, password: string, signal?: AbortSignal): Promise<Id> {
  const id = await addRepositoryKey(repo, password, signal);
  await repo.removeFile('keys', repo.keyId, signal);
  return id;
}
