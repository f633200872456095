/*
 * scanTree(bytes) → ArrayBuffer | undefined: a tree blob's nodes read in one pass, for the backup's
 * comparison of each directory with its tree in the parent snapshot (src/repository/model/
 * tree-scan.ts reads the result). An incremental backup decoded every parent tree into node
 * objects (a fifth of its main thread) to compare a few fields of each and re-encode most of them.
 * Here each node yields what the comparison needs and where its JSON lies, so an unchanged node is
 * copied into a changed directory's tree as it was.
 *
 * The layout is the one restic and Lifeboat write: `{"nodes":[…]}`, each node an object of the
 * fields below, in any order, each at most once; names in strictly ascending byte order. Anything
 * else gives undefined and the caller decodes the tree with decodeTree, which words the errors:
 * unknown fields (extended_attributes, linktarget_raw, generic_attributes, …), a name with an
 * escape other than \u00XX for printable ASCII, a time not in the shape restic writes, a number
 * that is not a plain unsigned integer, a directory without subtree, a subtree on another type.
 *
 * The result, native byte order:
 *   u32 count, u32 ids, u32 names length, u32 reserved
 *   count × 11 u64  the nodes, fields R_* below (pairs of u32 where noted)
 *   ids × 32        content and subtree IDs, raw
 *   names           the names' bytes, unescaped
 */
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "json-in.h"

enum record {
  R_INODE,
  R_DEVICE_ID,
  R_SIZE,
  R_MTIME_SEC, /* int64 */
  R_CTIME_SEC, /* int64 */
  R_NSECS,     /* u32 mtime nanoseconds, u32 ctime nanoseconds */
  R_NAME,      /* u32 start, u32 end in names */
  R_SPAN,      /* u32 start, u32 end of the node's JSON in the input */
  R_TYPE,      /* u32 type (NODE_TYPES' order), u32 flags */
  R_CONTENT,   /* u32 first ID, u32 count */
  R_SUBTREE,   /* u32 ID index */
  R_FIELDS
};

#define HEADER_BYTES 16
#define FLAG_SUBTREE 1
#define MAX_SAFE_INTEGER 9007199254740991ULL

enum field { F_NAME, F_TYPE, F_MODE, F_MTIME, F_ATIME, F_CTIME, F_UID, F_GID, F_USER, F_GROUP, F_INODE, F_DEVICE_ID, F_SIZE, F_LINKS, F_LINKTARGET, F_DEVICE, F_CONTENT, F_SUBTREE, F_ERROR, F_NONE };
static const char *const FIELD_NAMES[] = {"name", "type", "mode", "mtime", "atime", "ctime", "uid", "gid", "user", "group", "inode", "device_id", "size", "links", "linktarget", "device", "content", "subtree", "error"};
static const size_t FIELD_LENGTHS[] = {4, 4, 4, 5, 5, 5, 3, 3, 4, 5, 5, 9, 4, 5, 10, 6, 7, 7, 5};
static const char *const TYPES[] = {"file", "dir", "symlink", "dev", "chardev", "fifo", "socket", "irregular"};
#define TYPE_COUNT 8
#define TYPE_DIR 1

struct tree_reader {
  struct json_in in;
  uint64_t *recs;
  size_t count, rec_cap;
  uint8_t *ids;
  size_t id_count, id_cap;
  uint8_t *names;
  size_t names_len, names_cap;
  int next_field;
};

static void set_pair(uint64_t *rec, enum record f, uint32_t a, uint32_t b) {
  uint32_t *pair = (uint32_t *)&rec[f];
  pair[0] = a;
  pair[1] = b;
}

/* A field's key: nodes hold them in FIELD_NAMES' order as restic and Lifeboat write them, so the
 * search starts after the key read last. */
static enum field field(struct tree_reader *t, const uint8_t *s, size_t n) {
  for (int k = 0; k < F_NONE; k++) {
    int i = (t->next_field + k) % F_NONE;
    const char *name = FIELD_NAMES[i];
    if (name[0] == s[0] && FIELD_LENGTHS[i] == n && memcmp(name, s, n) == 0) {
      t->next_field = (i + 1) % F_NONE;
      return (enum field)i;
    }
  }
  return F_NONE;
}

/* Digits s[0..n) as a number, -1 when one is not a digit. */
static int64_t number(const uint8_t *s, size_t n) {
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (as time.ts's daysFromCivil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  int64_t yy = m <= 2 ? y - 1 : y;
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* A time in the shape restic writes (time.ts's usual shape, at most nine fractional digits). */
static bool go_time(const uint8_t *s, size_t n, int64_t *sec, uint32_t *nsec) {
  if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] | 0x20) != 't' || s[13] != ':' || s[16] != ':') return false;
  int64_t year = number(s, 4), month = number(s + 5, 2), day = number(s + 8, 2);
  int64_t hour = number(s + 11, 2), minute = number(s + 14, 2), second = number(s + 17, 2);
  size_t at = 19;
  uint32_t frac = 0;
  if (s[at] == '.') {
    size_t first = ++at;
    uint32_t scale = 100000000;
    for (; at < n && s[at] >= '0' && s[at] <= '9'; at++, scale /= 10) {
      if (at - first >= 9) return false;
      frac += (uint32_t)(s[at] - '0') * scale;
    }
    if (at == first) return false;
  }
  int64_t offset;
  if (at + 1 == n && (s[at] | 0x20) == 'z') offset = 0;
  else if (at + 6 == n && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':') {
    int64_t h = number(s + at + 1, 2), m = number(s + at + 4, 2);
    if (h < 0 || m < 0) return false;
    offset = (s[at] == '-' ? -1 : 1) * (h * 60 + m);
  } else return false;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
    return false;
  *sec = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset * 60;
  *nsec = frac;
  return true;
}

/* A time field (null: Go's zero time) into the record. */
static void time_field(struct tree_reader *t, uint64_t *rec, enum record sec_field, int nsec_half) {
  struct json_in *r = &t->in;
  int64_t sec = days_from_civil(1, 1, 1) * 86400;
  uint32_t nsec = 0;
  if (!json_literal(r, "null")) {
    size_t s, e;
    bool escaped;
    json_string(r, &s, &e, &escaped);
    if (r->failed || escaped || !go_time(r->b + s, e - s, &sec, &nsec)) r->failed = true;
  }
  rec[sec_field] = (uint64_t)sec;
  ((uint32_t *)&rec[R_NSECS])[nsec_half] = nsec;
}

/* The name, unescaped into the names area: raw bytes, and \u00XX for printable ASCII but '"' and '\'. */
static void name_field(struct tree_reader *t, uint64_t *rec) {
  struct json_in *r = &t->in;
  size_t s, e;
  bool escaped;
  json_string(r, &s, &e, &escaped);
  if (r->failed || !scan_grow((void **)&t->names, &t->names_cap, t->names_len + (e - s), 1)) {
    r->failed = true;
    return;
  }
  size_t start = t->names_len, out = start;
  for (size_t p = s; p < e;) {
    uint8_t c = r->b[p];
    if (c != '\\') {
      t->names[out++] = c;
      p++;
      continue;
    }
    /* json_string checked that a \u escape has its four hex digits (of either case) */
    const uint8_t *u = r->b + p;
    int v = -1;
    if (u[1] == 'u' && u[2] == '0' && u[3] == '0') {
      int hi = JSON_HEX[u[4] | 0x20], lo = JSON_HEX[u[5] | 0x20];
      if (hi && lo) v = (hi - 1) * 16 + lo - 1;
    }
    if (v < 0x20 || v > 0x7e || v == '"' || v == '\\') {
      r->failed = true;
      return;
    }
    t->names[out++] = (uint8_t)v;
    p += 6;
  }
  t->names_len = out;
  set_pair(rec, R_NAME, (uint32_t)start, (uint32_t)out);
  if (t->count > 0) {
    /* strictly after the previous node's name in byte order */
    const uint32_t *prev = (const uint32_t *)&t->recs[(t->count - 1) * R_FIELDS + R_NAME];
    size_t plen = prev[1] - prev[0], len = out - start, common = plen < len ? plen : len;
    int order = memcmp(t->names + prev[0], t->names + start, common);
    if (order > 0 || (order == 0 && plen >= len)) r->failed = true;
  }
}

static uint32_t add_id(struct tree_reader *t) {
  if (!scan_grow((void **)&t->ids, &t->id_cap, t->id_count + 1, ID_BYTES)) {
    t->in.failed = true;
    return 0;
  }
  json_id(&t->in, t->ids + t->id_count * ID_BYTES);
  return (uint32_t)t->id_count++;
}

static void string_or_null(struct json_in *r) {
  size_t s, e;
  bool escaped;
  if (!json_literal(r, "null")) json_string(r, &s, &e, &escaped);
}

/* One node's field (its key already read). */
static void node_field(struct tree_reader *t, uint64_t *rec, enum field f) {
  struct json_in *r = &t->in;
  size_t s, e;
  bool escaped;
  switch (f) {
    case F_NAME: name_field(t, rec); break;
    case F_TYPE: {
      json_string(r, &s, &e, &escaped);
      uint32_t type = TYPE_COUNT;
      for (uint32_t i = 0; i < TYPE_COUNT && !r->failed; i++)
        if (strlen(TYPES[i]) == e - s && memcmp(TYPES[i], r->b + s, e - s) == 0) type = i;
      if (type == TYPE_COUNT) r->failed = true;
      ((uint32_t *)&rec[R_TYPE])[0] = type;
      break;
    }
    case F_MODE: case F_UID: case F_GID: case F_SIZE: {
      /* a JavaScript number, as decodeNode reads them */
      uint64_t v = json_literal(r, "null") ? 0 : json_uint64(r);
      if (v > MAX_SAFE_INTEGER) r->failed = true;
      if (f == F_SIZE) rec[R_SIZE] = v;
      break;
    }
    case F_MTIME: time_field(t, rec, R_MTIME_SEC, 0); break;
    case F_CTIME: time_field(t, rec, R_CTIME_SEC, 1); break;
    case F_ATIME: case F_USER: case F_GROUP: case F_LINKTARGET: case F_ERROR: string_or_null(r); break;
    case F_INODE: case F_DEVICE_ID: case F_LINKS: case F_DEVICE: {
      uint64_t v = json_literal(r, "null") ? 0 : json_uint64(r);
      if (f == F_INODE) rec[R_INODE] = v;
      else if (f == F_DEVICE_ID) rec[R_DEVICE_ID] = v;
      break;
    }
    case F_CONTENT: {
      if (json_literal(r, "null")) break;
      uint32_t first = (uint32_t)t->id_count;
      if (!json_open_empty(r, '[', ']')) {
        do add_id(t);
        while (json_more(r, ']'));
      }
      set_pair(rec, R_CONTENT, first, (uint32_t)t->id_count - first);
      break;
    }
    case F_SUBTREE:
      if (json_literal(r, "null")) break;
      ((uint32_t *)&rec[R_SUBTREE])[0] = add_id(t);
      ((uint32_t *)&rec[R_TYPE])[1] |= FLAG_SUBTREE;
      break;
    default: r->failed = true;
  }
}

static void node(struct tree_reader *t) {
  struct json_in *r = &t->in;
  if (!scan_grow((void **)&t->recs, &t->rec_cap, t->count + 1, R_FIELDS * sizeof(uint64_t))) {
    r->failed = true;
    return;
  }
  uint64_t *rec = t->recs + t->count * R_FIELDS;
  memset(rec, 0, R_FIELDS * sizeof *rec);
  /* an absent time is Go's zero time, as it reads when null */
  rec[R_MTIME_SEC] = rec[R_CTIME_SEC] = (uint64_t)(days_from_civil(1, 1, 1) * 86400);
  json_peek(r);
  size_t span_start = r->pos;
  uint32_t seen = 0;
  if (json_open_empty(r, '{', '}')) r->failed = true;
  else
    do {
      size_t s, e;
      bool escaped;
      json_string(r, &s, &e, &escaped);
      enum field f = escaped ? F_NONE : field(t, r->b + s, e - s);
      json_expect(r, ':');
      if (f == F_NONE || (seen & (1u << f))) r->failed = true;
      seen |= 1u << f;
      if (!r->failed) node_field(t, rec, f);
    } while (json_more(r, '}'));
  if (r->failed) return;
  bool dir = ((uint32_t *)&rec[R_TYPE])[0] == TYPE_DIR, subtree = ((uint32_t *)&rec[R_TYPE])[1] & FLAG_SUBTREE;
  if (!(seen & (1u << F_NAME)) || !(seen & (1u << F_TYPE)) || dir != subtree || r->pos - span_start > UINT32_MAX) r->failed = true;
  set_pair(rec, R_SPAN, (uint32_t)span_start, (uint32_t)r->pos);
  if (!r->failed) t->count++;
}

static void tree(struct tree_reader *t) {
  struct json_in *r = &t->in;
  size_t s, e;
  bool escaped;
  if (!json_expect(r, '{')) return;
  json_string(r, &s, &e, &escaped);
  if (r->failed || e - s != 5 || memcmp(r->b + s, "nodes", 5) != 0 || !json_expect(r, ':')) {
    r->failed = true;
    return;
  }
  if (!json_literal(r, "null") && !json_open_empty(r, '[', ']')) {
    do node(t);
    while (json_more(r, ']'));
  }
  json_expect(r, '}');
  if (json_peek(r) != -1) r->failed = true;
}

static napi_value js_scan_tree(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "scanTree(bytes)")) return NULL;
  struct tree_reader t = {0};
  uint8_t *bytes;
  if (!get_u8(env, argv[0], "bytes", &bytes, &t.in.len)) return NULL;
  t.in.b = bytes;
  if (t.in.len > UINT32_MAX) t.in.failed = true;
  else tree(&t);
  napi_value result = NULL;
  size_t recs = t.count * R_FIELDS * sizeof(uint64_t), ids = t.id_count * ID_BYTES;
  size_t total = HEADER_BYTES + recs + ids + t.names_len;
  uint8_t *out = NULL;
  if (t.in.failed) {
    napi_get_undefined(env, &result);
  } else if (napi_create_arraybuffer(env, total, (void **)&out, &result) == napi_ok) {
    /* an ArrayBuffer of V8's own, not an external one: V8 counts it towards its next collection */
    uint32_t *header = (uint32_t *)out;
    header[0] = (uint32_t)t.count;
    header[1] = (uint32_t)t.id_count;
    header[2] = (uint32_t)t.names_len;
    header[3] = 0;
    if (recs) memcpy(out + HEADER_BYTES, t.recs, recs);
    if (ids) memcpy(out + HEADER_BYTES + recs, t.ids, ids);
    if (t.names_len) memcpy(out + HEADER_BYTES + recs + ids, t.names, t.names_len);
  } else {
    result = NULL;
  }
  if (!result) napi_throw_error(env, "ENOMEM", "scanTree: out of memory");
  free(t.recs);
  free(t.ids);
  free(t.names);
  return result;
}

bool tree_scan_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scanTree", NULL, js_scan_tree, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
