/*
 * lifeboat_native: the few host calls Node.js 20 lacks, plus a fast Poly1305.
 *
 * - utimensat: nanosecond atime/mtime, also on symlinks (fs.utimes takes float seconds).
 * - mknod: fifos and device nodes on restore.
 * - llistxattr / lgetxattr / lsetxattr: extended attributes, names and paths as raw bytes.
 * - poly1305: RFC 8439 one-time authenticator (64-bit limbs with 128-bit products); pure JS
 *   Poly1305 is the slowest step of the restic write path.
 * - seal_into / open_into: restic's object encryption (IV ‖ AES-256-CTR ‖ Poly1305-AES) into a
 *   caller-owned buffer in one call, with the OpenSSL that Node itself exports (AES-NI), so the
 *   hot path allocates nothing (Node's Cipher.update always returns a fresh buffer).
 *
 * Errors throw a JS Error with `code` (errno name), `errno`, `syscall` and `path`, like Node's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "napi call failed: " #call); return NULL; } } while (0)

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT"; case EACCES: return "EACCES"; case EPERM: return "EPERM";
    case EEXIST: return "EEXIST"; case ENOTSUP: return "ENOTSUP"; case ENODATA: return "ENODATA";
    case ENOSPC: return "ENOSPC"; case EINVAL: return "EINVAL"; case ENOTDIR: return "ENOTDIR";
    case EROFS: return "EROFS"; case ERANGE: return "ERANGE"; case E2BIG: return "E2BIG";
    case ELOOP: return "ELOOP"; case ENAMETOOLONG: return "ENAMETOOLONG"; case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", errno_name(e), strerror(e), syscall, path ? path : "");
  napi_value message, error, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "code", v);
  napi_create_int32(env, -e, &v);
  napi_set_named_property(env, error, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  if (path) {
    napi_create_string_latin1(env, path, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, error, "path", v);
  }
  napi_throw(env, error);
  return NULL;
}

/* A path or name argument: a string (UTF-8) or a Buffer/Uint8Array (raw bytes). Caller frees. */
static char *get_bytes(napi_env env, napi_value v, size_t *len_out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return NULL;
  if (t == napi_string) {
    size_t len;
    napi_get_value_string_utf8(env, v, NULL, 0, &len);
    char *s = malloc(len + 1);
    napi_get_value_string_utf8(env, v, s, len + 1, &len);
    if (len_out) *len_out = len;
    return s;
  }
  bool is_typed;
  napi_is_typedarray(env, v, &is_typed);
  if (is_typed) {
    napi_typedarray_type tt; size_t len; void *data; napi_value ab; size_t off;
    napi_get_typedarray_info(env, v, &tt, &len, &data, &ab, &off);
    char *s = malloc(len + 1);
    memcpy(s, data, len);
    s[len] = 0;
    if (len_out) *len_out = len;
    return s;
  }
  napi_throw_type_error(env, NULL, "expected a string or a Uint8Array");
  return NULL;
}

static int get_u8(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type tt; napi_value ab; size_t off;
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) { napi_throw_type_error(env, NULL, "expected a Uint8Array"); return 0; }
  napi_get_typedarray_info(env, v, &tt, len, (void **)data, &ab, &off);
  return 1;
}

static int64_t get_i64(napi_env env, napi_value v) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_bigint) {
    int64_t r; bool lossless;
    napi_get_value_bigint_int64(env, v, &r, &lossless);
    return r;
  }
  int64_t r = 0;
  napi_get_value_int64(env, v, &r);
  return r;
}

/* ---- Poly1305 (RFC 8439), 44-bit limbs ---- */

typedef unsigned __int128 u128;

static void poly1305(uint8_t out[16], const uint8_t *m, size_t n, const uint8_t key[32]) {
  uint64_t t0, t1;
  memcpy(&t0, key, 8); memcpy(&t1, key + 8, 8);
  uint64_t r0 = t0 & 0xffc0fffffffULL;
  uint64_t r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffffULL;
  uint64_t r2 = (t1 >> 24) & 0x00ffffffc0fULL;
  uint64_t s1 = r1 * (5 << 2), s2 = r2 * (5 << 2);
  uint64_t h0 = 0, h1 = 0, h2 = 0, c;
  uint8_t block[16];
  while (n > 0) {
    uint64_t hibit = (uint64_t)1 << 40;
    const uint8_t *b = m;
    size_t take = n >= 16 ? 16 : n;
    if (take < 16) {
      memset(block, 0, 16);
      memcpy(block, m, take);
      block[take] = 1;
      hibit = 0;
      b = block;
    }
    memcpy(&t0, b, 8); memcpy(&t1, b + 8, 8);
    h0 += t0 & 0xfffffffffffULL;
    h1 += ((t0 >> 44) | (t1 << 20)) & 0xfffffffffffULL;
    h2 += ((t1 >> 24) & 0x3ffffffffffULL) | hibit;
    u128 d0 = (u128)h0 * r0 + (u128)h1 * s2 + (u128)h2 * s1;
    u128 d1 = (u128)h0 * r1 + (u128)h1 * r0 + (u128)h2 * s2;
    u128 d2 = (u128)h0 * r2 + (u128)h1 * r1 + (u128)h2 * r0;
    c = (uint64_t)(d0 >> 44); h0 = (uint64_t)d0 & 0xfffffffffffULL;
    d1 += c; c = (uint64_t)(d1 >> 44); h1 = (uint64_t)d1 & 0xfffffffffffULL;
    d2 += c; c = (uint64_t)(d2 >> 42); h2 = (uint64_t)d2 & 0x3ffffffffffULL;
    h0 += c * 5; c = h0 >> 44; h0 &= 0xfffffffffffULL;
    h1 += c;
    m += take; n -= take;
  }
  c = h1 >> 44; h1 &= 0xfffffffffffULL;
  h2 += c; c = h2 >> 42; h2 &= 0x3ffffffffffULL;
  h0 += c * 5; c = h0 >> 44; h0 &= 0xfffffffffffULL;
  h1 += c; c = h1 >> 44; h1 &= 0xfffffffffffULL;
  h2 += c; c = h2 >> 42; h2 &= 0x3ffffffffffULL;
  h0 += c * 5; c = h0 >> 44; h0 &= 0xfffffffffffULL;
  h1 += c;
  /* h + -p */
  uint64_t g0 = h0 + 5; c = g0 >> 44; g0 &= 0xfffffffffffULL;
  uint64_t g1 = h1 + c; c = g1 >> 44; g1 &= 0xfffffffffffULL;
  uint64_t g2 = h2 + c - ((uint64_t)1 << 42);
  c = (g2 >> 63) - 1; /* all ones if h >= p */
  g0 &= c; g1 &= c; g2 &= c;
  c = ~c;
  h0 = (h0 & c) | g0; h1 = (h1 & c) | g1; h2 = (h2 & c) | g2;
  /* h = (h + s) mod 2^128 */
  memcpy(&t0, key + 16, 8); memcpy(&t1, key + 24, 8);
  h0 += t0 & 0xfffffffffffULL; c = h0 >> 44; h0 &= 0xfffffffffffULL;
  h1 += (((t0 >> 44) | (t1 << 20)) & 0xfffffffffffULL) + c; c = h1 >> 44; h1 &= 0xfffffffffffULL;
  h2 += ((t1 >> 24) & 0x3ffffffffffULL) + c; h2 &= 0x3ffffffffffULL;
  h0 = h0 | (h1 << 44);
  h1 = (h1 >> 20) | (h2 << 24);
  memcpy(out, &h0, 8); memcpy(out + 8, &h1, 8);
}

static napi_value js_poly1305(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *key, *msg, *out; size_t klen, mlen, olen;
  if (argc < 3 || !get_u8(env, argv[0], &key, &klen) || !get_u8(env, argv[1], &msg, &mlen) || !get_u8(env, argv[2], &out, &olen)) return NULL;
  if (klen != 32 || olen < 16) { napi_throw_range_error(env, NULL, "poly1305: key must be 32 bytes, out at least 16"); return NULL; }
  poly1305(out, msg, mlen, key);
  return NULL;
}

/* ---- filesystem ---- */

static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) { napi_throw_type_error(env, NULL, "utimensat(path, aSec, aNsec, mSec, mNsec, noFollow)"); return NULL; }
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  struct timespec ts[2];
  ts[0].tv_sec = get_i64(env, argv[1]); ts[0].tv_nsec = get_i64(env, argv[2]);
  ts[1].tv_sec = get_i64(env, argv[3]); ts[1].tv_nsec = get_i64(env, argv[4]);
  bool nofollow = false;
  napi_get_value_bool(env, argv[5], &nofollow);
  int rc = utimensat(AT_FDCWD, path, ts, nofollow ? AT_SYMLINK_NOFOLLOW : 0);
  napi_value result = NULL;
  if (rc != 0) throw_errno(env, errno, "utimensat", path);
  free(path);
  return result;
}

static napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) { napi_throw_type_error(env, NULL, "mknod(path, mode, dev)"); return NULL; }
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  int64_t mode = get_i64(env, argv[1]);
  int64_t dev = get_i64(env, argv[2]);
  if (mknod(path, (mode_t)mode, (dev_t)dev) != 0) throw_errno(env, errno, "mknod", path);
  free(path);
  return NULL;
}

static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  ssize_t size = llistxattr(path, NULL, 0);
  char *buf = NULL;
  while (size > 0) {
    buf = realloc(buf, (size_t)size);
    ssize_t got = llistxattr(path, buf, (size_t)size);
    if (got >= 0) { size = got; break; }
    if (errno != ERANGE) { size = -1; break; }
    size = llistxattr(path, NULL, 0);
  }
  napi_value result = NULL;
  if (size < 0) {
    throw_errno(env, errno, "llistxattr", path);
  } else {
    napi_create_array(env, &result);
    uint32_t i = 0;
    for (ssize_t off = 0; off < size;) {
      size_t n = strlen(buf + off);
      napi_value b; void *data;
      napi_create_buffer_copy(env, n, buf + off, &data, &b);
      napi_set_element(env, result, i++, b);
      off += (ssize_t)n + 1;
    }
  }
  free(buf);
  free(path);
  return result;
}

static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  char *name = get_bytes(env, argv[1], NULL);
  if (!name) { free(path); return NULL; }
  ssize_t size = lgetxattr(path, name, NULL, 0);
  char *buf = NULL;
  while (size >= 0) {
    buf = realloc(buf, size > 0 ? (size_t)size : 1);
    ssize_t got = lgetxattr(path, name, buf, (size_t)size);
    if (got >= 0) { size = got; break; }
    if (errno != ERANGE) { size = -1; break; }
    size = lgetxattr(path, name, NULL, 0);
  }
  napi_value result = NULL;
  if (size < 0) throw_errno(env, errno, "lgetxattr", path);
  else { void *data; napi_create_buffer_copy(env, (size_t)size, buf, &data, &result); }
  free(buf); free(name); free(path);
  return result;
}

static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  char *name = get_bytes(env, argv[1], NULL);
  if (!name) { free(path); return NULL; }
  uint8_t *value; size_t vlen;
  if (!get_u8(env, argv[2], &value, &vlen)) { free(name); free(path); return NULL; }
  if (lsetxattr(path, name, value, vlen, 0) != 0) throw_errno(env, errno, "lsetxattr", path);
  free(name); free(path);
  return NULL;
}

/*
 * lstatInto(path, out: BigUint64Array(16)): one call instead of fs.lstatSync({bigint:true}) plus
 * llistxattr, without allocating: dev, ino, mode, nlink, uid, gid, rdev, size, atime s/ns,
 * mtime s/ns, ctime s/ns, blocks, xattr list size. Returns 0, or the errno (the caller throws).
 */
static napi_value js_lstat_into(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_typedarray_type tt; size_t len; void *data; napi_value ab; size_t off;
  if (argc < 2) { napi_throw_type_error(env, NULL, "lstatInto(path, out)"); return NULL; }
  napi_get_typedarray_info(env, argv[1], &tt, &len, &data, &ab, &off);
  if (tt != napi_biguint64_array || len < 16) { napi_throw_type_error(env, NULL, "out must be a BigUint64Array(16)"); return NULL; }
  char *path = get_bytes(env, argv[0], NULL);
  if (!path) return NULL;
  struct stat st;
  napi_value result;
  if (lstat(path, &st) != 0) {
    napi_create_int32(env, errno, &result);
    free(path);
    return result;
  }
  uint64_t *o = data;
  o[0] = st.st_dev; o[1] = st.st_ino; o[2] = st.st_mode; o[3] = st.st_nlink; o[4] = st.st_uid; o[5] = st.st_gid;
  o[6] = st.st_rdev; o[7] = (uint64_t)st.st_size;
  o[8] = (uint64_t)st.st_atim.tv_sec; o[9] = (uint64_t)st.st_atim.tv_nsec;
  o[10] = (uint64_t)st.st_mtim.tv_sec; o[11] = (uint64_t)st.st_mtim.tv_nsec;
  o[12] = (uint64_t)st.st_ctim.tv_sec; o[13] = (uint64_t)st.st_ctim.tv_nsec;
  o[14] = (uint64_t)st.st_blocks;
  ssize_t x = S_ISLNK(st.st_mode) ? 0 : llistxattr(path, NULL, 0);
  o[15] = x > 0 ? (uint64_t)x : 0;
  free(path);
  napi_create_int32(env, 0, &result);
  return result;
}

/* ---- restic object encryption ---- */

static int aes_ctr(const uint8_t key[32], const uint8_t iv[16], const uint8_t *in, uint8_t *out, size_t n) {
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return 0;
  int ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), NULL, key, iv);
  size_t done = 0;
  while (ok && done < n) {
    int chunk = (n - done) > (1u << 30) ? (1 << 30) : (int)(n - done), len = 0;
    ok = EVP_EncryptUpdate(ctx, out + done, &len, in + done, chunk);
    done += (size_t)len;
  }
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

/* Poly1305-AES: s = AES-128(macK, nonce), r clamped inside poly1305(). */
static int poly1305_aes(uint8_t tag[16], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t nonce[16], const uint8_t *msg, size_t n) {
  uint8_t key[32];
  memcpy(key, mac_r, 16);
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return 0;
  int len = 0;
  int ok = EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, mac_k, NULL) && EVP_CIPHER_CTX_set_padding(ctx, 0) &&
           EVP_EncryptUpdate(ctx, key + 16, &len, nonce, 16);
  EVP_CIPHER_CTX_free(ctx);
  if (ok) poly1305(tag, msg, n, key);
  return ok;
}

/* sealInto(encrypt32, macK16, macR16, plaintext, out, outOffset) → bytes written (n + 32) */
static napi_value js_seal_into(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *enc, *mk, *mr, *in, *out; size_t el, kl, rl, n, ol; int64_t off;
  if (argc < 6 || !get_u8(env, argv[0], &enc, &el) || !get_u8(env, argv[1], &mk, &kl) || !get_u8(env, argv[2], &mr, &rl) ||
      !get_u8(env, argv[3], &in, &n) || !get_u8(env, argv[4], &out, &ol)) return NULL;
  off = get_i64(env, argv[5]);
  if (el != 32 || kl != 16 || rl != 16) { napi_throw_range_error(env, NULL, "seal: bad key lengths"); return NULL; }
  if (off < 0 || (size_t)off + n + 32 > ol) { napi_throw_range_error(env, NULL, "seal: output buffer too small"); return NULL; }
  uint8_t *iv = out + off, *ct = out + off + 16;
  if (in != ct && in < ct + n && ct < in + n) { napi_throw_range_error(env, NULL, "seal: plaintext partially overlaps the output"); return NULL; }
  static const uint8_t zero[16];
  do {
    if (RAND_bytes(iv, 16) != 1) { napi_throw_error(env, NULL, "seal: no randomness"); return NULL; }
  } while (memcmp(iv, zero, 16) == 0);
  uint8_t ivc[16];
  memcpy(ivc, iv, 16);
  if (!aes_ctr(enc, ivc, in, ct, n) || !poly1305_aes(ct + n, mk, mr, ivc, ct, n)) { napi_throw_error(env, NULL, "seal: OpenSSL failed"); return NULL; }
  napi_value result;
  napi_create_int64(env, (int64_t)n + 32, &result);
  return result;
}

/* openInto(encrypt32, macK16, macR16, data, out, outOffset) → plaintext length, or -1 if the MAC does not verify */
static napi_value js_open_into(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *enc, *mk, *mr, *in, *out; size_t el, kl, rl, n, ol; int64_t off;
  if (argc < 6 || !get_u8(env, argv[0], &enc, &el) || !get_u8(env, argv[1], &mk, &kl) || !get_u8(env, argv[2], &mr, &rl) ||
      !get_u8(env, argv[3], &in, &n) || !get_u8(env, argv[4], &out, &ol)) return NULL;
  off = get_i64(env, argv[5]);
  napi_value result;
  static const uint8_t zero[16];
  if (el != 32 || kl != 16 || rl != 16 || n < 32 || memcmp(in, zero, 16) == 0) {
    napi_create_int64(env, -1, &result);
    return result;
  }
  size_t pn = n - 32;
  if (off < 0 || (size_t)off + pn > ol) { napi_throw_range_error(env, NULL, "open: output buffer too small"); return NULL; }
  uint8_t tag[16], iv[16];
  memcpy(iv, in, 16);
  if (!poly1305_aes(tag, mk, mr, iv, in + 16, pn)) { napi_throw_error(env, NULL, "open: OpenSSL failed"); return NULL; }
  uint8_t diff = 0;
  for (int i = 0; i < 16; i++) diff |= tag[i] ^ in[16 + pn + i];
  if (diff != 0) { napi_create_int64(env, -1, &result); return result; }
  uint8_t *dst = out + off;
  const uint8_t *src = in + 16;
  if (dst != src && dst < src + pn && src < dst + pn) { memmove(dst, src, pn); src = dst; }
  if (!aes_ctr(enc, iv, src, dst, pn)) { napi_throw_error(env, NULL, "open: OpenSSL failed"); return NULL; }
  napi_create_int64(env, (int64_t)pn, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"poly1305", NULL, js_poly1305, NULL, NULL, NULL, napi_default, NULL},
    {"utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_default, NULL},
    {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_default, NULL},
    {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_default, NULL},
    {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_default, NULL},
    {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_default, NULL},
    {"sealInto", NULL, js_seal_into, NULL, NULL, NULL, napi_default, NULL},
    {"lstatInto", NULL, js_lstat_into, NULL, NULL, NULL, napi_default, NULL},
    {"openInto", NULL, js_open_into, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
