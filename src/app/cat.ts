/**
 * Use-case: print a repository object as restic's `cat` does: config, index, snapshot and key
 * as JSON, a pack as raw bytes, a blob's plaintext, a tree's JSON.
 */
import { type Id, LifeboatError, parseId } from '../core/index.js';
import { type Repository, findSnapshot } from '../repository/index.js';
import { encodeConfig } from '../repository/model/index.js';

export const CAT_KINDS = ['config', 'index', 'snapshot', 'key', 'pack', 'blob', 'tree'] as const;
export type CatKind = (typeof CAT_KINDS)[number];

function pretty(json: Uint8Array): Buffer {
  try {
    return Buffer.from(`${JSON.stringify(JSON.parse(Buffer.from(json).toString('utf8')), null, 2)}\n`);
  } catch {
    return Buffer.from(json);
  }
}

export async function catObject(repo: Repository, kind: CatKind, ref: string | undefined, signal?: AbortSignal): Promise<Buffer> {
  if (kind === 'config') return pretty(encodeConfig(repo.config));
  if (!ref) throw new LifeboatError('E_USAGE', `cat ${kind} needs an ID`);
  switch (kind) {
    case 'index':
      return pretty(await repo.loadUnpacked('index', parseId(ref, 'index ID'), signal));
    case 'snapshot': {
      const { id } = await findSnapshot(repo, ref, {}, signal);
      return pretty(await repo.loadUnpacked('snapshots', id, signal));
    }
    case 'key':
      return pretty(await repo.loadRawFile('keys', await fullName(repo, 'keys', ref, signal), signal));
    case 'pack':
      return repo.loadRawFile('data', await fullName(repo, 'data', ref, signal), signal);
    case 'blob': {
      await repo.loadIndex({ signal });
      const id = parseId(ref, 'blob ID');
      const type = repo.index.has('data', id) ? 'data' : 'tree';
      return repo.loadBlob(type, id, signal);
    }
    case 'tree': {
      await repo.loadIndex({ signal });
      return repo.loadBlob('tree', parseId(ref, 'tree ID'), signal);
    }
  }
}

async function fullName(repo: Repository, type: 'keys' | 'data', prefix: string, signal?: AbortSignal): Promise<Id> {
  const matches: Id[] = [];
  for await (const id of repo.listIds(type, signal)) if (id.startsWith(prefix)) matches.push(id);
  if (matches.length !== 1) {
    throw new LifeboatError(matches.length ? 'E_AMBIGUOUS' : 'E_NOT_FOUND', `${matches.length ? 'ambiguous' : 'no'} ${type === 'keys' ? 'key' : 'pack'} ${prefix}`);
  }
  return matches[0]!;
}
