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
