/*
 * sortIndexRows(words, packs, offsets, packed, low, count, bits) → Uint32Array: the master index's
 * rows (src/repository/index/blob-table.ts) sorted in place, exactly as its sort() does in
 * JavaScript: an MSD radix pass on the top `bits` bits of each ID's first word (each row moved
 * once), then each bucket by quicksort (median of three) down to runs of 16 and insertion sort.
 * Every command sorts the index at its first lookup, before V8 has optimised that code (≈ 25 ms
 * for 63,000 blobs); here it takes a few. Returns the bucket starts (2^bits + 1 of them).
 *
 * Order: the ID as eight 32-bit words (native byte order, unsigned), then the type bit (the top
 * bit of packs[i]), then the pack number, then the offset. A row is 8 words, one pack word, one
 * offset, one packed length word and one low length half-word (blob-lengths.ts).
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"

#define WORDS 8
#define PACK_MASK 0x7fffffffu

struct rows {
  uint32_t *w, *packs, *offsets, *packed;
  uint16_t *low;
};

static void swap_rows(const struct rows *r, size_t i, size_t j) {
  uint32_t t[WORDS];
  memcpy(t, r->w + i * WORDS, sizeof t);
  memcpy(r->w + i * WORDS, r->w + j * WORDS, sizeof t);
  memcpy(r->w + j * WORDS, t, sizeof t);
  uint32_t u = r->packs[i];
  r->packs[i] = r->packs[j];
  r->packs[j] = u;
  u = r->offsets[i];
  r->offsets[i] = r->offsets[j];
  r->offsets[j] = u;
  u = r->packed[i];
  r->packed[i] = r->packed[j];
  r->packed[j] = u;
  uint16_t l = r->low[i];
  r->low[i] = r->low[j];
  r->low[j] = l;
}

static int compare_rows(const struct rows *r, size_t i, size_t j) {
  const uint32_t *a = r->w + i * WORDS, *b = r->w + j * WORDS;
  for (int k = 0; k < WORDS; k++) {
    if (a[k] != b[k]) return a[k] < b[k] ? -1 : 1;
  }
  uint32_t p = r->packs[i], q = r->packs[j];
  if (p >> 31 != q >> 31) return p >> 31 < q >> 31 ? -1 : 1;
  if ((p & PACK_MASK) != (q & PACK_MASK)) return (p & PACK_MASK) < (q & PACK_MASK) ? -1 : 1;
  return r->offsets[i] < r->offsets[j] ? -1 : r->offsets[i] > r->offsets[j];
}

/* [lo, hi): quicksort down to runs of 16, the smaller side first (depth O(log n)), then insertion. */
static void sort_range(const struct rows *r, size_t lo, size_t hi) {
  while (hi - lo > 16) {
    size_t mid = lo + (hi - lo) / 2;
    if (compare_rows(r, mid, lo) < 0) swap_rows(r, mid, lo);
    if (compare_rows(r, hi - 1, lo) < 0) swap_rows(r, hi - 1, lo);
    if (compare_rows(r, hi - 1, mid) < 0) swap_rows(r, hi - 1, mid);
    swap_rows(r, lo, mid); /* the pivot (the median) at lo */
    size_t i = lo, j = hi;
    for (;;) {
      do i++;
      while (i < hi && compare_rows(r, i, lo) < 0);
      do j--;
      while (compare_rows(r, j, lo) > 0);
      if (i >= j) break;
      swap_rows(r, i, j);
    }
    swap_rows(r, lo, j);
    if (j - lo < hi - j - 1) {
      sort_range(r, lo, j);
      lo = j + 1;
    } else {
      sort_range(r, j + 1, hi);
      hi = j;
    }
  }
  for (size_t i = lo + 1; i < hi; i++) {
    for (size_t j = i; j > lo && compare_rows(r, j - 1, j) > 0; j--) swap_rows(r, j - 1, j);
  }
}

/* A typed array argument of `type` with at least `count` elements; NULL after a throw. */
static void *column(napi_env env, napi_value v, napi_typedarray_type want, size_t count, const char *what) {
  bool typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &typed) != napi_ok || !typed || napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != want || length < count) {
    throw_arg(env, what);
    return NULL;
  }
  return data;
}

static napi_value js_sort_index_rows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "sortIndexRows(words, packs, offsets, packed, low, count, bits)")) return NULL;
  int64_t count, bits;
  if (!get_int64(env, argv[5], "count", &count) || !get_int64(env, argv[6], "bits", &bits)) return NULL;
  if (count < 0 || count > UINT32_MAX || bits < 1 || bits > 24) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sortIndexRows: count must fit 32 bits, bits must be 1 to 24");
    return NULL;
  }
  size_t n = (size_t)count;
  struct rows r;
  if (!(r.w = column(env, argv[0], napi_uint32_array, n * WORDS, "sortIndexRows: words must be a Uint32Array of 8 per row")) ||
      !(r.packs = column(env, argv[1], napi_uint32_array, n, "sortIndexRows: packs must be a Uint32Array of one per row")) ||
      !(r.offsets = column(env, argv[2], napi_uint32_array, n, "sortIndexRows: offsets must be a Uint32Array of one per row")) ||
      !(r.packed = column(env, argv[3], napi_uint32_array, n, "sortIndexRows: packed must be a Uint32Array of one per row")) ||
      !(r.low = column(env, argv[4], napi_uint16_array, n, "sortIndexRows: low must be a Uint16Array of one per row")))
    return NULL;
  size_t buckets = (size_t)1 << bits;
  int shift = 32 - (int)bits;
  napi_value ab, result;
  void *data = NULL;
  uint32_t *next = malloc(buckets * sizeof *next);
  if (!next || napi_create_arraybuffer(env, (buckets + 1) * sizeof(uint32_t), &data, &ab) != napi_ok ||
      napi_create_typedarray(env, napi_uint32_array, buckets + 1, ab, 0, &result) != napi_ok) {
    free(next);
    napi_throw_error(env, "ENOMEM", "sortIndexRows: out of memory");
    return NULL;
  }
  uint32_t *starts = data;
  memset(starts, 0, (buckets + 1) * sizeof *starts);
  for (size_t i = 0; i < n; i++) starts[(r.w[i * WORDS] >> shift) + 1]++;
  for (size_t b = 0; b < buckets; b++) starts[b + 1] += starts[b];
  memcpy(next, starts, buckets * sizeof *next);
  for (size_t b = 0; b < buckets; b++) {
    uint32_t end = starts[b + 1];
    while (next[b] < end) {
      uint32_t i = next[b];
      uint32_t c = r.w[(size_t)i * WORDS] >> shift;
      if (c == b) {
        next[b] = i + 1;
      } else {
        swap_rows(&r, i, next[c]++);
      }
    }
  }
  free(next);
  for (size_t b = 0; b < buckets; b++) sort_range(&r, starts[b], starts[b + 1]);
  return result;
}

bool sort_rows_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sortIndexRows", NULL, js_sort_index_rows, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
