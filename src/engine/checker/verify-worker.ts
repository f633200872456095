/**
 * A thread of check --read-data: verifies whole packs sent by the main thread (bytes transferred,
 * not copied) and answers with the problems found.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Id } from '../../core/index.js';
import type { CompactPack } from '../../repository/index/index.js';
import { newBlobScratch, verifyPack } from '../../repository/pack/index.js';

const { key, version } = workerData as { key: { encrypt: Uint8Array; macK: Uint8Array; macR: Uint8Array }; version: number };
const cryptoKey = { encrypt: Buffer.from(key.encrypt), macK: Buffer.from(key.macK), macR: Buffer.from(key.macR) };
const scratch = newBlobScratch();

parentPort!.on('message', (msg: { job: number; packId: Id; bytes: Uint8Array; indexed: CompactPack }) => {
  const bytes = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
  const indexed = { ...msg.indexed, ids: Buffer.from(msg.indexed.ids.buffer, msg.indexed.ids.byteOffset, msg.indexed.ids.byteLength) };
  const problems = verifyPack(cryptoKey, version, msg.packId, bytes, indexed, scratch);
  parentPort!.postMessage({ job: msg.job, problems });
});
