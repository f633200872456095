/*
 * The file lane's JavaScript interface: createLane, laneStep (a napi_async_work per step, resolved
 * with the step's chunk IDs, finished files and finished packs), laneClose, and chunkerCuts for
 * the chunker's tests. See lane.c for what a lane does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "lane.h"

/* A step in flight holds a reference to the lane's external, so this never runs during one. */
static void lane_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  lane_release(data);
  free(data);
}

static struct lane *get_lane(napi_env env, napi_value v) {
  void *data = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &data) != napi_ok || !data) {
    throw_arg(env, "lane must be a lane from createLane");
    return NULL;
  }
  struct lane *l = data;
  if (l->closed) {
    napi_throw_error(env, "ERR_INVALID_STATE", "the lane is closed");
    return NULL;
  }
  return l;
}

/* createLane(encrypt, macK, macR, polynomial, level, tmpdir, packTarget, packLimit) */
static napi_value js_create_lane(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv, "createLane(encrypt, macK, macR, polynomial, level, tmpdir, packTarget, packLimit)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r;
  size_t dir_len = 0;
  uint64_t pol, target, limit;
  int64_t level;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_uint64(env, argv[3], "polynomial", &pol) || !get_int64(env, argv[4], "level", &level) ||
      !get_uint64(env, argv[6], "packTarget", &target) || !get_uint64(env, argv[7], "packLimit", &limit))
    return NULL;
  if (level < 0 || level > 22 || target == 0 || limit < target) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "createLane: bad level or pack sizes");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[5], NULL, 0, &dir_len) != napi_ok) {
    throw_arg(env, "tmpdir must be a string");
    return NULL;
  }
  char *dir = malloc(dir_len + 1);
  if (!dir) goto oom;
  napi_get_value_string_utf8(env, argv[5], dir, dir_len + 1, &dir_len);
  const char *problem = NULL;
  struct lane *l = lane_new(enc, mac_k, mac_r, pol, (int)level, dir, target, limit, &problem);
  free(dir);
  if (!l) {
    if (problem) napi_throw_range_error(env, "ERR_OUT_OF_RANGE", problem);
    else napi_throw_error(env, "ENOMEM", "createLane: out of memory");
    return NULL;
  }
  napi_value ext;
  if (napi_create_external(env, l, lane_finalize, NULL, &ext) != napi_ok) {
    lane_release(l);
    free(l);
    goto oom;
  }
  return ext;
oom:
  napi_throw_error(env, "ENOMEM", "createLane: out of memory");
  return NULL;
}

static napi_value buffer_copy(napi_env env, const void *data, size_t len) {
  napi_value v;
  void *out;
  napi_create_buffer_copy(env, len, data, &out, &v);
  return v;
}

static void set_number(napi_env env, napi_value obj, const char *name, double n) {
  napi_value v;
  napi_create_double(env, n, &v);
  napi_set_named_property(env, obj, name, v);
}

static napi_value step_result(napi_env env, struct lane *l) {
  napi_value result, ids, files, arr, v;
  napi_create_object(env, &result);
  void *ids_data = NULL;
  napi_create_buffer(env, l->pending_count * 32, &ids_data, &ids);
  napi_value files_ab;
  void *files_data = NULL;
  napi_create_arraybuffer(env, l->pending_count * 4, &files_data, &files_ab);
  napi_create_typedarray(env, napi_uint32_array, l->pending_count, files_ab, 0, &files);
  for (size_t i = 0; i < l->pending_count; i++) {
    memcpy((uint8_t *)ids_data + i * 32, l->pending[i].id, 32);
    ((uint32_t *)files_data)[i] = l->pending[i].file;
  }
  napi_set_named_property(env, result, "ids", ids);
  napi_set_named_property(env, result, "chunkFiles", files);

  napi_create_array_with_length(env, l->event_count, &arr);
  for (size_t i = 0; i < l->event_count; i++) {
    struct file_event *e = &l->events[i];
    napi_value ev;
    napi_create_object(env, &ev);
    set_number(env, ev, "file", e->file);
    set_number(env, ev, "size", (double)e->size);
    napi_get_boolean(env, e->changed, &v);
    napi_set_named_property(env, ev, "changed", v);
    if (e->err) {
      set_number(env, ev, "errno", e->err);
      napi_create_string_utf8(env, e->syscall, NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, ev, "syscall", v);
    }
    napi_set_element(env, arr, (uint32_t)i, ev);
  }
  napi_set_named_property(env, result, "files", arr);

  napi_create_array_with_length(env, (size_t)l->pack_count, &arr);
  for (int i = 0; i < l->pack_count; i++) {
    struct finished_pack *p = &l->packs[i];
    napi_value pk;
    napi_create_object(env, &pk);
    napi_set_named_property(env, pk, "id", buffer_copy(env, p->id, 32));
    set_number(env, pk, "fd", p->fd);
    set_number(env, pk, "length", (double)p->length);
    napi_set_named_property(env, pk, "header", buffer_copy(env, p->header, p->header_len));
    set_number(env, pk, "blobCount", p->blobs);
    napi_set_element(env, arr, (uint32_t)i, pk);
    free(p->header);
  }
  l->pack_count = 0; /* the descriptors belong to the caller now */
  napi_set_named_property(env, result, "packs", arr);
  napi_get_boolean(env, !l->batch_active, &v);
  napi_set_named_property(env, result, "batchDone", v);
  l->event_count = 0;
  return result;
}

/* Runs on a pool thread: no napi calls here. */
static void step_execute(napi_env env, void *data) {
  (void)env;
  lane_step(data);
}

static void step_complete(napi_env env, napi_status status, void *data) {
  struct lane *l = data;
  napi_delete_async_work(env, l->work);
  napi_delete_reference(env, l->self);
  l->busy = false;
  free(l->decisions);
  l->decisions = NULL;
  if (l->closed) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, l->deferred, undefined);
    lane_release(l);
    return;
  }
  if (status != napi_ok || l->err) {
    napi_value msg, err, code;
    napi_create_string_utf8(env, l->err ? l->err_msg : "file lane step cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    const char *name = l->err ? errno_name(l->err) : NULL;
    napi_create_string_utf8(env, name ? name : "E_LANE", NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, err, "code", code);
    napi_reject_deferred(env, l->deferred, err);
    return;
  }
  napi_resolve_deferred(env, l->deferred, step_result(env, l));
}

/*
 * laneStep(lane, decisions, paths, sizes, flush) → Promise<result>
 *   decisions: Uint8Array, one byte per chunk the previous step returned (non-zero = store it),
 *              or null when it returned none
 *   paths, sizes: a new batch (NUL-terminated paths back to back; Float64Array of the sizes the
 *              walk saw), only when the previous step said `batchDone`; else null
 *   flush: finish the open pack once nothing is left to scan
 */
static napi_value js_lane_step(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv, "laneStep(lane, decisions, paths, sizes, flush)")) return NULL;
  struct lane *l = get_lane(env, argv[0]);
  if (!l) return NULL;
  if (l->busy || l->err) {
    napi_throw_error(env, "ERR_INVALID_STATE", l->err ? "the lane failed" : "laneStep: a step is already running");
    return NULL;
  }
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  uint8_t *dec = NULL;
  size_t dec_len = 0;
  if (t != napi_null && t != napi_undefined && !get_u8(env, argv[1], "decisions", &dec, &dec_len)) return NULL;
  if ((dec ? dec_len : 0) != l->pending_count || (!dec && l->pending_count > 0)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "laneStep: one decision per chunk of the previous step");
    return NULL;
  }
  napi_typeof(env, argv[2], &t);
  char *paths = NULL;
  double *sizes = NULL;
  uint32_t files = 0;
  if (t != napi_null && t != napi_undefined) {
    uint8_t *p;
    size_t plen, slen;
    napi_typedarray_type st;
    void *sdata;
    napi_value ab;
    size_t off;
    bool typed = false;
    if (!get_u8(env, argv[2], "paths", &p, &plen)) return NULL;
    napi_is_typedarray(env, argv[3], &typed);
    if (!typed || napi_get_typedarray_info(env, argv[3], &st, &slen, &sdata, &ab, &off) != napi_ok || st != napi_float64_array) {
      throw_arg(env, "sizes must be a Float64Array");
      return NULL;
    }
    for (size_t i = 0; i < plen; i++) files += p[i] == 0;
    if (l->batch_active || plen == 0 || p[plen - 1] != 0 || files != slen) {
      napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "laneStep: a batch needs NUL-terminated paths, one size each, after the last batch is done");
      return NULL;
    }
    paths = malloc(plen);
    sizes = malloc(slen * sizeof(double));
    if (!paths || !sizes) {
      free(paths);
      free(sizes);
      napi_throw_error(env, "ENOMEM", "laneStep: out of memory");
      return NULL;
    }
    memcpy(paths, p, plen);
    memcpy(sizes, sdata, slen * sizeof(double));
  }
  bool flush = false;
  napi_get_value_bool(env, argv[4], &flush);
  if (dec) {
    l->decisions = malloc(dec_len ? dec_len : 1);
    if (!l->decisions) {
      free(paths);
      free(sizes);
      napi_throw_error(env, "ENOMEM", "laneStep: out of memory");
      return NULL;
    }
    memcpy(l->decisions, dec, dec_len);
  }
  if (paths) {
    free(l->paths);
    free(l->sizes);
    l->paths = paths;
    l->sizes = sizes;
    l->path_at = 0;
    l->files = files;
    l->next_file = 0;
    l->batch_active = true;
  }
  l->flush = flush;
  napi_value promise, name;
  napi_create_promise(env, &l->deferred, &promise);
  napi_create_string_utf8(env, "lifeboat:laneStep", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, step_execute, step_complete, l, &l->work) != napi_ok ||
      napi_queue_async_work(env, l->work) != napi_ok) {
    napi_throw_error(env, NULL, "laneStep: could not queue the work");
    return NULL;
  }
  napi_create_reference(env, argv[0], 1, &l->self);
  l->busy = true;
  return promise;
}

/* laneClose(lane): frees the lane now, or when its step in flight completes. */
static napi_value js_lane_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "laneClose(lane)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    throw_arg(env, "lane must be a lane from createLane");
    return NULL;
  }
  struct lane *l = data;
  if (l->busy) l->closed = true; /* released when the step completes */
  else lane_release(l);
  return NULL;
}

/* chunkerCuts(polynomial, data, slice) → the chunk ends of `data` fed in `slice`-byte reads (tests). */
static napi_value js_chunker_cuts(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "chunkerCuts(polynomial, data, slice)")) return NULL;
  uint64_t pol;
  uint8_t *data;
  size_t len;
  int64_t slice;
  if (!get_uint64(env, argv[0], "polynomial", &pol) || !get_u8(env, argv[1], "data", &data, &len) || !get_int64(env, argv[2], "slice", &slice))
    return NULL;
  struct chunker *c = malloc(sizeof *c);
  if (!c || slice < 1 || !chunker_init(c, pol, 20, MIN_SIZE, MAX_SIZE)) {
    free(c);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "chunkerCuts: bad polynomial or slice");
    return NULL;
  }
  napi_value arr;
  napi_create_array(env, &arr);
  struct chunk_state s;
  chunk_reset(&s);
  size_t start = 0, avail = 0;
  uint32_t n = 0;
  while (avail < len) {
    avail = len - avail < (size_t)slice ? len : avail + (size_t)slice;
    for (int64_t cut; (cut = chunker_next(c, &s, data, start, avail)) >= 0; start = (size_t)cut) {
      napi_value v;
      napi_create_double(env, (double)cut, &v);
      napi_set_element(env, arr, n++, v);
    }
  }
  free(c);
  return arr;
}

bool lane_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"createLane", NULL, js_create_lane, NULL, NULL, NULL, napi_enumerable, NULL},
      {"laneStep", NULL, js_lane_step, NULL, NULL, NULL, napi_enumerable, NULL},
      {"laneClose", NULL, js_lane_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"chunkerCuts", NULL, js_chunker_cuts, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
