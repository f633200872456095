/*
 * The file lane: a backup's hot path (read → restic's chunker → SHA-256 → zstd → seal → pack file)
 * on a thread of its own (lane-thread.c), with no JavaScript on the way.
 *
 * Why native and not worker threads: each worker thread is a V8 isolate (≈ 15–25 MiB resident
 * apiece, measured) and every chunk crossed threads as a message; restic's memory bar could not be
 * met with two of them. Here a lane is a plain struct with two buffers, and the main thread only
 * answers "which of these blobs are new" (the index lives there).
 *
 * The lane reads the files of the batches it is handed into the staging buffer and cuts them into
 * chunks, each hashed (lane_scan). The chunks cut are reported in generations of about
 * DRAIN_BYTES; while the main thread answers one, the lane goes on reading into the next, so it
 * does not wait for the main thread unless two generations are unanswered or the staging buffer
 * is full. An answered generation's new chunks are compressed, sealed and appended to the lane's
 * pack, built in an unlinked temporary file (lane_store, lane-pack.c); finished packs are
 * reported too, and the caller uploads and closes them.
 *
 *   staging: [posted generations' chunks | chunks of the generation being scanned | current chunk | free]
 *
 * The staging buffer keeps the whole current chunk, so the chunker reads the byte leaving its
 * window from the buffer itself. Staging and scratch are anonymous mappings, resident as far as
 * used; scratch pages that only a rare maximum-size chunk touched are given back after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "common.h"
#include "lane.h"

void lane_fail(struct lane *l, int err, const char *fmt, const char *detail) {
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

bool lane_grow(void **p, size_t *cap, size_t need, size_t elem) {
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

static void release_large_scratch(struct lane *l) {
  if (l->scratch_high > KEEP_SCRATCH) {
    release_from(l->scratch, l->scratch_size, KEEP_SCRATCH);
    l->scratch_high = KEEP_SCRATCH;
  }
}

static bool add_event(struct lane *l, int err, const char *syscall) {
  if (!lane_grow((void **)&l->events, &l->event_cap, l->event_count + 1, sizeof *l->events)) {
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
  if (!lane_grow((void **)&l->pending, &l->pending_cap, l->pending_count + 1, sizeof *l->pending)) {
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
  l->gen_bytes += end - l->chunk_start;
  l->chunk_start = end;
  return true;
}

/* Moves the chunks not yet stored and the current chunk to the start of the staging buffer. */
static void compact(struct lane *l) {
  size_t from = l->pending_count > 0 ? l->pending[0].start : l->chunk_start;
  if (from == 0) return;
  memmove(l->staging, l->staging + from, l->fill - from);
  for (size_t i = 0; i < l->pending_count; i++) {
    l->pending[i].start -= (uint32_t)from;
    l->pending[i].end -= (uint32_t)from;
  }
  l->fill -= from;
  l->chunk_start -= from;
}

void lane_release_staging(struct lane *l) {
  if (!l->staging_used) return;
  compact(l);
  release_from(l->staging, STAGING_SIZE, l->fill);
  l->staging_used = false;
}

static void close_file(struct lane *l) {
  close(l->fd);
  l->fd = -1;
  release_large_scratch(l);
}

enum scan_stop lane_scan(struct lane *l) {
  while (!l->err) {
    if (l->gen_bytes >= DRAIN_BYTES) return SCAN_GENERATION_FULL;
    if (l->fd < 0) {
      if (l->next_file == l->files) {
        l->batch_active = false;
        return SCAN_BATCH_END;
      }
      l->current = l->batch_first + l->next_file++;
      const char *path = l->paths + l->path_at;
      l->path_at += strlen(path) + 1;
      l->read_bytes = 0;
      l->at_end = false;
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
    if (STAGING_SIZE - l->fill < READ_SIZE) {
      compact(l);
      if (STAGING_SIZE - l->fill < READ_SIZE) return SCAN_STAGING_FULL; /* until a generation is stored */
    }
    ssize_t n = l->at_end ? 0 : read(l->fd, l->staging + l->fill, READ_SIZE);
    l->staging_used = true;
    if (n < 0) {
      if (errno == EINTR) continue;
      add_event(l, errno, "read");
      l->fill = l->chunk_start; /* drop the unfinished chunk; chunks already cut stay (harmless) */
      close_file(l);
      continue;
    }
    if (n == 0) {
      if (l->fill > l->chunk_start && !cut(l, l->fill)) return SCAN_FAILED;
      struct stat after;
      int err = fstat(l->fd, &after) != 0 ? errno : 0;
      if (!add_event(l, err, "fstat")) return SCAN_FAILED;
      if (!err) {
        struct file_event *e = &l->events[l->event_count - 1];
        e->changed = after.st_size != l->before.st_size || after.st_mtim.tv_sec != l->before.st_mtim.tv_sec ||
                     after.st_mtim.tv_nsec != l->before.st_mtim.tv_nsec || (uint64_t)after.st_size != l->read_bytes ||
                     (double)l->read_bytes != l->sizes[l->current - l->batch_first];
      }
      close_file(l);
      continue;
    }
    l->fill += (size_t)n;
    l->read_bytes += (uint64_t)n;
    /* a regular file reads short only at its end: one that also brought the file to the size it had
       when opened saves the read that would return 0 (one system call per file of the backup).
       A file that grew since is still seen as changed by the fstat after (its size is not read_bytes) */
    l->at_end = (size_t)n < READ_SIZE && l->read_bytes == (uint64_t)l->before.st_size;
    for (;;) {
      int64_t c = chunker_next(&l->chunker, &l->chunk, l->staging, l->chunk_start, l->fill);
      if (c < 0) break;
      if (!cut(l, (size_t)c)) return SCAN_FAILED;
    }
  }
  return SCAN_FAILED;
}

void lane_store(struct lane *l, const uint8_t *answer, size_t count) {
  for (size_t i = 0; i < count && !l->err; i++) {
    struct pending_chunk *p = &l->pending[i];
    if (answer[i]) lane_pack_add(l, p->id, l->staging + p->start, p->end - p->start);
  }
  l->pending_count -= count;
  memmove(l->pending, l->pending + count, l->pending_count * sizeof *l->pending);
  compact(l);
  release_large_scratch(l);
}

struct lane *lane_new(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], uint64_t polynomial, int level,
                      const char *tmpdir, uint64_t pack_target, uint64_t pack_limit, const char **problem) {
  struct lane *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->fd = l->pack_fd = -1;
  l->holders = 1;
  pthread_mutex_init(&l->mu, NULL);
  pthread_condattr_t cv_attr;
  pthread_condattr_init(&cv_attr);
  pthread_condattr_setclock(&cv_attr, CLOCK_MONOTONIC);
  pthread_cond_init(&l->cv, &cv_attr);
  pthread_condattr_destroy(&cv_attr);
  memcpy(l->enc, enc, 32);
  memcpy(l->mac_k, mac_k, 16);
  memcpy(l->mac_r, mac_r, 16);
  l->level = level;
  l->pack_target = pack_target;
  l->pack_limit = pack_limit;
  if (!chunker_init(&l->chunker, polynomial, 20, MIN_SIZE, MAX_SIZE)) {
    free(l);
    *problem = "createLane: the chunker polynomial must have degree 41..56";
    return NULL;
  }
  l->tmpdir = strdup(tmpdir);
  l->scratch_size = ZSTD_compressBound(MAX_SIZE) + 64;
  l->staging = map_pages(STAGING_SIZE);
  l->scratch = map_pages(l->scratch_size);
  l->wbuf = map_pages(WRITE_BUFFER_SIZE);
  l->cctx = ZSTD_createCCtx();
  l->md = EVP_MD_CTX_new();
  l->pack_md = EVP_MD_CTX_new();
  l->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (!l->tmpdir || !l->staging || !l->scratch || !l->wbuf || !l->cctx || !l->md || !l->pack_md || !l->sha256) {
    lane_release(l);
    free(l);
    return NULL;
  }
  return l;
}

void lane_release(struct lane *l) {
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
  if (l->wbuf) munmap(l->wbuf, WRITE_BUFFER_SIZE);
  l->staging = l->scratch = l->wbuf = NULL;
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
  l->tmpdir = l->paths = NULL;
  l->pending = NULL;
  l->sizes = NULL;
  l->events = NULL;
  l->entries = NULL;
  while (l->queue) {
    struct batch *b = l->queue;
    l->queue = b->next;
    free(b->paths);
    free(b->sizes);
    free(b);
  }
  l->queue_tail = NULL;
  for (int i = 0; i < l->answers_count; i++) free(l->answers[i]);
  l->answers_count = 0;
}

