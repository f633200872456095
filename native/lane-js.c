/*
 * The file lane's JavaScript interface: createLane (starts the lane's thread; its reports reach
 * `onReport` on the main thread), laneFeed, laneAnswer, lanePackDone, laneFinish, laneClose, and
 * chunkerCuts for the chunker's tests. See lane.c for what a lane does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "lane.h"

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

static napi_value buffer_copy(napi_env env, const void *data, size_t len) {
  napi_value v;
  void *out;
  if (len == 0) napi_create_buffer(env, 0, &out, &v);
  else napi_create_buffer_copy(env, len, data, &out, &v);
  return v;
}

static void set_number(napi_env env, napi_value obj, const char *name, double n) {
  napi_value v;
  napi_create_double(env, n, &v);
  napi_set_named_property(env, obj, name, v);
}

/* A report as the object onReport receives (see LaneReport in src/native/lane-types.ts). */
static napi_value report_object(napi_env env, struct report *r) {
  napi_value result, files, arr, v;
  napi_create_object(env, &result);
  if (r->error_errno) {
    napi_value msg, err, code;
    napi_create_string_utf8(env, r->error, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &err);
    const char *name = errno_name(r->error_errno);
    napi_create_string_utf8(env, name ? name : "E_LANE", NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, err, "code", code);
    napi_set_named_property(env, result, "error", err);
  }
  napi_set_named_property(env, result, "ids", buffer_copy(env, r->ids, r->chunks * 32));
  void *files_data = NULL;
  napi_value files_ab;
  napi_create_arraybuffer(env, r->chunks * 4, &files_data, &files_ab);
  if (r->chunks) memcpy(files_data, r->chunk_files, r->chunks * 4);
  napi_create_typedarray(env, napi_uint32_array, r->chunks, files_ab, 0, &files);
  napi_set_named_property(env, result, "chunkFiles", files);

  napi_create_array_with_length(env, r->event_count, &arr);
  for (size_t i = 0; i < r->event_count; i++) {
    struct file_event *e = &r->events[i];
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

  napi_create_array_with_length(env, (size_t)r->pack_count, &arr);
  for (int i = 0; i < r->pack_count; i++) {
    struct finished_pack *p = &r->packs[i];
    napi_value pk;
    napi_create_object(env, &pk);
    napi_set_named_property(env, pk, "id", buffer_copy(env, p->id, 32));
    set_number(env, pk, "fd", p->fd);
    set_number(env, pk, "length", (double)p->length);
    napi_set_named_property(env, pk, "header", buffer_copy(env, p->header, p->header_len));
    set_number(env, pk, "blobCount", p->blobs);
    napi_set_element(env, arr, (uint32_t)i, pk);
    free(p->header);
    p->header = NULL;
  }
  r->pack_count = 0; /* the descriptors belong to the receiver now */
  napi_set_named_property(env, result, "packs", arr);
  set_number(env, result, "batchesDone", r->batches_done);
  napi_get_boolean(env, r->finished, &v);
  napi_set_named_property(env, result, "finished", v);
  return result;
}

/* Runs on the main thread for each report the lane's thread posts; env is NULL when the lane is
 * being torn down (the report is only freed then). */
static void call_on_report(napi_env env, napi_value on_report, void *context, void *data) {
  struct lane *l = context;
  struct report *r = data;
  if (env && on_report && !l->closed) {
    napi_value arg = report_object(env, r), undefined;
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, on_report, 1, &arg, NULL);
  }
  report_free(r);
}

static void release_holder(struct lane *l) {
  if (--l->holders == 0) {
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    free(l);
  }
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  release_holder(data);
}

/* Stops the lane's thread, frees what it holds and lets its reports go. */
static void close_lane(struct lane *l) {
  if (l->closed) return;
  lane_stop(l);
  if (l->tsfn) napi_release_threadsafe_function(l->tsfn, napi_tsfn_abort);
}

/* The external is collected: a lane never closed is closed now. */
static void lane_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  close_lane(data);
  release_holder(data);
}


/* createLane(encrypt, macK, macR, polynomial, level, tmpdir, packTarget, packLimit, packsInFlight, onReport) */
static napi_value js_create_lane(napi_env env, napi_callback_info info) {
  napi_value argv[10];
  if (!get_args(env, info, 10, argv, "createLane(encrypt, macK, macR, polynomial, level, tmpdir, packTarget, packLimit, packsInFlight, onReport)")) return NULL;
  uint8_t *enc, *mac_k, *mac_r;
  size_t dir_len = 0;
  uint64_t pol, target, limit;
  int64_t level, in_flight;
  napi_valuetype t;
  if (!get_key_args(env, argv, &enc, &mac_k, &mac_r) || !get_uint64(env, argv[3], "polynomial", &pol) || !get_int64(env, argv[4], "level", &level) ||
      !get_uint64(env, argv[6], "packTarget", &target) || !get_uint64(env, argv[7], "packLimit", &limit) ||
      !get_int64(env, argv[8], "packsInFlight", &in_flight))
    return NULL;
  if (level < 0 || level > 22 || target == 0 || limit < target || in_flight < 1 || in_flight > 64) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "createLane: bad level, pack sizes or packs in flight");
    return NULL;
  }
  if (napi_typeof(env, argv[9], &t) != napi_ok || t != napi_function) {
    throw_arg(env, "onReport must be a function");
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
  napi_value ext, name;
  napi_threadsafe_function tsfn;
  napi_create_string_utf8(env, "lifeboat:lane", NAPI_AUTO_LENGTH, &name);
  if (napi_create_external(env, l, lane_finalize, NULL, &ext) != napi_ok) {
    lane_release(l);
    release_holder(l);
    goto oom;
  }
  if (napi_create_threadsafe_function(env, argv[9], NULL, name, 0, 1, l, tsfn_finalize, l, call_on_report, &tsfn) != napi_ok) {
    close_lane(l);
    goto oom;
  }
  l->holders++;
  if (!lane_start(l, tsfn, (int)in_flight)) {
    int e = errno;
    close_lane(l);
    throw_errno(env, e, "pthread_create", NULL, NULL);
    return NULL;
  }
  return ext;
oom:
  napi_throw_error(env, "ENOMEM", "createLane: out of memory");
  return NULL;
}

/* laneFeed(lane, paths, sizes): a batch of files, NUL-terminated raw paths back to back and the
 * size the walk saw of each (Float64Array); the lane numbers its files in the order it is fed. */
static napi_value js_lane_feed(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "laneFeed(lane, paths, sizes)")) return NULL;
  struct lane *l = get_lane(env, argv[0]);
  if (!l) return NULL;
  uint8_t *p;
  size_t plen, slen, off;
  napi_typedarray_type st;
  void *sdata;
  napi_value ab;
  bool typed = false;
  if (!get_u8(env, argv[1], "paths", &p, &plen)) return NULL;
  napi_is_typedarray(env, argv[2], &typed);
  if (!typed || napi_get_typedarray_info(env, argv[2], &st, &slen, &sdata, &ab, &off) != napi_ok || st != napi_float64_array) {
    throw_arg(env, "sizes must be a Float64Array");
    return NULL;
  }
  uint32_t files = 0;
  for (size_t i = 0; i < plen; i++) files += p[i] == 0;
  if (plen == 0 || p[plen - 1] != 0 || files != slen) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "laneFeed: a batch needs NUL-terminated paths and one size each");
    return NULL;
  }
  struct batch *b = calloc(1, sizeof *b);
  char *paths = malloc(plen);
  double *sizes = malloc(slen * sizeof(double));
  if (!b || !paths || !sizes) {
    free(b);
    free(paths);
    free(sizes);
    napi_throw_error(env, "ENOMEM", "laneFeed: out of memory");
    return NULL;
  }
  memcpy(paths, p, plen);
  memcpy(sizes, sdata, slen * sizeof(double));
  b->paths = paths;
  b->sizes = sizes;
  b->files = files;
  lane_feed(l, b);
  return NULL;
}

/* laneAnswer(lane, decisions): for the oldest reported generation not yet answered, one byte per
 * chunk (non-zero = new: store it). */
static napi_value js_lane_answer(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "laneAnswer(lane, decisions)")) return NULL;
  struct lane *l = get_lane(env, argv[0]);
  if (!l) return NULL;
  uint8_t *dec;
  size_t len;
  if (!get_u8(env, argv[1], "decisions", &dec, &len)) return NULL;
  long want = lane_next_answer_size(l);
  if (want < 0 || (size_t)want != len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "laneAnswer: one decision per chunk of the oldest unanswered generation");
    return NULL;
  }
  uint8_t *copy = malloc(len);
  if (!copy) {
    napi_throw_error(env, "ENOMEM", "laneAnswer: out of memory");
    return NULL;
  }
  memcpy(copy, dec, len);
  lane_answer(l, copy);
  return NULL;
}

/* lanePackDone(lane): a reported pack was taken over (uploaded or given up); a no-op once closed. */
static napi_value js_lane_pack_done(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "lanePackDone(lane)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) == napi_ok && data && !((struct lane *)data)->closed) lane_pack_done(data);
  return NULL;
}

/* laneFinish(lane): no more batches; the lane finishes its pack and reports `finished`. */
static napi_value js_lane_finish(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "laneFinish(lane)")) return NULL;
  struct lane *l = get_lane(env, argv[0]);
  if (l) lane_finish(l);
  return NULL;
}

/* laneClose(lane): stops the lane (after the piece of work its thread is on) and frees it. */
static napi_value js_lane_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "laneClose(lane)")) return NULL;
  void *data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || !data) {
    throw_arg(env, "lane must be a lane from createLane");
    return NULL;
  }
  close_lane(data);
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
      {"laneFeed", NULL, js_lane_feed, NULL, NULL, NULL, napi_enumerable, NULL},
      {"laneAnswer", NULL, js_lane_answer, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lanePackDone", NULL, js_lane_pack_done, NULL, NULL, NULL, napi_enumerable, NULL},
      {"laneFinish", NULL, js_lane_finish, NULL, NULL, NULL, napi_enumerable, NULL},
      {"laneClose", NULL, js_lane_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"chunkerCuts", NULL, js_chunker_cuts, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
