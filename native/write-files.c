/*
 * writeFiles: a batch of small restored files written in one request on libuv's thread pool.
 * A restore of a system tree spends most of its time in the kernel creating files; the main
 * thread made about eight path-based calls per file (open a temporary name, ftruncate, write,
 * close, lchown, chmod, utimensat, rename). Here a file whose whole content is in memory and
 * whose name does not exist yet is, off the main thread:
 *
 *   open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode or 0600)
 *   write the content; ftruncate to the size when it is longer (a sparse all-zero tail)
 *   fchown (when asked), fchmod (after fchown, which clears setuid/setgid), futimens
 *   close
 *
 * fchmod is left out when open could give the file its mode already: no setuid, setgid or sticky
 * bit (fchown would clear the first two) and no bit the process's umask removes (read once per
 * batch from /proc/self/status; when it cannot be read, every file gets its fchmod).
 *
 * Each file has its own result: a failed open, write, ftruncate or close is the file's error (a
 * file this call created is unlinked again, so nothing half-written stays under its name); a
 * failed fchown, fchmod or futimens is recorded and the file stays. One file's failure never
 * stops the others. O_EXCL: an existing name (of anything, symlinks included) is EEXIST, never
 * written through.
 *
 * Two more kinds of entry share the request, so that a restore's other entries leave the main
 * thread too (the entries of one request are handled in order):
 *
 *   symlink      symlink(content, path) (an existing name is EEXIST), lchown (when asked) and
 *                utimensat without following it; a failed symlink is the entry's error
 *   dir metadata an existing directory's lchown (when asked), chmod and utimensat (a
 *                restore's last step); each failure is recorded, none is an error
 *
 * writeFiles(paths, data, meta, results, count, flags) → Promise<void>
 *   paths    count NUL-terminated raw paths back to back
 *   data     the contents back to back (meta's length of each, in order; a symlink's target)
 *   meta     Float64Array, WF_META per file: length, size, mode, uid, gid, atime s, atime ns,
 *            mtime s, mtime ns, kind (WF_KIND_*)
 *   results  Int32Array, WF_RESULT per file, written by the call: errno and call (WF_CALL_*) of
 *            the file's error (0, 0: written), then the errnos of fchown, fchmod and futimens
 *   flags    bit 0: fchown to uid and gid
 * The four arrays are held until the promise resolves; the caller must not touch them before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

#define WF_META 10
#define WF_RESULT 5
enum { WF_CALL_OPEN = 1, WF_CALL_WRITE = 2, WF_CALL_FTRUNCATE = 3, WF_CALL_CLOSE = 4, WF_CALL_SYMLINK = 5 };
enum { WF_KIND_FILE = 0, WF_KIND_SYMLINK = 1, WF_KIND_DIR_META = 2 };
enum { WF_OWNER = 1 };

struct view {
  napi_ref ref;
  uint8_t *bytes;
  size_t len;
};

struct batch {
  struct view paths, data, meta, results;
  size_t count;
  uint32_t flags;
  napi_async_work work;
  napi_deferred deferred;
};

static int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static struct timespec to_timespec(double sec, double nsec) {
  struct timespec ts = {.tv_sec = (time_t)sec, .tv_nsec = (long)nsec};
  return ts;
}

/* The process's umask as /proc/self/status shows it, or -1 (umask(2) cannot read it without
 * changing it, and other threads create files meanwhile). */
static int read_umask(void) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char *at = strstr(buf, "\nUmask:");
  if (!at) return -1;
  char *end;
  long mask = strtol(at + 7, &end, 8);
  return end == at + 7 || mask < 0 || mask > 0777 ? -1 : (int)mask;
}

/* Writes one file; `r` gets its WF_RESULT fields. `mask`: the umask, or -1 when unknown. */
static void write_one(const char *path, const uint8_t *content, const double *m, uint32_t flags, int mask, int32_t *r) {
  size_t len = (size_t)m[0];
  off_t size = (off_t)m[1];
  mode_t mode = (mode_t)m[2];
  bool mode_at_open = mask >= 0 && (mode & 07000) == 0 && (mode & (mode_t)mask) == 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode_at_open ? mode : 0600);
  if (fd < 0) {
    r[0] = errno;
    r[1] = WF_CALL_OPEN;
    return;
  }
  int e = write_all(fd, content, len);
  int call = WF_CALL_WRITE;
  if (!e && size > (off_t)len && ftruncate(fd, size) != 0) {
    e = errno;
    call = WF_CALL_FTRUNCATE;
  }
  if (!e) {
    if ((flags & WF_OWNER) && fchown(fd, (uid_t)m[3], (gid_t)m[4]) != 0) r[2] = errno;
    if (!mode_at_open && fchmod(fd, mode) != 0) r[3] = errno;
    struct timespec ts[2] = {to_timespec(m[5], m[6]), to_timespec(m[7], m[8])};
    if (futimens(fd, ts) != 0) r[4] = errno;
  }
  if (close(fd) != 0 && !e) {
    e = errno;
    call = WF_CALL_CLOSE;
  }
  if (e) {
    r[0] = e;
    r[1] = call;
    unlink(path);
  }
}

/* Creates one symlink (the target is `len` bytes, not NUL-terminated) and gives it its owner and times. */
static void link_one(const char *path, const uint8_t *target, const double *m, uint32_t flags, int32_t *r) {
  size_t len = (size_t)m[0];
  char buf[PATH_MAX];
  if (len == 0 || len >= sizeof buf || memchr(target, 0, len)) {
    r[0] = len == 0 ? ENOENT : len >= sizeof buf ? ENAMETOOLONG : EINVAL;
    r[1] = WF_CALL_SYMLINK;
    return;
  }
  memcpy(buf, target, len);
  buf[len] = 0;
  if (symlink(buf, path) != 0) {
    r[0] = errno;
    r[1] = WF_CALL_SYMLINK;
    return;
  }
  if ((flags & WF_OWNER) && fchownat(AT_FDCWD, path, (uid_t)m[3], (gid_t)m[4], AT_SYMLINK_NOFOLLOW) != 0) r[2] = errno;
  struct timespec ts[2] = {to_timespec(m[5], m[6]), to_timespec(m[7], m[8])};
  if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) r[4] = errno;
}

/* A directory's owner, mode (after the owner: chown clears setgid) and times. */
static void dir_meta_one(const char *path, const double *m, uint32_t flags, int32_t *r) {
  if ((flags & WF_OWNER) && fchownat(AT_FDCWD, path, (uid_t)m[3], (gid_t)m[4], AT_SYMLINK_NOFOLLOW) != 0) r[2] = errno;
  if (fchmodat(AT_FDCWD, path, (mode_t)m[2], 0) != 0) r[3] = errno;
  struct timespec ts[2] = {to_timespec(m[5], m[6]), to_timespec(m[7], m[8])};
  if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) r[4] = errno;
}

static void wf_execute(napi_env env, void *data) {
  (void)env;
  struct batch *b = data;
  const char *path = (const char *)b->paths.bytes;
  const uint8_t *content = b->data.bytes;
  const double *meta = (const double *)b->meta.bytes;
  int32_t *results = (int32_t *)b->results.bytes;
  int mask = read_umask();
  for (size_t i = 0; i < b->count; i++) {
    int32_t *r = results + i * WF_RESULT;
    memset(r, 0, WF_RESULT * sizeof *r);
    const double *m = meta + i * WF_META;
    if (m[9] == WF_KIND_SYMLINK) link_one(path, content, m, b->flags, r);
    else if (m[9] == WF_KIND_DIR_META) dir_meta_one(path, m, b->flags, r);
    else write_one(path, content, m, b->flags, mask, r);
    path += strlen(path) + 1;
    content += (size_t)meta[i * WF_META];
  }
}

static void release(napi_env env, struct view *v) {
  if (v->ref) napi_delete_reference(env, v->ref);
}

static void wf_free(napi_env env, struct batch *b) {
  release(env, &b->paths);
  release(env, &b->data);
  release(env, &b->meta);
  release(env, &b->results);
  free(b);
}

static void wf_complete(napi_env env, napi_status status, void *data) {
  struct batch *b = data;
  napi_value undefined, error, message;
  napi_get_undefined(env, &undefined);
  if (status == napi_ok) {
    napi_resolve_deferred(env, b->deferred, undefined);
  } else {
    napi_create_string_utf8(env, "writeFiles: the request was cancelled", NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_reject_deferred(env, b->deferred, error);
  }
  napi_delete_async_work(env, b->work);
  wf_free(env, b);
}

/* A typed array argument of type `want`, referenced until the request ends. */
static bool get_view(napi_env env, napi_value v, napi_typedarray_type want, const char *what, struct view *out) {
  bool is = false;
  napi_typedarray_type type;
  size_t length, offset;
  void *bytes;
  napi_value ab;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, &length, &bytes, &ab, &offset) != napi_ok ||
      (type != want && !(want == napi_uint8_array && type == napi_uint8_clamped_array))) {
    throw_arg(env, what);
    return false;
  }
  size_t elem = want == napi_float64_array ? 8 : want == napi_int32_array ? 4 : 1;
  out->bytes = bytes;
  out->len = length * elem;
  return napi_create_reference(env, v, 1, &out->ref) == napi_ok;
}

/* The batch's arrays hold `count` files: paths, contents, metadata and result slots. */
static bool batch_fits(const struct batch *b) {
  if (b->meta.len < b->count * WF_META * 8 || b->results.len < b->count * WF_RESULT * 4) return false;
  const double *meta = (const double *)b->meta.bytes;
  size_t total = 0;
  for (size_t i = 0; i < b->count; i++) {
    double len = meta[i * WF_META];
    if (!(len >= 0) || len > (double)b->data.len) return false;
    total += (size_t)len;
  }
  if (total > b->data.len) return false;
  size_t at = 0;
  for (size_t i = 0; i < b->count; i++) {
    const uint8_t *nul = at < b->paths.len ? memchr(b->paths.bytes + at, 0, b->paths.len - at) : NULL;
    if (!nul || nul == b->paths.bytes + at) return false;
    at = (size_t)(nul - b->paths.bytes) + 1;
  }
  return true;
}

static napi_value js_write_files(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "writeFiles(paths, data, meta, results, count, flags)")) return NULL;
  struct batch *b = calloc(1, sizeof *b);
  if (!b) {
    napi_throw_error(env, "ENOMEM", "writeFiles: out of memory");
    return NULL;
  }
  int64_t count, flags;
  if (!get_view(env, argv[0], napi_uint8_array, "writeFiles: paths must be a Uint8Array", &b->paths) ||
      !get_view(env, argv[1], napi_uint8_array, "writeFiles: data must be a Uint8Array", &b->data) ||
      !get_view(env, argv[2], napi_float64_array, "writeFiles: meta must be a Float64Array", &b->meta) ||
      !get_view(env, argv[3], napi_int32_array, "writeFiles: results must be an Int32Array", &b->results) ||
      !get_int64(env, argv[4], "count", &count) || !get_int64(env, argv[5], "flags", &flags)) {
    wf_free(env, b);
    return NULL;
  }
  b->count = count > 0 ? (size_t)count : 0;
  b->flags = (uint32_t)flags;
  if (count < 0 || !batch_fits(b)) {
    wf_free(env, b);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "writeFiles: the arrays do not hold `count` files");
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &b->deferred, &promise);
  napi_create_string_utf8(env, "lifeboat:writeFiles", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, wf_execute, wf_complete, b, &b->work) != napi_ok ||
      napi_queue_async_work(env, b->work) != napi_ok) {
    wf_free(env, b);
    napi_throw_error(env, NULL, "writeFiles: could not queue the work");
    return NULL;
  }
  return promise;
}

bool write_files_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"writeFiles", NULL, js_write_files, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
