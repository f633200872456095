/* The Poly1305 accumulator (poly1305.c), shared with the object cipher (cipher.c). */
#ifndef LIFEBOAT_POLY1305_H
#define LIFEBOAT_POLY1305_H

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

#endif
