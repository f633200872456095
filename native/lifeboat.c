/*
 * lifeboat_native: the few host calls Node.js 20 lacks, and restic's object cipher at native speed.
 *
 * - poly1305: RFC 8439 one-time authenticator, radix 2^64 with 128-bit products. A pure-JS
 *   Poly1305 (~250 MB/s) would be the slowest step of the restic write path.
 * - utimensat: nanosecond atime/mtime, also on symlinks (fs.utimes takes float seconds).
 * - mknod: fifos and device nodes on restore (Node has no mknod).
 * - llistxattr / lgetxattr / lsetxattr: extended attributes; paths and names may be raw bytes.
 * - lstatInto: lstat with nanosecond times plus the xattr list size, into a reused array.
 * - sealInto / openInto: restic's IV ‖ AES-256-CTR ‖ Poly1305-AES into a caller-owned buffer,
 *   using the OpenSSL that Node itself exports (AES-NI): Node's Cipher.update always returns a
 *   fresh buffer, so this keeps the hot path free of allocations.
 * - the file lane (lane.c): a backup's read → chunk → hash → compress → seal → pack path on
 *   libuv's thread pool, instead of one V8 isolate per core (ADR 0004).
 * - scanDir (scan.c): a directory's entries and their lstat in one thread-pool request.
 * - verifyPackBlobs (verify-pack.c): check --read-data's work on one pack on the thread pool.
 * - writeFiles (write-files.c): a restore's small files created, written and given their
 *   metadata in one thread-pool request per batch.
 * - scrypt (scrypt.c): a key file's key derivation, its table on huge pages.
 *
 * Paths and names are a JS string (UTF-8) or a Uint8Array (raw bytes); NUL bytes are refused
 * like Node's fs does. System call failures throw an Error with `code` (errno name), `errno`
 * (negative, as in Node), `syscall` and `path`, shaped like Node's own fs errors.
 *
 * One file per job: napi-util.c (errors, arguments), poly1305.c, cipher.c (the object cipher),
 * fs-calls.c (host calls and releasePages), lane.c + lane-js.c + chunker.c (the file lane),
 * scan.c (scanDir), write-files.c (writeFiles), verify-pack.c (verifyPackBlobs), index-scan.c
 * (scanIndexJson), tree-scan.c (scanTree; both read JSON with json-in.c), open-unpacked.c (openUnpacked), open-blob.c (openBlobSync), sort-rows.c
 * (sortIndexRows), scrypt.c (scrypt). This file only registers them.
 */
#include <node_api.h>
#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!poly1305_register(env, exports) || !fs_calls_register(env, exports) || !cipher_register(env, exports) ||
      !lane_register(env, exports) || !scan_register(env, exports) || !write_files_register(env, exports) || !verify_pack_register(env, exports) ||
      !index_scan_register(env, exports) || !tree_scan_register(env, exports) || !open_unpacked_register(env, exports) ||
      !open_blob_register(env, exports) || !sort_rows_register(env, exports) || !scrypt_register(env, exports))
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
