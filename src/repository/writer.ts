/**
 * The write side of a repository session (backup, copy, prune): uploads finished packs, keeps
 * the master index current, writes index files as packs complete, and enforces restic's write
 * order — packs, then the index files that describe them, then (by the caller) the snapshot.
 *
 * Deduplication is decided here, once per blob: `reserve` answers "new" for a blob that is
 * neither indexed nor already reserved in this session, so concurrent producers never store the
 * same blob twice.
 */
import { handle } from '../backend/index.js';
import { type Id, sha256Id } from '../core/index.js';
import { compressBound, zstdLevel, type CompressionMode } from './compression.js';
import { MasterIndex } from './index/master-index.js';
import { type IndexPack, type Snapshot, encodeIndex, encodeSnapshot } from './model/index.js';
import { type FinishedPack, PACK_BUFFER_SIZE, PackBuilder } from './pack/pack-builder.js';
import type { BlobType } from './pack/header.js';
import type { Repository } from './repository.js';

/** restic starts a new index file after this many blobs. */
const INDEX_MAX_BLOBS = 50_000;
/**
 * …and we after this many packs, so that a killed backup leaves most of its uploads indexed
 * and the next run re-uses them (an unindexed pack is invisible until `repair index`).
 */
const INDEX_MAX_PACKS = 8;
/** …or after this much time, so a long backup that is killed loses little. */
const INDEX_MAX_AGE_MS = 5 * 60 * 1000;

export interface WriterStats {
  dataBlobs: number;
  treeBlobs: number;
  /** Plaintext bytes of new blobs. */
  dataAdded: number;
  /** Bytes the new blobs occupy in packs. */
  dataAddedPacked: number;
  packs: number;
  indexFiles: number;
}

export class RepositoryWriter {
  private readonly reserved = new MasterIndex();
  private unindexed: IndexPack[] = [];
  private unindexedBlobs = 0;
  private lastIndexWrite = Date.now();
  private readonly treeBuilder: PackBuilder;
  private dataBuilder: PackBuilder | undefined;
  private readonly uploads = new Set<Promise<void>>();
  private failure: unknown;
  readonly stats: WriterStats = { dataBlobs: 0, treeBlobs: 0, dataAdded: 0, dataAddedPacked: 0, packs: 0, indexFiles: 0 };
  readonly level: number;

  /**
   * @param dryRun count what would be stored, store nothing (backup --dry-run)
   */
  constructor(
    readonly repo: Repository,
    compression: CompressionMode = 'auto',
    private readonly signal?: AbortSignal,
    private readonly dryRun = false,
  ) {
    this.level = repo.version >= 2 && compression !== 'off' ? zstdLevel(compression) : 0;
    this.treeBuilder = new PackBuilder(repo.key, Buffer.allocUnsafe(PACK_BUFFER_SIZE), this.level);
  }

  /** True when the blob must be stored (and marks it so no one else stores it). */
  reserve(type: BlobType, id: Id): boolean {
    if (this.repo.index.has(type, id) || this.reserved.has(type, id)) return false;
    this.reserved.add(type, id, id, 0, 0, 0);
    return true;
  }

  /** True when the blob is in the index or already stored in this session. */
  isStored(type: BlobType, id: Id): boolean {
    return this.repo.index.has(type, id) || this.reserved.has(type, id);
  }

  /** Stores a tree blob (deduplicated); returns its ID. */
  async saveTree(json: Uint8Array): Promise<Id> {
    const id = sha256Id(json);
    if (!this.reserve('tree', id)) return id;
    if (!this.treeBuilder.fits(json.length)) await this.flushTrees();
    if (this.treeBuilder.addBlob('tree', id, json) < 0) {
      // larger than a whole pack buffer: give it a pack of its own
      const solo = new PackBuilder(this.repo.key, Buffer.allocUnsafe(compressBound(json.length) + 1024), this.level);
      solo.addBlob('tree', id, json);
      await this.savePack(solo.finish());
      this.stats.treeBlobs++;
      this.stats.dataAdded += json.length;
      return id;
    }
    this.stats.treeBlobs++;
    this.stats.dataAdded += json.length;
    if (this.treeBuilder.full) await this.flushTrees();
    return id;
  }

  /**
   * Stores a data blob from the main thread (stdin and command backups; file backups use the
   * file workers). Returns its ID.
   */
  async saveDataBlob(plaintext: Uint8Array): Promise<Id> {
    const id = sha256Id(plaintext);
    if (!this.reserve('data', id)) return id;
    this.dataBuilder ??= new PackBuilder(this.repo.key, Buffer.allocUnsafe(PACK_BUFFER_SIZE), this.level);
    if (!this.dataBuilder.fits(plaintext.length)) await this.flushBuilder(this.dataBuilder);
    this.dataBuilder.addBlob('data', id, plaintext);
    if (this.dataBuilder.full) await this.flushBuilder(this.dataBuilder);
    return id;
  }

  private flushTrees(): Promise<void> {
    return this.flushBuilder(this.treeBuilder);
  }

  private async flushBuilder(builder: PackBuilder): Promise<void> {
    if (builder.blobCount === 0) return;
    const pack = builder.finish();
    // the builder's buffer is reused right away: upload a copy of the pack
    const copy: FinishedPack = { ...pack, bytes: Buffer.from(pack.bytes) };
    builder.reset();
    await this.savePack(copy);
  }

  /** Writes the snapshot: call only after `flush` (restic's order: packs, index, snapshot). */
  async saveSnapshot(snapshot: Snapshot): Promise<Id> {
    return this.repo.saveUnpacked('snapshots', encodeSnapshot(snapshot), this.signal);
  }

  /**
   * Uploads a finished pack and indexes its blobs. Resolves when the pack is stored; the
   * caller may then reuse the pack's buffer.
   */
  async savePack(pack: FinishedPack): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.dryRun) await this.repo.backend.save(handle('data', pack.id), pack.bytes, { signal: this.signal });
    this.stats.packs++;
    for (const b of pack.blobs) {
      if (!this.dryRun) this.repo.index.add(b.type, b.id, pack.id, b.offset, b.length, b.uncompressedLength);
      this.stats.dataAddedPacked += b.length;
      if (b.type === 'data') {
        this.stats.dataBlobs++;
        this.stats.dataAdded += b.uncompressedLength > 0 ? b.uncompressedLength : b.length - 32;
      }
    }
    this.unindexed.push({ id: pack.id, blobs: pack.blobs.map((b) => ({ ...b })) });
    this.unindexedBlobs += pack.blobs.length;
    if (
      this.unindexedBlobs >= INDEX_MAX_BLOBS ||
      this.unindexed.length >= INDEX_MAX_PACKS ||
      Date.now() - this.lastIndexWrite > INDEX_MAX_AGE_MS
    ) {
      await this.writeIndex();
    }
  }

  /** Starts an upload in the background (bounded by the caller); errors surface in `flush`. */
  track(upload: Promise<void>): Promise<void> {
    const p = upload.catch((err) => {
      this.failure ??= err;
    });
    this.uploads.add(p);
    void p.finally(() => this.uploads.delete(p));
    return p;
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0 || this.dryRun) return;
    const packs = this.unindexed;
    this.unindexed = [];
    this.unindexedBlobs = 0;
    this.lastIndexWrite = Date.now();
    await this.repo.saveUnpacked('index', encodeIndex(packs), this.signal);
    this.stats.indexFiles++;
  }

  /** Uploads the open tree pack, waits for all uploads, writes the remaining index. */
  async flush(): Promise<void> {
    if (this.dataBuilder) await this.flushBuilder(this.dataBuilder);
    await this.flushTrees();
    await Promise.all(this.uploads);
    if (this.failure) throw this.failure;
    await this.writeIndex();
  }
}
