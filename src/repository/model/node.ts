/**
 * Tree nodes (spec 8.2): the model, the byte-exact encoder (field order and omitempty rules as
 * restic writes them, so trees deduplicate with restic's) and a strict decoder.
 */
import { FormatError, type Id, isId } from '../../core/index.js';
import { goJsonBytes, goJsonString } from './go-json.js';
import { Fields, INVALID_BYTE_MARK, InexactNumberError } from './json-reader.js';
import { decodeUtf8WithMarks, isValidUtf8 } from './utf8.js';
import { quoteName, unquoteName } from './quote.js';
import { GO_ZERO_TIME } from './time.js';

export type NodeType = 'file' | 'dir' | 'symlink' | 'dev' | 'chardev' | 'fifo' | 'socket' | 'irregular';

export const NODE_TYPES: readonly NodeType[] = ['file', 'dir', 'symlink', 'dev', 'chardev', 'fifo', 'socket', 'irregular'];

export interface ExtendedAttribute {
  name: string;
  value: Buffer;
}

export interface Node {
  /** Raw name bytes (need not be UTF-8). */
  name: Buffer;
  type: NodeType;
  /** Go os.FileMode. */
  mode: number;
  mtime: string;
  atime: string;
  ctime: string;
  uid: number;
  gid: number;
  user?: string;
  group?: string;
  inode: bigint;
  deviceId: bigint;
  size: number;
  links: bigint;
  linktarget?: string;
  linktargetRaw?: Buffer;
  extendedAttributes?: ExtendedAttribute[];
  /** Raw JSON object text of `generic_attributes` (restic 0.17+, Windows), kept verbatim. */
  genericAttributes?: string;
  device: bigint;
  content: Id[] | null;
  subtree?: Id;
  error?: string;
}

/** The bytes of a symlink's target: `linktarget_raw` when present (non-UTF-8 targets). */
export function linkTargetBytes(node: Node): Buffer {
  return node.linktargetRaw ?? Buffer.from(node.linktarget ?? '', 'utf8');
}

/**
 * `linktarget` and `linktarget_raw` for a target read from disk: the string as Go would hold
 * it (invalid bytes marked, so they are written as \ufffd like restic does) and the raw bytes
 * when they are not valid UTF-8 (restic ≥ 0.16).
 */
export function linkTargetFields(target: Buffer): Pick<Node, 'linktarget' | 'linktargetRaw'> {
  if (isValidUtf8(target)) return { linktarget: target.toString('utf8') };
  return { linktarget: decodeUtf8WithMarks(target, INVALID_BYTE_MARK), linktargetRaw: target };
}

/** False for names a restore must refuse: empty, '.', '..', or containing '/' or NUL. */
export function isSafeName(name: Buffer): boolean {
  if (name.length === 0) return false;
  if (name.length === 1 && name[0] === 0x2e) return false;
  if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) return false;
  return !name.includes(0x2f) && !name.includes(0);
}

export function encodeNode(n: Node): string {
  let s = `{"name":${goJsonString(quoteName(n.name))},"type":${goJsonString(n.type)}`;
  if (n.mode) s += `,"mode":${n.mode >>> 0}`;
  s += `,"mtime":${goJsonString(n.mtime)},"atime":${goJsonString(n.atime)},"ctime":${goJsonString(n.ctime)}`;
  s += `,"uid":${n.uid},"gid":${n.gid}`;
  if (n.user) s += `,"user":${goJsonString(n.user)}`;
  if (n.group) s += `,"group":${goJsonString(n.group)}`;
  if (n.inode) s += `,"inode":${n.inode}`;
  if (n.deviceId) s += `,"device_id":${n.deviceId}`;
  if (n.size) s += `,"size":${n.size}`;
  if (n.links) s += `,"links":${n.links}`;
  if (n.linktarget) s += `,"linktarget":${goJsonString(n.linktarget)}`;
  if (n.linktargetRaw?.length) s += `,"linktarget_raw":${goJsonBytes(n.linktargetRaw)}`;
  if (n.extendedAttributes?.length) {
    s += `,"extended_attributes":[${n.extendedAttributes.map((x) => `{"name":${goJsonString(x.name)},"value":${goJsonBytes(x.value)}}`).join(',')}]`;
  }
  if (n.genericAttributes) s += `,"generic_attributes":${n.genericAttributes}`;
  if (n.device) s += `,"device":${n.device}`;
  s += `,"content":${n.content === null ? 'null' : `[${n.content.map((id) => `"${id}"`).join(',')}]`}`;
  if (n.subtree) s += `,"subtree":"${n.subtree}"`;
  if (n.error) s += `,"error":${goJsonString(n.error)}`;
  return `${s}}`;
}

/** An integer above 2^53 anywhere in a parsed JSON value (it was read inexactly). */
function hasInexactNumber(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (typeof value !== 'object' || value === null) return false;
  return Object.values(value).some(hasInexactNumber);
}

function idField(f: Fields, key: string, what: string): Id | undefined {
  const v = f.optString(key);
  if (v === undefined || v === '') return undefined;
  if (!isId(v)) throw new FormatError(`${what}: field "${key}" is not an ID`);
  return v;
}

/** A node's type, one restic knows. */
export function nodeTypeField(f: Fields, what: string): NodeType {
  const type = f.string('type') as NodeType;
  if (!NODE_TYPES.includes(type)) throw new FormatError(`${what}: unknown node type ${JSON.stringify(type)}`);
  return type;
}

/** A node's content: the parsed array itself once every element is a blob ID (a tree of small files: no array per node); undefined when absent. */
export function contentField(f: Fields, what: string): Id[] | undefined {
  const content = f.array('content');
  if (content && !content.every((id) => typeof id === 'string' && isId(id))) throw new FormatError(`${what}: content holds an invalid blob ID`);
  return content;
}

/** A node's subtree ID; a directory must have one. */
export function subtreeField(f: Fields, type: NodeType, what: string): Id | undefined {
  const subtree = idField(f, 'subtree', what);
  if (type === 'dir' && !subtree) throw new FormatError(`${what}: directory without subtree`);
  return subtree;
}

export function decodeNode(value: unknown, what: string): Node {
  const f = Fields.of(value, what);
  const name = unquoteName(f.string('name'));
  const type = nodeTypeField(f, what);
  const node: Node = {
    name,
    type,
    mode: f.uint('mode'),
    mtime: f.optString('mtime') ?? GO_ZERO_TIME,
    atime: f.optString('atime') ?? GO_ZERO_TIME,
    ctime: f.optString('ctime') ?? GO_ZERO_TIME,
    uid: f.uint('uid'),
    gid: f.uint('gid'),
    inode: f.bigUint('inode'),
    deviceId: f.bigUint('device_id'),
    size: f.uint('size'),
    links: f.bigUint('links'),
    device: f.bigUint('device'),
    content: null,
  };
  const user = f.optString('user');
  if (user) node.user = user;
  const group = f.optString('group');
  if (group) node.group = group;
  const target = f.optString('linktarget');
  if (target) node.linktarget = target;
  const raw = f.bytes('linktarget_raw');
  if (raw?.length) node.linktargetRaw = raw;
  const xattrs = f.array('extended_attributes');
  if (xattrs?.length) {
    node.extendedAttributes = xattrs.map((x, i) => {
      const xf = Fields.of(x, `${what} extended attribute ${i}`);
      return { name: xf.string('name'), value: xf.bytes('value') ?? Buffer.alloc(0) };
    });
  }
  const generic = f.raw('generic_attributes');
  if (generic !== undefined && generic !== null) {
    if (typeof generic !== 'object' || Array.isArray(generic)) throw new FormatError(`${what}: generic_attributes must be an object`);
    if (hasInexactNumber(generic)) throw new InexactNumberError(`${what}: generic_attributes hold a number too large to read inexactly`);
    if (Object.keys(generic).length) node.genericAttributes = JSON.stringify(generic);
  }
  const content = contentField(f, what);
  if (content) node.content = content;
  else if (type === 'file') node.content = [];
  const subtree = subtreeField(f, type, what);
  if (subtree) node.subtree = subtree;
  const error = f.optString('error');
  if (error) node.error = error;
  return node;
}
