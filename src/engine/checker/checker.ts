/**
 * Checks a repository the way `restic check` does (spec 13) and returns typed findings instead
 * of throwing:
 *
 *   1. every index file decodes (the index is loaded once, into the master index); each pack's
 *      entries there (every index file's, each blob once) give its expected size
 *   2. every indexed pack exists with that size; packs in data/ that no index lists are hints;
 *      a pack listed by several index files is a hint, and so is a pack holding both tree and
 *      data blobs (restic's "mixed pack")
 *   3. every snapshot decodes; every tree reachable from a snapshot loads and decodes; every
 *      blob a tree references is indexed (each tree is visited once)
 *   4. with readData: every selected pack is read whole, its hash equals its name, its header
 *      matches the index, every blob decrypts, decompresses and hashes to its ID (read-data.ts:
 *      a bounded number of packs in memory, in reused buffers); this runs beside step 3, its
 *      findings reported after step 3's
 */
import { type Id, errorMessage } from '../../core/index.js';
import type { PackBlobs } from '../../repository/index/index.js';
import type { CryptoKey } from '../../repository/crypto/index.js';
import { readAndVerifyPacks } from './read-data.js';
import type { Node, Snapshot } from '../../repository/model/index.js';
import type { BlobIndex, BlobType } from '../../repository/ports.js';

export type FindingKind =
  | 'index-unreadable'
  | 'pack-missing'
  | 'pack-size-mismatch'
  | 'pack-not-indexed'
  | 'pack-mixed'
  | 'pack-in-several-indexes'
  | 'snapshot-unreadable'
  | 'tree-missing'
  | 'tree-unreadable'
  | 'blob-not-indexed'
  | 'invalid-node'
  | 'pack-hash-mismatch'
  | 'pack-header-mismatch'
  | 'pack-unreadable'
  | 'blob-corrupt';

export interface Finding {
  kind: FindingKind;
  /** Errors make the repository unhealthy; hints do not (restic prints them, exit 0). */
  severity: 'error' | 'hint';
  message: string;
  pack?: Id;
  blob?: Id;
  snapshot?: Id;
  index?: Id;
  path?: string;
}

export interface PackHeaderBlob {
  type: BlobType;
  id: Id;
  offset: number;
  length: number;
  uncompressedLength: number;
}

/** What the checker needs from the repository. */
export interface CheckerRepository {
  readonly index: BlobIndex;
  readonly key: CryptoKey;
  readonly version: number;
  listFiles(type: 'index' | 'data' | 'snapshots', signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }>;
  /** The index must not have been loaded before (onIndexFile is told about the first load only). */
  loadIndex(options?: { signal?: AbortSignal; onError?: (id: Id, err: unknown) => void; onIndexFile?: (id: Id, packIds: readonly Id[]) => void }): Promise<void>;
  /** The loaded index's blobs grouped by pack. */
  packBlobs(): PackBlobs;
  loadSnapshot(id: Id, signal?: AbortSignal): Promise<Snapshot>;
  /** A tree's nodes decoded one at a time (a huge directory is never held as an array). */
  loadTreeNodes(id: Id, signal?: AbortSignal): Promise<Iterable<Node>>;
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** The local file a pack is in, when the native lanes may read it themselves. */
  packFilePath?(packId: Id): string | undefined;
}

export interface CheckOptions {
  /** Read and verify pack contents: all packs (true) or the packs `selectPack` accepts. */
  readData?: boolean;
  selectPack?: (packId: Id, ordinal: number, total: number) => boolean;
  signal?: AbortSignal;
  onFinding?: (f: Finding) => void;
  /** 'snapshots' as each snapshot's walk starts, 'read-data' after each pack; the two phases run at the same time. */
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

export interface CheckResult {
  findings: Finding[];
  errors: number;
  hints: number;
  packs: number;
  snapshots: number;
  trees: number;
  packsRead: number;
}

/** The tree walk lets the event loop run after this many trees (see walk). */
const TREES_PER_TURN = 8;

export async function checkRepository(repo: CheckerRepository, options: CheckOptions = {}): Promise<CheckResult> {
  const findings: Finding[] = [];
  const report = (f: Finding): void => {
    findings.push(f);
    options.onFinding?.(f);
  };
  const signal = options.signal;

  // data/ is listed while the index loads (on a local repository that is 256 directories)
  const listingData = listSizes(repo, signal);
  listingData.catch(() => undefined); // awaited below; an index failure first must not leave it unhandled

  // 1. the index, loaded once: the packs each index file lists; each pack's blobs from the master index
  const listings = new Map<Id, number>();
  await repo.loadIndex({
    signal,
    onError: (id, err) => report({ kind: 'index-unreadable', severity: 'error', index: id, message: `index ${id} cannot be read: ${errorMessage(err)}` }),
    onIndexFile: (_id, packIds) => {
      for (const p of packIds) listings.set(p, (listings.get(p) ?? 0) + 1);
    },
  });
  const indexed = repo.packBlobs();
  const packNumbers = new Map<Id, number>(indexed.packIds.map((id, n) => [id, n]));

  // 2. packs against the index
  const onDisk = await listingData;
  for (const [n, packId] of indexed.packIds.entries()) {
    // restic reports these as non-critical (old restic versions wrote them); prune repacks them
    if (indexed.mixed(n)) report({ kind: 'pack-mixed', severity: 'hint', pack: packId, message: `pack ${packId} contains a mix of tree and data blobs` });
    const listed = listings.get(packId) ?? 1;
    if (listed > 1) {
      report({ kind: 'pack-in-several-indexes', severity: 'hint', pack: packId, message: `pack ${packId} is listed in ${listed} index files` });
    }
    const size = onDisk.get(packId);
    const expected = indexed.expectedSize(n);
    if (size === undefined) {
      report({ kind: 'pack-missing', severity: 'error', pack: packId, message: `pack ${packId} is in the index but missing from data/` });
    } else if (size !== expected) {
      report({ kind: 'pack-size-mismatch', severity: 'error', pack: packId, message: `pack ${packId}: file has ${size} bytes, the index says ${expected} (truncated or incompletely indexed)` });
    }
  }
  for (const packId of onDisk.keys()) {
    if (!packNumbers.has(packId)) {
      report({ kind: 'pack-not-indexed', severity: 'hint', pack: packId, message: `pack ${packId} is not referenced by any index (run \`lifeboat repair index\` or prune)` });
    }
  }

  // 4. pack contents (read-data.ts), started before the tree walk: the packs are read and
  // verified on libuv's thread pool while the main thread walks the trees, so that both cores
  // work (one after the other, the walk left the pool idle and the reads left the main thread
  // idle). Their findings are held and reported after the walk's, in the order they had before.
  let packsRead = 0;
  const dataFindings: Finding[] = [];
  const reading = options.readData || options.selectPack ? readData(repo, indexed, packNumbers, onDisk, options, dataFindings, () => packsRead++) : undefined;
  // settled at once, so that a failure during the walk is not an unhandled rejection
  const readingDone = reading?.then(
    () => undefined,
    (err: unknown) => ({ err }),
  );

  // 3. snapshots and every tree they reach
  const snapshotIds: Id[] = [];
  for await (const f of repo.listFiles('snapshots', signal)) snapshotIds.push(f.id);
  const visited = new Set<string>();
  let trees = 0;
  let loaded = 0;
  const walk = async (treeId: Id, path: string, snapshot: Id): Promise<void> => {
    if (visited.has(treeId)) return;
    visited.add(treeId);
    // A tree read from a local repository (or a cache) is there at once: every await of the walk
    // then resolves as a microtask and the event loop never runs, so the pack verifications that
    // finished on the thread pool wait for the whole walk before their lanes go on. A turn of the
    // event loop every few trees lets them.
    if (++loaded % TREES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (!repo.index.lookup('tree', treeId)) {
      report({ kind: 'tree-missing', severity: 'error', blob: treeId, snapshot, path, message: `tree ${treeId} (${path} in snapshot ${snapshot.slice(0, 8)}) is not in the index` });
      return;
    }
    const unreadable = (err: unknown): void => {
      report({ kind: 'tree-unreadable', severity: 'error', blob: treeId, snapshot, path, message: `tree ${treeId} (${path}) cannot be loaded: ${errorMessage(err)}` });
    };
    let nodes: Iterator<Node>;
    try {
      nodes = (await repo.loadTreeNodes(treeId, signal))[Symbol.iterator]();
    } catch (err) {
      unreadable(err);
      return;
    }
    for (;;) {
      // a malformed node ends the tree here: the nodes before it have been checked
      let next: IteratorResult<Node>;
      try {
        next = nodes.next();
      } catch (err) {
        unreadable(err);
        return;
      }
      if (next.done) break;
      const n = next.value;
      // the node's path only when something needs it (a finding, a subtree): most files need none
      const nodePath = (): string => `${path === '/' ? '' : path}/${n.name.toString()}`;
      if (n.name.length === 0 || n.type === 'irregular') {
        const p = nodePath();
        report({ kind: 'invalid-node', severity: 'error', blob: treeId, path: p, message: `tree ${treeId}: invalid node ${JSON.stringify(p)} of type ${n.type}` });
      }
      if (n.type === 'file') {
        for (const id of n.content ?? []) {
          // plaintextSize: the lookup without building the blob's location
          if (repo.index.plaintextSize('data', id) < 0) {
            const p = nodePath();
            report({ kind: 'blob-not-indexed', severity: 'error', blob: id, snapshot, path: p, message: `data blob ${id} of ${p} is not in the index` });
          }
        }
      } else if (n.type === 'dir' && n.subtree) {
        await walk(n.subtree, nodePath(), snapshot);
      }
    }
    trees++;
  };
  const walkSnapshots = async (): Promise<void> => {
    for (const [i, id] of snapshotIds.entries()) {
      options.onProgress?.({ phase: 'snapshots', done: i, total: snapshotIds.length });
      let snap: Snapshot;
      try {
        snap = await repo.loadSnapshot(id, signal);
      } catch (err) {
        report({ kind: 'snapshot-unreadable', severity: 'error', snapshot: id, message: `snapshot ${id} cannot be read: ${errorMessage(err)}` });
        continue;
      }
      await walk(snap.tree, '/', id);
    }
  };
  try {
    await walkSnapshots();
  } catch (err) {
    await readingDone; // no pack read outlives the check (an aborted signal ends them early)
    throw err;
  }

  const failed = await readingDone;
  if (failed) throw failed.err;
  for (const f of dataFindings) report(f);

  const errors = findings.filter((f) => f.severity === 'error').length;
  return { findings, errors, hints: findings.length - errors, packs: onDisk.size, snapshots: snapshotIds.length, trees, packsRead };
}

/** The files of data/ and their sizes. */
async function listSizes(repo: CheckerRepository, signal: AbortSignal | undefined): Promise<Map<Id, number>> {
  const sizes = new Map<Id, number>();
  for await (const f of repo.listFiles('data', signal)) sizes.set(f.id, f.size);
  return sizes;
}

/** Step 4: every selected pack read and verified; problems go to `found`, `onPackDone` counts. */
async function readData(
  repo: CheckerRepository,
  indexed: PackBlobs,
  packNumbers: ReadonlyMap<Id, number>,
  onDisk: ReadonlyMap<Id, number>,
  options: CheckOptions,
  found: Finding[],
  onPackDone: () => number,
): Promise<void> {
  const packIds = indexed.packIds.filter((id) => onDisk.has(id)).sort();
  const selected = packIds.filter((id, i) => !options.selectPack || options.selectPack(id, i, packIds.length));
  // each pack's entries are built when a lane takes it
  const packs = selected.map((id) => ({ id, size: onDisk.get(id)!, blobs: () => indexed.compact(packNumbers.get(id)!) }));
  await readAndVerifyPacks(
    repo,
    packs,
    {
      onProblem: (pack, p) => found.push({ kind: p.kind, severity: 'error', pack, ...('blob' in p && p.blob ? { blob: p.blob } : {}), message: p.message }),
      onPackDone: () => {
        const done = onPackDone() + 1; // counted whether or not anyone listens to progress
        options.onProgress?.({ phase: 'read-data', done, total: selected.length });
      },
    },
    options.signal,
  );
}
