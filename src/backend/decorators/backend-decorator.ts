/** What every decorator passes through unchanged: the wrapped backend's identity, its hints, undoCreate and close. */
import type { Backend } from '../index.js';

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
  async undoCreate(): Promise<void> {
    await this.inner.undoCreate?.();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
