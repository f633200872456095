/**
 * What a restore does where the target already has an entry (restic 0.17's `--overwrite`):
 *
 *   always      the entry is made equal to the snapshot's; a file whose content is already the
 *               snapshot's (read and hashed blob by blob) keeps its content and gets its metadata
 *   if-changed  like always, but a file whose size and mtime equal the snapshot's is taken as
 *               unchanged without reading it
 *   if-newer    only entries whose snapshot mtime is newer than the target's are written
 *   never       existing entries are left alone
 *
 * A directory where the snapshot has something else is replaced only when the restore may
 * delete (`--delete`); otherwise it is an error for that entry.
 */
import { type BigIntStats, closeSync, lstatSync, openSync, readSync, readlinkSync } from 'node:fs';
import { type Id, sha256 } from '../../core/index.js';
import type { BlobIndex } from '../../repository/ports.js';
import { type Node, goTimeToNs, linkTargetBytes, parseGoTime } from '../../repository/model/index.js';

export type OverwriteMode = 'always' | 'if-changed' | 'if-newer' | 'never';
export const OVERWRITE_MODES: readonly OverwriteMode[] = ['always', 'if-changed', 'if-newer', 'never'];

/**
 * What happened (or, in a dry run, would happen) to one entry: `restore` (it did not exist),
 * `update` (it existed and was rewritten), `unchanged` (its content was already the snapshot's:
 * only metadata), `skip` (left as it is: --overwrite never / if-newer), `delete` (not in the
 * snapshot, removed by --delete).
 */
export type RestoreAction = 'restore' | 'update' | 'unchanged' | 'skip' | 'delete';

/** The target's entry at `path`, or null when there is none. */
export function lstatOrNull(path: Buffer): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

function nodeMtimeNs(node: Node): bigint {
  return goTimeToNs(parseGoTime(node.mtime));
}

/** Whether the regular file at `path` holds exactly the blobs `content` (read and hashed one by one). */
function sameContent(path: Buffer, content: readonly Id[], size: bigint, index: BlobIndex, buf: { bytes: Buffer }): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    let offset = 0;
    for (const id of content) {
      const n = index.plaintextSize('data', id);
      if (n < 0) return false;
      if (buf.bytes.length < n) buf.bytes = Buffer.allocUnsafe(n);
      const chunk = buf.bytes.subarray(0, n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, chunk, got, n - got, offset + got);
        if (r === 0) return false;
        got += r;
      }
      if (sha256(chunk).toString('hex') !== id) return false;
      offset += n;
    }
    return BigInt(offset) === size;
  } finally {
    closeSync(fd);
  }
}

/**
 * For an entry of the snapshot whose target path exists (`st`, not a directory where a
 * directory is expected): 'write' (make it the snapshot's), 'unchanged' (content already
 * equal: metadata only) or 'skip'.
 */
export function decideExisting(node: Node, path: Buffer, st: BigIntStats, mode: OverwriteMode, index: BlobIndex, buf: { bytes: Buffer }): 'write' | 'unchanged' | 'skip' {
  if (mode === 'never') return 'skip';
  if (mode === 'if-newer') return nodeMtimeNs(node) > st.mtimeNs ? 'write' : 'skip';
  if (node.type === 'file') {
    if (!st.isFile() || BigInt(node.size ?? 0) !== st.size) return 'write';
    if (mode === 'if-changed' && nodeMtimeNs(node) === st.mtimeNs) return 'unchanged';
    return sameContent(path, node.content ?? [], st.size, index, buf) ? 'unchanged' : 'write';
  }
  if (node.type === 'symlink') {
    if (!st.isSymbolicLink()) return 'write';
    return readlinkSync(path, { encoding: 'buffer' }).equals(linkTargetBytes(node)) ? 'unchanged' : 'write';
  }
  return 'write';
}
