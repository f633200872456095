/**
 * The proof of a restore point, checked right after it is written:
 * - structure: every tree of the point's snapshots loads and decodes, and every data blob a file
 *   names is in the index (what `check` does for these snapshots, without reading packs);
 * - drill: a sample of files (or all, `--full-drill`) restored into a temporary directory and
 *   compared byte for byte with the live file; a file that changed since the backup cannot be
 *   compared and is counted as such, its restore still has to succeed;
 * - command sources: the dump streamed from the repository into the source's `verify` command.
 */
import { randomInt } from 'node:crypto';
import { open, rm, mkdtemp, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type Id, errorMessage } from '../core/index.js';
import { PathSet } from '../engine/filter/index.js';
import { restoreTree } from '../engine/restorer/index.js';
import { type TreeLoader, walkTree } from '../engine/walker/index.js';
import type { BlobReader } from '../repository/ports.js';
import { type Node, goTimeToNs, parseGoTime } from '../repository/model/index.js';

export interface StructureResult {
  trees: number;
  blobs: number;
  problems: string[];
}

/** Loads every tree under `tree` and looks up every data blob in the index. */
export async function checkStructure(reader: BlobReader, tree: Id, signal?: AbortSignal): Promise<StructureResult> {
  const result: StructureResult = { trees: 1, blobs: 0, problems: [] };
  try {
    for await (const { path, node } of walkTree(reader, tree, undefined, { signal })) {
      if (node.type === 'dir') {
        if (!node.subtree) result.problems.push(`${path.toString()}: directory without a subtree`);
        else result.trees++;
      }
      for (const id of node.content ?? []) {
        result.blobs++;
        if (reader.index.plaintextSize('data', id) < 0) result.problems.push(`${path.toString()}: data blob ${id.slice(0, 8)} is not in the index`);
      }
    }
  } catch (err) {
    result.problems.push(`tree walk failed: ${errorMessage(err)}`);
  }
  return result;
}

export interface DrillResult {
  /** Files restored. */
  restored: number;
  /** Restored files equal to the live file byte for byte. */
  identical: number;
  /** Live file changed (or vanished) since the backup: restored, not compared. */
  changedSince: number;
  /** Restored content differs from an unchanged live file, or the restore failed. */
  problems: string[];
}

/** Up to `limit` regular files below `roots` in the snapshot (reservoir sample; all when limit is Infinity). */
async function sampleFiles(loader: TreeLoader, tree: Id, roots: readonly string[], limit: number, signal?: AbortSignal): Promise<{ path: string; node: Node }[]> {
  const rootSet = new PathSet(roots);
  const sample: { path: string; node: Node }[] = [];
  let seen = 0;
  const walk = walkTree(loader, tree, undefined, { signal, descend: (e) => rootSet.matches(e.path.toString()) || roots.some((r) => r.startsWith(`${e.path.toString()}/`)) });
  for await (const { path, node } of walk) {
    const p = path.toString();
    if (node.type !== 'file' || !rootSet.matches(p)) continue;
    seen++;
    if (sample.length < limit) sample.push({ path: p, node });
    else {
      const k = randomInt(seen);
      if (k < limit) sample[k] = { path: p, node };
    }
  }
  return sample;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.allocUnsafe(1 << 20);
    const bb = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, null), fb.read(bb, 0, bb.length, null)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
}

async function unchangedSince(path: string, node: Node): Promise<boolean> {
  try {
    const st = await lstat(path, { bigint: true });
    return st.isFile() && st.size === BigInt(node.size ?? 0) && st.mtimeNs === goTimeToNs(parseGoTime(node.mtime));
  } catch {
    return false;
  }
}

export async function restoreDrill(reader: BlobReader, tree: Id, roots: readonly string[], limit: number, signal?: AbortSignal): Promise<DrillResult> {
  const files = await sampleFiles(reader, tree, roots, limit, signal);
  const result: DrillResult = { restored: 0, identical: 0, changedSince: 0, problems: [] };
  if (files.length === 0) return result;
  const target = await mkdtemp(join(tmpdir(), 'lifeboat-drill-'));
  try {
    const summary = await restoreTree(reader, {
      tree,
      target,
      include: new PathSet(files.map((f) => f.path)),
      owner: false,
      xattrs: false,
      signal,
      onError: (path, err) => result.problems.push(`restore of ${path}: ${err.message}`),
    });
    result.restored = summary.filesDone;
    for (const { path, node } of files) {
      signal?.throwIfAborted();
      const restored = join(target, path);
      if (!(await unchangedSince(path, node))) {
        result.changedSince++;
        continue;
      }
      try {
        if (await sameBytes(restored, path)) result.identical++;
        else result.problems.push(`${path}: restored content differs from the live file`);
      } catch (err) {
        result.problems.push(`${path}: cannot compare: ${errorMessage(err)}`);
      }
    }
  } finally {
    await rm(target, { recursive: true, force: true });
  }
  return result;
}

/** The content of a file node as a stream, one blob at a time (dumps into restore/verify commands). */
export function fileContentStream(reader: BlobReader, node: Node, signal?: AbortSignal): Readable {
  const content = node.content ?? [];
  return Readable.from(
    (async function* () {
      for (const id of content) yield await reader.loadBlob('data', id, signal);
    })(),
  );
}
