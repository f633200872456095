/*
 * scanDir(path, withXattrs): a directory's entries and the lstat of each, read on libuv's thread
 * pool. The backup walk spent a third of its main-thread time in readdir and one lstat per entry;
 * here the whole directory is one request that runs while the main thread encodes trees. With
 * withXattrs false the xattr list size (an llistxattr per entry that is not a symlink) is not
 * asked for and stays 0: a caller that only compares metadata saves that system call.
 *
 * Resolves with an errno (a number: the directory could not be opened or read) or an ArrayBuffer,
 * native byte order:
 *   u32 count, u32 reserved
 *   count × 16 u64   each entry's lstat, fields as lstatInto's (STAT); zeros when it failed
 *   count × i32      each entry's lstat errno (0: the fields are valid)
 *   count × u32      end offset of each name in the names area
 *   names            raw bytes, sorted as strcmp sorts them (Node's readdir order)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "common.h"

#define STAT_FIELDS 16

struct scan {
  char *path;
  /* names back to back, each NUL-terminated while scanning */
  char *names;
  size_t names_len, names_cap;
  size_t *starts;
  size_t count, cap;
  uint8_t *out;
  size_t out_len;
  int err;
  bool xattrs;
  napi_async_work work;
  napi_deferred deferred;
};

static bool add_name(struct scan *s, const char *name) {
  size_t len = strlen(name) + 1;
  if (s->names_len + len > s->names_cap) {
    size_t cap = s->names_cap ? s->names_cap * 2 : 4096;
    while (cap < s->names_len + len) cap *= 2;
    char *n = realloc(s->names, cap);
    if (!n) return false;
    s->names = n;
    s->names_cap = cap;
  }
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    size_t *n = realloc(s->starts, cap * sizeof *n);
    if (!n) return false;
    s->starts = n;
    s->cap = cap;
  }
  memcpy(s->names + s->names_len, name, len);
  s->starts[s->count++] = s->names_len;
  s->names_len += len;
  return true;
}

/* qsort_r's comparator: offsets into the names area, which comes as its argument */
static int compare_names(const void *a, const void *b, void *names) {
  return strcmp((const char *)names + *(const size_t *)a, (const char *)names + *(const size_t *)b);
}

void stat_fields(const struct stat *st, uint64_t *o) {
  o[0] = st->st_dev;
  o[1] = st->st_ino;
  o[2] = st->st_mode;
  o[3] = st->st_nlink;
  o[4] = st->st_uid;
  o[5] = st->st_gid;
  o[6] = st->st_rdev;
  o[7] = (uint64_t)st->st_size;
  o[8] = (uint64_t)st->st_atim.tv_sec;
  o[9] = (uint64_t)st->st_atim.tv_nsec;
  o[10] = (uint64_t)st->st_mtim.tv_sec;
  o[11] = (uint64_t)st->st_mtim.tv_nsec;
  o[12] = (uint64_t)st->st_ctim.tv_sec;
  o[13] = (uint64_t)st->st_ctim.tv_nsec;
  o[14] = (uint64_t)st->st_blocks;
}

/* `full` holds the directory's path and a slash at `dir_len`; the name is copied behind them. */
static void stat_entry(int dirfd, char *full, size_t dir_len, const char *name, bool xattrs, uint64_t *o, int32_t *err) {
  struct stat st;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    *err = errno;
    return;
  }
  stat_fields(&st, o);
  if (xattrs && !S_ISLNK(st.st_mode)) {
    /* llistxattr takes a path: the directory's, a slash, the name */
    size_t len = strlen(name);
    memcpy(full + dir_len + 1, name, len + 1);
    ssize_t x = llistxattr(full, NULL, 0);
    o[15] = x > 0 ? (uint64_t)x : 0;
  }
}

static void scan_execute(napi_env env, void *data) {
  (void)env;
  struct scan *s = data;
  int fd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    s->err = errno;
    return;
  }
  DIR *d = fdopendir(fd);
  if (!d) {
    s->err = errno;
    close(fd);
    return;
  }
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) s->err = errno;
      break;
    }
    if (e->d_name[0] == '.' && (e->d_name[1] == 0 || (e->d_name[1] == '.' && e->d_name[2] == 0))) continue;
    if (!add_name(s, e->d_name)) {
      s->err = ENOMEM;
      break;
    }
  }
  if (!s->err) qsort_r(s->starts, s->count, sizeof *s->starts, compare_names, s->names);
  size_t dir_len = strlen(s->path);
  size_t head = 8 + s->count * (STAT_FIELDS * 8 + 4 + 4);
  char *full = s->err ? NULL : malloc(dir_len + 1 + NAME_MAX + 1);
  s->out_len = head + s->names_len - s->count; /* names without their NULs */
  s->out = s->err || !full ? NULL : calloc(1, s->out_len);
  if (!s->err && (!full || !s->out)) s->err = ENOMEM;
  if (!s->err) {
    memcpy(full, s->path, dir_len);
    full[dir_len] = '/';
    uint32_t *hdr = (uint32_t *)s->out;
    hdr[0] = (uint32_t)s->count;
    uint64_t *stats = (uint64_t *)(s->out + 8);
    int32_t *errs = (int32_t *)(s->out + 8 + s->count * STAT_FIELDS * 8);
    uint32_t *ends = (uint32_t *)(errs + s->count);
    uint8_t *names = (uint8_t *)(ends + s->count);
    size_t at = 0;
    for (size_t i = 0; i < s->count; i++) {
      const char *name = s->names + s->starts[i];
      stat_entry(dirfd(d), full, dir_len, name, s->xattrs, stats + i * STAT_FIELDS, errs + i);
      size_t len = strlen(name);
      memcpy(names + at, name, len);
      at += len;
      ends[i] = (uint32_t)at;
    }
  }
  free(full);
  closedir(d);
}

static void scan_free(struct scan *s) {
  free(s->path);
  free(s->names);
  free(s->starts);
  free(s->out);
  free(s);
}

static void scan_complete(napi_env env, napi_status status, void *data) {
  struct scan *s = data;
  napi_value result;
  void *ab = NULL;
  if (status != napi_ok) {
    napi_create_int32(env, ECANCELED, &result);
  } else if (s->err) {
    napi_create_int32(env, s->err, &result);
  } else if (napi_create_arraybuffer(env, s->out_len, &ab, &result) == napi_ok) {
    memcpy(ab, s->out, s->out_len);
  } else {
    napi_create_int32(env, ENOMEM, &result);
  }
  napi_resolve_deferred(env, s->deferred, result);
  napi_delete_async_work(env, s->work);
  scan_free(s);
}

/* scanDir(path: Uint8Array | string, withXattrs: boolean) → Promise<ArrayBuffer | number> */
static napi_value js_scan_dir(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "scanDir(path, withXattrs)")) return NULL;
  bool xattrs = true;
  if (napi_get_value_bool(env, argv[1], &xattrs) != napi_ok) {
    throw_arg(env, "withXattrs must be a boolean");
    return NULL;
  }
  struct scan *s = calloc(1, sizeof *s);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "scanDir: out of memory");
    return NULL;
  }
  s->xattrs = xattrs;
  s->path = get_cstr(env, argv[0], "path");
  if (!s->path) {
    free(s);
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &s->deferred, &promise);
  napi_create_string_utf8(env, "lifeboat:scanDir", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, scan_execute, scan_complete, s, &s->work) != napi_ok ||
      napi_queue_async_work(env, s->work) != napi_ok) {
    scan_free(s);
    napi_throw_error(env, NULL, "scanDir: could not queue the work");
    return NULL;
  }
  return promise;
}

bool scan_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scanDir", NULL, js_scan_dir, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
