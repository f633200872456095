/** The shapes a file lane (native/lane.c) takes and returns across the addon boundary; see createLane in index.ts. */
/** A file lane's handle (see createLane). */
export interface Lane {
  readonly __brand: 'lifeboat-lane';
}

/** A file of the batch that the lane finished: read to its end, or stopped by an error. */
export interface LaneFileEvent {
  /** Index in the batch. */
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

export interface LaneStepResult {
  /** The chunks cut in this step, 32-byte IDs back to back: answer which are new in the next step. */
  ids: Buffer;
  /** The batch file each chunk belongs to. */
  chunkFiles: Uint32Array;
  files: LaneFileEvent[];
  packs: LanePack[];
  /** The batch is read: the next step may bring a new one. */
  batchDone: boolean;
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
}
