/*
 * N-API helpers every source file of the addon shares: errors shaped like Node's fs errors
 * (code, errno, syscall, path) and argument readers (byte views, paths with NUL checks, 64-bit
 * integers as Number or BigInt).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
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
void throw_errno(napi_env env, int e, const char *syscall, napi_value path_value, const char *path) {
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

