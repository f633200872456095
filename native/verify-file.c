/*
 * verifyPackFile's reads (verify-pack.c): a local pack file's pieces read one after the other into
 * the lane's buffer, each hashed into the pack's SHA-256 and its blobs verified in place; a piece
 * that is one blob larger than a step is read, opened and hashed a step at a time instead
 * (vp_blob_stream, pack-verifier.c), so that the lane touches one step of its buffers.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "format.h"
#include "verify-pack.h"

/* Bytes [at, at+len) of `fd` into `into`; false with j->io_errno set (-1: the file ended). */
static bool read_piece(struct vp_job *j, int fd, uint8_t *into, size_t len, off_t at) {
  while (len > 0) {
    ssize_t got = pread(fd, into, len, at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      j->io_errno = got < 0 ? errno : -1;
      return false;
    }
    into += got;
    len -= (size_t)got;
    at += got;
  }
  return true;
}

/* Piece `p`'s blob `b` when the piece is that one blob, from its first byte, and larger than a
 * step (the piece, hence a step, fits the buffer: file_parts checked it): read a step at a time. */
static bool streams_from_file(const struct vp_job *j, const double *p, const double *b) {
  return p[3] - p[2] == 1 && b[0] == p[0] && b[1] > (double)VP_FILE_STEP && j->plain.len > 0;
}

/* That piece's steps into the pack's hash, then its blob's (vp_blob_stream); its VP_* status. */
static int stream_blob(struct vp_job *j, ZSTD_DCtx *dctx, int fd, const double *p, const double *b, bool first) {
  if (!(b[1] + b[0] <= p[1] && b[2] >= 0)) return VP_BOUNDS;
  struct vp_blob_stream s;
  vp_blob_stream_begin(&s, j->enc, j->mac_k, j->mac_r, (size_t)b[1], (size_t)b[2], dctx, j->plain.bytes, vp_step_len(j));
  for (double at = p[0]; at < p[1] && !j->io_errno;) {
    const size_t len = p[1] - at < (double)VP_FILE_STEP ? (size_t)(p[1] - at) : VP_FILE_STEP;
    if (!read_piece(j, fd, j->pack.bytes, len, (off_t)at)) break;
    if (!vp_hash_piece(j->v, j->pack.bytes, len, first && at == p[0])) j->failed = true;
    vp_blob_stream_step(&s, j->pack.bytes, len);
    at += (double)len;
  }
  return vp_blob_stream_end(&s, j->ids.bytes + (size_t)p[2] * ENTRY_ID_SIZE, &j->failed);
}

void vp_execute_file(struct vp_job *j, ZSTD_DCtx *dctx) {
  int fd = open(j->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    j->io_errno = errno;
    return;
  }
  const double *p = (const double *)j->pieces.bytes;
  size_t n = j->pieces.len / (4 * sizeof(double));
  for (size_t k = 0; k < n && !j->failed; k++, p += 4) {
    size_t len = (size_t)(p[1] - p[0]);
    const double *first_blob = (const double *)j->blobs.bytes + (size_t)p[2] * j->stride;
    if (streams_from_file(j, p, first_blob)) {
      j->out.bytes[(size_t)p[2]] = (uint8_t)stream_blob(j, dctx, fd, p, first_blob, k == 0);
      if (j->io_errno) break;
      continue;
    }
    if (!read_piece(j, fd, j->pack.bytes, len, (off_t)p[0])) break;
    if (!vp_hash_piece(j->v, j->pack.bytes, len, k == 0)) j->failed = true;
    j->span = j->pack.bytes;
    j->span_len = len;
    j->base = p[0];
    for (size_t i = (size_t)p[2]; i < (size_t)p[3] && !j->failed; i++) j->out.bytes[i] = (uint8_t)vp_verify_blob(j, dctx, i);
  }
  close(fd);
}
