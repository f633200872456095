/**
 * What the archiver needs from the repository (implemented by repository/RepositoryWriter and
 * Repository, wired by app/backup).
 */
import type { Id } from '../../core/index.js';
import type { Snapshot } from '../../repository/model/index.js';
import type { BlobIndex, BlobType } from '../../repository/ports.js';
import type { PackFile } from '../../repository/pack/index.js';

export interface BlobPackSink {
  /** True when the blob must be stored by the caller (it is then reserved for it). */
  reserve(type: BlobType, id: Id): boolean;
  /** `reserve` with the ID as 32 raw bytes. */
  reserveKey(type: BlobType, key: Uint8Array): boolean;
  /** Uploads a pack built in a temporary file, indexes its blobs and closes the file. */
  savePackFile(pack: PackFile): Promise<void>;
  /** Where to build packs so that they are stored without a copy; unset: the system's temporary directory. */
  readonly packFileDir?: string;
  /** Registers background work whose failure must fail the backup. */
  track(work: Promise<void>): Promise<void>;
}

export interface ArchiverRepository {
  /** With `hasKey`: a parent node's content is looked up by its raw IDs (engine/archiver/parent-node.ts). */
  readonly index: BlobIndex & { hasKey(type: BlobType, key: Uint8Array): boolean };
  /** A blob's plaintext, verified, in a buffer of the caller's own (the archiver scans parent trees and frees them when walked: parent-tree.ts). */
  loadBlob(type: 'tree', id: Id, signal?: AbortSignal): Promise<Buffer>;
}

export interface ArchiverWriter extends BlobPackSink {
  /** zstd level for data blobs (0 = none). */
  readonly level: number;
  saveTree(json: Uint8Array): Promise<Id>;
  /** Stores one data blob from the main thread (stdin backups). */
  saveDataBlob(plaintext: Uint8Array): Promise<Id>;
  flush(): Promise<void>;
  saveSnapshot(snapshot: Snapshot): Promise<Id>;
}
