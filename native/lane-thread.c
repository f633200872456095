/*
 * The file lane's thread and what it shares with the main thread (see lane.c).
 *
 * The thread, in order of preference:
 *   1. stores the oldest posted generation once it is answered (and fewer than `packs_allowed`
 *      packs are out), and reports the packs that finished;
 *   2. scans: reads and cuts files into the generation being scanned, while fewer than two
 *      generations wait for an answer and the staging buffer has room; a full generation, or the
 *      last one of the batches it has, is reported (with the files finished so far);
 *   3. once told no more batches come and nothing is left, finishes its pack and reports the end.
 * It waits on `cv` when it can do none of these. Files finish in reports no earlier than their
 * chunks, so the receiver has every chunk of a file when the file's event arrives.
 *
 * The main thread hands batches, answers, packs taken over and the end through the functions at
 * the bottom; each takes `mu` for a moment only. Reports go through a thread-safe function
 * (lane-js.c), which frees them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lane.h"

/* A lane idle this long gives its staging pages back: a pause between batches of an initial
 * backup is shorter (releasing at every pause cost /usr/share's backup ≈ 400 releases, each a few
 * hundred page faults to touch the pages again). */
#define IDLE_RELEASE_NS (50L * 1000 * 1000)

void report_free(struct report *r) {
  if (!r) return;
  for (int i = 0; i < r->pack_count; i++) {
    close(r->packs[i].fd);
    free(r->packs[i].header);
  }
  free(r->ids);
  free(r->chunk_files);
  free(r->events);
  free(r);
}

/* Hands `r` to JavaScript, or frees it when the lane is closing. Under mu. */
static void post(struct lane *l, struct report *r) {
  if (napi_call_threadsafe_function(l->tsfn, r, napi_tsfn_nonblocking) != napi_ok) report_free(r);
}

/* A report of the packs finished since the last one. Under mu; NULL when out of memory. */
static struct report *new_report(struct lane *l) {
  struct report *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  memcpy(r->packs, l->packs, (size_t)l->pack_count * sizeof *l->packs);
  r->pack_count = l->pack_count;
  l->packs_out += l->pack_count;
  l->pack_count = 0;
  r->batches_done = l->batches_done;
  l->batches_done = 0;
  return r;
}

static size_t posted_chunks(const struct lane *l) {
  size_t n = 0;
  for (int i = 0; i < l->gens_posted; i++) n += l->gen_chunks[i];
  return n;
}

/* Reports the generation being scanned (possibly without chunks) and the files finished. Under mu. */
static void post_generation(struct lane *l) {
  struct report *r = new_report(l);
  size_t first = posted_chunks(l), n = l->pending_count - first;
  if (r && n > 0) {
    r->ids = malloc(n * 32);
    r->chunk_files = malloc(n * sizeof *r->chunk_files);
    if (!r->ids || !r->chunk_files) {
      report_free(r);
      r = NULL;
    }
  }
  if (!r) {
    lane_fail(l, ENOMEM, "file lane report%s", NULL);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    memcpy(r->ids + i * 32, l->pending[first + i].id, 32);
    r->chunk_files[i] = l->pending[first + i].file;
  }
  r->chunks = n;
  if (n > 0) l->gen_chunks[l->gens_posted++] = n;
  l->gen_bytes = 0;
  r->events = l->events;
  r->event_count = l->event_count;
  l->events = NULL;
  l->event_count = l->event_cap = 0;
  post(l, r);
}

static void take_batch(struct lane *l) {
  struct batch *b = l->queue;
  l->queue = b->next;
  if (!l->queue) l->queue_tail = NULL;
  free(l->paths);
  free(l->sizes);
  l->paths = b->paths;
  l->sizes = b->sizes;
  l->files = b->files;
  l->path_at = 0;
  l->next_file = 0;
  l->batch_first = l->numbered;
  l->numbered += b->files;
  l->batch_active = true;
  free(b);
}

/* Stores the oldest generation with its answer (unlocks mu meanwhile). */
static void store(struct lane *l) {
  uint8_t *answer = l->answers[0];
  size_t count = l->gen_chunks[0];
  /* the generation leaves the books at once: the next answer is for the one after it */
  l->answers[0] = l->answers[1];
  l->answers[1] = NULL;
  l->answers_count--;
  l->gen_chunks[0] = l->gen_chunks[1];
  l->gens_posted--;
  pthread_mutex_unlock(&l->mu);
  lane_store(l, answer, count);
  free(answer);
  pthread_mutex_lock(&l->mu);
  l->staging_full = false;
  if (l->pack_count > 0) {
    struct report *r = new_report(l);
    if (r) post(l, r);
    else lane_fail(l, ENOMEM, "file lane report%s", NULL);
  }
}

/* Scans (unlocks mu meanwhile) and reports the generation when it is full or nothing follows it. */
static void scan(struct lane *l) {
  pthread_mutex_unlock(&l->mu);
  enum scan_stop stop = lane_scan(l);
  pthread_mutex_lock(&l->mu);
  if (stop == SCAN_FAILED) return;
  if (stop == SCAN_BATCH_END) l->batches_done++;
  if (stop == SCAN_STAGING_FULL) l->staging_full = true;
  if (stop != SCAN_BATCH_END || !l->queue) post_generation(l);
}

static bool nothing_left(const struct lane *l) {
  return !l->batch_active && l->fd < 0 && !l->queue && l->gens_posted == 0 && l->pending_count == 0 && l->event_count == 0;
}

/* Waits on `cv` for up to IDLE_RELEASE_NS; still idle then, the staging pages go back (an
 * incremental backup's lanes mostly are idle). Under mu. */
static void wait_idle(struct lane *l) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += IDLE_RELEASE_NS;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  if (pthread_cond_timedwait(&l->cv, &l->mu, &until) == ETIMEDOUT && nothing_left(l)) lane_release_staging(l);
}

static void *lane_thread(void *arg) {
  struct lane *l = arg;
  pthread_mutex_lock(&l->mu);
  for (;;) {
    if (l->stop) break;
    if (l->err) {
      struct report *r = calloc(1, sizeof *r);
      if (r) {
        memcpy(r->error, l->err_msg, sizeof r->error);
        r->error_errno = l->err;
        post(l, r);
      }
      break;
    }
    if (l->answers_count > 0 && l->packs_out < l->packs_allowed) {
      store(l);
      continue;
    }
    if (!l->batch_active && l->fd < 0 && l->queue) take_batch(l);
    if ((l->batch_active || l->fd >= 0) && l->gens_posted < 2 && !l->staging_full) {
      scan(l);
      continue;
    }
    if (l->gens_posted < 2 && (l->pending_count > posted_chunks(l) || l->event_count > 0 || l->batches_done > 0)) {
      post_generation(l);
      continue;
    }
    if (l->finishing && nothing_left(l)) {
      pthread_mutex_unlock(&l->mu);
      lane_pack_finish(l);
      pthread_mutex_lock(&l->mu);
      if (l->err) continue;
      struct report *r = new_report(l);
      if (!r) {
        lane_fail(l, ENOMEM, "file lane report%s", NULL);
        continue;
      }
      r->finished = true;
      post(l, r);
      break;
    }
    if (nothing_left(l) && l->staging_used) {
      wait_idle(l);
      continue;
    }
    pthread_cond_wait(&l->cv, &l->mu);
  }
  pthread_mutex_unlock(&l->mu);
  return NULL;
}

bool lane_start(struct lane *l, napi_threadsafe_function tsfn, int packs_allowed) {
  l->tsfn = tsfn;
  l->packs_allowed = packs_allowed;
  int e = pthread_create(&l->thread, NULL, lane_thread, l);
  if (e) {
    errno = e;
    return false;
  }
  l->started = true;
  return true;
}

static void wake(struct lane *l) {
  pthread_cond_signal(&l->cv);
  pthread_mutex_unlock(&l->mu);
}

void lane_feed(struct lane *l, struct batch *b) {
  pthread_mutex_lock(&l->mu);
  if (l->queue_tail) l->queue_tail->next = b;
  else l->queue = b;
  l->queue_tail = b;
  wake(l);
}

long lane_next_answer_size(struct lane *l) {
  pthread_mutex_lock(&l->mu);
  long n = l->answers_count < l->gens_posted ? (long)l->gen_chunks[l->answers_count] : -1;
  pthread_mutex_unlock(&l->mu);
  return n;
}

void lane_answer(struct lane *l, uint8_t *answer) {
  pthread_mutex_lock(&l->mu);
  l->answers[l->answers_count++] = answer;
  wake(l);
}

void lane_pack_done(struct lane *l) {
  pthread_mutex_lock(&l->mu);
  if (l->packs_out > 0) l->packs_out--;
  wake(l);
}

void lane_finish(struct lane *l) {
  pthread_mutex_lock(&l->mu);
  l->finishing = true;
  wake(l);
}

void lane_stop(struct lane *l) {
  pthread_mutex_lock(&l->mu);
  bool started = l->started && !l->closed;
  l->stop = l->closed = true;
  wake(l);
  if (started) pthread_join(l->thread, NULL);
  lane_release(l);
}
