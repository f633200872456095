/**
 * Open descriptors of pack files kept for the local backend's small synchronous reads (tree
 * blobs, single blobs): a walk reads thousands of blobs from the same few packs, and an open and
 * a close per read cost more than the read itself (50,000 trees of a 1,000,000-file snapshot: ≈ 2
 * s of the main thread). Packs are named by their content and never change in place; a pack
 * removed through the backend is forgotten first. At most `max` are kept, the least recently used
 * closed first.
 */
import { closeSync, openSync } from 'node:fs';

export class ReadDescriptors {
  /** Path → descriptor, least recently used first. */
  private readonly fds = new Map<string, number>();

  constructor(private readonly max = 16) {}

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
