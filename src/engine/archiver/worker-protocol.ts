/**
 * Messages between the archiver (main thread) and its file workers. A worker reads files,
 * cuts them into chunks, hashes them, asks the main thread which blobs are new, and packs
 * the new ones into packs built in temporary files; finished packs travel to the main thread as
 * open file descriptors (a process-wide resource) for upload.
 */

export interface WorkerInit {
  key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array };
  polynomial: string;
  /** zstd level, 0 = no compression. */
  level: number;
  /** Finished packs a worker may have waiting for upload before it stops to wait. */
  packBuffers: number;
}

export interface FileJob {
  id: number;
  /** Path as raw bytes. */
  path: Uint8Array;
  /** Size seen by the scan; a different size at read time is reported as a change. */
  size: number;
}

export type ToWorker =
  | { type: 'batch'; batchId: number; files: FileJob[] }
  | { type: 'answer'; askId: number; isNew: Uint8Array }
  /** A pack the worker handed over is uploaded (its descriptor is closed). */
  | { type: 'packSaved' }
  | { type: 'flush' };

export interface FileResult {
  id: number;
  /** Concatenated 32-byte blob IDs of the file's content, in order. */
  content: Uint8Array;
  /** Bytes read. */
  size: number;
  /** The file changed while it was read (size or mtime differ before/after). */
  changed: boolean;
  error?: { message: string; code?: string };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'ask'; askId: number; ids: Uint8Array }
  /** A finished pack in an unlinked temporary file: the main thread reads `length` bytes from `fd` and closes it. */
  | { type: 'pack'; id: string; fd: number; length: number; header: Uint8Array; blobCount: number }
  | { type: 'batchDone'; batchId: number; results: FileResult[] }
  | { type: 'flushed' }
  | { type: 'fatal'; message: string };
