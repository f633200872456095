/* restic's chunker (spec 11); see chunker.h. */
#include "chunker.h"

static int deg64(uint64_t x) { return x ? 63 - __builtin_clzll(x) : -1; }

static uint64_t gf2_mod(uint64_t x, uint64_t p) {
  int dp = deg64(p);
  for (int d; (d = deg64(x)) >= dp;) x ^= p << (d - dp);
  return x;
}

/* One slide of a zero byte with nothing leaving: x · 2^8 mod pol, for x below 2^k. */
static uint64_t shift8(const struct chunker *c, uint64_t x) { return (x << 8) ^ c->mod[x >> c->shift]; }

bool chunker_init(struct chunker *c, uint64_t pol, int average_bits, uint32_t min_size, uint32_t max_size) {
  int k = deg64(pol);
  if (k < 41 || k > 56 || average_bits < 1 || average_bits > 31 || min_size < WINDOW || max_size < min_size) return false;
  c->shift = k - 8;
  c->mask = (1ull << average_bits) - 1;
  c->min_size = min_size;
  c->max_size = max_size;
  c->low_bits = k - 16;
  for (uint64_t b = 0; b < 256; b++) {
    uint64_t h = gf2_mod(b, pol);
    for (int i = 0; i < WINDOW - 1; i++) h = gf2_mod(h << 8, pol);
    c->out[b] = h;
    c->mod[b] = gf2_mod(b << k, pol) | (b << k);
  }
  for (uint64_t b = 0; b < 256; b++) {
    c->out1[b] = shift8(c, c->out[b]);
    c->out2[b] = shift8(c, c->out1[b]);
    c->top_hi[b] = shift8(c, shift8(c, b << (k - 8)));
    c->top_lo[b] = shift8(c, shift8(c, b << (k - 16)));
  }
  return true;
}

void chunk_reset(struct chunk_state *s) {
  s->digest = 1; /* a zero window, then one slide of the byte 1 */
  s->count = 0;
}

#define SLIDE(leaving, entering)               \
  do {                                         \
    d ^= c->out[(leaving)];                    \
    uint64_t idx_ = d >> c->shift;             \
    d = (d << 8) | (entering);                 \
    d ^= c->mod[idx_];                         \
  } while (0)

/*
 * Slides two bytes per round from buf[*at] while two remain before `limit`; returns the index just
 * past a cut, or -1 with *at and *digest where it stopped.
 *
 * One slide waits for a table load indexed by the digest it just made, so the chain
 * load → xor → shift bounds a byte-at-a-time loop (as in restic). Sliding is linear over GF(2),
 * so the digest two bytes on is
 *   (d · 2^16 mod pol) ⊕ out2[leaving₁] ⊕ out1[leaving₂] ⊕ entering₁ · 2^8 ⊕ entering₂
 * where d · 2^16 mod pol is (d's low bits) · 2^16 ⊕ top_hi[…] ⊕ top_lo[…] of d's top 16 bits:
 * two independent loads per two bytes, and the terms of the bytes are ready before d is. The
 * digest in between, only tested against the mask, is one ordinary slide off that chain.
 */
static inline __attribute__((always_inline)) int64_t scan_pairs(const struct chunker *c, const uint8_t *buf, size_t *at, size_t limit,
                                                                uint64_t *digest, const int shift, const int low_bits) {
  const uint64_t mask = c->mask, low_mask = (1ull << low_bits) - 1;
  uint64_t d = *digest;
  size_t i = *at;
  for (; i + 1 < limit; i += 2) {
    const uint8_t *in = buf + i;
    uint64_t bytes = c->out2[in[-WINDOW]] ^ c->out1[in[1 - WINDOW]] ^ ((uint64_t)in[0] << 8) ^ in[1];
    uint64_t e = d ^ c->out[in[-WINDOW]];
    uint64_t mid = ((e << 8) | in[0]) ^ c->mod[e >> shift];
    uint64_t top = d >> low_bits;
    d = ((((d & low_mask) << 16) ^ c->top_hi[top >> 8]) ^ c->top_lo[top & 0xff]) ^ bytes;
    if ((mid & mask) == 0) return (int64_t)i + 1;
    if ((d & mask) == 0) return (int64_t)i + 2;
  }
  *at = i;
  *digest = d;
  return -1;
}

/*
 * Scans the current chunk, which starts at buf[start] and holds s->count bytes already scanned,
 * up to buf[end). Returns the index just past the cut, or -1 when there is none yet. The first
 * min_size − 64 bytes of a chunk are not hashed; the next 64 slides take their leaving byte from
 * the reset window (zeros, then the 1), later ones from the chunk itself.
 */
int64_t chunker_next(const struct chunker *c, struct chunk_state *s, const uint8_t *buf, size_t start, size_t end) {
  size_t i = start + s->count;
  const uint32_t skip_until = c->min_size - WINDOW;
  if (s->count < skip_until) {
    size_t skip = end - i < (size_t)(skip_until - s->count) ? end - i : skip_until - s->count;
    i += skip;
    s->count += (uint32_t)skip;
    if (i == end) return -1;
  }
  uint64_t d = s->digest;
  uint32_t count = s->count;
  for (; i < end && count < c->min_size; i++) {
    SLIDE(count == c->min_size - 1 ? 1 : 0, buf[i]);
    count++;
    if (count >= c->min_size && ((d & c->mask) == 0 || count >= c->max_size)) {
      chunk_reset(s);
      return (int64_t)i + 1;
    }
  }
  size_t limit = end - i < (size_t)(c->max_size - count) ? end : i + (c->max_size - count);
  const uint64_t mask = c->mask;
  size_t body = i;
  /* restic's polynomials have degree 53: constant shifts there (variable ones cost more uops) */
  int64_t cut = c->shift == 45 ? scan_pairs(c, buf, &i, limit, &d, 45, 37) : scan_pairs(c, buf, &i, limit, &d, c->shift, c->low_bits);
  if (cut >= 0) {
    chunk_reset(s);
    return cut;
  }
  for (; i < limit; i++) {
    SLIDE(buf[i - WINDOW], buf[i]);
    if ((d & mask) == 0) {
      chunk_reset(s);
      return (int64_t)i + 1;
    }
  }
  count += (uint32_t)(i - body);
  if (count >= c->max_size) {
    chunk_reset(s);
    return (int64_t)i;
  }
  s->digest = d;
  s->count = count;
  return -1;
}

