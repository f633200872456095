/**
 * Use-case: copy snapshots from another repository (restic copy). Blobs are decrypted from the
 * source, verified, and stored (deduplicated) in the destination under its own key. When the two
 * repositories use different chunker polynomials, file contents are re-chunked with the
 * destination's polynomial (so they deduplicate there) and trees are rebuilt bottom-up.
 * A snapshot already copied (same `original`, or same time, host, paths and tree) is skipped.
 */
import { Readable } from 'node:stream';
import type { Id } from '../core/index.js';
import { saveStream } from '../engine/archiver/index.js';
import { type Repository, RepositoryLock, RepositoryWriter, type SnapshotEntry, type SnapshotFilter, findSnapshot, loadSnapshots } from '../repository/index.js';
import { type Node, encodeTree } from '../repository/model/index.js';

export interface CopyRequest {
  snapshots?: string[];
  filter?: SnapshotFilter;
  signal?: AbortSignal;
  onSnapshot?: (from: Id, to: Id | undefined, skipped: boolean) => void;
}

export interface CopyResult {
  copied: number;
  skipped: number;
  rechunked: boolean;
  dataBlobs: number;
  treeBlobs: number;
}

function sameSnapshot(a: SnapshotEntry, b: SnapshotEntry): boolean {
  const s = a.snapshot;
  const t = b.snapshot;
  if ((t.original ?? b.id) === (s.original ?? a.id)) return true;
  return s.time === t.time && s.hostname === t.hostname && s.paths.join('\0') === t.paths.join('\0') && s.tree === t.tree;
}

export async function copySnapshots(src: Repository, dst: Repository, req: CopyRequest): Promise<CopyResult> {
  const srcLock = await RepositoryLock.acquire(src, { exclusive: false, signal: req.signal });
  const dstLock = await RepositoryLock.acquire(dst, { exclusive: false, signal: req.signal }).catch(async (err: unknown) => {
    await srcLock.release();
    throw err;
  });
  try {
    const wanted = req.snapshots?.length ? await Promise.all(req.snapshots.map((r) => findSnapshot(src, r, {}, req.signal))) : await loadSnapshots(src, req.filter ?? {}, { signal: req.signal });
    const existing = await loadSnapshots(dst, {}, { signal: req.signal });
    await src.loadIndex({ signal: req.signal });
    await dst.loadIndex({ signal: req.signal });
    const rechunk = src.config.chunkerPolynomial !== dst.config.chunkerPolynomial;
    const writer = new RepositoryWriter(dst, 'auto', req.signal);
    const treeMap = new Map<Id, Id>();

    const copyTree = async (treeId: Id): Promise<Id> => {
      const mapped = treeMap.get(treeId);
      if (mapped) return mapped;
      const nodes = await src.loadTree(treeId, req.signal);
      const out: Node[] = [];
      for (const n of nodes) {
        const node = { ...n };
        if (n.type === 'dir' && n.subtree) node.subtree = await copyTree(n.subtree);
        if (n.type === 'file') node.content = await copyContent(n.content ?? []);
        out.push(node);
      }
      const id = await writer.saveTree(encodeTree(out));
      treeMap.set(treeId, id);
      return id;
    };

    const copyContent = async (content: Id[]): Promise<Id[]> => {
      if (!rechunk) {
        for (const id of content) {
          if (!writer.isStored('data', id)) await writer.saveDataBlob(await src.loadBlob('data', id, req.signal));
        }
        return content;
      }
      const blobs = (async function* () {
        for (const id of content) yield await src.loadBlob('data', id, req.signal);
      })();
      const saved = await saveStream(Readable.from(blobs), dst.config.chunkerPolynomial, (data) => writer.saveDataBlob(data));
      return saved.content;
    };

    const result: CopyResult = { copied: 0, skipped: 0, rechunked: rechunk, dataBlobs: 0, treeBlobs: 0 };
    for (const entry of wanted) {
      if (existing.some((e) => sameSnapshot(entry, e))) {
        result.skipped++;
        req.onSnapshot?.(entry.id, undefined, true);
        continue;
      }
      const tree = await copyTree(entry.snapshot.tree);
      await writer.flush();
      // the parent is a snapshot of the source repository: it means nothing here
      const snapshot = { ...entry.snapshot, tree, original: entry.snapshot.original ?? entry.id };
      delete snapshot.parent;
      const id = await writer.saveSnapshot(snapshot);
      existing.push({ id, snapshot });
      result.copied++;
      req.onSnapshot?.(entry.id, id, false);
    }
    await writer.flush();
    result.dataBlobs = writer.stats.dataBlobs;
    result.treeBlobs = writer.stats.treeBlobs;
    return result;
  } finally {
    await dstLock.release();
    await srcLock.release();
  }
}
