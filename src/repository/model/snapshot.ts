/** Snapshot documents (spec 9). */
import { FormatError, type Id, isId } from '../../core/index.js';
import { goJsonString, goJsonStringArray } from './go-json.js';
import { Fields, parseJson } from './json-reader.js';
import { parseGoTime } from './time.js';

export interface SnapshotSummary {
  backupStart: string;
  backupEnd: string;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirsNew: number;
  dirsChanged: number;
  dirsUnmodified: number;
  dataBlobs: number;
  treeBlobs: number;
  dataAdded: number;
  dataAddedPacked: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
}

export interface Snapshot {
  time: string;
  parent?: Id;
  tree: Id;
  paths: string[];
  hostname?: string;
  username?: string;
  uid?: number;
  gid?: number;
  excludes?: string[];
  tags?: string[];
  original?: Id;
  programVersion?: string;
  summary?: SnapshotSummary;
}

const SUMMARY_KEYS: [keyof SnapshotSummary, string][] = [
  ['backupStart', 'backup_start'],
  ['backupEnd', 'backup_end'],
  ['filesNew', 'files_new'],
  ['filesChanged', 'files_changed'],
  ['filesUnmodified', 'files_unmodified'],
  ['dirsNew', 'dirs_new'],
  ['dirsChanged', 'dirs_changed'],
  ['dirsUnmodified', 'dirs_unmodified'],
  ['dataBlobs', 'data_blobs'],
  ['treeBlobs', 'tree_blobs'],
  ['dataAdded', 'data_added'],
  ['dataAddedPacked', 'data_added_packed'],
  ['totalFilesProcessed', 'total_files_processed'],
  ['totalBytesProcessed', 'total_bytes_processed'],
];

function encodeSummary(s: SnapshotSummary): string {
  return `{${SUMMARY_KEYS.map(([k, j]) => `"${j}":${typeof s[k] === 'string' ? goJsonString(s[k]) : s[k]}`).join(',')}}`;
}

export function encodeSnapshot(s: Snapshot): Buffer {
  let out = `{"time":${goJsonString(s.time)}`;
  if (s.parent) out += `,"parent":"${s.parent}"`;
  out += `,"tree":"${s.tree}","paths":${goJsonStringArray(s.paths)}`;
  if (s.hostname) out += `,"hostname":${goJsonString(s.hostname)}`;
  if (s.username) out += `,"username":${goJsonString(s.username)}`;
  if (s.uid) out += `,"uid":${s.uid}`;
  if (s.gid) out += `,"gid":${s.gid}`;
  if (s.excludes?.length) out += `,"excludes":${goJsonStringArray(s.excludes)}`;
  if (s.tags?.length) out += `,"tags":${goJsonStringArray(s.tags)}`;
  if (s.original) out += `,"original":"${s.original}"`;
  if (s.programVersion) out += `,"program_version":${goJsonString(s.programVersion)}`;
  if (s.summary) out += `,"summary":${encodeSummary(s.summary)}`;
  return Buffer.from(`${out}}`, 'utf8');
}

function optId(f: Fields, key: string, what: string): Id | undefined {
  const v = f.optString(key);
  if (v === undefined || v === '') return undefined;
  if (!isId(v)) throw new FormatError(`${what}: "${key}" is not an ID`);
  return v;
}

export function decodeSnapshot(bytes: Uint8Array): Snapshot {
  const what = 'snapshot';
  const f = Fields.of(parseJson(bytes, what), what);
  const time = f.string('time');
  parseGoTime(time);
  const tree = optId(f, 'tree', what);
  if (!tree) throw new FormatError('snapshot has no tree');
  const s: Snapshot = { time, tree, paths: f.stringArray('paths') ?? [] };
  const parent = optId(f, 'parent', what);
  if (parent) s.parent = parent;
  const hostname = f.optString('hostname');
  if (hostname) s.hostname = hostname;
  const username = f.optString('username');
  if (username) s.username = username;
  if (f.uint('uid')) s.uid = f.uint('uid');
  if (f.uint('gid')) s.gid = f.uint('gid');
  const excludes = f.stringArray('excludes');
  if (excludes?.length) s.excludes = excludes;
  const tags = f.stringArray('tags');
  if (tags?.length) s.tags = tags;
  const original = optId(f, 'original', what);
  if (original) s.original = original;
  const pv = f.optString('program_version');
  if (pv) s.programVersion = pv;
  if (f.has('summary')) {
    const sf = Fields.of(f.raw('summary'), 'snapshot summary');
    const summary = {} as Record<string, string | number>;
    for (const [k, j] of SUMMARY_KEYS) summary[k] = k === 'backupStart' || k === 'backupEnd' ? (sf.optString(j) ?? '') : sf.uint(j);
    s.summary = summary as unknown as SnapshotSummary;
  }
  return s;
}

/** What `restic snapshots --json` prints for a snapshot: its fields, `id` and `short_id`. */
export function snapshotToResticJson(s: Snapshot, id: Id): Record<string, unknown> {
  const out = JSON.parse(encodeSnapshot(s).toString('utf8')) as Record<string, unknown>;
  return { ...out, id, short_id: id.slice(0, 8) };
}
