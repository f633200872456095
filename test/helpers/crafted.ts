/**
 * Crafting repository objects the way an attacker or a damaged disk would: index files and trees
 * rewritten through the repository's own encryption, so only their content is hostile.
 */
import { openBackend } from '../../src/backend/location/index.js';
import type { Id } from '../../src/core/index.js';
import { Repository } from '../../src/repository/index.js';
import { TEST_PASSWORD } from './run.js';

export async function openTestRepository(path: string): Promise<Repository> {
  const backend = await openBackend(path);
  return Repository.open(backend, { password: TEST_PASSWORD });
}

interface IndexDoc {
  supersedes?: string[];
  packs: Array<{ id: string; blobs: Array<{ id: string; type: string; offset: number; length: number; uncompressed_length?: number }> }>;
}

/** Rewrites every index file through `mutate` (new file saved, old one removed); returns the new IDs. */
export async function rewriteIndexFiles(path: string, mutate: (doc: IndexDoc) => void): Promise<Id[]> {
  const repo = await openTestRepository(path);
  try {
    const ids: Id[] = [];
    for await (const id of repo.listIds('index')) ids.push(id);
    const out: Id[] = [];
    for (const id of ids) {
      const doc = JSON.parse((await repo.loadUnpacked('index', id)).toString()) as IndexDoc;
      mutate(doc);
      out.push(await repo.saveUnpacked('index', Buffer.from(JSON.stringify(doc))));
      await repo.removeFile('index', id);
    }
    return out;
  } finally {
    await repo.backend.close();
  }
}

/** A node as restic writes it in a tree's JSON (only the fields a test needs; the rest default). */
export type NodeJson = Record<string, unknown> & { name: string; type: string };

const MTIME = '2024-01-02T03:04:05.000000006Z';

export function dirNode(name: string, subtree: string): NodeJson {
  return { name, type: 'dir', mode: 2147484141, mtime: MTIME, atime: MTIME, ctime: MTIME, uid: 0, gid: 0, subtree };
}

export function fileNode(name: string, content: string[], size: number): NodeJson {
  return { name, type: 'file', mode: 420, mtime: MTIME, atime: MTIME, ctime: MTIME, uid: 0, gid: 0, size, content };
}

export interface CraftTools {
  saveTree: (nodes: NodeJson[]) => Promise<Id>;
  saveData: (bytes: Uint8Array) => Promise<Id>;
}

/**
 * Writes trees and data built by `build` (which returns the root tree's ID) in the repository's
 * own format, then a snapshot of them; returns the snapshot ID.
 */
export async function writeCraftedSnapshot(path: string, build: (tools: CraftTools) => Promise<Id>): Promise<Id> {
  const { RepositoryWriter } = await import('../../src/repository/index.js');
  const repo = await openTestRepository(path);
  try {
    await repo.loadIndex();
    const writer = new RepositoryWriter(repo);
    const tree = await build({
      saveTree: (nodes) => writer.saveTree(Buffer.from(`${JSON.stringify({ nodes })}\n`)),
      saveData: (bytes) => writer.saveDataBlob(bytes),
    });
    await writer.flush();
    return await writer.saveSnapshot({ time: MTIME, tree, paths: ['/crafted'], hostname: 'crafted', username: 'root' });
  } finally {
    await repo.backend.close();
  }
}
