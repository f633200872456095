/**
 * The narrow interfaces engines depend on (restic's "archiverRepo" idea): engines never see the
 * concrete Repository or a backend; app/ hands the Repository in as these ports.
 */
import type { Id } from '../core/index.js';
import type { BlobLocation } from './index/master-index.js';
import type { Node } from './model/index.js';
import type { BlobType } from './pack/header.js';
import type { BlobScratch } from './pack/blob-crypto.js';
import type { OpenBlobsRequest } from './pack/open-blobs.js';

export type { BlobLocation } from './index/master-index.js';
export type { BlobType } from './pack/header.js';
export type { BlobScratch } from './pack/blob-crypto.js';
export type { OpenBlobsRequest } from './pack/open-blobs.js';

export interface BlobIndex {
  lookup(type: BlobType, id: Id): BlobLocation | undefined;
  /** Plaintext size of a blob, or -1 if it is not indexed. */
  plaintextSize(type: BlobType, id: Id): number;
}

/** What readers (restorer, dump, ls, diff, check) need. */
export interface BlobReader {
  readonly index: BlobIndex;
  loadTree(id: Id, signal?: AbortSignal): Promise<Node[]>;
  loadBlob(type: BlobType, id: Id, signal?: AbortSignal): Promise<Buffer>;
  /** Encrypted bytes of a pack range, for pack-at-once reads. */
  loadPackRange(packId: Id, offset: number, length: number, signal?: AbortSignal): Promise<Buffer>;
  /**
   * loadPackRange into the caller's buffer (reused across reads): bytes [offset,
   * offset+target.length). After a rejection the contents of `target` are unspecified.
   */
  loadPackRangeInto(packId: Id, offset: number, target: Uint8Array, signal?: AbortSignal): Promise<void>;
  /**
   * Decrypts and verifies one blob out of bytes read with loadPackRange; with `scratch` the
   * result is a view into it, valid until the next call.
   */
  decryptBlob(loc: Pick<BlobLocation, 'type' | 'id' | 'packId' | 'uncompressedLength'>, bytes: Uint8Array, scratch?: BlobScratch): Buffer;
  /**
   * Opens many blobs of bytes read with loadPackRangeInto in one request, on the thread pool when
   * the native addon is there: a status per blob instead of a throw (see repository/pack's openBlobs).
   */
  openBlobs(request: OpenBlobsRequest): Promise<void>;
}
