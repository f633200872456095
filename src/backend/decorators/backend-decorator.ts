/**
 * What every decorator passes through unchanged: the wrapped backend's identity, its hints
 * (packFileDir and localPath among them), undoCreate, removeTemporaries and close.
 */
import type { Backend, Handle } from '../index.js';

export abstract class BackendDecorator {
  constructor(protected readonly inner: Backend) {}

  get location(): string {
    return this.inner.location;
  }
  get connections(): number {
    return this.inner.connections;
  }
  get strongListing(): boolean | undefined {
    return this.inner.strongListing;
  }
  get packFileDir(): string | undefined {
    return this.inner.packFileDir;
  }
  localPath(h: Handle): string | undefined {
    return this.inner.localPath?.(h);
  }
  async undoCreate(): Promise<void> {
    await this.inner.undoCreate?.();
  }
  async removeTemporaries(before: number, options?: { dryRun?: boolean; signal?: AbortSignal }): Promise<{ count: number; bytes: number }> {
    return (await this.inner.removeTemporaries?.(before, options)) ?? { count: 0, bytes: 0 };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
