/*
 * What verify-pack.c and pack-verifier.c share: a check lane's state (packVerifier) and SHA-256.
 */
#ifndef LIFEBOAT_VERIFY_PACK_H
#define LIFEBOAT_VERIFY_PACK_H

#include <node_api.h>
#include <openssl/evp.h>
#include <zstd.h>

/* A check lane's state (packVerifier): made on the main thread, used by one request at a time. */
struct verifier {
  EVP_MD_CTX *pack_md;
  ZSTD_DCtx *dctx;
};

/* SHA-256, fetched once and shared by threads. */
const EVP_MD *vp_sha256(void);

/* packVerifier() → a new lane state, freed when the JS value is collected. */
napi_value js_pack_verifier(napi_env env, napi_callback_info info);

#endif
