/* The strict JSON reader of json-in.h. */
#include <stdlib.h>
#include "json-in.h"

const int8_t JSON_HEX[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
    ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

bool scan_grow(void **buf, size_t *cap, size_t need, size_t each) {
  if (need <= *cap) return true;
  size_t cap2 = *cap ? *cap * 2 : 64;
  if (cap2 < need) cap2 = need;
  void *grown = realloc(*buf, cap2 * each);
  if (!grown) return false;
  *buf = grown;
  *cap = cap2;
  return true;
}

void json_id(struct json_in *r, uint8_t *out) {
  if (!json_expect(r, '"')) return;
  const uint8_t *h = r->b + r->pos;
  if (r->pos + 65 > r->len || h[64] != '"') {
    r->failed = true;
    return;
  }
  int bad = 0;
  uint8_t bytes[ID_BYTES];
  for (size_t i = 0; i < ID_BYTES; i++) {
    int hi = JSON_HEX[h[2 * i]], lo = JSON_HEX[h[2 * i + 1]];
    bad |= (hi == 0) | (lo == 0);
    bytes[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
  }
  if (bad) {
    r->failed = true;
    return;
  }
  if (out) memcpy(out, bytes, ID_BYTES);
  r->pos += 65;
}

/* The digits from the current position: their count, their value in *value (saturating at 2^64 - 1, then *overflow). */
static size_t digits(struct json_in *r, uint64_t *value, bool *overflow) {
  json_peek(r);
  size_t start = r->pos, p = start;
  uint64_t n = 0;
  *overflow = false;
  while (p < r->len && r->b[p] >= '0' && r->b[p] <= '9') {
    uint64_t d = (uint64_t)(r->b[p++] - '0');
    if (n > (UINT64_MAX - d) / 10) *overflow = true;
    else n = n * 10 + d;
  }
  size_t count = p - start;
  int next = p < r->len ? r->b[p] : -1;
  if (count == 0 || (count > 1 && r->b[start] == '0') || next == '.' || next == 'e' || next == 'E' || *overflow) r->failed = true;
  else r->pos = p;
  *value = n;
  return count;
}

double json_uint(struct json_in *r) {
  if (r->failed) return -1;
  uint64_t n;
  bool overflow;
  if (digits(r, &n, &overflow) > 15) r->failed = true;
  return r->failed ? -1 : (double)n;
}

uint64_t json_uint64(struct json_in *r) {
  if (r->failed) return 0;
  uint64_t n;
  bool overflow;
  digits(r, &n, &overflow);
  return r->failed ? 0 : n;
}

void json_string(struct json_in *r, size_t *start, size_t *end, bool *escaped) {
  *escaped = false;
  *start = *end = 0;
  if (!json_expect(r, '"')) return;
  size_t p = r->pos;
  *start = p;
  while (p < r->len) {
    uint8_t c = r->b[p];
    if (c == '"') {
      *end = p;
      r->pos = p + 1;
      return;
    }
    if (c < 0x20) break;
    if (c != '\\') {
      p++;
      continue;
    }
    *escaped = true;
    if (p + 1 >= r->len) break;
    uint8_t e = r->b[p + 1];
    if (e == 'u') {
      if (p + 6 > r->len) break;
      bool hex = true;
      for (size_t k = 2; k < 6; k++) {
        uint8_t h = r->b[p + k];
        hex = hex && ((h >= '0' && h <= '9') || ((h | 0x20) >= 'a' && (h | 0x20) <= 'f'));
      }
      if (!hex) break;
      p += 6;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
      p += 2;
    } else {
      break;
    }
  }
  r->failed = true;
}
