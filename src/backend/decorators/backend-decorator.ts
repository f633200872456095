/** What every decorator passes through unchanged: the wrapped backend's identity, its hints and close. */
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
  close(): Promise<void> {
    return this.inner.close();
  }
}
