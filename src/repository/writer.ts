/**
 * The write side of a repository session (backup, copy, prune): uploads finished packs, keeps
 * the master index current, writes index files as packs complete, and enforces restic's write
 * order — packs, then the index files that describe them, then (by the caller) the snapshot.
 *
 * Deduplication is decided here, once per blob: `reserve` answers "new" for a blob that is
 * neither indexed nor already reserved in this session, so concurrent producers never store the
 * same blob twice.
 */
import { close } from 'node:fs';
import { promisify } from 'node:util';
import { handle, saveFromFile } from '../backend/index.js';
import { type Id, sha256Id } from '../core/index.js';
import { blobCompressionLevel, type CompressionMode, treeCompressionLevel } from './compression.js';
import { MasterIndex } from './index/master-index.js';
import { type Snapshot, encodeSnapshot } from './model/index.js';
import { type PackFile, PackFileWriter, forEachHeaderEntry } from './pack/pack-file.js';
import { type BlobType, ENTRY_SIZE_PLAIN, blobPlaintextLength } from './pack/header.js';
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

const closeAsync = promisify(close);

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

/**
 * Packs uploaded but not yet described by an index file, kept as their plaintext header
 * entries (≈ 40 bytes per blob) rather than one object per blob, and written straight into the
 * index file's JSON.
 */
class UnindexedPacks {
  private packs: { id: Id; header: Uint8Array }[] = [];
  blobs = 0;

  get count(): number {
    return this.packs.length;
  }

  add(id: Id, header: Uint8Array, blobCount: number): void {
    this.packs.push({ id, header });
    this.blobs += blobCount;
  }

  /** The index file (spec 7.1) for the packs so far, and forgets them. */
  take(): Buffer {
    const packs = this.packs;
    this.packs = [];
    this.blobs = 0;
    // per blob at most ,{"id":"<64>","type":"data","offset":<10>,"length":<10>,"uncompressed_length":<10>} = 161 bytes;
    // entries take at least ENTRY_SIZE_PLAIN header bytes
    let size = 16;
    for (const p of packs) size += 90 + Math.ceil(p.header.length / ENTRY_SIZE_PLAIN) * 170;
    const out = Buffer.allocUnsafe(Math.ceil(size));
    let pos = out.write('{"packs":[', 0, 'latin1');
    packs.forEach((p, i) => {
      pos += out.write(`${i ? ',' : ''}{"id":"${p.id}","blobs":[`, pos, 'latin1');
      const h = Buffer.from(p.header.buffer, p.header.byteOffset, p.header.byteLength);
      let first = true;
      forEachHeaderEntry(p.header, (type, idAt, offset, length, uncompressedLength) => {
        pos += out.write(first ? '{"id":"' : ',{"id":"', pos, 'latin1');
        first = false;
        pos += out.write(h.toString('hex', idAt, idAt + 32), pos, 'latin1');
        pos += out.write(`","type":"${type}","offset":${offset},"length":${length}${uncompressedLength ? `,"uncompressed_length":${uncompressedLength}` : ''}}`, pos, 'latin1');
      });
      pos += out.write(']}', pos, 'latin1');
    });
    pos += out.write(']}\n', pos, 'latin1');
    return out.subarray(0, pos);
  }
}

/** True when a pack's plaintext header lists a tree blob. */
function holdsTreeBlobs(header: Uint8Array): boolean {
  let tree = false;
  forEachHeaderEntry(header, (type) => {
    if (type === 'tree') tree = true;
  });
  return tree;
}

export class RepositoryWriter {
  private readonly reserved = new MasterIndex();
  private readonly unindexed = new UnindexedPacks();
  private lastIndexWrite = Date.now();
  private readonly treePacks: PackFileWriter;
  private dataPacks: PackFileWriter | undefined;
  private readonly uploads = new Set<Promise<void>>();
  /** Uploads run one at a time (packs are built in temporary files and saved from them). */
  private uploadChain: Promise<void> = Promise.resolve();
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
    this.level = blobCompressionLevel(repo.version, compression);
    this.treePacks = this.packFileWriter(64 * 1024, treeCompressionLevel(repo.version, compression));
  }

  /** Where packs are best built: on the backend's file system, so that they are linked into place rather than copied (Backend.packFileDir). */
  get packFileDir(): string | undefined {
    return this.dryRun ? undefined : this.repo.packFileDir;
  }

  /**
   * True when the blob must be stored (and marks it so no one else stores it): it is neither
   * reserved in this session nor indexed with a copy that can be read. A blob whose every copy
   * failed verification in this run (Repository.isUnreadable) is stored again, in a new pack.
   */
  reserve(type: BlobType, id: Id): boolean {
    if ((this.repo.index.has(type, id) && !this.repo.isUnreadable(type, id)) || this.reserved.has(type, id)) return false;
    this.reserved.add(type, id, '' as Id, 0, 0, 0);
    return true;
  }

  /** `reserve` with the ID as 32 raw bytes (the file workers' questions). */
  reserveKey(type: BlobType, key: Uint8Array): boolean {
    if ((this.repo.index.hasKey(type, key) && !this.repo.isUnreadableKey(type, key)) || this.reserved.hasKey(type, key)) return false;
    this.reserved.addKey(type, key, '' as Id, 0, 0, 0);
    return true;
  }

  /** True when the blob is already stored in this session, or indexed with a copy that can be read. */
  isStored(type: BlobType, id: Id): boolean {
    return (this.repo.index.has(type, id) && !this.repo.isUnreadable(type, id)) || this.reserved.has(type, id);
  }

  private packFileWriter(scratchSize: number, level = this.level): PackFileWriter {
    return new PackFileWriter(this.repo.key, level, (pack) => void this.track(this.savePackFile(pack)), scratchSize, this.packFileDir);
  }

  /** Stores a tree blob (deduplicated); returns its ID. */
  async saveTree(json: Uint8Array): Promise<Id> {
    const id = sha256Id(json);
    if (!this.reserve('tree', id)) return id;
    this.treePacks.addBlob('tree', id, json, true);
    this.stats.treeBlobs++;
    this.stats.dataAdded += json.length;
    return id;
  }

  /**
   * Stores a data blob from the main thread (stdin and command backups; file backups use the
   * file workers). Returns its ID once the blob is written to its pack file (the pack is
   * uploaded in the background, `flush` waits for it).
   */
  async saveDataBlob(plaintext: Uint8Array): Promise<Id> {
    const id = sha256Id(plaintext);
    if (!this.reserve('data', id)) return id;
    this.dataPacks ??= this.packFileWriter(1024 * 1024);
    this.dataPacks.addBlob('data', id, plaintext);
    // bound the packs waiting for upload (each holds a temporary file)
    if (this.uploads.size > 2) await this.uploadChain;
    return id;
  }

  /**
   * Stores a blob again although the index lists it (repair packs: the listed copy may be the
   * damaged one). Stored at most once per writer. Returns its ID.
   */
  async saveBlobCopy(type: BlobType, plaintext: Uint8Array): Promise<Id> {
    const id = sha256Id(plaintext);
    if (this.reserved.has(type, id)) return id;
    this.reserved.add(type, id, '' as Id, 0, 0, 0);
    if (type === 'tree') {
      this.treePacks.addBlob('tree', id, plaintext, true);
      this.stats.treeBlobs++;
      this.stats.dataAdded += plaintext.length;
      return id;
    }
    this.dataPacks ??= this.packFileWriter(1024 * 1024);
    this.dataPacks.addBlob('data', id, plaintext);
    if (this.uploads.size > 2) await this.uploadChain;
    return id;
  }

  /** Writes the snapshot: call only after `flush` (restic's order: packs, index, snapshot). */
  async saveSnapshot(snapshot: Snapshot): Promise<Id> {
    return this.repo.saveUnpacked('snapshots', encodeSnapshot(snapshot), this.signal);
  }

  /**
   * Uploads a pack built in a temporary file (`PackFileWriter`), indexes its blobs and closes
   * its descriptor. Uploads run one after the other, straight from the file where the backend
   * can (Backend.saveFrom), else through one reused buffer (saveFromFile).
   */
  savePackFile(pack: PackFile): Promise<void> {
    const run = this.uploadChain.then(() => this.uploadPackFile(pack));
    this.uploadChain = run.catch(() => undefined);
    return run;
  }

  private async uploadPackFile(pack: PackFile): Promise<void> {
    try {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, passed on unchanged
      if (this.failure) throw this.failure;
      // a pack of data blobs only is not read soon; the next backup reads the tree packs first
      const source = { fd: pack.fd, length: pack.length, dropCache: !holdsTreeBlobs(pack.header) };
      await this.storePack(pack.id, pack.header, pack.blobCount, () => saveFromFile(this.repo.backend, handle('data', pack.id), source, { signal: this.signal }));
    } finally {
      await closeAsync(pack.fd);
    }
  }

  /** Uploads a pack (`upload`) whose plaintext header entries are `header`, indexes it, writes index files as due. */
  private async storePack(id: Id, header: Uint8Array, blobCount: number, upload: () => Promise<void>): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, passed on unchanged
    if (this.failure) throw this.failure;
    if (!this.dryRun) await upload();
    this.stats.packs++;
    forEachHeaderEntry(header, (type, idAt, offset, length, uncompressedLength) => {
      if (!this.dryRun) this.repo.index.addKey(type, header.subarray(idAt, idAt + 32), id, offset, length, uncompressedLength);
      this.stats.dataAddedPacked += length;
      if (type === 'data') {
        this.stats.dataBlobs++;
        this.stats.dataAdded += blobPlaintextLength(length, uncompressedLength);
      }
    });
    if (!this.dryRun) this.unindexed.add(id, header, blobCount);
    if (this.unindexed.blobs >= INDEX_MAX_BLOBS || this.unindexed.count >= INDEX_MAX_PACKS || Date.now() - this.lastIndexWrite > INDEX_MAX_AGE_MS) {
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
    if (this.unindexed.count === 0 || this.dryRun) return;
    this.lastIndexWrite = Date.now();
    await this.repo.saveUnpacked('index', this.unindexed.take(), this.signal);
    this.stats.indexFiles++;
  }

  /** Finishes the open packs, waits for all uploads, writes the remaining index. */
  async flush(): Promise<void> {
    this.dataPacks?.finish();
    this.treePacks.finish();
    while (this.uploads.size > 0) await Promise.all(this.uploads);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the first failure, passed on unchanged
    if (this.failure) throw this.failure;
    await this.writeIndex();
  }
}
