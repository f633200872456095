/**
 * The local backend's small synchronous reads (tree blobs, single blobs), with the descriptors
 * of pack files kept open: a walk reads thousands of blobs from the same few packs, and an open and
 * a close per read cost more than the read itself (50,000 trees of a 1,000,000-file snapshot: ≈ 2
 * s of the main thread). Packs are named by their content and never change in place; a pack
 * removed through the backend is forgotten first. At most `max` are kept, the least recently used
 * closed first.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export class ReadDescriptors {
  /** Path → descriptor, least recently used first. */
  private readonly fds = new Map<string, number>();

  constructor(private readonly max = 16) {}

  /**
   * Reads `target.length` bytes of `path` from `offset` with synchronous calls, through a kept
   * descriptor when `keep` (packs) or one opened and closed for this read; returns the bytes read
   * (fewer at the end of the file). A kept descriptor is dropped after a failed or short read.
   */
  read(path: string, keep: boolean, offset: number, target: Uint8Array): number {
    const fd = keep ? this.get(path) : openSync(path, 'r');
    let got = 0;
    try {
      while (got < target.length) {
        const n = readSync(fd, target, got, target.length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      if (keep) this.forget(path);
      throw err;
    } finally {
      if (!keep) closeSync(fd);
    }
    if (keep && got < target.length) this.forget(path);
    return got;
  }

  /** The descriptor of `path`, opened read-only when not kept (openSync's error when it cannot be). */
  get(path: string): number {
    const kept = this.fds.get(path);
    if (kept !== undefined) {
      this.fds.delete(path);
      this.fds.set(path, kept);
      return kept;
    }
    const fd = openSync(path, 'r');
    this.fds.set(path, fd);
    if (this.fds.size > this.max) {
      const [oldest, oldestFd] = this.fds.entries().next().value as [string, number];
      this.fds.delete(oldest);
      closeSync(oldestFd);
    }
    return fd;
  }

  /** Closes the descriptor of `path` if one is kept (before the file is removed, or after a failed read). */
  forget(path: string): void {
    const fd = this.fds.get(path);
    if (fd === undefined) return;
    this.fds.delete(path);
    closeSync(fd);
  }

  closeAll(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  get size(): number {
    return this.fds.size;
  }
}
