/** Argument checks and messages every remote backend shares with the local one. */
import { BackendError } from '../../core/index.js';
import type { Handle } from '../index.js';

/** The "truncated" error of backend.ts for a range past the end of `what`. */
export function truncated(what: string, offset: number, wanted: number, fileSize: number): BackendError {
  return new BackendError(`${what} is truncated: wanted ${wanted > 0 ? `${wanted} bytes` : 'the rest'} from offset ${offset}, the file ends at ${fileSize}`, {
    hint: 'run `lifeboat check`: the file is damaged',
  });
}

export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`invalid range: offset ${offset}, length ${length}`);
  }
}

/** The HTTP Range header for `load(offset, length)` (length 0 = to the end); undefined for the whole file. */
export function rangeHeader(offset: number, length: number): string | undefined {
  return length > 0 ? `bytes=${offset}-${offset + length - 1}` : offset > 0 ? `bytes=${offset}-` : undefined;
}

/** Names are one path component, as for the local backend; anything else is a programmer error. */
export function checkName(h: Handle): void {
  const n = h.name;
  if (n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0') || n.includes('?') || n.includes('#')) {
    throw new TypeError(`invalid file name ${JSON.stringify(n)} for ${h.type}`);
  }
}
