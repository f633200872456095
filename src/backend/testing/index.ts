/**
 * @module backend/testing
 * For tests only: the contract suite every backend's test file runs, and helpers to interrupt
 * operations. May import: backend (its index.ts), core, node:test.
 */
export { type BackendUnderTest, runBackendContract } from './backend-contract.case.js';
export type { ContractOptions } from './backend-contract-support.js';
export { abortOnCheck, isAbort } from './abort-on-check.js';
export { type RcloneServer, startRcloneServer } from './rclone-server.js';
export { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, type S3TestServer, startS3Server } from './s3-server.js';
export { type FaultProxy, type ProxyAction, type ProxyRequest, startFaultProxy } from './fault-proxy.js';
export { type SshdServer, startSshd } from './sshd-server.js';
