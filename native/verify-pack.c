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
 * verifyPackFile(verifier, encrypt, macK, macR, path, pieces, blobs, ids, piece, plain, out, digest)
 *   → Promise<void>
 *   a whole pack from a local file in one request: `pieces` (4 numbers each: start and end in the
 *   file, first and end index in `blobs`) are read into `piece` one after the other, each as
 *   verifyPackBlobs verifies a piece (offsets in `blobs` are the pack's); the first begins the
 *   pack's hash, the last writes it to `digest`. A piece that is one blob larger than a step
 *   (VP_FILE_STEP) is read a step at a time (verify-file.c). A failed open or read rejects with
 *   code ERR_PACK_FILE_READ: the caller reads the pack through its backend instead.
 *
 * openPackBlobs(encrypt, macK, macR, pack, blobs, ids, plain, out) → Promise<void>
 *   restore's variant: the same work, but each blob's plaintext is kept for the caller. `blobs`
 *   has 4 numbers per blob, the 4th where in `plain` a compressed blob is decompressed to (the
 *   caller gives each one its own place); an uncompressed blob's plaintext is left in `pack`,
 *   decrypted in place at its offset (its length less the 32 bytes of IV and MAC).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"
#include "format.h"
#include "verify-pack.h"

int vp_verify_blob(struct vp_job *j, ZSTD_DCtx *dctx, size_t i) {
  const double *b = (const double *)j->blobs.bytes + i * j->stride;
  double off = b[0] - j->base, len = b[1], raw = b[2], at = j->stride == 4 ? b[3] : 0;
  if (!(off >= 0 && len >= 0 && raw >= 0) || off + len > (double)j->span_len) return VP_BOUNDS;
  uint8_t *sealed = j->span + (size_t)off;
  int64_t n = -1;
  if (!open_blob(j->enc, j->mac_k, j->mac_r, sealed, (size_t)len, sealed, &n)) {
    j->failed = true;
    return VP_SEALED;
  }
  if (n < 0) return VP_SEALED;
  const uint8_t *plain = sealed;
  size_t plain_len = (size_t)n;
  uint8_t id[32];
  if (raw > 0 && j->stride == 3 && j->plain.len > 0 && vp_streams_well(sealed, (size_t)n, (size_t)raw)) {
    /* check: only the hash is kept (verify-pack.h) */
    int s = vp_hash_zstd_stream(dctx, sealed, (size_t)n, (size_t)raw, j->plain.bytes, vp_step_len(j), id);
    if (s == VP_STREAM_FAILED) j->failed = true;
    if (s != VP_STREAM_OK) return s == VP_STREAM_DAMAGED ? VP_ZSTD : VP_HASH;
    return memcmp(id, j->ids.bytes + i * ENTRY_ID_SIZE, ENTRY_ID_SIZE) == 0 ? VP_OK : VP_HASH;
  }
  if (raw > 0) {
    if (!(at >= 0) || at + raw > (double)j->plain.len) return VP_ZSTD;
    uint8_t *into = j->plain.bytes + (size_t)at;
    size_t got = ZSTD_decompressDCtx(dctx, into, (size_t)raw, sealed, (size_t)n);
    if (ZSTD_isError(got) || got != (size_t)raw) return VP_ZSTD;
    plain = into;
    plain_len = got;
  }
  unsigned int id_len = 0;
  if (EVP_Digest(plain, plain_len, id, &id_len, vp_sha256(), NULL) != 1) {
    j->failed = true;
    return VP_HASH;
  }
  return memcmp(id, j->ids.bytes + i * ENTRY_ID_SIZE, ENTRY_ID_SIZE) == 0 ? VP_OK : VP_HASH;
}

bool vp_hash_piece(struct verifier *v, const uint8_t *bytes, size_t len, bool first) {
  return (!first || EVP_DigestInit_ex(v->pack_md, vp_sha256(), NULL) == 1) && EVP_DigestUpdate(v->pack_md, bytes, len) == 1;
}

static void vp_execute(napi_env env, void *data) {
  (void)env;
  struct vp_job *j = data;
  struct verifier *v = j->v;
  if (j->path) {
    vp_execute_file(j, v->dctx);
  } else {
    if (v && !vp_hash_piece(v, j->pack.bytes, j->pack.len, j->hash_step & HASH_FIRST)) {
      j->failed = true;
      return;
    }
    ZSTD_DCtx *own = v ? NULL : ZSTD_createDCtx();
    ZSTD_DCtx *dctx = v ? v->dctx : own;
    if (!dctx) {
      j->failed = true;
      return;
    }
    for (size_t i = 0; i < j->count && !j->failed; i++) j->out.bytes[i] = (uint8_t)vp_verify_blob(j, dctx, i);
    ZSTD_freeDCtx(own);
  }
  unsigned int len = 0;
  if (v && !j->io_errno && (j->hash_step & HASH_LAST) && EVP_DigestFinal_ex(v->pack_md, j->digest.bytes, &len) != 1) j->failed = true;
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
  vp_release(env, &j->pieces);
  free(j->path);
  free(j);
}

static void vp_complete(napi_env env, napi_status status, void *data) {
  struct vp_job *j = data;
  napi_value undefined, error, message;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok && j->io_errno) {
    /* verifyPackFile could not read the file: the caller reads it again through its backend */
    char msg[160];
    napi_value code;
    snprintf(msg, sizeof msg, "verifyPackFile: %s", j->io_errno > 0 ? strerror(j->io_errno) : "the file ended before its last piece");
    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, "ERR_PACK_FILE_READ", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, message, &error);
    napi_reject_deferred(env, j->deferred, error);
  } else if (status == napi_ok && !j->failed) {
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

/* verifyPackFile's parts: the path and the pieces, each within `pack` and the blobs. False after a throw. */
static bool file_parts(napi_env env, napi_value path, napi_value pieces, struct vp_job *j) {
  if (!(j->path = get_cstr(env, path, "path must be a string")) || !vp_view(env, pieces, napi_float64_array, "pieces must be a Float64Array", &j->pieces))
    return false;
  const double *p = (const double *)j->pieces.bytes;
  bool ok = j->pieces.len % (4 * sizeof(double)) == 0;
  for (size_t k = 0; ok && k < j->pieces.len / (4 * sizeof(double)); k++, p += 4)
    ok = p[0] >= 0 && p[1] >= p[0] && p[1] - p[0] <= (double)j->pack.len && p[0] == (double)(off_t)p[0] && p[1] == (double)(off_t)p[1] &&
         p[2] >= 0 && p[3] >= p[2] && p[3] <= (double)j->count && p[2] == (double)(size_t)p[2] && p[3] == (double)(size_t)p[3];
  if (!ok) napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "verifyPackFile: a piece is larger than the buffer or names blobs it does not have");
  return ok;
}

/* verifyPackBlobs (3 numbers per blob, `lane` given), verifyPackFile (the same, and `file`: its
 * path and pieces) and openPackBlobs (4): `name` for messages; `argv` holds encrypt, macK, macR,
 * pack, blobs, ids, plain, out. */
static napi_value start_blobs_request(napi_env env, napi_value *argv, size_t stride, const char *name, const struct lane_args *lane, const napi_value *file) {
  char msg[96];
  uint8_t *enc, *mac_k, *mac_r;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r)) return NULL;
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
  j->span = j->pack.bytes;
  j->span_len = j->pack.len;
  if (file && !file_parts(env, file[0], file[1], j)) {
    vp_free(env, j);
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
  return start_blobs_request(env, argv + 1, 3, "verifyPackBlobs", &lane, NULL);
}

static napi_value js_verify_pack_file(napi_env env, napi_callback_info info) {
  napi_value argv[12], step;
  if (!get_args(env, info, 12, argv, "verifyPackFile(verifier, encrypt, macK, macR, path, pieces, blobs, ids, piece, plain, out, digest)"))
    return NULL;
  napi_create_int32(env, HASH_FIRST | HASH_LAST, &step);
  struct lane_args lane = {argv[0], step, argv[11]};
  napi_value blobs_args[8] = {argv[1], argv[2], argv[3], argv[8], argv[6], argv[7], argv[9], argv[10]};
  return start_blobs_request(env, blobs_args, 3, "verifyPackFile", &lane, argv + 4);
}

static napi_value js_open_pack_blobs(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, "openPackBlobs(encrypt, macK, macR, pack, blobs, ids, plain, out)")) return NULL;
  return start_blobs_request(env, argv, 4, "openPackBlobs", NULL, NULL);
}

bool verify_pack_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"packVerifier", NULL, js_pack_verifier, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyPackBlobs", NULL, js_verify_pack_blobs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openPackBlobs", NULL, js_open_pack_blobs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"verifyPackFile", NULL, js_verify_pack_file, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 4, props) == napi_ok;
}
