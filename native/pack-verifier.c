/*
 * packVerifier (verify-pack.c's lane state), the SHA-256 the verifications share, and check's
 * hash of a zstd frame decompressed a window at a time.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader: the window size */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include "verify-pack.h"

/* SHA-256 fetched once (EVP_sha256() looks it up by name at every digest); shared by threads. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;

static void fetch_sha256(void) {
  sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!sha256_md) sha256_md = EVP_sha256();
}

const EVP_MD *vp_sha256(void) {
  pthread_once(&sha256_once, fetch_sha256);
  return sha256_md;
}

bool vp_streams_well(const uint8_t *src, size_t n, size_t raw) {
  ZSTD_frameHeader h;
  return raw > VP_STREAM_FROM && ZSTD_getFrameHeader(&h, src, n) == 0 && h.frameType == ZSTD_frame && h.windowSize < raw;
}

int vp_hash_zstd_stream(ZSTD_DCtx *dctx, const uint8_t *src, size_t n, size_t raw, uint8_t *step, size_t step_len, uint8_t id[32]) {
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md || EVP_DigestInit_ex(md, vp_sha256(), NULL) != 1 || ZSTD_isError(ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only))) {
    EVP_MD_CTX_free(md);
    return VP_STREAM_FAILED;
  }
  ZSTD_inBuffer in = {src, n, 0};
  size_t total = 0;
  int status = VP_STREAM_OK;
  for (;;) {
    ZSTD_outBuffer out = {step, step_len, 0};
    size_t left = ZSTD_decompressStream(dctx, &out, &in);
    total += out.pos;
    if (ZSTD_isError(left) || total > raw) {
      status = VP_STREAM_DAMAGED;
      break;
    }
    if (out.pos > 0 && EVP_DigestUpdate(md, step, out.pos) != 1) {
      status = VP_STREAM_FAILED;
      break;
    }
    if (left == 0 && in.pos == in.size) break; /* every frame ended, like ZSTD_decompressDCtx */
    if (out.pos == 0 && in.pos == in.size) {
      status = VP_STREAM_DAMAGED; /* the input ends inside a frame */
      break;
    }
  }
  unsigned int len = 0;
  if (status == VP_STREAM_OK && total != raw) status = VP_STREAM_DAMAGED;
  if (status == VP_STREAM_OK && EVP_DigestFinal_ex(md, id, &len) != 1) status = VP_STREAM_FAILED;
  EVP_MD_CTX_free(md);
  return status;
}

static void verifier_free(struct verifier *v) {
  EVP_MD_CTX_free(v->pack_md);
  ZSTD_freeDCtx(v->dctx);
  free(v);
}

static void verifier_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  verifier_free(data);
}

napi_value js_pack_verifier(napi_env env, napi_callback_info info) {
  (void)info;
  struct verifier *v = calloc(1, sizeof *v);
  napi_value ext;
  if (v) {
    v->pack_md = EVP_MD_CTX_new();
    v->dctx = ZSTD_createDCtx();
  }
  if (!v || !v->pack_md || !v->dctx) {
    if (v) verifier_free(v);
    napi_throw_error(env, "ENOMEM", "packVerifier: OpenSSL or zstd could not start");
    return NULL;
  }
  if (napi_create_external(env, v, verifier_finalize, NULL, &ext) != napi_ok) {
    verifier_free(v);
    napi_throw_error(env, "ENOMEM", "packVerifier: out of memory");
    return NULL;
  }
  return ext;
}

