/*
 * What verify-pack.c, verify-file.c and pack-verifier.c share: a request and its blobs' statuses,
 * a check lane's state (packVerifier), SHA-256 and the streamed hashes.
 */
#ifndef LIFEBOAT_VERIFY_PACK_H
#define LIFEBOAT_VERIFY_PACK_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"

/* A check lane's state (packVerifier): made on the main thread, used by one request at a time. */
struct verifier {
  EVP_MD_CTX *pack_md;
  ZSTD_DCtx *dctx;
};

/* SHA-256, fetched once and shared by threads. */
const EVP_MD *vp_sha256(void);

/* A blob's status in verifyPackBlobs' `out`: sound, or why not. */
enum { VP_OK = 0, VP_BOUNDS = 1, VP_SEALED = 2, VP_ZSTD = 3, VP_HASH = 4 };

/*
 * check --read-data only keeps a blob's SHA-256, not its plaintext: a frame whose window is
 * smaller than its content (zstd's own at level 2: a 1 MiB window) is decompressed a step at a
 * time into a small buffer and hashed as it comes, so a lane touches the window and the step, not
 * a whole blob of up to 8 MiB. vp_streams_well says whether a compressed blob (`raw` bytes of
 * plaintext) is worth it; vp_hash_zstd_stream puts the SHA-256 of what `src` decompresses to in
 * `id`, with ZSTD_decompressDCtx's rules (every frame, exactly `raw` bytes).
 */
enum { VP_STREAM_OK = 0, VP_STREAM_DAMAGED = 1, VP_STREAM_FAILED = 2 };
#define VP_STREAM_FROM ((size_t)1 << 20)
#define VP_STREAM_STEP ((size_t)256 << 10)
bool vp_streams_well(const uint8_t *src, size_t n, size_t raw);
int vp_hash_zstd_stream(ZSTD_DCtx *dctx, const uint8_t *src, size_t n, size_t raw, uint8_t *step, size_t step_len, uint8_t id[32]);

/* A blob's plaintext hashed as it comes, decompressed a step at a time first when `dctx` is set. */
struct vp_plain_hash {
  EVP_MD_CTX *md;
  ZSTD_DCtx *dctx;
  uint8_t *step;
  size_t step_len, raw, total, left;
  int status; /* VP_STREAM_* */
};

/*
 * The same for a whole sealed blob too large to hold, read from a local pack file a step at a time
 * (verifyPackFile): each step is taken into the MAC, decrypted in place and hashed (decompressed
 * first when `raw` > 0), so a lane touches one step of the file and one of plaintext, not the
 * blob. The caller hands over the blob's `len` bytes in order, the first step holding at least
 * 32; bytes past the blob are ignored. vp_blob_stream_end gives the blob's VP_* status, and sets
 * `*failed` when OpenSSL or zstd could not run.
 */
#define VP_FILE_STEP ((size_t)1 << 20)
struct vp_blob_stream {
  const uint8_t *enc, *mac_k, *mac_r;
  size_t len, pos;
  uint8_t tag[16];
  blob_opening *open;
  struct vp_plain_hash plain;
  int status; /* VP_OK until a step finds the blob unsound */
  bool failed;
};
void vp_blob_stream_begin(struct vp_blob_stream *s, const uint8_t *enc, const uint8_t *mac_k, const uint8_t *mac_r, size_t len, size_t raw, ZSTD_DCtx *dctx, uint8_t *step, size_t step_len);
void vp_blob_stream_step(struct vp_blob_stream *s, uint8_t *bytes, size_t n);
int vp_blob_stream_end(struct vp_blob_stream *s, const uint8_t id[32], bool *failed);

/* Which end of the pack's hash a verifyPackBlobs request holds (`hash_step`). */
enum { HASH_FIRST = 1, HASH_LAST = 2 };

struct vp_view {
  uint8_t *bytes;
  size_t len;
  napi_ref ref;
};

/* A request of verify-pack.c: verifyPackBlobs, verifyPackFile or openPackBlobs. */
struct vp_job {
  uint8_t enc[32], mac_k[16], mac_r[16];
  struct vp_view pack, blobs, ids, plain, out;
  size_t count;
  size_t stride; /* numbers per blob in `blobs`: 3, or 4 with the place of its plaintext */
  struct verifier *v; /* verifyPackBlobs: the lane's state, referenced by v_ref; else NULL */
  napi_ref v_ref;
  struct vp_view digest;
  int hash_step;
  /* verifyPackFile: the pack's path, its pieces (4 numbers each) read into `pack` one by one;
   * `span`/`base`: the bytes vp_verify_blob reads and the pack offset they start at */
  char *path;
  struct vp_view pieces;
  uint8_t *span;
  size_t span_len;
  double base;
  int io_errno; /* verifyPackFile: the read failed (-1: the file ended before a piece did) */
  bool failed; /* OpenSSL or zstd could not start */
  napi_deferred deferred;
  napi_async_work work;
};

/* The step a streamed hash decompresses into: the start of `plain`. */
static inline size_t vp_step_len(const struct vp_job *j) { return j->plain.len < VP_STREAM_STEP ? j->plain.len : VP_STREAM_STEP; }

/* Blob `i` of the request verified in place; its VP_* status. */
int vp_verify_blob(struct vp_job *j, ZSTD_DCtx *dctx, size_t i);
/* The piece's bytes into the pack's SHA-256 (begun when `first`). False when OpenSSL fails. */
bool vp_hash_piece(struct verifier *v, const uint8_t *bytes, size_t len, bool first);
/* verifyPackFile's work: each piece read from the pack's file, hashed, its blobs verified (verify-file.c). */
void vp_execute_file(struct vp_job *j, ZSTD_DCtx *dctx);

/* packVerifier() → a new lane state, freed when the JS value is collected. */
napi_value js_pack_verifier(napi_env env, napi_callback_info info);

#endif
