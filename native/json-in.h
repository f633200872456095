/*
 * A strict reader of the JSON restic writes, for the addon's one-pass scanners of repository
 * documents (index-scan.c, tree-scan.c). Each call checks what it reads; the first thing that is
 * not what the scanner accepts sets `failed`, and every later call then does nothing. A scanner
 * that fails hands the document to the JavaScript decoder, which words the error.
 */
#ifndef LIFEBOAT_JSON_IN_H
#define LIFEBOAT_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ID_BYTES 32

struct json_in {
  const uint8_t *b;
  size_t len, pos;
  bool failed;
};

/* A hex digit's value + 1, 0 for any other byte: lowercase only, as restic writes IDs. */
extern const int8_t JSON_HEX[256];

/* Skips whitespace; the next byte, or -1 at the end. */
static inline int json_peek(struct json_in *r) {
  while (r->pos < r->len) {
    uint8_t c = r->b[r->pos];
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return c;
    r->pos++;
  }
  return -1;
}

static inline bool json_expect(struct json_in *r, int c) {
  if (r->failed || json_peek(r) != c) return !(r->failed = true);
  r->pos++;
  return true;
}

/* An opening bracket; true when the container is empty (its closing bracket is consumed too). */
static inline bool json_open_empty(struct json_in *r, int c, int close) {
  if (!json_expect(r, c) || json_peek(r) != close) return false;
  r->pos++;
  return true;
}

/* ',' (true) or the closing `close` (false; also after a failure). */
static inline bool json_more(struct json_in *r, int close) {
  if (r->failed) return false;
  int c = json_peek(r);
  r->pos++;
  if (c == ',') return true;
  if (c != close) r->failed = true;
  return false;
}

/* The literal `word` (null, true, false) if it comes next; nothing is consumed otherwise. */
static inline bool json_literal(struct json_in *r, const char *word) {
  if (r->failed || json_peek(r) != word[0]) return false;
  size_t n = strlen(word);
  if (r->pos + n > r->len || memcmp(r->b + r->pos, word, n) != 0) return false;
  r->pos += n;
  return true;
}

/* Makes room for `need` items of `each` bytes in a growing array (doubling); false when out of memory. */
bool scan_grow(void **buf, size_t *cap, size_t need, size_t each);

/* A quoted 64-character lowercase hex ID into `out` (32 bytes; NULL: checked only). */
void json_id(struct json_in *r, uint8_t *out);

/* A non-negative integer in plain digits, without leading zeros, of at most 15 digits; -1 after a failure. */
double json_uint(struct json_in *r);

/* A non-negative integer in plain digits, without leading zeros, below 2^64. */
uint64_t json_uint64(struct json_in *r);

/*
 * A string's content (between its quotes) as [*start, *end) of the input, checked as JSON: no raw
 * control characters, only JSON's escapes. *escaped tells whether it holds a backslash.
 */
void json_string(struct json_in *r, size_t *start, size_t *end, bool *escaped);

#endif
