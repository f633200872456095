/*
 * The file lane's state and core (lane.c, its pack writing in lane-pack.c); lane-js.c is its
 * JavaScript interface. See lane.c.
 */
#ifndef LIFEBOAT_LANE_H
#define LIFEBOAT_LANE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <node_api.h>
#include <openssl/evp.h>
#include <zstd.h>
#include "chunker.h"
#include "format.h"

#define MIN_SIZE (512u * 1024)
#define MAX_SIZE (8u * 1024 * 1024)
#define READ_SIZE (1024u * 1024)
#define STAGING_SIZE (MAX_SIZE + 2 * READ_SIZE)
/* Ask about the chunks once they hold this much: bounds the staging buffer's resident part (by
 * its layout, 2 MiB keeps ≈ 2 MiB less of it resident per lane than 4 would; a step's own
 * overhead is tens of microseconds). */
#define DRAIN_BYTES (2u * 1024 * 1024)
/* Staging and scratch pages beyond these are given back when a large chunk touched them. A page
 * given back costs a fault when touched again, slow on a VM whose host reclaims free memory:
 * chunks are above 2 MiB about one time in five, above 4 MiB one in thirty, so keeping 4 MiB of
 * scratch and 6 of staging rather than 2 and 4 cut the system time of the bench dataset's initial
 * backup by 0.6 s and of its incremental by 0.3 s, for 3–8 MiB more peak RSS. */
#define KEEP_STAGING (DRAIN_BYTES + 4 * READ_SIZE)
#define KEEP_SCRATCH (4u * 1024 * 1024)
/* A step stores at most DRAIN_BYTES + MAX_SIZE, so it finishes at most two packs. */
#define MAX_PACKS_PER_STEP 4

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
  /* the last read was short and brought the file to its size: its end, known without another read */
  bool at_end;

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

/* A lane, or NULL: out of memory, or `*problem` says what was wrong with the arguments. */
struct lane *lane_new(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], uint64_t polynomial, int level,
                      const char *tmpdir, uint64_t pack_target, uint64_t pack_limit, const char **problem);

/* One step (stores the answered chunks, scans, flushes): runs on a pool thread, sets l->err on failure. */
void lane_step(struct lane *l);

/* Internal to the lane (lane.c, lane-pack.c). */
void lane_fail(struct lane *l, int err, const char *fmt, const char *detail);
bool lane_grow(void **p, size_t *cap, size_t need, size_t elem);
/* Compresses, seals and appends one data blob to the open pack; finishes the pack when it is full. */
bool lane_pack_add(struct lane *l, const uint8_t id[32], const uint8_t *plain, size_t n);
/* Seals the header, appends it and its length, and hands the pack to the step's result. */
bool lane_pack_finish(struct lane *l);

/* Drops what the lane holds (idempotent); the struct itself lives until its external is collected. */
void lane_release(struct lane *l);

#endif
