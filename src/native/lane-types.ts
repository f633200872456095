/** The shapes a file lane (native/lane.c) takes and returns across the addon boundary; see createLane in index.ts. */
/** A file lane's handle (see createLane). */
export interface Lane {
  readonly __brand: 'lifeboat-lane';
}

/** A file the lane finished: read to its end, or stopped by an error. */
export interface LaneFileEvent {
  /** The lane's number of the file: its batches' files counted from 0 in the order they were fed. */
  file: number;
  /** Bytes read. */
  size: number;
  /** Size or mtime differed between open and end, or from the size the walk saw. */
  changed: boolean;
  /** The error that stopped the file (errno and the call that failed). */
  errno?: number;
  syscall?: string;
}

/** A finished pack in an unlinked temporary file: the receiver reads `length` bytes from `fd` and closes it. */
export interface LanePack {
  id: Buffer;
  fd: number;
  length: number;
  /** Plaintext header entries (spec 6.2). */
  header: Buffer;
  blobCount: number;
}

/**
 * What a lane reports (see createLane). Reports arrive in order; a file's event comes in the
 * report of its last chunk or a later one.
 */
export interface LaneReport {
  /** The lane failed; it reports nothing more. */
  error?: Error & { code: string };
  /**
   * A generation of chunks, 32-byte IDs back to back: answer which are new with laneAnswer, one
   * byte per chunk, generations in the order reported (none is expected for an empty one).
   */
  ids: Buffer;
  /** The file (lane number) each chunk belongs to. */
  chunkFiles: Uint32Array;
  files: LaneFileEvent[];
  /** Packs finished: the receiver uploads and closes each, then calls lanePackDone. */
  packs: LanePack[];
  /** Batches read to their end since the last report. */
  batchesDone: number;
  /** After laneFinish: everything is stored and the last pack reported; nothing follows. */
  finished: boolean;
}

export interface LaneOptions {
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array };
  polynomial: bigint;
  /** zstd level, 0 = store uncompressed. */
  level: number;
  /** Where the temporary pack files go. */
  tmpdir: string;
  /** A pack is finished once it reaches `packTarget` bytes, or before a blob would take it past `packLimit`. */
  packTarget: number;
  packLimit: number;
  /** Packs reported and not yet taken over (lanePackDone) before the lane waits to store more. */
  packsInFlight: number;
}
