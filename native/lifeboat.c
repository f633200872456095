/*
 * lifeboat_native: the few host calls Node.js 20 lacks, and restic's object cipher at native speed.
 *
 * - poly1305: RFC 8439 one-time authenticator, radix 2^64 with 128-bit products. A pure-JS
 *   Poly1305 (~250 MB/s) would be the slowest step of the restic write path.
 * - utimensat: nanosecond atime/mtime, also on symlinks (fs.utimes takes float seconds).
 * - mknod: fifos and device nodes on restore (Node has no mknod).
 * - llistxattr / lgetxattr / lsetxattr: extended attributes; paths and names may be raw bytes.
 * - lstatInto: lstat with nanosecond times plus the xattr list size, into a reused array.
 * - sealInto / openInto: restic's IV ‖ AES-256-CTR ‖ Poly1305-AES into a caller-owned buffer,
 *   using the OpenSSL that Node itself exports (AES-NI): Node's Cipher.update always returns a
 *   fresh buffer, so this keeps the hot path free of allocations.
 * - the file lane (lane.c): a backup's read → chunk → hash → compress → seal → pack path on
 *   libuv's thread pool, instead of one V8 isolate per core (ADR 0004).
 * - scanDir (scan.c): a directory's entries and their lstat in one thread-pool request.
 *
 * Paths and names are a JS string (UTF-8) or a Uint8Array (raw bytes); NUL bytes are refused
 * like Node's fs does. System call failures throw an Error with `code` (errno name), `errno`
 * (negative, as in Node), `syscall` and `path`, shaped like Node's own fs errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "common.h"

/* ------------------------------------------------------------------------------------------ */
/* errors                                                                                      */

#define ERRNO_LIST(X)                                                                              \
  X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(EBADF) X(EAGAIN) X(ENOMEM)       \
  X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(EXDEV) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL)        \
  X(ENFILE) X(EMFILE) X(ETXTBSY) X(EFBIG) X(ENOSPC) X(ESPIPE) X(EROFS) X(EMLINK) X(ERANGE)        \
  X(ENAMETOOLONG) X(ENOSYS) X(ENOTEMPTY) X(ELOOP) X(ENODATA) X(EOVERFLOW) X(EDQUOT) X(ESTALE)     \
  X(ENOTCONN) X(ETIMEDOUT) X(EOPNOTSUPP)

const char *errno_name(int e) {
  /* ENOTSUP and EOPNOTSUPP are one value on Linux; Node reports it as ENOTSUP. */
  if (e == ENOTSUP) return "ENOTSUP";
#define ERRNO_CASE(name) if (e == name) return #name;
  ERRNO_LIST(ERRNO_CASE)
#undef ERRNO_CASE
  return NULL;
}

/* Throws like Node's fs: "ENOENT: no such file or directory, lstat '/x'". `path_value` is the
 * caller's argument: a string is attached as is, raw bytes are decoded as UTF-8 (as Node does). */
static void throw_errno(napi_env env, int e, const char *syscall, napi_value path_value, const char *path) {
  char unknown[24];
  const char *name = errno_name(e);
  if (!name) {
    snprintf(unknown, sizeof unknown, "E%d", e);
    name = unknown;
  }
  size_t msg_len = strlen(name) + strlen(strerror(e)) + strlen(syscall) + (path ? strlen(path) : 0) + 16;
  char *msg = malloc(msg_len);
  if (!msg) {
    napi_throw_error(env, name, syscall);
    return;
  }
  if (path) snprintf(msg, msg_len, "%s: %s, %s '%s'", name, strerror(e), syscall, path);
  else snprintf(msg, msg_len, "%s: %s, %s", name, strerror(e), syscall);
  /* Node (libuv) spells the description in lower case: "ENOENT: no such file or directory". */
  char *desc = msg + strlen(name) + 2;
  if (*desc >= 'A' && *desc <= 'Z') *desc = (char)(*desc - 'A' + 'a');
  napi_value message, error, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  free(msg);
  napi_create_error(env, NULL, message, &error);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "code", v);
  napi_create_int32(env, -e, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  if (path) {
    napi_valuetype t = napi_undefined;
    if (path_value) napi_typeof(env, path_value, &t);
    if (t == napi_string) v = path_value;
    else napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, error, "path", v);
  }
  napi_throw(env, error);
}

/* A TypeError with Node's code for bad arguments. */
void throw_arg(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
}

/* ------------------------------------------------------------------------------------------ */
/* arguments                                                                                   */

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "napi_get_cb_info failed");
    return false;
  }
  if (argc < want) {
    throw_arg(env, usage);
    return false;
  }
  return true;
}

/* A byte view of a Uint8Array or Buffer (other typed arrays are refused). */
bool get_u8(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void *ptr = NULL;
  if (is_typed && napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &offset) == napi_ok &&
      (type == napi_uint8_array || type == napi_uint8_clamped_array)) {
    static uint8_t empty[1];
    *data = ptr ? (uint8_t *)ptr : empty;
    return true;
  }
  char msg[128];
  snprintf(msg, sizeof msg, "%s must be a Uint8Array", what);
  throw_arg(env, msg);
  return false;
}

/*
 * A path or an xattr name: a string (UTF-8) or a Uint8Array (raw bytes), returned as a
 * NUL-terminated copy that the caller frees. Embedded NUL bytes are refused, as Node does:
 * the kernel would silently stop at the first one and act on another file.
 */
char *get_cstr(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return NULL;
  char *s = NULL;
  size_t len = 0;
  if (t == napi_string) {
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
    s = malloc(len + 1);
    if (!s) goto oom;
    napi_get_value_string_utf8(env, v, s, len + 1, &len);
  } else {
    bool is_typed = false;
    napi_is_typedarray(env, v, &is_typed);
    napi_typedarray_type type;
    napi_value ab;
    size_t offset;
    void *data = NULL;
    if (!is_typed || napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s must be a string or a Uint8Array", what);
      throw_arg(env, msg);
      return NULL;
    }
    s = malloc(len + 1);
    if (!s) goto oom;
    if (len) memcpy(s, data, len);
  }
  s[len] = 0;
  if (strlen(s) != len) {
    free(s);
    char msg[128];
    snprintf(msg, sizeof msg, "%s must not contain null bytes", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return NULL;
  }
  return s;
oom:
  napi_throw_error(env, "ENOMEM", "out of memory");
  return NULL;
}

/* An integer argument given as a Number (must be an integer) or a BigInt (must fit in 64 bits). */
bool get_int64(napi_env env, napi_value v, const char *what, int64_t *out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  char msg[128];
  if (t == napi_bigint) {
    bool lossless = false;
    napi_get_value_bigint_int64(env, v, out, &lossless);
    if (lossless) return true;
    snprintf(msg, sizeof msg, "%s does not fit in a signed 64-bit integer", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  if (t == napi_number) {
    double d;
    napi_get_value_double(env, v, &d);
    if (d >= -9007199254740991.0 && d <= 9007199254740991.0 && (double)(int64_t)d == d) {
      *out = (int64_t)d;
      return true;
    }
    snprintf(msg, sizeof msg, "%s must be a safe integer", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  snprintf(msg, sizeof msg, "%s must be a number or a bigint", what);
  throw_arg(env, msg);
  return false;
}

bool get_uint64(napi_env env, napi_value v, const char *what, uint64_t *out) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_bigint) {
    bool lossless = false;
    napi_get_value_bigint_uint64(env, v, out, &lossless);
    if (lossless) return true;
    char msg[128];
    snprintf(msg, sizeof msg, "%s does not fit in an unsigned 64-bit integer", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  int64_t i;
  if (!get_int64(env, v, what, &i)) return false;
  if (i < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must not be negative", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  *out = (uint64_t)i;
  return true;
}

napi_value make_int64(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

/* ------------------------------------------------------------------------------------------ */
/* Poly1305 (RFC 8439 section 2.5)                                                            */
/*
 * The accumulator h is kept as h0 + h1·2^64 + h2·2^128 with h2 small (below 8). r is split into
 * two 64-bit words; clamping clears the low two bits of r1, so r1 = 4·(r1 >> 2) and
 *   h1·r1·2^128 = h1·(r1 >> 2)·2^130 ≡ 5·(r1 >> 2)·h1   (mod 2^130 − 5).
 * With k = 5·(r1 >> 2) the product h·r mod p, before the final fold, is
 *   lo  = h0·r0 + h1·k
 *   mid = h0·r1 + h1·r0 + h2·k
 *   hi  = h2·r0                       (coefficients of 2^0, 2^64, 2^128)
 * and everything at or above 2^130 is folded back multiplied by 5.
 */

typedef unsigned __int128 u128;

static inline uint64_t load_le64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline void store_le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

struct poly_acc {
  uint64_t r0, r1, k; /* clamped r and 5·(r1 >> 2) */
  uint64_t s0, s1;    /* the one-time pad s */
  uint64_t h0, h1, h2;
};

static void poly_init(struct poly_acc *a, const uint8_t key[32]) {
  a->r0 = load_le64(key) & 0x0ffffffc0fffffffULL;
  a->r1 = load_le64(key + 8) & 0x0ffffffc0ffffffcULL;
  a->k = (a->r1 >> 2) * 5;
  a->s0 = load_le64(key + 16);
  a->s1 = load_le64(key + 24);
  a->h0 = a->h1 = a->h2 = 0;
}

/* Absorbs `blocks` 16-byte blocks; `pad` is 1 for full blocks (the 2^128 bit) and 0 for the
 * already padded final partial block. */
static void poly_absorb(struct poly_acc *a, const uint8_t *m, size_t blocks, uint64_t pad) {
  const uint64_t r0 = a->r0, r1 = a->r1, k = a->k;
  uint64_t h0 = a->h0, h1 = a->h1, h2 = a->h2;
  for (; blocks > 0; blocks--, m += 16) {
    u128 sum = (u128)h0 + load_le64(m);
    h0 = (uint64_t)sum;
    sum = (u128)h1 + load_le64(m + 8) + (uint64_t)(sum >> 64);
    h1 = (uint64_t)sum;
    h2 += (uint64_t)(sum >> 64) + pad; /* h2 <= 6 here */

    u128 lo = (u128)h0 * r0 + (u128)h1 * k;                       /* < 2^126 */
    u128 mid = (u128)h0 * r1 + (u128)h1 * r0 + (u128)(h2 * k);   /* < 2^126 */
    uint64_t hi = h2 * r0;                                        /* < 2^63  */

    h0 = (uint64_t)lo;
    mid += (uint64_t)(lo >> 64);
    h1 = (uint64_t)mid;
    hi += (uint64_t)(mid >> 64);

    /* hi holds bits 128 and up: keep two bits, fold the rest (times 2^130 ≡ 5) into h. */
    h2 = hi & 3;
    uint64_t fold = (hi & ~(uint64_t)3) + (hi >> 2);
    sum = (u128)h0 + fold;
    h0 = (uint64_t)sum;
    sum = (u128)h1 + (uint64_t)(sum >> 64);
    h1 = (uint64_t)sum;
    h2 += (uint64_t)(sum >> 64); /* h2 <= 4 */
  }
  a->h0 = h0;
  a->h1 = h1;
  a->h2 = h2;
}

/* Absorbs the final `len` < 16 bytes (if any) and writes the tag. */
static void poly_finish(struct poly_acc *a, const uint8_t *tail, size_t len, uint8_t tag[16]) {
  if (len) {
    uint8_t last[16] = {0};
    memcpy(last, tail, len);
    last[len] = 1;
    poly_absorb(a, last, 1, 0);
  }
  /* h < 5·2^128 < 2p, so one conditional subtraction of p = 2^130 − 5 reduces it fully:
   * h ≥ p exactly when h + 5 reaches 2^130. Selected without branches. */
  u128 sum = (u128)a->h0 + 5;
  uint64_t g0 = (uint64_t)sum;
  sum = (u128)a->h1 + (uint64_t)(sum >> 64);
  uint64_t g1 = (uint64_t)sum;
  uint64_t g2 = a->h2 + (uint64_t)(sum >> 64);
  uint64_t use_g = 0 - (g2 >> 2);
  uint64_t h0 = (a->h0 & ~use_g) | (g0 & use_g);
  uint64_t h1 = (a->h1 & ~use_g) | (g1 & use_g);

  /* tag = (h + s) mod 2^128 */
  sum = (u128)h0 + a->s0;
  h0 = (uint64_t)sum;
  h1 = h1 + a->s1 + (uint64_t)(sum >> 64);
  store_le64(tag, h0);
  store_le64(tag + 8, h1);
}

static void poly1305_tag(uint8_t tag[16], const uint8_t *msg, size_t len, const uint8_t key[32]) {
  struct poly_acc a;
  poly_init(&a, key);
  poly_absorb(&a, msg, len / 16, 1);
  poly_finish(&a, msg + (len & ~(size_t)15), len % 16, tag);
}

/* poly1305(key32, msg, out16) */
static napi_value js_poly1305(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "poly1305(key, msg, out)")) return NULL;
  uint8_t *key, *msg, *out;
  size_t key_len, msg_len, out_len;
  if (!get_u8(env, argv[0], "key", &key, &key_len) || !get_u8(env, argv[1], "msg", &msg, &msg_len) ||
      !get_u8(env, argv[2], "out", &out, &out_len))
    return NULL;
  if (key_len != 32 || out_len < 16) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "poly1305: the key must be 32 bytes and out at least 16");
    return NULL;
  }
  uint8_t tag[16];
  poly1305_tag(tag, msg, msg_len, key);
  memcpy(out, tag, 16);
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* file system                                                                                 */

/* utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, noFollow) */
static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, noFollow)")) return NULL;
  int64_t as, an, ms, mn;
  if (!get_int64(env, argv[1], "atimeSec", &as) || !get_int64(env, argv[2], "atimeNsec", &an) ||
      !get_int64(env, argv[3], "mtimeSec", &ms) || !get_int64(env, argv[4], "mtimeNsec", &mn))
    return NULL;
  if (an < 0 || an > 999999999 || mn < 0 || mn > 999999999) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "utimensat: nanoseconds must be within 0..999999999");
    return NULL;
  }
  bool no_follow = false;
  if (napi_get_value_bool(env, argv[5], &no_follow) != napi_ok) {
    throw_arg(env, "noFollow must be a boolean");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  struct timespec ts[2] = {{.tv_sec = (time_t)as, .tv_nsec = (long)an}, {.tv_sec = (time_t)ms, .tv_nsec = (long)mn}};
  if (utimensat(AT_FDCWD, path, ts, no_follow ? AT_SYMLINK_NOFOLLOW : 0) != 0) throw_errno(env, errno, "utimensat", argv[0], path);
  free(path);
  return NULL;
}

/* mknod(path, mode, dev): mode includes the file type (S_IFIFO, S_IFCHR, S_IFBLK, S_IFREG). */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "mknod(path, mode, dev)")) return NULL;
  int64_t mode;
  uint64_t dev;
  if (!get_int64(env, argv[1], "mode", &mode) || !get_uint64(env, argv[2], "dev", &dev)) return NULL;
  if (mode < 0 || mode > 0xffffffffLL) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "mknod: mode out of range");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  if (mknod(path, (mode_t)mode, (dev_t)dev) != 0) throw_errno(env, errno, "mknod", argv[0], path);
  free(path);
  return NULL;
}

/* Size-then-read loop shared by llistxattr and lgetxattr: the value may grow between the two
 * calls (ERANGE), so retry a few times. Returns the length, or -1 with errno set. */
static ssize_t read_sized(char **buf, const char *path, const char *name) {
  for (int attempt = 0; attempt < 16; attempt++) {
    ssize_t size = name ? lgetxattr(path, name, NULL, 0) : llistxattr(path, NULL, 0);
    if (size < 0) return -1;
    char *grown = realloc(*buf, size > 0 ? (size_t)size : 1);
    if (!grown) {
      errno = ENOMEM;
      return -1;
    }
    *buf = grown;
    if (size == 0) return 0;
    ssize_t got = name ? lgetxattr(path, name, *buf, (size_t)size) : llistxattr(path, *buf, (size_t)size);
    if (got >= 0) return got;
    if (errno != ERANGE) return -1;
  }
  errno = ERANGE;
  return -1;
}

/* llistxattr(path) → Buffer[]: the attribute names as raw bytes (not following symlinks). */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "llistxattr(path)")) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *buf = NULL;
  ssize_t size = read_sized(&buf, path, NULL);
  napi_value result = NULL;
  if (size < 0) {
    throw_errno(env, errno, "llistxattr", argv[0], path);
  } else {
    napi_create_array(env, &result);
    uint32_t index = 0;
    for (ssize_t off = 0; off < size;) {
      size_t n = strnlen(buf + off, (size_t)(size - off));
      if (n > 0) {
        napi_value name;
        void *copy;
        napi_create_buffer_copy(env, n, buf + off, &copy, &name);
        napi_set_element(env, result, index++, name);
      }
      off += (ssize_t)n + 1;
    }
  }
  free(buf);
  free(path);
  return result;
}

/* lgetxattr(path, name) → Buffer */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "lgetxattr(path, name)")) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *name = get_cstr(env, argv[1], "name");
  if (!name) {
    free(path);
    return NULL;
  }
  char *buf = NULL;
  ssize_t size = read_sized(&buf, path, name);
  napi_value result = NULL;
  if (size < 0) {
    throw_errno(env, errno, "lgetxattr", argv[0], path);
  } else {
    void *copy;
    napi_create_buffer_copy(env, (size_t)size, buf, &copy, &result);
  }
  free(buf);
  free(name);
  free(path);
  return result;
}

/* lsetxattr(path, name, value): creates or replaces. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "lsetxattr(path, name, value)")) return NULL;
  uint8_t *value;
  size_t value_len;
  if (!get_u8(env, argv[2], "value", &value, &value_len)) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *name = get_cstr(env, argv[1], "name");
  if (!name) {
    free(path);
    return NULL;
  }
  if (lsetxattr(path, name, value, value_len, 0) != 0) throw_errno(env, errno, "lsetxattr", argv[0], path);
  free(name);
  free(path);
  return NULL;
}

/*
 * lstatInto(path, out: BigUint64Array(16)) → 0, or the errno (the JS wrapper throws; returning it
 * keeps the common "does not exist" case cheap). One call instead of fs.lstatSync({bigint:true})
 * plus llistxattr, without allocating: dev, ino, mode, nlink, uid, gid, rdev, size, atime s/ns,
 * mtime s/ns, ctime s/ns, blocks, xattr list size. Seconds are stored as two's complement
 * (times before 1970 read back with BigInt.asIntN(64, v)).
 */
static napi_value js_lstat_into(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "lstatInto(path, out)")) return NULL;
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  napi_typedarray_type type = napi_int8_array;
  size_t len = 0;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (is_typed) napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &offset);
  if (!is_typed || type != napi_biguint64_array || len < 16) {
    throw_arg(env, "out must be a BigUint64Array of 16 elements");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  struct stat st;
  if (lstat(path, &st) != 0) {
    int e = errno;
    free(path);
    return make_int64(env, e);
  }
  uint64_t *o = data;
  stat_fields(&st, o);
  ssize_t x = S_ISLNK(st.st_mode) ? 0 : llistxattr(path, NULL, 0);
  o[15] = x > 0 ? (uint64_t)x : 0;
  free(path);
  return make_int64(env, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* restic object encryption (spec 3.2)                                                         */

/* Slices for the fused seal: AES-CTR writes one slice, Poly1305 reads it while it is in L1/L2. */
#define SEAL_SLICE (16 * 1024)

static EVP_CIPHER_CTX *ctr_start(const uint8_t key[32], const uint8_t iv[16]) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, iv) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

static bool ctr_update(EVP_CIPHER_CTX *ctx, const uint8_t *in, uint8_t *out, size_t n) {
  for (size_t done = 0; done < n;) {
    int step = (n - done) > (size_t)(1 << 30) ? (1 << 30) : (int)(n - done), written = 0;
    if (EVP_EncryptUpdate(ctx, out + done, &written, in + done, step) != 1 || written != step) return false;
    done += (size_t)step;
  }
  return true;
}

/* Poly1305-AES key setup: one-time key r ‖ AES-128-ECB(macK, nonce); r is clamped by poly_init. */
static bool poly1305_aes_init(struct poly_acc *a, const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t nonce[16]) {
  uint8_t key[32];
  memcpy(key, mac_r, 16);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int written = 0;
  bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, mac_k, NULL) == 1 && EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
            EVP_EncryptUpdate(ctx, key + 16, &written, nonce, 16) == 1 && written == 16;
  EVP_CIPHER_CTX_free(ctx);
  if (ok) poly_init(a, key);
  return ok;
}

static const uint8_t ZERO16[16];

/* Key parts and the output position shared by sealInto and openInto. */
static bool get_key_args(napi_env env, napi_value *argv, uint8_t **enc, uint8_t **mac_k, uint8_t **mac_r) {
  size_t el, kl, rl;
  if (!get_u8(env, argv[0], "encrypt", enc, &el) || !get_u8(env, argv[1], "macK", mac_k, &kl) ||
      !get_u8(env, argv[2], "macR", mac_r, &rl))
    return false;
  if (el != 32 || kl != 16 || rl != 16) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "key parts must be 32, 16 and 16 bytes");
    return false;
  }
  return true;
}

static bool overlaps(const uint8_t *a, const uint8_t *b, size_t n) {
  return a != b && a < b + n && b < a + n;
}

bool seal_blob(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t *in, size_t n,
               uint8_t *out) {
  uint8_t *iv = out, *ct = out + 16;
  uint8_t nonce[16];
  do {
    if (RAND_bytes(nonce, 16) != 1) return false;
  } while (memcmp(nonce, ZERO16, 16) == 0);
  struct poly_acc mac;
  EVP_CIPHER_CTX *ctx = poly1305_aes_init(&mac, mac_k, mac_r, nonce) ? ctr_start(enc, nonce) : NULL;
  bool ok = ctx != NULL;
  for (size_t done = 0; ok && done < n;) {
    size_t step = n - done < SEAL_SLICE ? n - done : SEAL_SLICE;
    ok = ctr_update(ctx, in + done, ct + done, step);
    poly_absorb(&mac, ct + done, step / 16, 1); /* only the last slice has a partial block */
    done += step;
  }
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) return false;
  poly_finish(&mac, ct + (n & ~(size_t)15), n % 16, ct + n);
  memcpy(iv, nonce, 16);
  return true;
}

/* sealInto(encrypt, macK, macR, plaintext, out, outOffset) → bytes written (plaintext + 32).
 * The plaintext may already sit where the ciphertext goes (out + outOffset + 16). */
static napi_value js_seal_into(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "sealInto(encrypt, macK, macR, plaintext, out, outOffset)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *in, *out;
  size_t n, out_len;
  int64_t off;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "plaintext", &in, &n) ||
      !get_u8(env, argv[4], "out", &out, &out_len) || !get_int64(env, argv[5], "outOffset", &off))
    return NULL;
  if (off < 0 || (uint64_t)off > out_len || out_len - (size_t)off < n + 32) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sealInto: the output buffer is too small");
    return NULL;
  }
  uint8_t *sealed = out + off;
  if (overlaps(in, sealed + 16, n)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "sealInto: the plaintext partially overlaps the output");
    return NULL;
  }
  if (!seal_blob(enc, mac_k, mac_r, in, n, sealed)) {
    napi_throw_error(env, NULL, "sealInto: OpenSSL or the random generator failed");
    return NULL;
  }
  return make_int64(env, (int64_t)n + 32);
}

/* openInto(encrypt, macK, macR, data, out, outOffset) → plaintext length, or -1 when the data is
 * shorter than 32 bytes, has an all-zero IV or fails the MAC. The MAC is checked before
 * decrypting; `out` may alias the ciphertext. */
static napi_value js_open_into(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "openInto(encrypt, macK, macR, data, out, outOffset)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *in, *out;
  size_t n, out_len;
  int64_t off;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "data", &in, &n) ||
      !get_u8(env, argv[4], "out", &out, &out_len) || !get_int64(env, argv[5], "outOffset", &off))
    return NULL;
  if (n < 32 || memcmp(in, ZERO16, 16) == 0) return make_int64(env, -1);
  size_t plain_len = n - 32;
  if (off < 0 || (uint64_t)off > out_len || out_len - (size_t)off < plain_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "openInto: the output buffer is too small");
    return NULL;
  }
  uint8_t iv[16], tag[16];
  memcpy(iv, in, 16);
  const uint8_t *ct = in + 16;
  struct poly_acc mac;
  if (!poly1305_aes_init(&mac, mac_k, mac_r, iv)) {
    napi_throw_error(env, NULL, "openInto: OpenSSL failed");
    return NULL;
  }
  poly_absorb(&mac, ct, plain_len / 16, 1);
  poly_finish(&mac, ct + (plain_len & ~(size_t)15), plain_len % 16, tag);
  uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff |= (uint8_t)(tag[i] ^ ct[plain_len + i]);
  if (diff != 0) return make_int64(env, -1);
  uint8_t *dst = out + off;
  if (overlaps(dst, ct, plain_len)) {
    memmove(dst, ct, plain_len);
    ct = dst;
  }
  EVP_CIPHER_CTX *ctx = ctr_start(enc, iv);
  bool ok = ctx != NULL && ctr_update(ctx, ct, dst, plain_len);
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    napi_throw_error(env, NULL, "openInto: OpenSSL failed");
    return NULL;
  }
  return make_int64(env, (int64_t)plain_len);
}

/* ------------------------------------------------------------------------------------------ */
/* memory                                                                                     */

/*
 * releasePages(buf, from): hands the whole pages of buf at or after byte `from` back to the
 * kernel (madvise MADV_DONTNEED) so they stop counting in the resident set; they read as zeros
 * when touched again. Only pages entirely inside the buffer are released (the allocator's
 * bookkeeping around it is never touched). Returns the bytes released.
 */
static napi_value js_release_pages(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "releasePages(buf, from)")) return NULL;
  uint8_t *data;
  size_t len;
  int64_t from;
  if (!get_u8(env, argv[0], "buf", &data, &len) || !get_int64(env, argv[1], "from", &from)) return NULL;
  if (from < 0 || (uint64_t)from > len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "from must be within the buffer");
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  uintptr_t start = ((uintptr_t)data + (uintptr_t)from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t end = ((uintptr_t)data + len) & ~((uintptr_t)page - 1);
  if (end <= start || len == 0) return make_int64(env, 0);
  if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) return make_int64(env, 0);
  return make_int64(env, (int64_t)(end - start));
}

/* ------------------------------------------------------------------------------------------ */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"poly1305", NULL, js_poly1305, NULL, NULL, NULL, napi_enumerable, NULL},
      {"utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstatInto", NULL, js_lstat_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sealInto", NULL, js_seal_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openInto", NULL, js_open_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"releasePages", NULL, js_release_pages, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  if (!lane_register(env, exports) || !scan_register(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
