/*
 * What verify-pack.c and pack-verifier.c share: a check lane's state (packVerifier) and SHA-256.
 */
#ifndef LIFEBOAT_VERIFY_PACK_H
#define LIFEBOAT_VERIFY_PACK_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <zstd.h>

/* A check lane's state (packVerifier): made on the main thread, used by one request at a time. */
struct verifier {
  EVP_MD_CTX *pack_md;
  ZSTD_DCtx *dctx;
};

/* SHA-256, fetched once and shared by threads. */
const EVP_MD *vp_sha256(void);

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

/* packVerifier() → a new lane state, freed when the JS value is collected. */
napi_value js_pack_verifier(napi_env env, napi_callback_info info);

#endif
