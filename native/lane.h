/*
 * The file lane's state and core (lane.c, its pack writing in lane-pack.c, its thread in
 * lane-thread.c); lane-js.c is its JavaScript interface. See lane.c.
 */
#ifndef LIFEBOAT_LANE_H
#define LIFEBOAT_LANE_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
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
/* A generation of chunks is reported (to be answered) once it holds this much: bounds the staging
 * buffer's resident part (two generations wait at most). */
#define DRAIN_BYTES (2u * 1024 * 1024)
/* Scratch pages beyond this are given back when a large chunk touched them. A page given back
 * costs a fault when touched again, slow on a VM whose host reclaims free memory: chunks are above
 * 2 MiB about one time in five, above 4 MiB one in thirty. The staging buffer is kept whole while
 * the lane works: with two generations in flight it fills past 6 MiB often, and giving back what
 * lay beyond cost the bench dataset's initial backup 0.7 s of system time (4 pairs; 4–7 MiB less
 * peak RSS). An idle lane gives its staging pages back. */
#define KEEP_SCRATCH (4u * 1024 * 1024)
/* Sealed blobs are gathered here and written to the pack file together: a system tree's small
 * files made one write call per blob (57,552 in /usr/share). */
#define WRITE_BUFFER_SIZE (256u * 1024)
/* A store takes one generation, at most DRAIN_BYTES + MAX_SIZE, so it finishes at most two packs. */
#define MAX_PACKS_PER_STORE 4
/* A lane's error message, at most (with its NUL). */
#define LANE_ERROR_SIZE 512

struct pending_chunk {
  uint32_t start, end, file;
  uint8_t id[32];
};

struct file_event {
  uint32_t file;       /* the lane's number of the file (its batches' files, counted from 0) */
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

/* A batch handed to the lane and not yet started. */
struct batch {
  char *paths;   /* NUL-terminated, back to back */
  double *sizes; /* the sizes the walk saw, one per path */
  uint32_t files;
  struct batch *next;
};

/* What the lane hands to JavaScript in one call (lane-js.c turns it into an object and frees it). */
struct report {
  /* a generation of chunks to answer: IDs (32 bytes each) and the file of each */
  uint8_t *ids;
  uint32_t *chunk_files;
  size_t chunks;
  struct file_event *events;
  size_t event_count;
  struct finished_pack packs[MAX_PACKS_PER_STORE];
  int pack_count;
  uint32_t batches_done;
  bool finished;
  int error_errno; /* non-zero: the lane failed, `error` says how */
  char error[LANE_ERROR_SIZE];
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
  size_t fill, chunk_start;
  bool staging_used; /* read into since its pages were last given back */
  struct chunk_state chunk;

  /* The chunks cut and not stored, in order: those of the posted generations (gen_chunks[0] the
   * oldest), then those of the generation being scanned (gen_bytes of data). */
  struct pending_chunk *pending;
  size_t pending_count, pending_cap, gen_bytes;

  /* the batch being read, and the lane's number of its first file */
  char *paths;
  size_t path_at;
  double *sizes;
  uint32_t files, next_file, batch_first, numbered;
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
  uint8_t *wbuf; /* WRITE_BUFFER_SIZE */
  size_t wfill;
  struct finished_pack packs[MAX_PACKS_PER_STORE];
  int pack_count;
  int err;
  char err_msg[LANE_ERROR_SIZE];

  /* Shared between the lane's thread and the main thread, under `mu` (lane-thread.c). */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  bool started, finishing, stop, closed, staging_full;
  struct batch *queue, *queue_tail;
  size_t gen_chunks[2];
  int gens_posted;        /* generations reported and not stored */
  uint8_t *answers[2];    /* per posted generation, in order: one byte per chunk, non-zero = store it */
  int answers_count;
  int packs_out, packs_allowed; /* packs reported and not yet taken over (lanePackDone) */
  uint32_t batches_done;
  napi_threadsafe_function tsfn;
  int holders; /* the external and the thread-safe function: the struct is freed when both let go */
};

/* A lane, or NULL: out of memory, or `*problem` says what was wrong with the arguments. */
struct lane *lane_new(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], uint64_t polynomial, int level,
                      const char *tmpdir, uint64_t pack_target, uint64_t pack_limit, const char **problem);

enum scan_stop { SCAN_BATCH_END, SCAN_GENERATION_FULL, SCAN_STAGING_FULL, SCAN_FAILED };
/* Reads and cuts the batch's files until the generation being scanned holds DRAIN_BYTES, the
 * staging buffer has no room, or the batch ends (lane.c; on the lane's thread). */
enum scan_stop lane_scan(struct lane *l);
/* Gives back the staging buffer's pages past what it holds (an idle lane). */
void lane_release_staging(struct lane *l);
/* Stores the chunks of the oldest posted generation that `answer` marks and drops the generation. */
void lane_store(struct lane *l, const uint8_t *answer, size_t count);

/* Internal to the lane (lane.c, lane-pack.c, lane-thread.c). */
void lane_fail(struct lane *l, int err, const char *fmt, const char *detail);
bool lane_grow(void **p, size_t *cap, size_t need, size_t elem);
/* Compresses, seals and appends one data blob to the open pack; finishes the pack when it is full. */
bool lane_pack_add(struct lane *l, const uint8_t id[32], const uint8_t *plain, size_t n);
/* Seals the header, appends it and its length, and adds the pack to the lane's finished packs. */
bool lane_pack_finish(struct lane *l);

/* Starts the lane's thread; false (errno) when it cannot. Reports go to `tsfn`. */
bool lane_start(struct lane *l, napi_threadsafe_function tsfn, int packs_allowed);
/* From the main thread (lane-thread.c): a batch to read (taken over), an answer (taken over), a
 * pack taken over, no more batches. */
void lane_feed(struct lane *l, struct batch *b);
/* The chunk count of the generation the next answer is for, or -1 when none waits for one. */
long lane_next_answer_size(struct lane *l);
void lane_answer(struct lane *l, uint8_t *answer);
void lane_pack_done(struct lane *l);
void lane_finish(struct lane *l);
/* Stops the thread (waits for its current piece of work) and frees what the lane holds. */
void lane_stop(struct lane *l);
/* Frees a report that never reached JavaScript (closes its packs' descriptors). */
void report_free(struct report *r);

/* Drops what the lane holds (idempotent); the struct itself lives until its holders let go. */
void lane_release(struct lane *l);

#endif
