/*
 * Poly1305 (RFC 8439 section 2.5), radix 2^64 with 128-bit products: the accumulator used by
 * the object cipher (cipher.c) for short messages and the poly1305() export the tests cross-check.
 * A pure-JS Poly1305 (~250 MB/s) would be the slowest step of the restic write path. Long
 * messages go to the OpenSSL Node exports (EVP_MAC "POLY1305", AVX2 code): about 6 GB/s on the
 * bench machine against this accumulator's 1.2 GB/s.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <pthread.h>
#include <node_api.h>
#include <openssl/evp.h>
#include "common.h"
#include "poly1305.h"

/* ------------------------------------------------------------------------------------------ */
/* Poly1305 (RFC 8439 section 2.5)                                                            */
/*
 * The accumulator h is kept as h0 + h1·2^64 + h2·2^128 with h2 small (below 8). r is split into
 * two 64-bit words; clamping clears the low two bits of r1, so r1 = 4·(r1 >> 2) and
 *   h1·r1·2^128 = h1·(r1 >> 2)·2^130 ≡ 5·(r1 >> 2)·h1   (mod 2^130 − 5).
 * With k = 5·(r1 >> 2) the product h·r mod p, before the final fold, is
 *   lo  = h0·r0 + h1·k
 *   mid = h0·r1 + h1·r0 + h2·k
 *   hi  = h2·r0                       (coefficients of 2^0, 2^64, 2^128)
 * and everything at or above 2^130 is folded back multiplied by 5.
 */

typedef unsigned __int128 u128;

static inline uint64_t load_le64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void store_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}


void poly_init(struct poly_acc *a, const uint8_t key[32]) {
  a->r0 = load_le64(key) & 0x0ffffffc0fffffffULL;
  a->r1 = load_le64(key + 8) & 0x0ffffffc0ffffffcULL;
  a->k = (a->r1 >> 2) * 5;
  a->s0 = load_le64(key + 16);
  a->s1 = load_le64(key + 24);
  a->h0 = a->h1 = a->h2 = 0;
}

/* Absorbs `blocks` 16-byte blocks; `pad` is 1 for full blocks (the 2^128 bit) and 0 for the
 * already padded final partial block. */
void poly_absorb(struct poly_acc *a, const uint8_t *m, size_t blocks, uint64_t pad) {
  const uint64_t r0 = a->r0, r1 = a->r1, k = a->k;
  uint64_t h0 = a->h0, h1 = a->h1, h2 = a->h2;
  for (; blocks > 0; blocks--, m += 16) {
    u128 sum = (u128)h0 + load_le64(m);
    h0 = (uint64_t)sum;
    sum = (u128)h1 + load_le64(m + 8) + (uint64_t)(sum >> 64);
    h1 = (uint64_t)sum;
    h2 += (uint64_t)(sum >> 64) + pad; /* h2 <= 6 here */

    u128 lo = (u128)h0 * r0 + (u128)h1 * k;                       /* < 2^126 */
    u128 mid = (u128)h0 * r1 + (u128)h1 * r0 + (u128)(h2 * k);   /* < 2^126 */
    uint64_t hi = h2 * r0;                                        /* < 2^63  */

    h0 = (uint64_t)lo;
    mid += (uint64_t)(lo >> 64);
    h1 = (uint64_t)mid;
    hi += (uint64_t)(mid >> 64);

    /* hi holds bits 128 and up: keep two bits, fold the rest (times 2^130 ≡ 5) into h. */
    h2 = hi & 3;
    uint64_t fold = (hi & ~(uint64_t)3) + (hi >> 2);
    sum = (u128)h0 + fold;
    h0 = (uint64_t)sum;
    sum = (u128)h1 + (uint64_t)(sum >> 64);
    h1 = (uint64_t)sum;
    h2 += (uint64_t)(sum >> 64); /* h2 <= 4 */
  }
  a->h0 = h0;
  a->h1 = h1;
  a->h2 = h2;
}

/* Absorbs the final `len` < 16 bytes (if any) and writes the tag. */
void poly_finish(struct poly_acc *a, const uint8_t *tail, size_t len, uint8_t tag[16]) {
  if (len) {
    uint8_t last[16] = {0};
    memcpy(last, tail, len);
    last[len] = 1;
    poly_absorb(a, last, 1, 0);
  }
  /* h < 5·2^128 < 2p, so one conditional subtraction of p = 2^130 − 5 reduces it fully:
   * h ≥ p exactly when h + 5 reaches 2^130. Selected without branches. */
  u128 sum = (u128)a->h0 + 5;
  uint64_t g0 = (uint64_t)sum;
  sum = (u128)a->h1 + (uint64_t)(sum >> 64);
  uint64_t g1 = (uint64_t)sum;
  uint64_t g2 = a->h2 + (uint64_t)(sum >> 64);
  uint64_t use_g = 0 - (g2 >> 2);
  uint64_t h0 = (a->h0 & ~use_g) | (g0 & use_g);
  uint64_t h1 = (a->h1 & ~use_g) | (g1 & use_g);

  /* tag = (h + s) mod 2^128 */
  sum = (u128)h0 + a->s0;
  h0 = (uint64_t)sum;
  h1 = h1 + a->s1 + (uint64_t)(sum >> 64);
  store_le64(tag, h0);
  store_le64(tag + 8, h1);
}

/*
 * Below this many bytes the accumulator is used: EVP_MAC_init's key setup and its calls cost about
 * as much as the accumulator spends on a message of this size (sealInto per size, CPU time).
 */
#define POLY_EVP_MIN_BYTES 1024

static pthread_once_t evp_once = PTHREAD_ONCE_INIT;
static EVP_MAC *evp_poly1305; /* NULL when this OpenSSL has no POLY1305 MAC: the accumulator then */
static __thread EVP_MAC_CTX *thread_ctx; /* each thread's, kept for the thread's life */

static void fetch_poly1305(void) { evp_poly1305 = EVP_MAC_fetch(NULL, "POLY1305", NULL); }

static EVP_MAC_CTX *evp_context(void) {
  pthread_once(&evp_once, fetch_poly1305);
  if (!thread_ctx && evp_poly1305) thread_ctx = EVP_MAC_CTX_new(evp_poly1305);
  return thread_ctx;
}

bool poly_mac_init(struct poly_mac *m, const uint8_t key[32], size_t message_len) {
  m->tail_len = 0;
  m->evp = message_len >= POLY_EVP_MIN_BYTES ? evp_context() : NULL;
  if (m->evp) return EVP_MAC_init((EVP_MAC_CTX *)m->evp, key, 32, NULL) == 1; /* clamps r itself */
  poly_init(&m->acc, key);
  return true;
}

bool poly_mac_update(struct poly_mac *m, const uint8_t *data, size_t n) {
  if (m->evp) return EVP_MAC_update((EVP_MAC_CTX *)m->evp, data, n) == 1;
  poly_absorb(&m->acc, data, n / 16, 1);
  m->tail_len = n % 16;
  memcpy(m->tail, data + (n & ~(size_t)15), m->tail_len);
  return true;
}

bool poly_mac_final(struct poly_mac *m, uint8_t tag[16]) {
  if (m->evp) {
    size_t written = 0;
    return EVP_MAC_final((EVP_MAC_CTX *)m->evp, tag, &written, 16) == 1 && written == 16;
  }
  poly_finish(&m->acc, m->tail, m->tail_len, tag);
  return true;
}

static bool poly1305_tag(uint8_t tag[16], const uint8_t *msg, size_t len, const uint8_t key[32]) {
  struct poly_mac m;
  return poly_mac_init(&m, key, len) && poly_mac_update(&m, msg, len) && poly_mac_final(&m, tag);
}

/* poly1305(key32, msg, out16) */
static napi_value js_poly1305(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "poly1305(key, msg, out)")) return NULL;
  uint8_t *key, *msg, *out;
  size_t key_len, msg_len, out_len;
  if (!get_u8(env, argv[0], "key", &key, &key_len) || !get_u8(env, argv[1], "msg", &msg, &msg_len) ||
      !get_u8(env, argv[2], "out", &out, &out_len))
    return NULL;
  if (key_len != 32 || out_len < 16) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "poly1305: the key must be 32 bytes and out at least 16");
    return NULL;
  }
  uint8_t tag[16];
  if (!poly1305_tag(tag, msg, msg_len, key)) {
    napi_throw_error(env, NULL, "poly1305: OpenSSL failed");
    return NULL;
  }
  memcpy(out, tag, 16);
  return NULL;
}

bool poly1305_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"poly1305", NULL, js_poly1305, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
