/**
 * Verifies a whole pack held in memory against its index entries (check --read-data): its hash
 * equals its name, its header matches the index, every blob decrypts, decompresses and hashes to
 * its ID. Pure: usable in worker threads.
 */
import { type Id, errorMessage, sha256Id } from '../../core/index.js';
import { type BlobScratch, openBlob, parsePackTail } from './blob-crypto.js';
import type { CryptoKey } from '../crypto/index.js';
import { type CompactPack, packBlobs } from '../index/compact-pack.js';

export interface PackProblem {
  kind: 'pack-hash-mismatch' | 'pack-header-mismatch' | 'blob-corrupt';
  blob?: Id;
  message: string;
}

export function verifyPack(key: CryptoKey, version: number, packId: Id, bytes: Buffer, indexed: CompactPack, scratch: BlobScratch): PackProblem[] {
  const problems: PackProblem[] = [];
  if (sha256Id(bytes) !== packId) problems.push({ kind: 'pack-hash-mismatch', message: `pack ${packId}: content does not match its name (damaged file)` });
  let header: Set<string> | undefined;
  const key4 = (b: { type: string; id: string; offset: number; length: number; uncompressedLength: number }): string => `${b.type}:${b.id}:${b.offset}:${b.length}:${b.uncompressedLength}`;
  try {
    header = new Set(parsePackTail(key, version, packId, bytes, bytes.length).map(key4));
  } catch (err) {
    problems.push({ kind: 'pack-header-mismatch', message: `pack ${packId}: header unreadable: ${errorMessage(err)}` });
  }
  for (const b of packBlobs(indexed)) {
    if (header && !header.has(key4(b))) {
      problems.push({ kind: 'pack-header-mismatch', blob: b.id, message: `pack ${packId}: index entry for ${b.type} blob ${b.id} does not match the pack header` });
    }
    try {
      openBlob(key, { type: b.type, id: b.id, packId, uncompressedLength: b.uncompressedLength }, bytes.subarray(b.offset, b.offset + b.length), scratch);
    } catch (err) {
      problems.push({ kind: 'blob-corrupt', blob: b.id, message: errorMessage(err) });
    }
  }
  return problems;
}
