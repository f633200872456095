/**
 * What both halves of the backend contract share: its options, the test wrapper's type and
 * small helpers (save by content ID, list names and sizes).
 */
import assert from 'node:assert/strict';
import { sha256Id } from '../../core/index.js';
import { type Backend, type FileType, type Handle, handle } from '../index.js';

export interface ContractOptions {
  /**
   * The server writes files in place, so a listing during a save may show a partial size
   * (`rclone serve restic` 1.60 over a local directory). Only the final listing is checked.
   */
  partialFilesListed?: boolean;
}

/** A test body run on a fresh, created backend that is closed and cleaned up afterwards. */
export type WithBackend = (fn: (b: Backend) => Promise<void>) => () => Promise<void>;

export const id = (data: Uint8Array): string => sha256Id(data);

export async function listed(b: Backend, type: FileType): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const f of b.list(type)) {
    assert.ok(!out.has(f.name), `${type}/${f.name} listed twice`);
    out.set(f.name, f.size);
  }
  return out;
}

export async function names(b: Backend, type: FileType): Promise<string[]> {
  return [...(await listed(b, type)).keys()].sort();
}

/** Saves `data` under its SHA-256 as `type` and returns the handle. */
export async function put(b: Backend, type: FileType, data: Uint8Array): Promise<Handle> {
  const h = handle(type, id(data));
  await b.save(h, data);
  return h;
}

/** What a backend cannot promise because of the server behind it (documented per backend). */
