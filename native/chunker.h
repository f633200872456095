/*
 * restic's content-defined chunker (spec 11) for the file lanes: a Rabin fingerprint over a
 * 64-byte window, cut when the low `average_bits` bits of the digest are zero (and the chunk holds
 * at least min_size bytes) or at max_size. The TypeScript chunker (src/repository/chunker) is the
 * reference; a test requires identical cuts from both.
 */
#ifndef LIFEBOAT_CHUNKER_H
#define LIFEBOAT_CHUNKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WINDOW 64

struct chunker {
  uint64_t out[256], mod[256];
  int shift;
  uint64_t mask;
  uint32_t min_size, max_size;
};

/* The state of the current chunk: its digest and the bytes it holds so far. */
struct chunk_state {
  uint64_t digest;
  uint32_t count;
};

/* Tables for polynomial `pol` (degree 41..56, as the TypeScript chunker requires); false otherwise. */
bool chunker_init(struct chunker *c, uint64_t pol, int average_bits, uint32_t min_size, uint32_t max_size);

/* Starts a new chunk. */
void chunk_reset(struct chunk_state *s);

/*
 * Scans the current chunk, which starts at buf[start] and holds s->count bytes already scanned,
 * up to buf[end): the whole chunk must be in `buf` (the byte leaving the window is read from it).
 * Returns the index just past the cut (the state is reset for the next chunk), or -1.
 */
int64_t chunker_next(const struct chunker *c, struct chunk_state *s, const uint8_t *buf, size_t start, size_t end);

#endif
