/* restic's chunker (spec 11); see chunker.h. */
#include "chunker.h"

static int deg64(uint64_t x) { return x ? 63 - __builtin_clzll(x) : -1; }

static uint64_t gf2_mod(uint64_t x, uint64_t p) {
  int dp = deg64(p);
  for (int d; (d = deg64(x)) >= dp;) x ^= p << (d - dp);
  return x;
}

bool chunker_init(struct chunker *c, uint64_t pol, int average_bits, uint32_t min_size, uint32_t max_size) {
  int k = deg64(pol);
  if (k < 41 || k > 56 || average_bits < 1 || average_bits > 31 || min_size < WINDOW || max_size < min_size) return false;
  c->shift = k - 8;
  c->mask = (1ull << average_bits) - 1;
  c->min_size = min_size;
  c->max_size = max_size;
  for (uint64_t b = 0; b < 256; b++) {
    uint64_t h = gf2_mod(b, pol);
    for (int i = 0; i < WINDOW - 1; i++) h = gf2_mod(h << 8, pol);
    c->out[b] = h;
    c->mod[b] = gf2_mod(b << k, pol) | (b << k);
  }
  return true;
}

void chunk_reset(struct chunk_state *s) {
  s->digest = 1; /* a zero window, then one slide of the byte 1 */
  s->count = 0;
}

/* One slide: `leaving` leaves the window, `entering` enters it (shift: the pol's degree − 8). */
static inline __attribute__((always_inline)) uint64_t slide(const struct chunker *c, uint64_t d, uint8_t leaving, uint8_t entering, const int shift) {
  d ^= c->out[leaving];
  return ((d << 8) | entering) ^ c->mod[d >> shift];
}

/* The digest after sliding the WINDOW bytes before p into a zero window. */
static inline __attribute__((always_inline)) uint64_t window_digest(const struct chunker *c, const uint8_t *p, const int shift) {
  uint64_t d = 0;
  for (int j = -WINDOW; j < 0; j++) d = slide(c, d, 0, p[j], shift);
  return d;
}

/* Slides from buf[*at] up to buf[limit) one byte at a time; returns the index just past a cut, or -1. */
static inline __attribute__((always_inline)) int64_t scan_run(const struct chunker *c, const uint8_t *buf, size_t *at, size_t limit,
                                                              uint64_t *digest, const int shift) {
  uint64_t d = *digest;
  for (size_t i = *at; i < limit; i++) {
    d = slide(c, d, buf[i - WINDOW], buf[i], shift);
    if ((d & c->mask) == 0) return (int64_t)i + 1;
  }
  *at = limit;
  *digest = d;
  return -1;
}

#define STREAMS 4
#define STREAM_BYTES 4096u

/*
 * Scans blocks of STREAMS × STREAM_BYTES bytes from buf[*at], each block as STREAMS independent
 * runs side by side; returns the index just past the first cut, or -1 with *at and *digest where
 * the last whole block ended.
 *
 * Once a chunk holds more than WINDOW bytes, its digest is a function of the window's bytes only
 * (the reset's byte has left; the digest is linear in the window), so a run can start anywhere
 * from window_digest. A single run is bound by its chain (table load → xor → shift, as in
 * restic); independent runs let the core overlap their chains: four runs of 4 KiB scan 2.2× as
 * fast as two bytes per round on one chain did (chunkerCuts over 256 MiB of random data; six runs
 * were slower: not enough registers). The block's first run goes on from *digest, and its last
 * run ends where the next block starts. When a later run finds a cut first, an earlier run may
 * still cut before it: the bytes in between are scanned in order.
 */
static inline __attribute__((always_inline)) int64_t scan_streams(const struct chunker *c, const uint8_t *buf, size_t *at, size_t limit,
                                                                  uint64_t *digest, const int shift) {
  const uint64_t mask = c->mask;
  uint64_t d0 = *digest;
  size_t i = *at;
  for (; limit - i >= STREAMS * STREAM_BYTES; i += STREAMS * STREAM_BYTES) {
    const uint8_t *p0 = buf + i, *p1 = p0 + STREAM_BYTES, *p2 = p1 + STREAM_BYTES, *p3 = p2 + STREAM_BYTES;
    uint64_t d1 = window_digest(c, p1, shift), d2 = window_digest(c, p2, shift), d3 = window_digest(c, p3, shift);
    size_t j = 0;
    for (; j < STREAM_BYTES; j++) {
      d0 = slide(c, d0, p0[j - WINDOW], p0[j], shift);
      d1 = slide(c, d1, p1[j - WINDOW], p1[j], shift);
      d2 = slide(c, d2, p2[j - WINDOW], p2[j], shift);
      d3 = slide(c, d3, p3[j - WINDOW], p3[j], shift);
      if (__builtin_expect(((d0 & mask) == 0) | ((d1 & mask) == 0) | ((d2 & mask) == 0) | ((d3 & mask) == 0), 0)) break;
    }
    if (j == STREAM_BYTES) {
      d0 = d3;
      continue;
    }
    if ((d0 & mask) == 0) return (int64_t)(i + j) + 1;
    size_t hit = i + j + ((d1 & mask) == 0 ? 1 : (d2 & mask) == 0 ? 2 : 3) * STREAM_BYTES;
    size_t from = i + j + 1;
    int64_t cut = scan_run(c, buf, &from, hit, &d0, shift);
    return cut >= 0 ? cut : (int64_t)hit + 1;
  }
  *at = i;
  *digest = d0;
  return -1;
}

/* The bytes from buf[*at] to buf[limit): whole blocks side by side, the rest one at a time. */
static inline __attribute__((always_inline)) int64_t scan(const struct chunker *c, const uint8_t *buf, size_t *at, size_t limit, uint64_t *digest,
                                                          const int shift) {
  int64_t cut = scan_streams(c, buf, at, limit, digest, shift);
  return cut >= 0 ? cut : scan_run(c, buf, at, limit, digest, shift);
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
    d = slide(c, d, count == c->min_size - 1 ? 1 : 0, buf[i], c->shift);
    count++;
    if (count >= c->min_size && ((d & c->mask) == 0 || count >= c->max_size)) {
      chunk_reset(s);
      return (int64_t)i + 1;
    }
  }
  size_t limit = end - i < (size_t)(c->max_size - count) ? end : i + (c->max_size - count);
  size_t body = i;
  /* restic's polynomials have degree 53: constant shifts there (variable ones cost more uops) */
  int64_t cut = c->shift == 45 ? scan(c, buf, &i, limit, &d, 45) : scan(c, buf, &i, limit, &d, c->shift);
  if (cut >= 0) {
    chunk_reset(s);
    return cut;
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

