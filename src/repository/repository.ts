/**
 * A restic-format repository over a Backend: opens it with a password (key files → master
 * key → config), loads and saves encrypted files, loads the index and reads blobs.
 *
 * Reading order (spec 14): list snapshots first, then load the index, so every snapshot seen is
 * covered by the index that was read.
 */
import { close } from 'node:fs';
import { promisify } from 'node:util';
import { type Backend, type FileType, describeHandle, handle, loadRangeInto, saveFromFile } from '../backend/index.js';
import { type Id, FormatError, IntegrityError, LifeboatError, NotFoundError, forEachConcurrent, sha256Id } from '../core/index.js';
import { isIrreducible, parsePolynomial } from './chunker/index.js';
import { type CryptoKey, open as openSealed, seal } from './crypto/index.js';
import { type NewKeyOptions, addKey, unlockMasterKey } from './keys.js';
import { MasterIndex, type BlobLocation } from './index/master-index.js';
import type { PackBlobs } from './index/pack-blobs.js';
import {
  type RepoConfig,
  type Snapshot,
  type Node,
  type IndexPack,
  decodeConfig,
  decodeIndex,
  encodeIndex,
  scanIndex,
  decodeSnapshot,
  decodeTree,
  decodeTreeNodes,
  type TreeReferences,
  treeReferences,
} from './model/index.js';
import { type BlobType, type PackBlob, ENTRY_SIZE_COMPRESSED, PACK_HEADER_OVERHEAD } from './pack/header.js';
import { encodeUnpacked, openUnpackedFile } from './unpacked.js';
import { type BlobScratch, openBlob, parsePackTail } from './pack/blob-crypto.js';
import type { PackFile } from './pack/pack-file.js';
import { type OpenBlobsRequest, openBlobs } from './pack/open-blobs.js';

const closeAsync = promisify(close);

export interface OpenRepositoryOptions {
  password: string;
  /** Try this key file first (restic's --key-hint). */
  keyHint?: string;
  signal?: AbortSignal;
  /**
   * Told about problems that do not stop the opening or the command (an unusable key file beside
   * a good one, an unreadable snapshot file skipped); kept as the repository's `onWarning`.
   */
  onWarning?: RepositoryWarning;
}

export interface LoadIndexOptions {
  signal?: AbortSignal;
  onError?: (id: Id, err: unknown) => void;
  onIndexFile?: (id: Id, packIds: readonly Id[]) => void;
}

/** A warning; `partial` when the command's result may lack something because of the problem. */
export type RepositoryWarning = (message: string, details?: { partial?: boolean }) => void;

export class Repository {
  readonly index = new MasterIndex();
  private indexLoaded = false;
  /**
   * Blobs none of whose stored copies could be read and verified in this run (a set: the
   * locations are unused). A writer stores them again instead of taking them as stored.
   */
  private readonly unreadable = new MasterIndex(16);
  /** Copies (`pack:offset`) that failed verification in this run: tried last, and prune keeps another. */
  private readonly failedCopies = new Set<string>();
  /** Where problems the repository's readers go on after are reported (see OpenRepositoryOptions). */
  onWarning: RepositoryWarning | undefined;
  private readonly addToIndex = (type: BlobType, id: Uint8Array, packId: string, offset: number, length: number, uncompressedLength: number): void =>
    this.index.addKey(type, id, packId as Id, offset, length, uncompressedLength);

  private constructor(
    readonly backend: Backend,
    readonly key: CryptoKey,
    readonly config: RepoConfig,
    /** The key file that opened the repository. */
    readonly keyId: Id,
  ) {}

  get version(): number {
    return this.config.version;
  }

  get polynomial(): bigint {
    return parsePolynomial(this.config.chunkerPolynomial);
  }

  get location(): string {
    return this.backend.location;
  }

  /** Where new packs are best built: the backend links them into place from there (Backend.packFileDir). */
  get packFileDir(): string | undefined {
    return this.backend.packFileDir;
  }

  static async open(backend: Backend, options: OpenRepositoryOptions): Promise<Repository> {
    try {
      await backend.stat(handle('config'), { signal: options.signal });
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new LifeboatError('E_REPO_NOT_FOUND', `no repository at ${backend.location}: the config file is missing`, {
          hint: 'check -r/--repo (or LIFEBOAT_REPOSITORY), or create one with `lifeboat init`',
          cause: err,
        });
      }
      throw err;
    }
    const { key, keyId } = await unlockMasterKey(backend, options);
    const configBytes = await backend.load(handle('config'), 0, 0, { signal: options.signal });
    let config: RepoConfig;
    try {
      config = decodeConfig(openSealed(key, configBytes));
    } catch (err) {
      if (err instanceof IntegrityError) {
        throw new IntegrityError(`config of ${backend.location} does not decrypt with the master key: the config or key file is damaged`, { cause: err });
      }
      throw err;
    }
    if (!isIrreducible(parsePolynomial(config.chunkerPolynomial))) {
      throw new FormatError(`config of ${backend.location}: invalid chunker polynomial ${config.chunkerPolynomial}`);
    }
    const repo = new Repository(backend, key, config, keyId);
    repo.onWarning = options.onWarning;
    return repo;
  }

  /** Wraps a repository whose parts are already known (init). */
  static fromParts(backend: Backend, key: CryptoKey, config: RepoConfig, keyId: Id): Repository {
    return new Repository(backend, key, config, keyId);
  }

  /** Loads an encrypted file, checks its name against its hash, decrypts and decodes it. */
  async loadUnpacked(type: Exclude<FileType, 'config' | 'keys' | 'data'>, id: Id, signal?: AbortSignal): Promise<Buffer> {
    const h = handle(type, id);
    const bytes = await this.backend.load(h, 0, 0, { signal });
    return openUnpackedFile(this.key, bytes, id, this.version, describeHandle(h));
  }

  /** Encodes, encrypts and stores a document; returns its storage ID. */
  async saveUnpacked(type: 'snapshots' | 'index' | 'locks', json: Uint8Array, signal?: AbortSignal): Promise<Id> {
    const sealed = seal(this.key, encodeUnpacked(json, this.version));
    const id = sha256Id(sealed);
    await this.backend.save(handle(type, id), sealed, { signal });
    return id;
  }

  async *listIds(type: FileType, signal?: AbortSignal): AsyncIterable<Id> {
    for await (const f of this.backend.list(type, { signal })) yield f.name as Id;
  }

  /**
   * Uploads a pack finished by a PackFileWriter (prune) from its temporary file, and closes the
   * descriptor, whether the upload succeeds or not. Does not index it: the caller writes the
   * index files.
   */
  async savePackFile(pack: Pick<PackFile, 'id' | 'fd' | 'length'>, signal?: AbortSignal): Promise<void> {
    try {
      await saveFromFile(this.backend, handle('data', pack.id), { fd: pack.fd, length: pack.length }, { signal });
    } finally {
      await closeAsync(pack.fd);
    }
  }

  /** Writes one index file; returns its ID. */
  saveIndexFile(packs: Iterable<IndexPack>, signal?: AbortSignal): Promise<Id> {
    return this.saveUnpacked('index', encodeIndex(packs), signal);
  }

  async removeFile(type: 'index' | 'data' | 'snapshots' | 'locks' | 'keys', id: Id, signal?: AbortSignal): Promise<void> {
    await this.backend.remove(handle(type, id), { signal });
  }

  /**
   * Removes the temporary files interrupted saves left that were last modified more than
   * `maxAgeMs` ago (Backend.removeTemporaries; backends without temporaries report none).
   */
  async removeStaleTemporaries(maxAgeMs: number, options: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<{ count: number; bytes: number }> {
    return (await this.backend.removeTemporaries?.(Date.now() - maxAgeMs, options)) ?? { count: 0, bytes: 0 };
  }

  /** A key file or a pack as stored (not decrypted): `cat key`, `cat pack`, the key list. */
  loadRawFile(type: 'keys' | 'data', id: Id, signal?: AbortSignal): Promise<Buffer> {
    return this.backend.load(handle(type, id), 0, 0, { signal });
  }

  /** Saves a new key file that opens this repository with `password`; returns its ID. */
  addKeyFile(password: string, options: NewKeyOptions = {}): Promise<Id> {
    return addKey(this.backend, this.key, password, options);
  }

  /** Closes the backend (connections, a spawned rclone or ssh); the repository is not used afterwards. */
  close(): Promise<void> {
    return this.backend.close();
  }

  /** Files of a type with their sizes. */
  async *listFiles(type: FileType, signal?: AbortSignal): AsyncIterable<{ id: Id; size: number }> {
    for await (const f of this.backend.list(type, { signal })) yield { id: f.name as Id, size: f.size };
  }

  /** One index file, decoded (check and repair look at index files one by one). */
  async loadIndexFile(id: Id, signal?: AbortSignal): Promise<IndexPack[]> {
    return this.decodeIndexFile(id, await this.loadUnpacked('index', id, signal));
  }

  private decodeIndexFile(id: Id, bytes: Uint8Array): IndexPack[] {
    const { packs } = decodeIndex(bytes, `index/${id}`);
    for (const pack of packs) {
      for (const b of pack.blobs) {
        if (this.version < 2 && b.uncompressedLength > 0) throw new FormatError(`index/${id}: index uses feature not supported by repository version 1`);
      }
    }
    return packs;
  }

  /**
   * Loads every index file into the master index (once). Damaged index files are reported to
   * `onError` when given (and skipped), otherwise they abort the load. `onIndexFile` is told the
   * packs each index file lists (check: a pack listed by several), on the first load only.
   */
  async loadIndex(options: LoadIndexOptions = {}): Promise<void> {
    if (this.indexLoaded) return;
    const ids: Id[] = [];
    let bytes = 0;
    for await (const f of this.listFiles('index', options.signal)) {
      ids.push(f.id);
      bytes += f.size;
    }
    // an index file takes at least 32 bytes per blob it lists (an ID is 32 random bytes: neither
    // compression nor encryption makes it smaller): room reserved for that many blobs lets the load
    // copy no rows, and costs only address space beyond the blobs really loaded
    this.index.reserve(Math.ceil(bytes / 32));
    await forEachConcurrent(
      ids,
      this.backend.connections + 2,
      async (id) => {
        try {
          const bytes = await this.loadUnpacked('index', id, options.signal);
          const onIndexFile = options.onIndexFile;
          const packs = onIndexFile ? new Set<string>() : undefined;
          const add: typeof this.addToIndex = packs
            ? (type, key, packId, offset, length, uncompressedLength) => {
                packs.add(packId);
                this.addToIndex(type, key, packId, offset, length, uncompressedLength);
              }
            : this.addToIndex;
          if (!scanIndex(bytes, this.version >= 2, add)) {
            for (const pack of this.decodeIndexFile(id, bytes)) {
              packs?.add(pack.id);
              for (const b of pack.blobs) this.index.add(b.type, b.id, pack.id, b.offset, b.length, b.uncompressedLength);
            }
          }
          if (packs) onIndexFile?.(id, [...packs] as Id[]);
        } catch (err) {
          if (!options.onError) throw err;
          options.onError(id, err);
        }
      },
      options.signal,
    );
    this.indexLoaded = true;
  }

  /** The master index's blobs grouped by pack (loadIndex first); see PackBlobs. */
  packBlobs(): PackBlobs {
    return this.index.packBlobs();
  }

  lookupBlob(type: BlobType, id: Id): BlobLocation {
    const loc = this.index.lookup(type, id);
    if (!loc) throw new NotFoundError(`${type} blob ${id} is not in the index`, { hint: 'run `lifeboat check`; `repair index` rebuilds the index from the packs' });
    return loc;
  }

  /** The local file a pack is in, when the backend lets readers read it themselves (Backend.localPath). */
  packFilePath(packId: Id): string | undefined {
    return this.backend.localPath?.(handle('data', packId));
  }

  /** Raw (still encrypted) bytes of a pack: [offset, offset+length). */
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
    return this.backend.load(handle('data', packId), offset, length, { signal });
  }

  /** loadPackRange into the caller's buffer: bytes [offset, offset+target.length) of the pack. */
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void> {
    return loadRangeInto(this.backend, handle('data', packId), offset, target, { signal });
  }

  /**
   * Reads, decrypts, decompresses and verifies one blob. Each copy the index knows is tried
   * until one verifies (copies that failed before in this run last); when none does, the blob
   * is remembered as unreadable (`isUnreadable`) and the first copy's error is thrown.
   */
  async loadBlob(type: BlobType, id: Id, signal?: AbortSignal): Promise<Buffer> {
    const copies = this.index.locations(type, id);
    if (copies.length === 0) this.lookupBlob(type, id);
    if (this.failedCopies.size > 0) copies.sort((a, b) => Number(this.copyFailed(a.packId, a.offset)) - Number(this.copyFailed(b.packId, b.offset)));
    let first: unknown;
    let damaged = false;
    for (const loc of copies) {
      try {
        const bytes = await this.backend.load(handle('data', loc.packId), loc.offset, loc.length, { signal });
        return this.decryptBlob(loc, bytes);
      } catch (err) {
        signal?.throwIfAborted();
        first ??= err;
        // a damaged or missing copy: another one may be intact
        if (err instanceof IntegrityError || err instanceof NotFoundError) {
          damaged = true;
          this.failedCopies.add(`${loc.packId}:${loc.offset}`);
        }
      }
    }
    if (damaged) this.unreadable.add(type, id, id, 0, 0, 0);
    throw first;
  }

  /** True when no copy of the blob could be read and verified in this run (see loadBlob). */
  isUnreadable(type: BlobType, id: Id): boolean {
    return this.unreadable.blobCount > 0 && this.unreadable.has(type, id);
  }

  /** `isUnreadable` with the ID as 32 raw bytes. */
  isUnreadableKey(type: BlobType, key: Uint8Array): boolean {
    return this.unreadable.blobCount > 0 && this.unreadable.hasKey(type, key);
  }

  /** True when the copy of a blob at `offset` in `packId` failed verification in this run. */
  copyFailed(packId: Id, offset: number): boolean {
    return this.failedCopies.size > 0 && this.failedCopies.has(`${packId}:${offset}`);
  }

  /** See openBlob: decrypt, decompress and verify a blob read with loadPackRange. */
  decryptBlob(loc: Pick<BlobLocation, 'type' | 'id' | 'packId' | 'uncompressedLength'>, bytes: Uint8Array, scratch?: BlobScratch): Buffer {
    return openBlob(this.key, loc, bytes, scratch);
  }

  /** See openBlobs in repository/pack: many blobs of one read opened in one request. */
  openBlobs(request: OpenBlobsRequest): Promise<void> {
    return openBlobs(this.key, request);
  }

  async loadTree(id: Id, signal?: AbortSignal): Promise<Node[]> {
    return decodeTree(await this.loadBlob('tree', id, signal), id);
  }

  /** The blobs a tree refers to (see treeReferences), with loadTree's errors. */
  async loadTreeReferences(id: Id, signal?: AbortSignal): Promise<TreeReferences> {
    return treeReferences(await this.loadBlob('tree', id, signal), id);
  }

  /**
   * loadTree one node at a time: the blob is read and verified now, each node decoded when the
   * iteration reaches it (a huge directory is never held as an array). A malformed node throws
   * loadTree's FormatError from the iteration, after the nodes before it.
   */
  async loadTreeNodes(id: Id, signal?: AbortSignal): Promise<Iterable<Node>> {
    return decodeTreeNodes(await this.loadBlob('tree', id, signal), id);
  }

  async loadSnapshot(id: Id, signal?: AbortSignal): Promise<Snapshot> {
    const bytes = await this.loadUnpacked('snapshots', id, signal);
    try {
      return decodeSnapshot(bytes);
    } catch (err) {
      if (err instanceof FormatError) throw new FormatError(`snapshot ${id}: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /** Parses the header of a pack whose bytes are all in memory (check --read-data). */
  packHeaderFromBytes(packId: Id, bytes: Uint8Array): PackBlob[] {
    return this.parsePackTail(packId, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), bytes.length);
  }

  /** Reads and parses a pack's header (used by cat, check and index repair). */
  async loadPackHeader(packId: Id, signal?: AbortSignal): Promise<PackBlob[]> {
    const h = handle('data', packId);
    const { size } = await this.backend.stat(h, { signal });
    // restic reads this much eagerly: most headers fit, so one read usually suffices
    const tailLength = Math.min(size, 15 * ENTRY_SIZE_COMPRESSED + PACK_HEADER_OVERHEAD);
    let tail = await this.backend.load(h, size - tailLength, tailLength, { signal });
    const headerLength = tail.length >= 4 ? tail.readUInt32LE(tail.length - 4) : 0;
    if (headerLength + 4 > tail.length && headerLength + 4 <= size) tail = await this.backend.load(h, size - 4 - headerLength, headerLength + 4, { signal });
    return this.parsePackTail(packId, tail, size);
  }

  private parsePackTail(packId: Id, tail: Buffer, size: number): PackBlob[] {
    return parsePackTail(this.key, this.version, packId, tail, size);
  }
}
