/*
 * openBlobSync(encrypt, macK, macR, sealed, id, compressed, out, result) → void: one blob opened on the calling
 * thread, in one call. A walk over trees (check, an incremental backup's parent trees) opens
 * thousands of small blobs on the main thread, and four calls each into the addon, zstd-napi and
 * node:crypto cost about as much as the work itself.
 *
 *   sealed  the blob as stored (IV, ciphertext, MAC); never written
 *   id      its 32-byte ID
 *   compressed  whether it is stored compressed
 *   out     where the plaintext goes: at least `sealed`'s length less 32 bytes for a blob stored
 *           uncompressed, exactly its uncompressed length for a compressed one
 *   result  Float64Array(2), written: [0] a status, [1] for OB_SIZE the length the frame gave
 *
 * Statuses: OB_OK, OB_SEALED (the MAC failed, the data is shorter than IV and MAC or its IV is
 * zero: nothing was written), OB_ZSTD (decompression failed), OB_SIZE (it gave another length),
 * OB_HASH (the plaintext does not hash to `id`). The caller words the errors.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"
#include "verify-pack.h"

enum { OB_OK = 0, OB_SEALED = 1, OB_ZSTD = 2, OB_SIZE = 3, OB_HASH = 4 };

/* The main thread's zstd context and decryption buffer, kept from call to call; a buffer larger
 * than KEEP_BYTES (a huge directory's tree) is given back after its call. */
static _Thread_local ZSTD_DCtx *dctx;
static _Thread_local uint8_t *scratch;
static _Thread_local size_t scratch_len;
#define KEEP_BYTES (16 * 1024 * 1024)

static int open_one(const uint8_t *enc, const uint8_t *mac_k, const uint8_t *mac_r, const uint8_t *sealed, size_t n, const uint8_t *id, uint8_t *out,
                    size_t out_len, bool compressed, double *got) {
  uint8_t *plain = out;
  if (compressed) {
    if (scratch_len < n) {
      uint8_t *grown = realloc(scratch, n);
      if (!grown) return -1;
      scratch = grown;
      scratch_len = n;
    }
    plain = scratch;
  }
  int64_t len = -1;
  if (!open_blob(enc, mac_k, mac_r, sealed, n, plain, &len)) return -1;
  if (len < 0) return OB_SEALED;
  size_t plain_len = (size_t)len;
  if (compressed) {
    if (!dctx && !(dctx = ZSTD_createDCtx())) return -1;
    size_t r = ZSTD_decompressDCtx(dctx, out, out_len, plain, plain_len);
    if (ZSTD_isError(r)) return OB_ZSTD;
    if (r != out_len) {
      *got = (double)r;
      return OB_SIZE;
    }
    plain = out;
    plain_len = r;
  }
  uint8_t digest[32];
  unsigned int dlen = 0;
  if (EVP_Digest(plain, plain_len, digest, &dlen, vp_sha256(), NULL) != 1) return -1;
  return memcmp(digest, id, 32) == 0 ? OB_OK : OB_HASH;
}

static napi_value js_open_blob_sync(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, "openBlobSync(encrypt, macK, macR, sealed, id, compressed, out, result)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *sealed, *id, *out;
  size_t n, il, out_len, result_len;
  void *result = NULL;
  napi_typedarray_type type;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "sealed", &sealed, &n) || !get_u8(env, argv[4], "id", &id, &il) ||
      !get_u8(env, argv[6], "out", &out, &out_len))
    return NULL;
  bool compressed = false;
  bool is_typed = false;
  if (napi_get_value_bool(env, argv[5], &compressed) != napi_ok || napi_is_typedarray(env, argv[7], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[7], &type, &result_len, &result, NULL, NULL) != napi_ok || type != napi_float64_array || result_len < 2 ||
      il != 32 || (!compressed && n >= 32 && out_len < n - 32)) {
    throw_arg(env, "openBlobSync: a 32-byte id, a flag, room for the plaintext and a Float64Array(2)");
    return NULL;
  }
  double *r = result;
  r[1] = 0;
  int status = n < 32 ? OB_SEALED : open_one(enc, mac_k, mac_r, sealed, n, id, out, out_len, compressed, &r[1]);
  if (scratch_len > KEEP_BYTES) {
    free(scratch);
    scratch = NULL;
    scratch_len = 0;
  }
  if (status < 0) {
    napi_throw_error(env, NULL, "openBlobSync: OpenSSL or zstd could not start");
    return NULL;
  }
  r[0] = status;
  return NULL;
}

bool open_blob_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openBlobSync", NULL, js_open_blob_sync, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
