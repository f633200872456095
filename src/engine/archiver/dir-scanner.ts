/**
 * Lists directories for the walk, ahead of it and in its order, on libuv's thread pool (native
 * scanDir: readdir and every entry's lstat in one request).
 *
 * The walk is depth first with each directory's entries in byte order, so it visits directories
 * in the order of their paths compared component by component. Every listing that completes makes
 * its subdirectories known; the scanner keeps up to MAX_AHEAD listings in flight or waiting and
 * always starts the first known directory in walk order. Listing only the subdirectories of the
 * directory being walked left the walk waiting for a listing at every step down (an incremental
 * backup of the bench dataset sat idle ≈ 0.6 s of its 4 s).
 *
 * Directories the walk passes without entering (excluded, another file system) are dropped once
 * the walk is past them in that order.
 */
import { type DirScan, scanDir } from '../../native/index.js';
import { nodeType } from './node-from-stat.js';

/** Listings in flight or done and not taken by the walk, at most. */
const MAX_AHEAD = 32;
/** Bytes of finished listings waiting for the walk, at most (≈ 140 per entry). */
const MAX_AHEAD_BYTES = 8 * 1024 * 1024;
/** Known directories waiting to be listed, at most; the rest are listed when the walk gets there. */
const MAX_KNOWN = 4096;

interface Ahead {
  key: Buffer;
  scan: Promise<DirScan>;
  bytes: number;
}

/** The path with '/' as 0x00: compares as the walk orders directories (names hold no NUL). */
function walkKey(path: Buffer): Buffer {
  const key = Buffer.from(path);
  for (let i = key.indexOf(0x2f); i >= 0; i = key.indexOf(0x2f, i + 1)) key[i] = 0;
  return key;
}

const SLASH = Buffer.from('/');

/** `dir`/`name` as raw bytes ("/" + name under the root). */
export function childPath(dir: Buffer, name: Buffer): Buffer {
  return dir.length === 1 && dir[0] === 0x2f ? Buffer.concat([SLASH, name]) : Buffer.concat([dir, SLASH, name]);
}

export class DirScanner {
  private readonly ahead = new Map<string, Ahead>();
  private aheadBytes = 0;
  /** Known, not yet listed: a binary min-heap by walk key. */
  private readonly known: { key: Buffer; path: Buffer }[] = [];
  /** The furthest directory the walk asked for. */
  private position: Buffer | undefined;

  /**
   * `skip`: directories the walk will not enter (excluded by path). `xattrs` false: the listings
   * carry no xattr list sizes (one llistxattr per entry fewer; for walks that do not store nodes).
   */
  constructor(
    private readonly skip: (path: Buffer) => boolean,
    private readonly options: { xattrs?: boolean } = {},
  ) {}

  /** The listing of `path`: started ahead, or now. Rejects like fs.readdir. */
  list(path: Buffer): Promise<DirScan> {
    const key = walkKey(path);
    if (!this.position || Buffer.compare(key, this.position) > 0) this.position = key;
    const id = path.toString('latin1');
    const ready = this.ahead.get(id);
    if (ready) this.take(id, ready);
    // listings the walk went past are not wanted any more
    for (const [other, a] of this.ahead) if (Buffer.compare(a.key, key) < 0) this.take(other, a);
    const scan = ready?.scan ?? this.start(path, key, false);
    this.pump();
    return scan;
  }

  private take(id: string, a: Ahead): void {
    this.ahead.delete(id);
    this.aheadBytes -= a.bytes;
  }

  /** Lists `path`; its subdirectories become known when the listing arrives. */
  private start(path: Buffer, key: Buffer, ahead: boolean): Promise<DirScan> {
    const id = path.toString('latin1');
    const entry: Ahead = { key, scan: scanDir(path, this.options), bytes: 0 };
    if (ahead) this.ahead.set(id, entry);
    entry.scan.then(
      (scan) => {
        if (this.ahead.get(id) === entry) {
          entry.bytes = scan.byteLength;
          this.aheadBytes += entry.bytes;
        }
        this.learn(path, scan);
        this.pump();
      },
      () => undefined, // the walk sees the error when it gets there
    );
    return entry.scan;
  }

  private learn(path: Buffer, scan: DirScan): void {
    for (let i = 0; i < scan.count && this.known.length < MAX_KNOWN; i++) {
      if (!scan.ok(i) || nodeType(scan.stat(i)) !== 'dir') continue;
      const sub = childPath(path, scan.name(i));
      if (!this.skip(sub)) this.push({ key: walkKey(sub), path: sub });
    }
  }

  private pump(): void {
    while (this.ahead.size < MAX_AHEAD && this.aheadBytes < MAX_AHEAD_BYTES && this.known.length > 0) {
      const next = this.pop();
      if (this.position && Buffer.compare(next.key, this.position) <= 0) continue; // walked or passed
      if (this.ahead.has(next.path.toString('latin1'))) continue;
      void this.start(next.path, next.key, true); // read ahead: kept in `ahead`, start() handles its failure
    }
  }

  private push(item: { key: Buffer; path: Buffer }): void {
    const h = this.known;
    h.push(item);
    for (let i = h.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (Buffer.compare(h[up]!.key, h[i]!.key) <= 0) break;
      [h[up], h[i]] = [h[i]!, h[up]!];
      i = up;
    }
  }

  private pop(): { key: Buffer; path: Buffer } {
    const h = this.known;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && Buffer.compare(h[l]!.key, h[m]!.key) < 0) m = l;
        if (r < h.length && Buffer.compare(h[r]!.key, h[m]!.key) < 0) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}
