/**
 * @module engine/archiver
 * Backup: walks paths into trees (archiver.ts; directories listed ahead of the walk by
 * dir-scanner.ts, which rollback's live-vs-snapshot comparison lists with too; options, progress,
 * stats and the content-based directory exclusions in archive-options.ts), sends file contents
 * through the native file lanes (file-lanes.ts: read, chunk, hash, dedupe, compress, encrypt,
 * pack) and saves a stream as one file (stream-saver.ts). Talks to the repository only through
 * the ports in ports.ts. May import: repository ports, model and folder entry points, native,
 * platform, core.
 */
export { Archiver, type ArchiveOptions, type ArchiveProgress, type ArchiveStats } from './archiver.js';
export { DirScanner } from './dir-scanner.js';
export { FileLanes, type FileLanesOptions, type FileResult, defaultLaneCount } from './file-lanes.js';
export { saveStream, type StreamSaveResult } from './stream-saver.js';
export { type ArchiveTarget, archiveTarget } from './targets.js';
export type { ArchiverRepository, ArchiverWriter, BlobPackSink } from './ports.js';
