/**
 * Use-case: write a file of a snapshot to a stream, or a directory as a tar archive (like
 * `restic dump`). Blobs are loaded one at a time and written with backpressure honoured.
 */
import { type EventEmitter, once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { type Id, LifeboatError } from '../core/index.js';
import { walkTree } from '../engine/walker/index.js';
import type { Repository, SnapshotFilter } from '../repository/index.js';
import { type Node, isSafeName, linkTargetBytes, parseGoTime, permFromFileMode } from '../repository/model/index.js';
import { resolveSnapshotPath } from './snapshot-ref.js';

export interface DumpRequest {
  snapshot: string;
  path: string;
  filter?: SnapshotFilter;
  signal?: AbortSignal;
}

/** Node's Writable and streamx's (tar-stream entries) both fit this. */
type ByteSink = EventEmitter & { write(data: Buffer): boolean };

async function writeAll(out: ByteSink, data: Buffer): Promise<void> {
  if (!out.write(data)) await once(out, 'drain');
}

async function writeContent(repo: Repository, content: readonly Id[], out: ByteSink, signal?: AbortSignal): Promise<void> {
  for (const id of content) await writeAll(out, await repo.loadBlob('data', id, signal));
}

export async function dumpPath(repo: Repository, req: DumpRequest, out: Writable): Promise<void> {
  const resolved = await resolveSnapshotPath(repo, req.snapshot, req.path, req.filter ?? {}, req.signal);
  const node = resolved.node;
  if (node && node.type === 'file') {
    await writeContent(repo, node.content ?? [], out, req.signal);
    return;
  }
  const pack = tar.pack();
  const done = pipeline(pack, out, { end: false });
  const addEntry = async (path: string, n: Node): Promise<void> => {
    const header = tarHeader(path, n);
    if (!header) return;
    if (n.type === 'file') {
      const entry = pack.entry(header) as unknown as ByteSink & { end(): void };
      const finished = once(entry, 'finish');
      await writeContent(repo, n.content ?? [], entry, req.signal);
      entry.end();
      await finished;
    } else {
      pack.entry(header);
    }
  };
  // like restic, a directory's contents are dumped without an entry for the directory itself
  // restore's rule: an entry named '', '.', '..' or with a '/' (a member that would climb out of
  // the extraction directory) is left out with everything below it, and the dump fails at the end
  const refused: string[] = [];
  const safe = (e: { path: Buffer; node: Node }): boolean => {
    if (isSafeName(e.node.name)) return true;
    refused.push(e.path.toString());
    return false;
  };
  const tree = node ? node.subtree : resolved.entry.snapshot.tree;
  if (tree) {
    for await (const e of walkTree(repo, tree, resolved.path, { signal: req.signal, descend: (e) => refused.at(-1) !== e.path.toString() })) {
      if (!safe(e)) continue;
      await addEntry(stripSlash(e.path.toString()), e.node);
    }
  }
  pack.finalize();
  await done;
  if (refused.length > 0) {
    throw new LifeboatError(
      'E_UNSAFE_PATH',
      `refused ${refused.length} tree ${refused.length === 1 ? 'entry' : 'entries'} with an unsafe name (first: ${JSON.stringify(refused[0])}): left out of the archive with everything below ${refused.length === 1 ? 'it' : 'them'}`,
      {
        hint: 'the snapshot holds names no archive member may have; run `lifeboat check`',
      },
    );
  }
}

function stripSlash(p: string): string {
  return p.replace(/^\/+/, '');
}

const TAR_TYPES: Partial<Record<Node['type'], tar.Header['type']>> = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  fifo: 'fifo',
  chardev: 'character-device',
  dev: 'block-device',
};

function tarHeader(name: string, n: Node): (Partial<tar.Header> & { name: string }) | undefined {
  const type = TAR_TYPES[n.type];
  if (!type) return undefined;
  const t = parseGoTime(n.mtime);
  const dev = Number(n.device);
  return {
    name: type === 'directory' ? `${name}/` : name,
    type,
    mode: permFromFileMode(n.mode),
    uid: n.uid,
    gid: n.gid,
    uname: n.user ?? '',
    gname: n.group ?? '',
    mtime: new Date(Number(t.unixSeconds) * 1000 + Math.floor(t.nanos / 1e6)),
    size: n.type === 'file' ? n.size : 0,
    ...(n.type === 'symlink' ? { linkname: linkTargetBytes(n).toString() } : {}),
    devmajor: (dev >> 8) & 0xfff,
    devminor: (dev & 0xff) | ((dev >> 12) & 0xfff00),
  };
}
