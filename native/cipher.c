/*
 * restic's object encryption (spec 3.2): IV ‖ AES-256-CTR ‖ Poly1305-AES, sealed and opened
 * into caller-owned buffers with the OpenSSL that Node itself exports (AES-NI). Node's
 * Cipher.update always returns a fresh buffer; this keeps the hot path free of allocations.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "common.h"
#include "format.h"
#include "poly1305.h"

/* Slices for the fused seal: AES-CTR writes one slice, Poly1305 reads it while it is in L1/L2. */
#define SEAL_SLICE (16 * 1024)

/*
 * The two ciphers, fetched once: EVP_aes_256_ctr() and EVP_aes_128_ecb() make every
 * EVP_EncryptInit_ex look the algorithm up by name again (OpenSSL 3's implicit fetch), twice per
 * blob opened or sealed. Fetched ciphers may be shared between threads; if a fetch fails, the
 * implicit ones are used.
 */
static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;
static const EVP_CIPHER *aes256ctr, *aes128ecb;

static void fetch_ciphers(void) {
  aes256ctr = EVP_CIPHER_fetch(NULL, "AES-256-CTR", NULL);
  aes128ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
  if (!aes256ctr) aes256ctr = EVP_aes_256_ctr();
  if (!aes128ecb) aes128ecb = EVP_aes_128_ecb();
}

static const EVP_CIPHER *cipher_ctr(void) {
  pthread_once(&ciphers_once, fetch_ciphers);
  return aes256ctr;
}

static const EVP_CIPHER *cipher_ecb(void) {
  pthread_once(&ciphers_once, fetch_ciphers);
  return aes128ecb;
}

static EVP_CIPHER_CTX *ctr_start(const uint8_t key[32], const uint8_t iv[16]) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx && EVP_EncryptInit_ex(ctx, cipher_ctr(), NULL, key, iv) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

static bool ctr_update(EVP_CIPHER_CTX *ctx, const uint8_t *in, uint8_t *out, size_t n) {
  for (size_t done = 0; done < n;) {
    int step = (n - done) > (size_t)(1 << 30) ? (1 << 30) : (int)(n - done), written = 0;
    if (EVP_EncryptUpdate(ctx, out + done, &written, in + done, step) != 1 || written != step) return false;
    done += (size_t)step;
  }
  return true;
}

/* Poly1305-AES key setup: one-time key r ‖ AES-128-ECB(macK, nonce), for a message of `n` bytes;
 * r is clamped by poly_mac_init. */
static bool poly1305_aes_init(struct poly_mac *a, const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t nonce[16], size_t n) {
  uint8_t key[32];
  memcpy(key, mac_r, 16);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int written = 0;
  bool ok = EVP_EncryptInit_ex(ctx, cipher_ecb(), NULL, mac_k, NULL) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
            EVP_EncryptUpdate(ctx, key + 16, &written, nonce, 16) == 1 && written == 16;
  EVP_CIPHER_CTX_free(ctx);
  return ok && poly_mac_init(a, key, n);
}

static const uint8_t ZERO16[16];

bool iv_is_zero(const uint8_t iv[16]) { return memcmp(iv, ZERO16, IV_LENGTH) == 0; }

/* Compares two tags in constant time. */
static bool tags_equal(const uint8_t a[16], const uint8_t b[16]) {
  uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff |= (uint8_t)(a[i] ^ b[i]);
  return diff == 0;
}

/* The three key parts at argv[0..2] (common.h). */
bool get_key_args(napi_env env, napi_value *argv, uint8_t **enc, uint8_t **mac_k, uint8_t **mac_r) {
  size_t el, kl, rl;
  if (!get_u8(env, argv[0], "encrypt", enc, &el) || !get_u8(env, argv[1], "macK", mac_k, &kl) ||
      !get_u8(env, argv[2], "macR", mac_r, &rl))
    return false;
  if (el != 32 || kl != 16 || rl != 16) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "key parts must be 32, 16 and 16 bytes");
    return false;
  }
  return true;
}

static bool overlaps(const uint8_t *a, const uint8_t *b, size_t n) {
  return a != b && a < b + n && b < a + n;
}

bool seal_blob(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t *in, size_t n,
               uint8_t *out) {
  uint8_t *iv = out, *ct = out + IV_LENGTH;
  uint8_t nonce[IV_LENGTH];
  do {
    if (RAND_bytes(nonce, IV_LENGTH) != 1) return false;
  } while (iv_is_zero(nonce));
  struct poly_mac mac;
  EVP_CIPHER_CTX *ctx = poly1305_aes_init(&mac, mac_k, mac_r, nonce, n) ? ctr_start(enc, nonce) : NULL;
  bool ok = ctx != NULL;
  for (size_t done = 0; ok && done < n;) {
    size_t step = n - done < SEAL_SLICE ? n - done : SEAL_SLICE;
    /* only the last slice has a partial block */
    ok = ctr_update(ctx, in + done, ct + done, step) && poly_mac_update(&mac, ct + done, step);
    done += step;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok || !poly_mac_final(&mac, ct + n)) return false;
  memcpy(iv, nonce, IV_LENGTH);
  return true;
}

bool open_blob(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t *in, size_t n,
               uint8_t *out, int64_t *plain_len) {
  *plain_len = -1;
  if (n < CIPHERTEXT_OVERHEAD || iv_is_zero(in)) return true;
  size_t len = n - CIPHERTEXT_OVERHEAD;
  uint8_t iv[IV_LENGTH], tag[16];
  memcpy(iv, in, IV_LENGTH);
  const uint8_t *ct = in + IV_LENGTH;
  struct poly_mac mac;
  if (!poly1305_aes_init(&mac, mac_k, mac_r, iv, len) || !poly_mac_update(&mac, ct, len) || !poly_mac_final(&mac, tag)) return false;
  if (!tags_equal(tag, ct + len)) return true;
  if (overlaps(out, ct, len)) {
    memmove(out, ct, len);
    ct = out;
  }
  EVP_CIPHER_CTX *ctx = ctr_start(enc, iv);
  bool ok = ctx != NULL && ctr_update(ctx, ct, out, len);
  EVP_CIPHER_CTX_free(ctx);
  if (ok) *plain_len = (int64_t)len;
  return ok;
}

struct blob_opening {
  EVP_CIPHER_CTX *ctr;
  struct poly_mac mac;
};

blob_opening *open_stream_begin(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t iv[16], size_t ct_len) {
  blob_opening *o = calloc(1, sizeof *o);
  if (o && poly1305_aes_init(&o->mac, mac_k, mac_r, iv, ct_len) && (o->ctr = ctr_start(enc, iv))) return o;
  free(o);
  return NULL;
}

bool open_stream_step(blob_opening *o, uint8_t *ct, size_t n) {
  return n == 0 || (poly_mac_update(&o->mac, ct, n) && ctr_update(o->ctr, ct, ct, n));
}

bool open_stream_end(blob_opening *o, const uint8_t tag[16], bool *authentic) {
  uint8_t mine[16];
  const bool ok = poly_mac_final(&o->mac, mine);
  *authentic = ok && tags_equal(mine, tag);
  EVP_CIPHER_CTX_free(o->ctr);
  free(o);
  return ok;
}

/* sealInto(encrypt, macK, macR, plaintext, out, outOffset) → bytes written (plaintext + 32).
 * The plaintext may already sit where the ciphertext goes (out + outOffset + 16). */
static napi_value js_seal_into(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "sealInto(encrypt, macK, macR, plaintext, out, outOffset)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *in, *out;
  size_t n, out_len;
  int64_t off;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "plaintext", &in, &n) ||
      !get_u8(env, argv[4], "out", &out, &out_len) || !get_int64(env, argv[5], "outOffset", &off))
    return NULL;
  if (off < 0 || (uint64_t)off > out_len || out_len - (size_t)off < n + CIPHERTEXT_OVERHEAD) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sealInto: the output buffer is too small");
    return NULL;
  }
  uint8_t *sealed = out + off;
  if (overlaps(in, sealed + IV_LENGTH, n)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sealInto: the plaintext partially overlaps the output");
    return NULL;
  }
  if (!seal_blob(enc, mac_k, mac_r, in, n, sealed)) {
    napi_throw_error(env, NULL, "sealInto: OpenSSL or the random generator failed");
    return NULL;
  }
  return make_int64(env, (int64_t)n + CIPHERTEXT_OVERHEAD);
}

/* openInto(encrypt, macK, macR, data, out, outOffset) → plaintext length, or -1 when the data is
 * shorter than 32 bytes, has an all-zero IV or fails the MAC. The MAC is checked before
 * decrypting; `out` may alias the ciphertext. */
static napi_value js_open_into(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "openInto(encrypt, macK, macR, data, out, outOffset)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *in, *out;
  size_t n, out_len;
  int64_t off;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "data", &in, &n) ||
      !get_u8(env, argv[4], "out", &out, &out_len) || !get_int64(env, argv[5], "outOffset", &off))
    return NULL;
  if (n < CIPHERTEXT_OVERHEAD || iv_is_zero(in)) return make_int64(env, -1);
  if (off < 0 || (uint64_t)off > out_len || out_len - (size_t)off < n - CIPHERTEXT_OVERHEAD) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "openInto: the output buffer is too small");
    return NULL;
  }
  int64_t plain_len = 0;
  if (!open_blob(enc, mac_k, mac_r, in, n, out + off, &plain_len)) {
    napi_throw_error(env, NULL, "openInto: OpenSSL failed");
    return NULL;
  }
  return make_int64(env, plain_len);
}

bool cipher_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sealInto", NULL, js_seal_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openInto", NULL, js_open_into, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
