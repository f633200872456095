/*
 * The file-system calls Node.js 20 lacks: nanosecond utimensat (also on symlinks), mknod for
 * fifos and device nodes, extended attributes with raw-byte paths and names, lstatInto (lstat
 * with nanosecond times and the xattr list size into a reused array), releasePages (hand a
 * buffer's pages back to the kernel), freeArrayBuffer (free one now), openTmpfile and linkFd (an anonymous O_TMPFILE file, and
 * a name for it later), dropCachedPages (a written file's pages out of the page cache).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>
#include "common.h"

/* utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, noFollow) */
static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "utimensat(path, atimeSec, atimeNsec, mtimeSec, mtimeNsec, noFollow)")) return NULL;
  int64_t as, an, ms, mn;
  if (!get_int64(env, argv[1], "atimeSec", &as) || !get_int64(env, argv[2], "atimeNsec", &an) ||
      !get_int64(env, argv[3], "mtimeSec", &ms) || !get_int64(env, argv[4], "mtimeNsec", &mn))
    return NULL;
  if (an < 0 || an > 999999999 || mn < 0 || mn > 999999999) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "utimensat: nanoseconds must be within 0..999999999");
    return NULL;
  }
  bool no_follow = false;
  if (napi_get_value_bool(env, argv[5], &no_follow) != napi_ok) {
    throw_arg(env, "noFollow must be a boolean");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  struct timespec ts[2] = {{.tv_sec = (time_t)as, .tv_nsec = (long)an}, {.tv_sec = (time_t)ms, .tv_nsec = (long)mn}};
  if (utimensat(AT_FDCWD, path, ts, no_follow ? AT_SYMLINK_NOFOLLOW : 0) != 0) throw_errno(env, errno, "utimensat", argv[0], path);
  free(path);
  return NULL;
}

/* mknod(path, mode, dev): mode includes the file type (S_IFIFO, S_IFCHR, S_IFBLK, S_IFREG). */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "mknod(path, mode, dev)")) return NULL;
  int64_t mode;
  uint64_t dev;
  if (!get_int64(env, argv[1], "mode", &mode) || !get_uint64(env, argv[2], "dev", &dev)) return NULL;
  if (mode < 0 || mode > 0xffffffffLL) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "mknod: mode out of range");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  if (mknod(path, (mode_t)mode, (dev_t)dev) != 0) throw_errno(env, errno, "mknod", argv[0], path);
  free(path);
  return NULL;
}

/* Size-then-read loop shared by llistxattr and lgetxattr: the value may grow between the two
 * calls (ERANGE), so retry a few times. Returns the length, or -1 with errno set. */
static ssize_t read_sized(char **buf, const char *path, const char *name) {
  for (int attempt = 0; attempt < 16; attempt++) {
    ssize_t size = name ? lgetxattr(path, name, NULL, 0) : llistxattr(path, NULL, 0);
    if (size < 0) return -1;
    char *grown = realloc(*buf, size > 0 ? (size_t)size : 1);
    if (!grown) {
      errno = ENOMEM;
      return -1;
    }
    *buf = grown;
    if (size == 0) return 0;
    ssize_t got = name ? lgetxattr(path, name, *buf, (size_t)size) : llistxattr(path, *buf, (size_t)size);
    if (got >= 0) return got;
    if (errno != ERANGE) return -1;
  }
  errno = ERANGE;
  return -1;
}

/* llistxattr(path) → Buffer[]: the attribute names as raw bytes (not following symlinks). */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "llistxattr(path)")) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *buf = NULL;
  ssize_t size = read_sized(&buf, path, NULL);
  napi_value result = NULL;
  if (size < 0) {
    throw_errno(env, errno, "llistxattr", argv[0], path);
  } else {
    napi_create_array(env, &result);
    uint32_t index = 0;
    for (ssize_t off = 0; off < size;) {
      size_t n = strnlen(buf + off, (size_t)(size - off));
      if (n > 0) {
        napi_value name;
        void *copy;
        napi_create_buffer_copy(env, n, buf + off, &copy, &name);
        napi_set_element(env, result, index++, name);
      }
      off += (ssize_t)n + 1;
    }
  }
  free(buf);
  free(path);
  return result;
}

/* lgetxattr(path, name) → Buffer */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "lgetxattr(path, name)")) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *name = get_cstr(env, argv[1], "name");
  if (!name) {
    free(path);
    return NULL;
  }
  char *buf = NULL;
  ssize_t size = read_sized(&buf, path, name);
  napi_value result = NULL;
  if (size < 0) {
    throw_errno(env, errno, "lgetxattr", argv[0], path);
  } else {
    void *copy;
    napi_create_buffer_copy(env, (size_t)size, buf, &copy, &result);
  }
  free(buf);
  free(name);
  free(path);
  return result;
}

/* lsetxattr(path, name, value): creates or replaces. */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "lsetxattr(path, name, value)")) return NULL;
  uint8_t *value;
  size_t value_len;
  if (!get_u8(env, argv[2], "value", &value, &value_len)) return NULL;
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  char *name = get_cstr(env, argv[1], "name");
  if (!name) {
    free(path);
    return NULL;
  }
  if (lsetxattr(path, name, value, value_len, 0) != 0) throw_errno(env, errno, "lsetxattr", argv[0], path);
  free(name);
  free(path);
  return NULL;
}

/*
 * lstatInto(path, out: BigUint64Array(16)) → 0, or the errno (the JS wrapper throws; returning it
 * keeps the common "does not exist" case cheap). One call instead of fs.lstatSync({bigint:true})
 * plus llistxattr, without allocating: dev, ino, mode, nlink, uid, gid, rdev, size, atime s/ns,
 * mtime s/ns, ctime s/ns, blocks, xattr list size. Seconds are stored as two's complement
 * (times before 1970 read back with BigInt.asIntN(64, v)).
 */
static napi_value js_lstat_into(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "lstatInto(path, out)")) return NULL;
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  napi_typedarray_type type = napi_int8_array;
  size_t len = 0;
  void *data = NULL;
  napi_value ab;
  size_t offset;
  if (is_typed) napi_get_typedarray_info(env, argv[1], &type, &len, &data, &ab, &offset);
  if (!is_typed || type != napi_biguint64_array || len < 16) {
    throw_arg(env, "out must be a BigUint64Array of 16 elements");
    return NULL;
  }
  char *path = get_cstr(env, argv[0], "path");
  if (!path) return NULL;
  struct stat st;
  if (lstat(path, &st) != 0) {
    int e = errno;
    free(path);
    return make_int64(env, e);
  }
  uint64_t *o = data;
  stat_fields(&st, o);
  ssize_t x = S_ISLNK(st.st_mode) ? 0 : llistxattr(path, NULL, 0);
  o[15] = x > 0 ? (uint64_t)x : 0;
  free(path);
  return make_int64(env, 0);
}

/*
 * releasePages(buf, from): hands the whole pages of buf at or after byte `from` back to the
 * kernel (madvise MADV_DONTNEED) so they stop counting in the resident set; they read as zeros
 * when touched again. Only pages entirely inside the buffer are released (the allocator's
 * bookkeeping around it is never touched). Returns the bytes released.
 */
static napi_value js_release_pages(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "releasePages(buf, from)")) return NULL;
  uint8_t *data;
  size_t len;
  int64_t from;
  if (!get_u8(env, argv[0], "buf", &data, &len) || !get_int64(env, argv[1], "from", &from)) return NULL;
  if (from < 0 || (uint64_t)from > len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "from must be within the buffer");
    return NULL;
  }
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  uintptr_t start = ((uintptr_t)data + (uintptr_t)from + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t end = ((uintptr_t)data + len) & ~((uintptr_t)page - 1);
  if (end <= start || len == 0) return make_int64(env, 0);
  if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) return make_int64(env, 0);
  return make_int64(env, (int64_t)(end - start));
}

/*
 * freeArrayBuffer(buffer): detaches it, which frees its memory now (its length is 0 from then on).
 * A buffer that lived long enough to be promoted otherwise waits for a full collection, and V8
 * counts outside memory towards one only in large steps: the backup's listings and parent trees
 * held ≈ 8 MiB of an incremental backup's peak that way.
 */
static napi_value js_free_array_buffer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "freeArrayBuffer(buffer)")) return NULL;
  bool is_buffer = false;
  if (napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    throw_arg(env, "buffer must be an ArrayBuffer");
    return NULL;
  }
  if (napi_detach_arraybuffer(env, argv[0]) != napi_ok) napi_throw_error(env, NULL, "freeArrayBuffer: the buffer cannot be detached");
  return NULL;
}

/* openTmpfile(dir) → fd: an anonymous read-write file (O_TMPFILE, mode 0600) on dir's file system. */
static napi_value js_open_tmpfile(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, "openTmpfile(dir)")) return NULL;
  char *dir = get_cstr(env, argv[0], "dir");
  if (!dir) return NULL;
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) throw_errno(env, errno, "open", argv[0], dir);
  free(dir);
  return fd < 0 ? NULL : make_int64(env, fd);
}

/* A file descriptor argument; false after a throw (RangeError outside 0..INT32_MAX). */
static bool get_fd(napi_env env, napi_value v, const char *fn, int *fd) {
  int64_t n;
  if (!get_int64(env, v, "fd", &n)) return false;
  if (n < 0 || n > INT32_MAX) {
    char msg[64];
    snprintf(msg, sizeof msg, "%s: fd out of range", fn);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
    return false;
  }
  *fd = (int)n;
  return true;
}

/* linkFd(fd, path): gives the anonymous file open as `fd` (made with O_TMPFILE) the name `path`,
 * never replacing one: linkat through /proc/self/fd, following it, as open(2) documents. */
static napi_value js_link_fd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!get_args(env, info, 2, argv, "linkFd(fd, path)") || !get_fd(env, argv[0], "linkFd", &fd)) return NULL;
  char *path = get_cstr(env, argv[1], "path");
  if (!path) return NULL;
  char proc[32];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) throw_errno(env, errno, "linkat", argv[1], path);
  free(path);
  return NULL;
}

/* dropCachedPages(fd) → bool: advises the kernel to drop the file's cached pages (POSIX_FADV_DONTNEED;
 * clean pages go at once, so call it after fsync). False where the advice is refused (a pipe). */
static napi_value js_drop_cached_pages(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!get_args(env, info, 1, argv, "dropCachedPages(fd)") || !get_fd(env, argv[0], "dropCachedPages", &fd)) return NULL;
  int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  if (err == EBADF) {
    throw_errno(env, err, "posix_fadvise", NULL, NULL);
    return NULL;
  }
  napi_value v;
  napi_get_boolean(env, err == 0, &v);
  return v;
}

bool fs_calls_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstatInto", NULL, js_lstat_into, NULL, NULL, NULL, napi_enumerable, NULL},
      {"releasePages", NULL, js_release_pages, NULL, NULL, NULL, napi_enumerable, NULL},
      {"freeArrayBuffer", NULL, js_free_array_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openTmpfile", NULL, js_open_tmpfile, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkFd", NULL, js_link_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dropCachedPages", NULL, js_drop_cached_pages, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
