/*
 * verifyPackBlobs and openPackBlobs: the work on the blobs of one piece of a pack (check
 * --read-data) or one span of it (restore), in one request on libuv's thread pool. Worker threads
 * cost a V8 isolate each (tens of MiB) and a copy or transfer of every pack; here the bytes stay
 * in the caller's (reused) buffer and the work runs beside the main thread. For each blob: bounds,
 * Poly1305-AES, AES-256-CTR in place, then zstd into `plain` when it is compressed, and SHA-256 of
 * the plaintext against the blob's ID. verifyPackBlobs also takes the piece into the pack's
 * SHA-256 first (before its blobs are decrypted in place).
 *
 * packVerifier() → verifier: the state a check lane keeps from piece to piece and from pack to
 *   pack (the pack's running SHA-256, a zstd context); one request at a time may use it.
 * verifyPackBlobs(verifier, encrypt, macK, macR, pack, blobs, ids, plain, out, hashStep, digest)
 *   → Promise<void>
 *   pack     bytes of the piece; blobs are decrypted in place, so they are unusable afterwards
 *   blobs    Float64Array, 3 per blob: offset in `pack`, length, uncompressed length (0: not
 *            compressed); may be empty (a piece holding only the header)
 *   ids      32 bytes per blob: its ID
 *   plain    where compressed blobs are decompressed (a blob longer than it fails)
 *   out      n bytes, written by the call: one status per blob (VP_OK, or why it failed:
 *            VP_BOUNDS, VP_SEALED, VP_ZSTD, VP_HASH)
 *   hashStep HASH_FIRST (1): the piece starts the pack; HASH_LAST (2): it ends it, and the
 *            pack's SHA-256 is written to `digest` (32 bytes); both, or 0 for a piece between
 * The arrays are held until the promise resolves; the caller must not touch them before. A blob
 * that fails is not described here: the caller reads the pack again and names the problem.
 *
 * openPackBlobs(encrypt, macK, macR, pack, blobs, ids, plain, out) → Promise<void>
 *   restore's variant: the same work, but each blob's plaintext is kept for the caller. `blobs`
 *   has 4 numbers per blob, the 4th where in `plain` a compressed blob is decompressed to (the
 *   caller gives each one its own place); an uncompressed blob's plaintext is left in `pack`,
 *   decrypted in place at its offset (its length less the 32 bytes of IV and MAC).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"
#include "format.h"

enum { VP_OK = 0, VP_BOUNDS = 1, VP_SEALED = 2, VP_ZSTD = 3, VP_HASH = 4 };
enum { HASH_FIRST = 1, HASH_LAST = 2 };

/* A check lane's state (packVerifier): made on the main thread, used by one request at a time. */
struct verifier {
  EVP_MD_CTX *pack_md;
  ZSTD_DCtx *dctx;
};

/* SHA-256 fetched once (EVP_sha256() looks it up by name at every digest); shared by threads. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_md;

static void fetch_sha256(void) {
  sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!sha256_md) sha256_md = EVP_sha256();
}

static const EVP_MD *sha256(void) {
  pthread_once(&sha256_once, fetch_sha256);
  return sha256_md;
}

struct vp_view {
  uint8_t *bytes;
  size_t len;
  napi_ref ref;
};

struct vp_job {
  uint8_t enc[32], mac_k[16], mac_r[16];
  struct vp_view pack, blobs, ids, plain, out;
  size_t count;
  size_t stride; /* numbers per blob in `blobs`: 3, or 4 with the place of its plaintext */
  struct verifier *v; /* verifyPackBlobs: the lane's state, referenced by v_ref; else NULL */
  napi_ref v_ref;
  struct vp_view digest;
  int hash_step;
  bool failed; /* OpenSSL or zstd could not start */
  napi_deferred deferred;
  napi_async_work work;
};

static int verify_blob(struct vp_job *j, ZSTD_DCtx *dctx, size_t i) {
  const double *b = (const double *)j->blobs.bytes + i * j->stride;
  double off = b[0], len = b[1], raw = b[2], at = j->stride == 4 ? b[3] : 0;
  if (!(off >= 0 && len >= 0 && raw >= 0) || off + len > (double)j->pack.len) return VP_BOUNDS;
  uint8_t *sealed = j->pack.bytes + (size_t)off;
  int64_t n = -1;
  if (!open_blob(j->enc, j->mac_k, j->mac_r, sealed, (size_t)len, sealed, &n)) {
    j->failed = true;
    return VP_SEALED;
  }
  if (n < 0) return VP_SEALED;
  const uint8_t *plain = sealed;
  size_t plain_len = (size_t)n;
  if (raw > 0) {
    if (!(at >= 0) || at + raw > (double)j->plain.len) return VP_ZSTD;
    uint8_t *into = j->plain.bytes + (size_t)at;
    size_t got = ZSTD_decompressDCtx(dctx, into, (size_t)raw, sealed, (size_t)n);
    if (ZSTD_isError(got) || got != (size_t)raw) return VP_ZSTD;
    plain = into;
    plain_len = got;
  }
  uint8_t id[32];
  unsigned int id_len = 0;
  if (EVP_Digest(plain, plain_len, id, &id_len, sha256(), NULL) != 1) {
    j->failed = true;
    return VP_HASH;
  }
  return memcmp(id, j->ids.bytes + i * ENTRY_ID_SIZE, ENTRY_ID_SIZE) == 0 ? VP_OK : VP_HASH;
}

static void vp_execute(napi_env env, void *data) {
  (void)env;
  struct vp_job *j = data;
  struct verifier *v = j->v;
  if (v && (((j->hash_step & HASH_FIRST) && EVP_DigestInit_ex(v->pack_md, sha256(), NULL) != 1) ||
            EVP_DigestUpdate(v->pack_md, j->pack.bytes, j->pack.len) != 1)) {
    j->failed = true;
    return;
  }
  ZSTD_DCtx *own = v ? NULL : ZSTD_createDCtx();
  ZSTD_DCtx *dctx = v ? v->dctx : own;
  if (!dctx) {
    j->failed = true;
    return;
  }
  for (size_t i = 0; i < j->count && !j->failed; i++) j->out.bytes[i] = (uint8_t)verify_blob(j, dctx, i);
  ZSTD_freeDCtx(own);
  unsigned int len = 0;
  if (v && (j->hash_step & HASH_LAST) && EVP_DigestFinal_ex(v->pack_md, j->digest.bytes, &len) != 1) j->failed = true;
}

static void vp_release(napi_env env, struct vp_view *v) {
  if (v->ref) napi_delete_reference(env, v->ref);
}

static void vp_free(napi_env env, struct vp_job *j) {
  if (j->v_ref) napi_delete_reference(env, j->v_ref);
  vp_release(env, &j->pack);
  vp_release(env, &j->blobs);
  vp_release(env, &j->ids);
  vp_release(env, &j->plain);
  vp_release(env, &j->out);
  vp_release(env, &j->digest);
  free(j);
}

static void vp_complete(napi_env env, napi_status status, void *data) {
  struct vp_job *j = data;
  napi_value undefined, error, message;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok && !j->failed) {
    napi_resolve_deferred(env, j->deferred, undefined);
  } else {
    const char *why = status == napi_ok ? "verifying blobs: OpenSSL or zstd failed" : "verifying blobs: the request was cancelled";
    napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, j->deferred, error);
  }
  napi_delete_async_work(env, j->work);
  vp_free(env, j);
}

/* A typed array argument of type `want`, referenced until the request ends. */
static bool vp_view(napi_env env, napi_value v, napi_typedarray_type want, const char *what, struct vp_view *out) {
  bool is = false;
  napi_typedarray_type type;
  size_t length, offset;
  void *bytes;
  napi_value ab;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, &length, &bytes, &ab, &offset) != napi_ok || type != want) {
    throw_arg(env, what);
    return false;
  }
  out->bytes = bytes;
  out->len = length * (want == napi_float64_array ? 8 : 1);
  return napi_create_reference(env, v, 1, &out->ref) == napi_ok;
}

/* verifyPackBlobs (3 numbers per blob) and openPackBlobs (4): `name` for messages. */
/* The check lane's parts of verifyPackBlobs: its verifier, hash step and digest (`j->v` stays
 * NULL for openPackBlobs). False after a throw. */
struct lane_args {
  napi_value verifier, hash_step, digest;
};

static bool lane_parts(napi_env env, const struct lane_args *a, struct vp_job *j) {
  napi_valuetype vt;
  void *v = NULL;
  int64_t step;
  if (napi_typeof(env, a->verifier, &vt) != napi_ok || vt != napi_external || napi_get_value_external(env, a->verifier, &v) != napi_ok) {
    throw_arg(env, "verifyPackBlobs: verifier must come from packVerifier()");
    return false;
  }
  if (!get_int64(env, a->hash_step, "hashStep", &step)) return false;
  if (step < 0 || step > (HASH_FIRST | HASH_LAST)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "verifyPackBlobs: hashStep must be 0 to 3");
    return false;
  }
  if (!vp_view(env, a->digest, napi_uint8_array, "digest must be a Uint8Array", &j->digest)) return false;
  if (j->digest.len < 32) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "verifyPackBlobs: digest must hold 32 bytes");
    return false;
  }
  if (napi_create_reference(env, a->verifier, 1, &j->v_ref) != napi_ok) return false;
  j->v = v;
  j->hash_step = (int)step;
  return true;
}

/* verifyPackBlobs (3 numbers per blob, `lane` given) and openPackBlobs (4): `name` for messages;
 * `argv` holds encrypt, macK, macR, pack, blobs, ids, plain, out. */
static napi_value start_blobs_request(napi_env env, napi_value *argv, size_t stride, const char *name, const struct lane_args *lane) {
  char msg[96];
  uint8_t *enc, *mac_k, *mac_r;
  size_t el, kl, rl;
  if (!get_u8(env, argv[0], "encrypt", &enc, &el) || !get_u8(env, argv[1], "macK", &mac_k, &kl) ||
      !get_u8(env, argv[2], "macR", &mac_r, &rl))
    return NULL;
  if (el != 32 || kl != 16 || rl != 16) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "key parts must be 32, 16 and 16 bytes");
    return NULL;
  }
  struct vp_job *j = calloc(1, sizeof *j);
  if (!j) {
    snprintf(msg, sizeof msg, "%s: out of memory", name);
    napi_throw_error(env, "ENOMEM", msg);
    return NULL;
  }
  j->stride = stride;
  memcpy(j->enc, enc, 32);
  memcpy(j->mac_k, mac_k, 16);
  memcpy(j->mac_r, mac_r, 16);
  if (!vp_view(env, argv[3], napi_uint8_array, "pack must be a Uint8Array", &j->pack) ||
      !vp_view(env, argv[4], napi_float64_array, "blobs must be a Float64Array", &j->blobs) ||
      !vp_view(env, argv[5], napi_uint8_array, "ids must be a Uint8Array", &j->ids) ||
      !vp_view(env, argv[6], napi_uint8_array, "plain must be a Uint8Array", &j->plain) ||
      !vp_view(env, argv[7], napi_uint8_array, "out must be a Uint8Array", &j->out) || (lane && !lane_parts(env, lane, j))) {
    vp_free(env, j);
    return NULL;
  }
  size_t row = stride * sizeof(double);
  j->count = j->blobs.len / row;
  if (j->blobs.len % row != 0 || j->ids.len < j->count * ENTRY_ID_SIZE || j->out.len < j->count) {
    vp_free(env, j);
    snprintf(msg, sizeof msg, "%s: ids and out do not fit the blobs", name);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return NULL;
  }
  napi_value promise, resource;
  napi_create_promise(env, &j->deferred, &promise);
  snprintf(msg, sizeof msg, "lifeboat:%s", name);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &resource);
  if (napi_create_async_work(env, NULL, resource, vp_execute, vp_complete, j, &j->work) != napi_ok ||
      napi_queue_async_work(env, j->work) != napi_ok) {
    vp_free(env, j);
    snprintf(msg, sizeof msg, "%s: could not queue the work", name);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  return promise;
}

static napi_value js_verify_pack_blobs(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  if (!get_args(env, info, 11, argv, "verifyPackBlobs(verifier, encrypt, macK, macR, pack, blobs, ids, plain, out, hashStep, digest)"))
    return NULL;
  struct lane_args lane = {argv[0], argv[9], argv[10]};
  return start_blobs_request(env, argv + 1, 3, "verifyPackBlobs", &lane);
}

static napi_value js_open_pack_blobs(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, "openPackBlobs(encrypt, macK, macR, pack, blobs, ids, plain, out)")) return NULL;
  return start_blobs_request(env, argv, 4, "openPackBlobs", NULL);
}

static void verifier_free(struct verifier *v) {
  EVP_MD_CTX_free(v->pack_md);
  ZSTD_freeDCtx(v->dctx);
  free(v);
}

static void verifier_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  verifier_free(data);
}

static napi_value js_pack_verifier(napi_env env, napi_callback_info info) {
  (void)info;
  struct verifier *v = calloc(1, sizeof *v);
  napi_value ext;
  if (v) {
    v->pack_md = EVP_MD_CTX_new();
    v->dctx = ZSTD_createDCtx();
  }
  if (!v || !v->pack_md || !v->dctx) {
    if (v) verifier_free(v);
    napi_throw_error(env, "ENOMEM", "packVerifier: OpenSSL or zstd could not start");
    return NULL;
  }
  if (napi_create_external(env, v, verifier_finalize, NULL, &ext) != napi_ok) {
    verifier_free(v);
    napi_throw_error(env, "ENOMEM", "packVerifier: out of memory");
    return NULL;
  }
  return ext;
}

bool verify_pack_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"packVerifier", NULL, js_pack_verifier, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyPackBlobs", NULL, js_verify_pack_blobs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPackBlobs", NULL, js_open_pack_blobs, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 3, props) == napi_ok;
}
