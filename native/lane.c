/*
 * The file lane: a backup's hot path (read → restic's chunker → SHA-256 → zstd → seal → pack file)
 * run on libuv's thread pool, one step at a time, with no JavaScript on the way.
 *
 * Why native and not worker threads: each worker thread is a V8 isolate (≈ 15–25 MiB resident
 * apiece, measured) and every chunk crossed threads as a message; restic's memory bar could not be
 * met with two of them. Here a lane is a plain struct with two buffers, and the main thread only
 * answers "which of these blobs are new" (the index lives there) between steps.
 *
 * A step (laneStep) runs on a pool thread:
 *   1. store: the chunks of the previous step that the caller marked new are compressed, sealed
 *      and appended to the lane's pack, built in an unlinked temporary file; the staging buffer is
 *      compacted;
 *   2. scan: the files of the current batch are read into the staging buffer and cut into chunks,
 *      each hashed, until the cut chunks hold DRAIN_BYTES, the staging buffer is full, or the batch
 *      ends;
 *   3. with `flush`, the open pack is finished.
 * It resolves with the new chunks' IDs (and the batch file each belongs to), the files that
 * finished (size, changed while read, or the error that stopped them) and the packs that were
 * finished (descriptor, ID, plaintext header), which the caller uploads and closes.
 *
 *   staging: [chunks cut, waiting for the answer | current chunk | free]
 *
 * The staging buffer keeps the whole current chunk, so the chunker reads the byte leaving its
 * window from the buffer itself. Staging and scratch are anonymous mappings: pages that only a
 * rare maximum-size chunk touched are given back after it (madvise).
 *
 * A lane is used by one step at a time (the caller awaits each); laneClose frees it, at once or
 * when the step in flight completes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "common.h"

#define WINDOW 64
#define MIN_SIZE (512u * 1024)
#define MAX_SIZE (8u * 1024 * 1024)
#define READ_SIZE (1024u * 1024)
#define STAGING_SIZE (MAX_SIZE + 2 * READ_SIZE)
/* Ask about the chunks once they hold this much: bounds the staging buffer's resident part (by
 * its layout, 2 MiB keeps ≈ 2 MiB less of it resident per lane than 4 would; a step's own
 * overhead is tens of microseconds). */
#define DRAIN_BYTES (2u * 1024 * 1024)
/* Staging and scratch pages beyond these are given back when a large chunk touched them. */
#define KEEP_STAGING (DRAIN_BYTES + 2 * READ_SIZE)
#define KEEP_SCRATCH (2u * 1024 * 1024)
#define ENTRY_PLAIN 37
#define ENTRY_COMPRESSED 41
/* Header IV + MAC and the trailing length field. */
#define PACK_HEADER_OVERHEAD 36
/* A step stores at most DRAIN_BYTES + MAX_SIZE, so it finishes at most two packs. */
#define MAX_PACKS_PER_STEP 4

/* ------------------------------------------------------------------------------------------ */
/* restic's chunker (spec 11): Rabin fingerprint over a 64-byte window                        */

struct chunker {
  uint64_t out[256], mod[256];
  int shift;
  uint64_t mask;
  uint32_t min_size, max_size;
};

/* The state of the current chunk: its digest and the bytes it holds so far. */
struct chunk_state {
  uint64_t digest;
  uint32_t count;
};

static int deg64(uint64_t x) { return x ? 63 - __builtin_clzll(x) : -1; }

static uint64_t gf2_mod(uint64_t x, uint64_t p) {
  int dp = deg64(p);
  for (int d; (d = deg64(x)) >= dp;) x ^= p << (d - dp);
  return x;
}

/* Tables for polynomial `pol` (degree 41..56, as the JS chunker requires); false otherwise. */
static bool chunker_init(struct chunker *c, uint64_t pol, int average_bits, uint32_t min_size, uint32_t max_size) {
  int k = deg64(pol);
  if (k < 41 || k > 56 || average_bits < 1 || average_bits > 31 || min_size < WINDOW || max_size < min_size) return false;
  c->shift = k - 8;
  c->mask = (1ull << average_bits) - 1;
  c->min_size = min_size;
  c->max_size = max_size;
  for (uint64_t b = 0; b < 256; b++) {
    uint64_t h = gf2_mod(b, pol);
    for (int i = 0; i < WINDOW - 1; i++) h = gf2_mod(h << 8, pol);
    c->out[b] = h;
    c->mod[b] = gf2_mod(b << k, pol) | (b << k);
  }
  return true;
}

static void chunk_reset(struct chunk_state *s) {
  s->digest = 1; /* a zero window, then one slide of the byte 1 */
  s->count = 0;
}

#define SLIDE(leaving, entering)               \
  do {                                         \
    d ^= c->out[(leaving)];                    \
    uint64_t idx_ = d >> c->shift;             \
    d = (d << 8) | (entering);                 \
    d ^= c->mod[idx_];                         \
  } while (0)

/*
 * Scans the current chunk, which starts at buf[start] and holds s->count bytes already scanned,
 * up to buf[end). Returns the index just past the cut, or -1 when there is none yet. The first
 * min_size − 64 bytes of a chunk are not hashed; the next 64 slides take their leaving byte from
 * the reset window (zeros, then the 1), later ones from the chunk itself.
 */
static int64_t chunker_next(const struct chunker *c, struct chunk_state *s, const uint8_t *buf, size_t start, size_t end) {
  size_t i = start + s->count;
  const uint32_t skip_until = c->min_size - WINDOW;
  if (s->count < skip_until) {
    size_t skip = end - i < (size_t)(skip_until - s->count) ? end - i : skip_until - s->count;
    i += skip;
    s->count += (uint32_t)skip;
    if (i == end) return -1;
  }
  uint64_t d = s->digest;
  uint32_t count = s->count;
  for (; i < end && count < c->min_size; i++) {
    SLIDE(count == c->min_size - 1 ? 1 : 0, buf[i]);
    count++;
    if (count >= c->min_size && ((d & c->mask) == 0 || count >= c->max_size)) {
      chunk_reset(s);
      return (int64_t)i + 1;
    }
  }
  size_t limit = end - i < (size_t)(c->max_size - count) ? end : i + (c->max_size - count);
  const uint64_t mask = c->mask;
  size_t body = i;
  for (; i < limit; i++) {
    SLIDE(buf[i - WINDOW], buf[i]);
    if ((d & mask) == 0) {
      chunk_reset(s);
      return (int64_t)i + 1;
    }
  }
  count += (uint32_t)(i - body);
  if (count >= c->max_size) {
    chunk_reset(s);
    return (int64_t)i;
  }
  s->digest = d;
  s->count = count;
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* the lane                                                                                    */

struct pending_chunk {
  uint32_t start, end, file;
  uint8_t id[32];
};

struct file_event {
  uint32_t file;
  int err;             /* errno, 0 when the file was read to its end */
  const char *syscall; /* of the error */
  uint64_t size;       /* bytes read */
  bool changed;
};

struct finished_pack {
  int fd;
  uint64_t length;
  uint8_t id[32];
  uint8_t *header;
  size_t header_len;
  uint32_t blobs;
};

struct lane {
  uint8_t enc[32], mac_k[16], mac_r[16];
  int level;
  uint64_t pack_target, pack_limit;
  char *tmpdir;
  struct chunker chunker;
  ZSTD_CCtx *cctx;
  EVP_MD_CTX *md;
  EVP_MD *sha256;

  uint8_t *staging;
  size_t fill, chunk_start, staging_high;
  struct chunk_state chunk;

  struct pending_chunk *pending;
  size_t pending_count, pending_cap, pending_bytes;

  /* the batch: NUL-terminated paths, back to back, and the sizes the walk saw */
  char *paths;
  size_t path_at;
  double *sizes;
  uint32_t files, next_file;
  bool batch_active;
  int fd;
  uint32_t current;
  uint64_t read_bytes;
  struct stat before;

  struct file_event *events;
  size_t event_count, event_cap;

  int pack_fd;
  uint64_t pack_pos;
  EVP_MD_CTX *pack_md;
  uint8_t *entries;
  size_t entry_bytes, entry_cap;
  uint32_t blob_count;
  uint8_t *scratch;
  size_t scratch_size, scratch_high;
  struct finished_pack packs[MAX_PACKS_PER_STEP];
  int pack_count;

  /* the step in flight */
  uint8_t *decisions;
  size_t decision_count;
  bool flush;
  napi_async_work work;
  napi_deferred deferred;
  napi_ref self; /* keeps the external alive while a step runs */
  bool busy, closed;
  int err;
  char err_msg[512];
};

static void lane_fail(struct lane *l, int err, const char *fmt, const char *detail) {
  if (l->err) return;
  l->err = err ? err : EIO;
  char what[256];
  snprintf(what, sizeof what, fmt, detail ? detail : "");
  if (err) {
    const char *name = errno_name(err);
    int at = snprintf(l->err_msg, sizeof l->err_msg, "%s: ", name ? name : "EIO");
    snprintf(l->err_msg + at, sizeof l->err_msg - (size_t)at, "%s, %s", strerror(err), what);
    /* lower case, as Node (libuv) spells it: "ENOSPC: no space left on device" */
    if (l->err_msg[at] >= 'A' && l->err_msg[at] <= 'Z') l->err_msg[at] = (char)(l->err_msg[at] - 'A' + 'a');
  } else {
    snprintf(l->err_msg, sizeof l->err_msg, "%s", what);
  }
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *q = realloc(*p, n * elem);
  if (!q) return false;
  *p = q;
  *cap = n;
  return true;
}

static void *map_pages(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Gives back the whole pages of buf at or after `from`. */
static void release_from(uint8_t *buf, size_t size, size_t from) {
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) page = 4096;
  size_t start = (from + (size_t)page - 1) & ~((size_t)page - 1);
  if (start < size) madvise(buf + start, size - start, MADV_DONTNEED);
}

static void release_large_pages(struct lane *l) {
  if (l->staging_high > KEEP_STAGING && l->fill <= KEEP_STAGING) {
    release_from(l->staging, STAGING_SIZE, KEEP_STAGING);
    l->staging_high = l->fill;
  }
  if (l->scratch_high > KEEP_SCRATCH) {
    release_from(l->scratch, l->scratch_size, KEEP_SCRATCH);
    l->scratch_high = KEEP_SCRATCH;
  }
}

static bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* An anonymous temporary file in `dir` (O_TMPFILE, else created and unlinked at once). */
static int open_anonymous(const char *dir) {
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/lifeboat-pack-XXXXXX", dir) >= (int)sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  fd = mkostemp(path, O_CLOEXEC);
  if (fd >= 0) unlink(path);
  return fd;
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Seals the header, appends it and its length, and hands the pack to the step's result. */
static bool pack_finish(struct lane *l) {
  if (l->blob_count == 0) return true;
  if (l->pack_count == MAX_PACKS_PER_STEP) {
    lane_fail(l, 0, "file lane: too many packs in one step%s", NULL);
    return false;
  }
  size_t sealed_len = l->entry_bytes + 32;
  uint8_t *tail = malloc(sealed_len + 4);
  uint8_t *header = malloc(l->entry_bytes);
  unsigned int id_len = 0;
  struct finished_pack *p = &l->packs[l->pack_count];
  bool ok = tail && header && seal_blob(l->enc, l->mac_k, l->mac_r, l->entries, l->entry_bytes, tail);
  if (!ok) lane_fail(l, tail && header ? 0 : ENOMEM, "sealing a pack header%s", NULL);
  if (ok) {
    put_le32(tail + sealed_len, (uint32_t)sealed_len);
    ok = write_all(l->pack_fd, tail, sealed_len + 4);
    if (!ok) lane_fail(l, errno, "write (temporary pack file in %s)", l->tmpdir);
  }
  if (ok) ok = EVP_DigestUpdate(l->pack_md, tail, sealed_len + 4) == 1 && EVP_DigestFinal_ex(l->pack_md, p->id, &id_len) == 1;
  free(tail);
  if (!ok) {
    lane_fail(l, 0, "hashing a pack%s", NULL);
    free(header);
    return false;
  }
  memcpy(header, l->entries, l->entry_bytes);
  p->fd = l->pack_fd;
  p->length = l->pack_pos + sealed_len + 4;
  p->header = header;
  p->header_len = l->entry_bytes;
  p->blobs = l->blob_count;
  l->pack_count++;
  l->pack_fd = -1;
  l->pack_pos = 0;
  l->entry_bytes = 0;
  l->blob_count = 0;
  return true;
}

/* Compresses (when that makes it smaller), seals and appends one data blob. */
static bool pack_add(struct lane *l, const uint8_t id[32], const uint8_t *plain, size_t n) {
  const uint8_t *payload = plain;
  size_t payload_len = n;
  uint32_t uncompressed = 0;
  if (l->level > 0 && n > 0) {
    size_t bound = ZSTD_compressBound(n);
    size_t c = ZSTD_compressCCtx(l->cctx, l->scratch + 16, bound, plain, n, l->level);
    if (ZSTD_isError(c)) {
      lane_fail(l, 0, "zstd: %s", ZSTD_getErrorName(c));
      return false;
    }
    if (l->scratch_high < bound + 16) l->scratch_high = bound + 16;
    if (c < n) {
      payload = l->scratch + 16;
      payload_len = c;
      uncompressed = (uint32_t)n;
    }
  }
  size_t length = payload_len + 32;
  if (l->scratch_high < length) l->scratch_high = length;
  if (!seal_blob(l->enc, l->mac_k, l->mac_r, payload, payload_len, l->scratch)) {
    lane_fail(l, 0, "sealing a blob (OpenSSL or the random generator failed)%s", NULL);
    return false;
  }
  size_t entry = uncompressed ? ENTRY_COMPRESSED : ENTRY_PLAIN;
  if (l->blob_count > 0 && l->pack_pos + length + l->entry_bytes + entry + PACK_HEADER_OVERHEAD > l->pack_limit) {
    if (!pack_finish(l)) return false;
  }
  if (l->pack_fd < 0) {
    l->pack_fd = open_anonymous(l->tmpdir);
    if (l->pack_fd < 0) {
      lane_fail(l, errno, "open (temporary pack file in %s)", l->tmpdir);
      return false;
    }
    if (EVP_DigestInit_ex(l->pack_md, l->sha256, NULL) != 1) {
      lane_fail(l, 0, "SHA-256 init failed%s", NULL);
      return false;
    }
  }
  if (!write_all(l->pack_fd, l->scratch, length)) {
    lane_fail(l, errno, "write (temporary pack file in %s)", l->tmpdir);
    return false;
  }
  if (EVP_DigestUpdate(l->pack_md, l->scratch, length) != 1) {
    lane_fail(l, 0, "hashing a pack%s", NULL);
    return false;
  }
  if (!grow((void **)&l->entries, &l->entry_cap, l->entry_bytes + ENTRY_COMPRESSED, 1)) {
    lane_fail(l, ENOMEM, "pack header%s", NULL);
    return false;
  }
  uint8_t *e = l->entries + l->entry_bytes;
  e[0] = uncompressed ? 2 : 0; /* a data blob, compressed or not */
  put_le32(e + 1, (uint32_t)length);
  if (uncompressed) put_le32(e + 5, uncompressed);
  memcpy(e + entry - 32, id, 32);
  l->entry_bytes += entry;
  l->blob_count++;
  l->pack_pos += length;
  if (l->pack_pos >= l->pack_target) return pack_finish(l);
  return true;
}

static bool add_event(struct lane *l, int err, const char *syscall) {
  if (!grow((void **)&l->events, &l->event_cap, l->event_count + 1, sizeof *l->events)) {
    lane_fail(l, ENOMEM, "file results%s", NULL);
    return false;
  }
  struct file_event *e = &l->events[l->event_count++];
  e->file = l->current;
  e->err = err;
  e->syscall = syscall;
  e->size = l->read_bytes;
  e->changed = false;
  return true;
}

static bool cut(struct lane *l, size_t end) {
  if (!grow((void **)&l->pending, &l->pending_cap, l->pending_count + 1, sizeof *l->pending)) {
    lane_fail(l, ENOMEM, "chunk list%s", NULL);
    return false;
  }
  struct pending_chunk *p = &l->pending[l->pending_count++];
  p->start = (uint32_t)l->chunk_start;
  p->end = (uint32_t)end;
  p->file = l->current;
  unsigned int len = 0;
  if (EVP_DigestInit_ex(l->md, l->sha256, NULL) != 1 || EVP_DigestUpdate(l->md, l->staging + l->chunk_start, end - l->chunk_start) != 1 ||
      EVP_DigestFinal_ex(l->md, p->id, &len) != 1) {
    lane_fail(l, 0, "SHA-256 failed%s", NULL);
    return false;
  }
  l->pending_bytes += end - l->chunk_start;
  l->chunk_start = end;
  return true;
}

static void compact(struct lane *l) {
  if (l->chunk_start == 0) return;
  memmove(l->staging, l->staging + l->chunk_start, l->fill - l->chunk_start);
  l->fill -= l->chunk_start;
  l->chunk_start = 0;
}

static void close_file(struct lane *l) {
  close(l->fd);
  l->fd = -1;
  release_large_pages(l);
}

/* Reads and cuts the batch's files until the cut chunks need an answer or the batch ends. */
static void scan(struct lane *l) {
  while (!l->err) {
    if (l->fd < 0) {
      if (l->next_file == l->files) {
        l->batch_active = false;
        return;
      }
      l->current = l->next_file++;
      const char *path = l->paths + l->path_at;
      l->path_at += strlen(path) + 1;
      l->read_bytes = 0;
      l->fd = open(path, O_RDONLY | O_CLOEXEC);
      if (l->fd < 0) {
        add_event(l, errno, "open");
        continue;
      }
      if (fstat(l->fd, &l->before) != 0) {
        add_event(l, errno, "fstat");
        close_file(l);
        continue;
      }
      chunk_reset(&l->chunk);
    }
    if (STAGING_SIZE - l->fill < READ_SIZE || l->pending_bytes >= DRAIN_BYTES) {
      if (l->pending_count > 0) return; /* the caller answers, the next step stores and compacts */
      compact(l);
    }
    ssize_t n = read(l->fd, l->staging + l->fill, READ_SIZE);
    if (n < 0) {
      if (errno == EINTR) continue;
      add_event(l, errno, "read");
      l->fill = l->chunk_start; /* drop the unfinished chunk; chunks already cut stay (harmless) */
      close_file(l);
      continue;
    }
    if (l->fill + (size_t)n > l->staging_high) l->staging_high = l->fill + (size_t)n;
    if (n == 0) {
      if (l->fill > l->chunk_start && !cut(l, l->fill)) return;
      struct stat after;
      int err = fstat(l->fd, &after) != 0 ? errno : 0;
      if (!add_event(l, err, "fstat")) return;
      if (!err) {
        struct file_event *e = &l->events[l->event_count - 1];
        e->changed = after.st_size != l->before.st_size || after.st_mtim.tv_sec != l->before.st_mtim.tv_sec ||
                     after.st_mtim.tv_nsec != l->before.st_mtim.tv_nsec || (uint64_t)after.st_size != l->read_bytes ||
                     (double)l->read_bytes != l->sizes[l->current];
      }
      close_file(l);
      continue;
    }
    l->fill += (size_t)n;
    l->read_bytes += (uint64_t)n;
    for (;;) {
      int64_t c = chunker_next(&l->chunker, &l->chunk, l->staging, l->chunk_start, l->fill);
      if (c < 0) break;
      if (!cut(l, (size_t)c)) return;
    }
  }
}

static void step_execute(napi_env env, void *data) {
  (void)env;
  struct lane *l = data;
  if (l->decisions) {
    for (size_t i = 0; i < l->pending_count && !l->err; i++) {
      struct pending_chunk *p = &l->pending[i];
      if (l->decisions[i]) pack_add(l, p->id, l->staging + p->start, p->end - p->start);
    }
    l->pending_count = 0;
    l->pending_bytes = 0;
    compact(l);
  }
  if (l->batch_active) scan(l);
  if (l->flush && !l->err && !l->batch_active && l->pending_count == 0) pack_finish(l);
  release_large_pages(l);
}

/* ------------------------------------------------------------------------------------------ */
/* JavaScript interface                                                                        */

/* Drops what the lane holds (idempotent); the struct itself lives until its external is collected. */
static void lane_release(struct lane *l) {
  if (l->fd >= 0) close(l->fd);
  if (l->pack_fd >= 0) close(l->pack_fd);
  l->fd = l->pack_fd = -1;
  for (int i = 0; i < l->pack_count; i++) {
    close(l->packs[i].fd);
    free(l->packs[i].header);
  }
  l->pack_count = 0;
  if (l->staging) munmap(l->staging, STAGING_SIZE);
  if (l->scratch) munmap(l->scratch, l->scratch_size);
  l->staging = l->scratch = NULL;
  ZSTD_freeCCtx(l->cctx);
  EVP_MD_CTX_free(l->md);
  EVP_MD_CTX_free(l->pack_md);
  EVP_MD_free(l->sha256);
  l->cctx = NULL;
  l->md = l->pack_md = NULL;
  l->sha256 = NULL;
  free(l->tmpdir);
  free(l->pending);
  free(l->paths);
  free(l->sizes);
  free(l->events);
  free(l->entries);
  free(l->decisions);
  l->tmpdir = l->paths = NULL;
  l->pending = NULL;
  l->sizes = NULL;
  l->events = NULL;
  l->entries = l->decisions = NULL;
  l->closed = true;
}

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
  size_t el, kl, rl, dir_len = 0;
  uint64_t pol, target, limit;
  int64_t level;
  if (!get_u8(env, argv[0], "encrypt", &enc, &el) || !get_u8(env, argv[1], "macK", &mac_k, &kl) || !get_u8(env, argv[2], "macR", &mac_r, &rl) ||
      !get_uint64(env, argv[3], "polynomial", &pol) || !get_int64(env, argv[4], "level", &level) ||
      !get_uint64(env, argv[6], "packTarget", &target) || !get_uint64(env, argv[7], "packLimit", &limit))
    return NULL;
  if (el != 32 || kl != 16 || rl != 16 || level < 0 || level > 22 || target == 0 || limit < target) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "createLane: bad key sizes, level or pack sizes");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, argv[5], NULL, 0, &dir_len) != napi_ok) {
    throw_arg(env, "tmpdir must be a string");
    return NULL;
  }
  struct lane *l = calloc(1, sizeof *l);
  if (!l) goto oom;
  l->fd = l->pack_fd = -1;
  memcpy(l->enc, enc, 32);
  memcpy(l->mac_k, mac_k, 16);
  memcpy(l->mac_r, mac_r, 16);
  l->level = (int)level;
  l->pack_target = target;
  l->pack_limit = limit;
  if (!chunker_init(&l->chunker, pol, 20, MIN_SIZE, MAX_SIZE)) {
    free(l);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "createLane: the chunker polynomial must have degree 41..56");
    return NULL;
  }
  l->tmpdir = malloc(dir_len + 1);
  l->scratch_size = ZSTD_compressBound(MAX_SIZE) + 64;
  l->staging = map_pages(STAGING_SIZE);
  l->scratch = map_pages(l->scratch_size);
  l->cctx = ZSTD_createCCtx();
  l->md = EVP_MD_CTX_new();
  l->pack_md = EVP_MD_CTX_new();
  l->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!l->tmpdir || !l->staging || !l->scratch || !l->cctx || !l->md || !l->pack_md || !l->sha256) {
    lane_release(l);
    free(l);
    goto oom;
  }
  napi_get_value_string_utf8(env, argv[5], l->tmpdir, dir_len + 1, &dir_len);
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
