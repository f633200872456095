/*
 * packVerifier (verify-pack.c's lane state) and the SHA-256 the verifications share.
 */
#include <pthread.h>
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

