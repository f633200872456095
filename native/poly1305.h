/* The Poly1305 accumulator (poly1305.c), shared with the object cipher (cipher.c). */
#ifndef LIFEBOAT_POLY1305_H
#define LIFEBOAT_POLY1305_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct poly_acc {
  uint64_t r0, r1, k; /* clamped r and 5·(r1 >> 2) */
  uint64_t s0, s1;    /* the one-time pad s */
  uint64_t h0, h1, h2;
};

/* Sets r (clamped) and s from a 32-byte one-time key; h = 0. */
void poly_init(struct poly_acc *a, const uint8_t key[32]);
/* Absorbs `blocks` 16-byte blocks; `pad` is 1 for full blocks (the 2^128 bit), 0 for a padded final block. */
void poly_absorb(struct poly_acc *a, const uint8_t *m, size_t blocks, uint64_t pad);
/* Absorbs the final `len` < 16 bytes (if any) and writes the tag. */
void poly_finish(struct poly_acc *a, const uint8_t *tail, size_t len, uint8_t tag[16]);

/*
 * One message's Poly1305 tag, computed by OpenSSL's vectorised Poly1305 (EVP_MAC, one context per
 * thread) when the message is long enough to pay for its setup, else by the accumulator above.
 * Updates are whole 16-byte blocks except the last one. Safe to call from any thread.
 */
struct poly_mac {
  void *evp; /* the calling thread's EVP_MAC_CTX, or NULL: `acc` is used */
  struct poly_acc acc;
  uint8_t tail[16];
  size_t tail_len;
};

/* `message_len` chooses the implementation; false when OpenSSL fails. */
bool poly_mac_init(struct poly_mac *m, const uint8_t key[32], size_t message_len);
bool poly_mac_update(struct poly_mac *m, const uint8_t *data, size_t n);
bool poly_mac_final(struct poly_mac *m, uint8_t tag[16]);

#endif
