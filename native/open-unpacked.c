/*
 * openUnpacked(encrypt, macK, macR, file, id, zstd, maxLength) → Promise<ArrayBuffer | number>:
 * an unpacked file (index, snapshot; spec 5) opened on libuv's thread pool, so that the main thread
 * only reads the plaintext: its SHA-256 against its name (`id`, 32 bytes), the MAC, decryption,
 * and with `zstd` (a version 2 repository) a plaintext starting with `{` or `[` as it is, or one
 * starting with 2 decompressed: one zstd frame, whose size must be in its header and at most
 * `maxLength`. A bench index load spent ≈ 45 ms of the main
 * thread in these steps, before anything else could start.
 *
 * Resolves with the plaintext, decoded, or with a number when any step fails or does not apply
 * (a frame without its size, several frames): the caller then opens the file itself, the same steps in the same
 * order, and words the error. `file` is not changed.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"
#include "verify-pack.h"

enum { OU_OK = 0, OU_NOT_HERE = 1 };

struct ou_job {
  uint8_t enc[32], mac_k[16], mac_r[16], id[32];
  const uint8_t *file;
  size_t len;
  napi_ref file_ref;
  bool zstd;
  double max_length;
  uint8_t *out;
  size_t out_len;
  int status;
  napi_deferred deferred;
  napi_async_work work;
};

/* The decoded plaintext into j->out; false when the caller must do it. */
static bool open_file(struct ou_job *j) {
  uint8_t digest[32];
  unsigned int dlen = 0;
  if (EVP_Digest(j->file, j->len, digest, &dlen, vp_sha256(), NULL) != 1 || memcmp(digest, j->id, 32) != 0) return false;
  uint8_t *plain = j->len >= 32 ? malloc(j->len - 32 + 1) : NULL;
  int64_t n = -1;
  if (!plain || !open_blob(j->enc, j->mac_k, j->mac_r, j->file, j->len, plain, &n) || n < 0) {
    free(plain);
    return false;
  }
  if (!j->zstd || n == 0 || plain[0] == '{' || plain[0] == '[') {
    j->out = plain;
    j->out_len = (size_t)n;
    return true;
  }
  if (plain[0] != 2) { /* an encoding the caller refuses */
    free(plain);
    return false;
  }
  /* one frame, as restic and this program write it; more frames, or no size in the header: the caller */
  unsigned long long size = ZSTD_getFrameContentSize(plain + 1, (size_t)n - 1);
  uint8_t *out = size <= (unsigned long long)j->max_length ? malloc(size + 1) : NULL;
  size_t got = out ? ZSTD_decompress(out, size, plain + 1, (size_t)n - 1) : 0;
  free(plain);
  if (!out || ZSTD_isError(got) || got != size) {
    free(out);
    return false;
  }
  j->out = out;
  j->out_len = got;
  return true;
}

static void ou_execute(napi_env env, void *data) {
  (void)env;
  struct ou_job *j = data;
  j->status = open_file(j) ? OU_OK : OU_NOT_HERE;
}

static void free_out(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void ou_complete(napi_env env, napi_status status, void *data) {
  struct ou_job *j = data;
  napi_value result;
  void *copy = NULL;
  if (status != napi_ok || j->status != OU_OK) {
    napi_create_int32(env, OU_NOT_HERE, &result);
  } else if (j->out_len > 0 && napi_create_external_arraybuffer(env, j->out, j->out_len, free_out, NULL, &result) == napi_ok) {
    j->out = NULL; /* the ArrayBuffer owns it */
  } else if (napi_create_arraybuffer(env, j->out_len, &copy, &result) == napi_ok) {
    if (j->out_len) memcpy(copy, j->out, j->out_len);
  } else {
    napi_create_int32(env, OU_NOT_HERE, &result);
  }
  napi_resolve_deferred(env, j->deferred, result);
  napi_delete_async_work(env, j->work);
  napi_delete_reference(env, j->file_ref);
  free(j->out);
  free(j);
}

static napi_value js_open_unpacked(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!get_args(env, info, 7, argv, "openUnpacked(encrypt, macK, macR, file, id, zstd, maxLength)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r, *file, *id;
  size_t fl, il;
  bool zstd = false;
  double max_length = 0;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_u8(env, argv[3], "file", &file, &fl) || !get_u8(env, argv[4], "id", &id, &il)) return NULL;
  if (il != 32 || napi_get_value_bool(env, argv[5], &zstd) != napi_ok || napi_get_value_double(env, argv[6], &max_length) != napi_ok ||
      !(max_length >= 0)) {
    throw_arg(env, "openUnpacked: a 32-byte id, a boolean and a length");
    return NULL;
  }
  struct ou_job *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, "ENOMEM", "openUnpacked: out of memory");
    return NULL;
  }
  memcpy(j->enc, enc, 32);
  memcpy(j->mac_k, mac_k, 16);
  memcpy(j->mac_r, mac_r, 16);
  memcpy(j->id, id, 32);
  j->file = file;
  j->len = fl;
  j->zstd = zstd;
  j->max_length = max_length;
  napi_value promise, name;
  if (napi_create_reference(env, argv[3], 1, &j->file_ref) != napi_ok) {
    free(j);
    napi_throw_error(env, NULL, "openUnpacked: could not hold the file");
    return NULL;
  }
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "lifeboat:openUnpacked", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, ou_execute, ou_complete, j, &j->work) != napi_ok || napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_reference(env, j->file_ref);
    free(j);
    napi_throw_error(env, NULL, "openUnpacked: could not queue the work");
    return NULL;
  }
  return promise;
}

bool open_unpacked_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"openUnpacked", NULL, js_open_unpacked, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
