/**
 * Repository locations, as restic writes them: a path or `local:PATH`, `rest:URL`, `s3:…`,
 * `rclone:REMOTE:PATH`, `sftp:…`. A registry maps each scheme to a backend factory; schemes
 * without an implementation yet fail with a clear error.
 */
import { resolve } from 'node:path';
import { LifeboatError } from '../../core/index.js';
import type { Backend } from '../backend.js';
import { LocalBackend } from '../local/index.js';

export type Scheme = 'local' | 'rest' | 's3' | 'rclone' | 'sftp';

export interface Location {
  scheme: Scheme;
  /** Everything after `scheme:` (for local: an absolute path). */
  rest: string;
}

const SCHEMES: Scheme[] = ['local', 'rest', 's3', 'rclone', 'sftp'];

export function parseLocation(text: string): Location {
  if (!text) throw new LifeboatError('E_USAGE', 'empty repository location');
  const colon = text.indexOf(':');
  const prefix = colon > 0 ? text.slice(0, colon) : '';
  if ((SCHEMES as string[]).includes(prefix)) {
    const rest = text.slice(colon + 1);
    if (!rest) throw new LifeboatError('E_USAGE', `repository location ${JSON.stringify(text)} has nothing after "${prefix}:"`);
    return { scheme: prefix as Scheme, rest: prefix === 'local' ? resolve(rest) : rest };
  }
  return { scheme: 'local', rest: resolve(text) };
}

export type BackendFactory = (location: Location) => Promise<Backend>;

const registry = new Map<Scheme, BackendFactory>();

export function registerScheme(scheme: Scheme, factory: BackendFactory): void {
  registry.set(scheme, factory);
}

registerScheme('local', async (loc) => new LocalBackend(loc.rest));

export async function openBackend(text: string): Promise<Backend> {
  const loc = parseLocation(text);
  const factory = registry.get(loc.scheme);
  if (!factory) {
    throw new LifeboatError('E_UNSUPPORTED', `${loc.scheme}: repositories are not supported yet`, {
      hint: 'use a local directory for now',
    });
  }
  return factory(loc);
}
