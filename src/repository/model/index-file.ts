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

export interface IndexPack {
  id: Id;
  blobs: IndexBlobEntry[];
}

export function encodeIndex(packs: readonly IndexPack[]): Buffer {
  const body = packs
    .map(
      (p) =>
        `{"id":"${p.id}","blobs":[${p.blobs
          .map(
            (b) =>
              `{"id":"${b.id}","type":"${b.type}","offset":${b.offset},"length":${b.length}${b.uncompressedLength ? `,"uncompressed_length":${b.uncompressedLength}` : ''}}`,
          )
          .join(',')}]}`,
    )
    .join(',');
  return Buffer.from(`{"packs":[${body}]}\n`, 'utf8');
}

function id(v: unknown, what: string): Id {
  if (typeof v !== 'string' || !isId(v)) throw new FormatError(`${what} is not an ID`);
  return v;
}

export function decodeIndex(bytes: Uint8Array): { packs: IndexPack[]; supersedes: Id[] } {
  const doc = parseJson(bytes, 'index');
  let packsRaw: unknown[];
  let supersedes: Id[] = [];
  if (Array.isArray(doc)) {
    packsRaw = doc; // legacy format (restic < 0.2)
  } else {
    const f = Fields.of(doc, 'index');
    packsRaw = f.array('packs') ?? [];
    supersedes = (f.array('supersedes') ?? []).map((s, i) => id(s, `index supersedes[${i}]`));
  }
  const packs = packsRaw.map((p, i) => {
    const pf = Fields.of(p, `index pack ${i}`);
    return {
      id: id(pf.raw('id'), `index pack ${i} id`),
      blobs: (pf.array('blobs') ?? []).map((b, j) => {
        const what = `index pack ${i} blob ${j}`;
        const bf = Fields.of(b, what);
        const type = bf.string('type');
        if (type !== 'data' && type !== 'tree') throw new FormatError(`${what}: unknown blob type ${JSON.stringify(type)}`);
        const length = bf.uint('length');
        if (length < 32 || length > 0xffffffff) throw new FormatError(`${what}: invalid length ${length}`);
        return { id: id(bf.raw('id'), `${what} id`), type, offset: bf.uint('offset'), length, uncompressedLength: bf.uint('uncompressed_length') } as IndexBlobEntry;
      }),
    };
  });
  return { packs, supersedes };
}
