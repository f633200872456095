/** Index files (spec 7): which blobs each pack holds, where. */
import { FormatError, type Id, isId } from '../../core/index.js';
import { Fields, parseJson } from './json-reader.js';

export interface IndexBlobEntry {
  id: Id;
  type: 'data' | 'tree';
  offset: number;
  length: number;
  /** 0 = stored uncompressed. */
  uncompressedLength: number;
}

/**
 * Largest stored or plain blob length accepted from a repository: what one read and one buffer
 * can hold (Node's fs.read takes an int32 length). restic's data blobs are at most 8 MiB; a tree
 * blob this large would describe tens of millions of entries.
 */
export const MAX_BLOB_LENGTH = 0x7fffffff;
/** Smallest stored blob: the nonce and the MAC around an empty plaintext. */
export const MIN_BLOB_LENGTH = 32;

/**
 * Why an index entry's numbers cannot be used (a position and a length in a pack, and the length
 * after decompression), or undefined when they can.
 */
export function blobRangeProblem(offset: number, length: number, uncompressedLength: number): string | undefined {
  if (!Number.isSafeInteger(offset) || offset < 0) return `offset ${offset} is out of range`;
  if (!Number.isSafeInteger(length) || length < MIN_BLOB_LENGTH || length > MAX_BLOB_LENGTH) {
    return `length ${length} is out of range (${MIN_BLOB_LENGTH} to ${MAX_BLOB_LENGTH} bytes)`;
  }
  if (!Number.isSafeInteger(offset + length)) return `offset ${offset} + length ${length} is out of range`;
  if (!Number.isSafeInteger(uncompressedLength) || uncompressedLength < 0 || uncompressedLength > MAX_BLOB_LENGTH) {
    return `uncompressed length ${uncompressedLength} is out of range (at most ${MAX_BLOB_LENGTH} bytes)`;
  }
  return undefined;
}

export interface IndexPack {
  id: Id;
  blobs: IndexBlobEntry[];
}

/** The most bytes one blob's entry takes in an index file: its ID, type and three numbers of up to 16 digits, a comma. */
const MAX_ENTRY_JSON = 180;

/**
 * The index file's JSON, a pack at a time into one buffer: `packs` may be a generator that makes
 * each pack's entries when asked (prune's files of up to 20,000 blobs), so that no more than one pack's
 * entries and JSON live as objects and strings at once, beside the file's bytes. The buffer grows
 * ahead by each pack's largest size rather than by the JSON's exact one.
 */
export function encodeIndex(packs: Iterable<IndexPack>): Buffer {
  let out = Buffer.allocUnsafe(1024);
  let at = out.write('{"packs":[', 0, 'latin1');
  let first = true;
  // IDs, types and numbers only: one byte per character
  const append = (json: string, ahead: number): void => {
    const need = at + Math.max(json.length, ahead);
    if (need > out.length) out = Buffer.concat([out.subarray(0, at)], Math.max(need, 2 * out.length));
    at += out.write(json, at, 'latin1');
  };
  for (const p of packs) {
    const blobs = p.blobs
      .map((b) => `{"id":"${b.id}","type":"${b.type}","offset":${b.offset},"length":${b.length}${b.uncompressedLength ? `,"uncompressed_length":${b.uncompressedLength}` : ''}}`)
      .join(',');
    append(`${first ? '' : ','}{"id":"${p.id}","blobs":[${blobs}]}`, (p.blobs.length + 1) * MAX_ENTRY_JSON);
    first = false;
  }
  append(']}\n', 0);
  return out.subarray(0, at);
}

function id(v: unknown, what: string): Id {
  if (typeof v !== 'string' || !isId(v)) throw new FormatError(`${what} is not an ID`);
  return v;
}

/** Decodes an index file; `name` (`index/<id>`) starts every error message. */
export function decodeIndex(bytes: Uint8Array, name = 'index'): { packs: IndexPack[]; supersedes: Id[] } {
  const doc = parseJson(bytes, name);
  let packsRaw: unknown[];
  let supersedes: Id[] = [];
  if (Array.isArray(doc)) {
    packsRaw = doc; // legacy format (restic < 0.2)
  } else {
    const f = Fields.of(doc, name);
    packsRaw = f.array('packs') ?? [];
    supersedes = (f.array('supersedes') ?? []).map((s, i) => id(s, `${name} supersedes[${i}]`));
  }
  const packs = packsRaw.map((p, i) => {
    const pf = Fields.of(p, `${name} pack ${i}`);
    const packId = id(pf.raw('id'), `${name} pack ${i} id`);
    return {
      id: packId,
      blobs: (pf.array('blobs') ?? []).map((b, j): IndexBlobEntry => {
        const at = `${name} pack ${packId} blob ${j}`;
        const blobId = id(Fields.of(b, at).raw('id'), `${at} id`);
        const what = `${name}: pack ${packId} blob ${blobId}`;
        const bf = Fields.of(b, what);
        const type = bf.string('type');
        if (type !== 'data' && type !== 'tree') throw new FormatError(`${what}: unknown blob type ${JSON.stringify(type)}`);
        const offset = bf.uint('offset');
        const length = bf.uint('length');
        const uncompressedLength = bf.uint('uncompressed_length');
        const problem = blobRangeProblem(offset, length, uncompressedLength);
        if (problem !== undefined) {
          throw new FormatError(`${what}: ${problem}`, { hint: 'run `lifeboat check`; `lifeboat repair index` rebuilds the index from the packs' });
        }
        return { id: blobId, type, offset, length, uncompressedLength };
      }),
    };
  });
  return { packs, supersedes };
}
