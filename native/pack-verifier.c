/*
 * packVerifier (verify-pack.c's lane state), the SHA-256 the verifications share, and check's
 * streamed hashes: a zstd frame decompressed a step at a time, and a large blob of a local pack
 * file opened, decompressed and hashed a step at a time (verify-pack.h).
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_getFrameHeader: the window size */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
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

static int plain_begin(struct vp_plain_hash *h, ZSTD_DCtx *dctx, size_t raw, uint8_t *step, size_t step_len) {
  /* left: what zstd still needs of the frame, nonzero until a frame has ended */
  *h = (struct vp_plain_hash){.md = EVP_MD_CTX_new(), .dctx = dctx, .step = step, .step_len = step_len, .raw = raw, .left = 1, .status = VP_STREAM_OK};
  if (!h->md || EVP_DigestInit_ex(h->md, vp_sha256(), NULL) != 1 || (dctx && ZSTD_isError(ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only))))
    h->status = VP_STREAM_FAILED;
  return h->status;
}

/* The next `n` bytes of the blob's plaintext, or of its zstd frames when `dctx` is set. */
static void plain_update(struct vp_plain_hash *h, const uint8_t *src, size_t n) {
  if (h->status != VP_STREAM_OK || n == 0) return;
  if (!h->dctx) {
    if (EVP_DigestUpdate(h->md, src, n) != 1) h->status = VP_STREAM_FAILED;
    return;
  }
  ZSTD_inBuffer in = {src, n, 0};
  for (;;) {
    ZSTD_outBuffer out = {h->step, h->step_len, 0};
    h->left = ZSTD_decompressStream(h->dctx, &out, &in);
    h->total += out.pos;
    if (ZSTD_isError(h->left) || h->total > h->raw) {
      h->status = VP_STREAM_DAMAGED;
      return;
    }
    if (out.pos > 0 && EVP_DigestUpdate(h->md, h->step, out.pos) != 1) {
      h->status = VP_STREAM_FAILED;
      return;
    }
    /* all it can give without more input: every frame ended, or the step is not full */
    if (in.pos == in.size && (h->left == 0 || out.pos < out.size)) return;
  }
}

/* ZSTD_decompressDCtx's rules at the end: the last frame ended, exactly `raw` bytes. */
static int plain_end(struct vp_plain_hash *h, uint8_t id[32]) {
  unsigned int len = 0;
  if (h->status == VP_STREAM_OK && h->dctx && (h->left != 0 || h->total != h->raw)) h->status = VP_STREAM_DAMAGED;
  if (h->status == VP_STREAM_OK && EVP_DigestFinal_ex(h->md, id, &len) != 1) h->status = VP_STREAM_FAILED;
  EVP_MD_CTX_free(h->md);
  h->md = NULL;
  return h->status;
}

int vp_hash_zstd_stream(ZSTD_DCtx *dctx, const uint8_t *src, size_t n, size_t raw, uint8_t *step, size_t step_len, uint8_t id[32]) {
  struct vp_plain_hash h;
  if (plain_begin(&h, dctx, raw, step, step_len) == VP_STREAM_OK) plain_update(&h, src, n);
  return plain_end(&h, id);
}

void vp_blob_stream_begin(struct vp_blob_stream *s, const uint8_t *enc, const uint8_t *mac_k, const uint8_t *mac_r, size_t len, size_t raw, ZSTD_DCtx *dctx,
                          uint8_t *step, size_t step_len) {
  *s = (struct vp_blob_stream){.enc = enc, .mac_k = mac_k, .mac_r = mac_r, .len = len, .status = len < CIPHERTEXT_OVERHEAD ? VP_SEALED : VP_OK};
  if (plain_begin(&s->plain, raw > 0 ? dctx : NULL, raw, step, step_len) != VP_STREAM_OK) s->failed = true;
}

/* Which of `n` bytes at blob offset `at` fall in [from, to): their offset in the step and count. */
static size_t overlap(size_t at, size_t n, size_t from, size_t to, size_t *skip) {
  const size_t lo = at > from ? at : from, hi = at + n < to ? at + n : to;
  *skip = lo - at;
  return hi > lo ? hi - lo : 0;
}

void vp_blob_stream_step(struct vp_blob_stream *s, uint8_t *bytes, size_t n) {
  const size_t at = s->pos, ct_end = s->len - 16;
  s->pos += n;
  if (s->status != VP_OK || s->failed) return;
  if (at == 0) { /* the IV: the first step holds it whole */
    if (n < CIPHERTEXT_OVERHEAD || iv_is_zero(bytes)) {
      s->status = VP_SEALED;
      return;
    }
    s->open = open_stream_begin(s->enc, s->mac_k, s->mac_r, bytes, s->len - CIPHERTEXT_OVERHEAD);
    if (!s->open) {
      s->failed = true;
      return;
    }
  }
  size_t skip, tag_skip;
  const size_t ct = overlap(at, n, IV_LENGTH, ct_end, &skip), tag = overlap(at, n, ct_end, s->len, &tag_skip);
  if (!open_stream_step(s->open, bytes + skip, ct)) s->failed = true;
  plain_update(&s->plain, bytes + skip, ct);
  if (tag > 0) memcpy(s->tag + (at + tag_skip - ct_end), bytes + tag_skip, tag);
}

int vp_blob_stream_end(struct vp_blob_stream *s, const uint8_t id[32], bool *failed) {
  bool authentic = false;
  uint8_t got[32];
  if (s->open && !open_stream_end(s->open, s->tag, &authentic)) s->failed = true;
  const int plain = plain_end(&s->plain, got);
  if (plain == VP_STREAM_FAILED) s->failed = true;
  *failed = *failed || s->failed;
  if (s->failed) return VP_SEALED;
  if (s->status != VP_OK || s->pos < s->len || !authentic) return VP_SEALED;
  if (plain == VP_STREAM_DAMAGED) return VP_ZSTD;
  return memcmp(got, id, 32) == 0 ? VP_OK : VP_HASH;
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

