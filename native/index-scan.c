/*
 * scanIndexJson(bytes, minLength, maxLength) → { packs, ids, columns } | undefined: an index file
 * in the layout restic writes, read in one synchronous pass. The same reader as
 * src/repository/model/index-scan.ts, which uses it when the addon is there: every command loads
 * the index on its main thread before anything else can start, and the JavaScript reader, before
 * V8 has optimised it, took ≈ 90 ms for the bench repository's 63,000 blobs.
 *
 * The rules are that file's: keys in any order and with any JSON whitespace; anything else
 * (escapes, unknown or repeated keys, null, a sign, fraction or exponent, a number of 16 digits or
 * more, a leading zero, the legacy array form, a blob without ID, type or offset, a length outside
 * [minLength, maxLength], an uncompressed length above maxLength) gives undefined, and the caller
 * decodes the file with decodeIndex, which words the errors.
 *
 *   packs    32 raw bytes per pack, in file order
 *   ids      32 raw bytes per blob, in file order
 *   columns  Float64Array, 5 per blob: pack number (in `packs`), type (0 data, 1 tree), offset,
 *            length, uncompressed length (0 when absent)
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "json-in.h"

#define COLUMNS 5

struct reader {
  struct json_in in;
  double min_length, max_length;
  uint8_t *packs, *ids;
  double *columns;
  size_t pack_count, pack_cap, blob_count, id_cap, column_cap;
};

enum key { K_ID, K_TYPE, K_OFFSET, K_LENGTH, K_PLAIN, K_PACKS, K_BLOBS, K_SUPERSEDES, K_NONE };
static const char *const KEYS[] = {"id", "type", "offset", "length", "uncompressed_length", "packs", "blobs", "supersedes"};
static const size_t KEY_LENGTHS[] = {2, 4, 6, 6, 19, 5, 5, 10};

/* A known key and its colon. */
static enum key key(struct json_in *r) {
  if (!json_expect(r, '"')) return K_NONE;
  size_t start = r->pos, end = start;
  while (end < r->len && r->b[end] != '"') end++;
  enum key k = K_NONE;
  for (int i = 0; i < K_NONE; i++) {
    if (KEY_LENGTHS[i] == end - start && memcmp(KEYS[i], r->b + start, end - start) == 0) {
      k = (enum key)i;
      break;
    }
  }
  r->pos = end + 1;
  if (k == K_NONE || !json_expect(r, ':')) r->failed = true;
  return r->failed ? K_NONE : k;
}

/* "data" (0) or "tree" (1). */
static double blob_type(struct json_in *r) {
  if (!json_expect(r, '"')) return -1;
  const uint8_t *p = r->b + r->pos;
  if (r->pos + 5 > r->len || p[4] != '"' || (memcmp(p, "data", 4) != 0 && memcmp(p, "tree", 4) != 0)) {
    r->failed = true;
    return -1;
  }
  r->pos += 5;
  return p[0] == 't' ? 1 : 0;
}

static void blob(struct reader *r, double pack) {
  size_t n = r->blob_count;
  if (!scan_grow((void **)&r->ids, &r->id_cap, n + 1, ID_BYTES) || !scan_grow((void **)&r->columns, &r->column_cap, n + 1, COLUMNS * sizeof(double))) {
    r->in.failed = true;
    return;
  }
  bool has_id = false;
  double type = -1, offset = -1, length = -1, plain = -1;
  if (!json_open_empty(&r->in, '{', '}')) {
    do {
      enum key k = key(&r->in);
      if (k == K_ID && !has_id) {
        json_id(&r->in, r->ids + n * ID_BYTES);
        has_id = true;
      } else if (k == K_TYPE && type < 0) type = blob_type(&r->in);
      else if (k == K_OFFSET && offset < 0) offset = json_uint(&r->in);
      else if (k == K_LENGTH && length < 0) length = json_uint(&r->in);
      else if (k == K_PLAIN && plain < 0) plain = json_uint(&r->in);
      else r->in.failed = true;
    } while (json_more(&r->in, '}'));
  }
  if (r->in.failed || !has_id || type < 0 || offset < 0 || length < r->min_length || length > r->max_length || plain > r->max_length) {
    r->in.failed = true;
    return;
  }
  double *c = r->columns + n * COLUMNS;
  c[0] = pack;
  c[1] = type;
  c[2] = offset;
  c[3] = length;
  c[4] = plain < 0 ? 0 : plain;
  r->blob_count = n + 1;
}

static void pack(struct reader *r) {
  size_t p = r->pack_count;
  if (!scan_grow((void **)&r->packs, &r->pack_cap, p + 1, ID_BYTES)) {
    r->in.failed = true;
    return;
  }
  bool has_id = false, has_blobs = false;
  if (!json_open_empty(&r->in, '{', '}')) {
    do {
      enum key k = key(&r->in);
      if (k == K_ID && !has_id) {
        json_id(&r->in, r->packs + p * ID_BYTES);
        has_id = true;
      } else if (k == K_BLOBS && !has_blobs) {
        has_blobs = true;
        if (!json_open_empty(&r->in, '[', ']')) {
          do blob(r, (double)p);
          while (json_more(&r->in, ']'));
        }
      } else r->in.failed = true;
    } while (json_more(&r->in, '}'));
  }
  if (!has_id || !has_blobs) r->in.failed = true;
  if (!r->in.failed) r->pack_count = p + 1;
}

static void document(struct reader *r) {
  bool has_packs = false, has_supersedes = false;
  if (!json_open_empty(&r->in, '{', '}')) {
    do {
      enum key k = key(&r->in);
      if (k == K_SUPERSEDES && !has_supersedes) {
        has_supersedes = true;
        if (!json_open_empty(&r->in, '[', ']')) {
          do json_id(&r->in, NULL);
          while (json_more(&r->in, ']'));
        }
      } else if (k == K_PACKS && !has_packs) {
        has_packs = true;
        if (!json_open_empty(&r->in, '[', ']')) {
          do pack(r);
          while (json_more(&r->in, ']'));
        }
      } else r->in.failed = true;
    } while (json_more(&r->in, '}'));
  }
  if (!has_packs || json_peek(&r->in) != -1) r->in.failed = true;
}

static void free_bytes(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* An ArrayBuffer over `*bytes` (malloc'd), which it then owns (`*bytes` becomes NULL); a copy where
 * the runtime allows no external buffers. NULL after a failure. */
static napi_value buffer_of(napi_env env, uint8_t **bytes, size_t len) {
  napi_value ab;
  if (*bytes && len && napi_create_external_arraybuffer(env, *bytes, len, free_bytes, NULL, &ab) == napi_ok) {
    *bytes = NULL;
    return ab;
  }
  void *data = NULL;
  if (napi_create_arraybuffer(env, len, &data, &ab) != napi_ok) return NULL;
  if (len) memcpy(data, *bytes, len);
  return ab;
}

static napi_value js_scan_index_json(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "scanIndexJson(bytes, minLength, maxLength)")) return NULL;
  struct reader r = {0};
  uint8_t *bytes;
  int64_t min_length, max_length;
  if (!get_u8(env, argv[0], "bytes", &bytes, &r.in.len) || !get_int64(env, argv[1], "minLength", &min_length) || !get_int64(env, argv[2], "maxLength", &max_length))
    return NULL;
  r.in.b = bytes;
  r.min_length = (double)min_length;
  r.max_length = (double)max_length;
  /* a blob takes 110 bytes of JSON or more: room for all of them at once, no copy as they come */
  size_t most = r.in.len / 110 + 1;
  if (!scan_grow((void **)&r.ids, &r.id_cap, most, ID_BYTES) || !scan_grow((void **)&r.columns, &r.column_cap, most, COLUMNS * sizeof(double))) r.in.failed = true;
  document(&r);
  napi_value result = NULL, packs = NULL, ids = NULL, columns = NULL, cols_ab;
  if (r.in.failed) {
    napi_get_undefined(env, &result);
  } else if ((packs = buffer_of(env, &r.packs, r.pack_count * ID_BYTES)) && (ids = buffer_of(env, &r.ids, r.blob_count * ID_BYTES)) &&
             (cols_ab = buffer_of(env, (uint8_t **)&r.columns, r.blob_count * COLUMNS * sizeof(double))) &&
             napi_create_typedarray(env, napi_float64_array, r.blob_count * COLUMNS, cols_ab, 0, &columns) == napi_ok && napi_create_object(env, &result) == napi_ok) {
    napi_set_named_property(env, result, "packs", packs);
    napi_set_named_property(env, result, "ids", ids);
    napi_set_named_property(env, result, "columns", columns);
  } else {
    result = NULL;
    napi_throw_error(env, "ENOMEM", "scanIndexJson: out of memory");
  }
  free(r.packs);
  free(r.ids);
  free(r.columns);
  return result;
}

bool index_scan_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scanIndexJson", NULL, js_scan_index_json, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
