/** The small documents: config (spec 4), key files and the master key (3.3), locks (10). */
import { FormatError, LifeboatError, type Id, isId } from '../../core/index.js';
import { goJsonBytes, goJsonString } from './go-json.js';
import { Fields, parseJson } from './json-reader.js';
import { parseGoTime } from './time.js';

export interface RepoConfig {
  version: number;
  id: Id;
  /** Chunker polynomial as stored (lowercase hex). */
  chunkerPolynomial: string;
}

export function encodeConfig(c: RepoConfig): Buffer {
  return Buffer.from(`{"version":${c.version},"id":"${c.id}","chunker_polynomial":"${c.chunkerPolynomial}"}`);
}

export function decodeConfig(bytes: Uint8Array): RepoConfig {
  const f = Fields.of(parseJson(bytes, 'config'), 'config');
  const version = f.uint('version');
  if (version !== 1 && version !== 2) {
    throw new LifeboatError('E_UNSUPPORTED', `unsupported repository version ${version}`, { hint: 'this Lifeboat reads versions 1 and 2' });
  }
  const id = f.string('id');
  if (!isId(id)) throw new FormatError('config: "id" is not an ID');
  const pol = f.string('chunker_polynomial');
  if (!/^[0-9a-fA-F]{1,16}$/.test(pol)) throw new FormatError('config: invalid chunker_polynomial');
  return { version, id, chunkerPolynomial: pol.toLowerCase() };
}

export interface KeyFileDoc {
  created: string;
  username: string;
  hostname: string;
  kdf: string;
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  data: Buffer;
}

export function encodeKeyFile(k: KeyFileDoc): Buffer {
  return Buffer.from(
    `{"created":${goJsonString(k.created)},"username":${goJsonString(k.username)},"hostname":${goJsonString(k.hostname)},"kdf":${goJsonString(k.kdf)},"N":${k.N},"r":${k.r},"p":${k.p},"salt":${goJsonBytes(k.salt)},"data":${goJsonBytes(k.data)}}`,
  );
}

export function decodeKeyFile(bytes: Uint8Array): KeyFileDoc {
  const f = Fields.of(parseJson(bytes, 'key file'), 'key file');
  const kdf = f.string('kdf');
  if (kdf !== 'scrypt') throw new FormatError(`key file: unsupported KDF ${JSON.stringify(kdf)}`);
  const salt = f.bytes('salt');
  if (!salt || salt.length !== 64) throw new FormatError('key file: salt must be 64 bytes');
  const data = f.bytes('data');
  if (!data) throw new FormatError('key file: no data');
  return {
    created: f.optString('created') ?? '',
    username: f.optString('username') ?? '',
    hostname: f.optString('hostname') ?? '',
    kdf,
    N: f.uint('N'),
    r: f.uint('r'),
    p: f.uint('p'),
    salt,
    data,
  };
}

export interface MasterKeyDoc {
  encrypt: Buffer;
  macK: Buffer;
  macR: Buffer;
}

export function encodeMasterKey(k: MasterKeyDoc): Buffer {
  return Buffer.from(`{"mac":{"k":${goJsonBytes(k.macK)},"r":${goJsonBytes(k.macR)}},"encrypt":${goJsonBytes(k.encrypt)}}`);
}

export function decodeMasterKey(bytes: Uint8Array): MasterKeyDoc {
  const f = Fields.of(parseJson(bytes, 'master key'), 'master key');
  const mac = Fields.of(f.raw('mac'), 'master key mac');
  const encrypt = f.bytes('encrypt');
  const macK = mac.bytes('k');
  const macR = mac.bytes('r');
  if (encrypt?.length !== 32 || macK?.length !== 16 || macR?.length !== 16) throw new FormatError('master key: wrong key lengths');
  return { encrypt, macK, macR };
}

export interface LockDoc {
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
  uid?: number;
  gid?: number;
}

export function encodeLock(l: LockDoc): Buffer {
  let s = `{"time":${goJsonString(l.time)},"exclusive":${l.exclusive},"hostname":${goJsonString(l.hostname)},"username":${goJsonString(l.username)},"pid":${l.pid}`;
  if (l.uid) s += `,"uid":${l.uid}`;
  if (l.gid) s += `,"gid":${l.gid}`;
  return Buffer.from(`${s}}`);
}

export function decodeLock(bytes: Uint8Array): LockDoc {
  const f = Fields.of(parseJson(bytes, 'lock'), 'lock');
  const time = f.string('time');
  parseGoTime(time);
  const lock: LockDoc = {
    time,
    exclusive: f.bool('exclusive'),
    hostname: f.optString('hostname') ?? '',
    username: f.optString('username') ?? '',
    pid: f.uint('pid'),
  };
  if (f.uint('uid')) lock.uid = f.uint('uid');
  if (f.uint('gid')) lock.gid = f.uint('gid');
  return lock;
}
