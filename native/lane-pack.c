/*
 * The file lane's pack: each new chunk compressed (when that makes it smaller), sealed and
 * appended to an unlinked temporary file, its header entry kept; a full pack is finished with its
 * sealed header and length and handed over in the lane's next report (lane-thread.c). Layout: format.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "common.h"
#include "lane.h"

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

/* Writes the sealed blobs gathered in the write buffer to the pack file. */
static bool flush_writes(struct lane *l) {
  bool ok = write_all(l->pack_fd, l->wbuf, l->wfill);
  if (!ok) lane_fail(l, errno, "write (temporary pack file in %s)", l->tmpdir);
  l->wfill = 0;
  return ok;
}

static void put_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Seals the header, appends it and its length, and adds the pack to the lane's finished packs. */
bool lane_pack_finish(struct lane *l) {
  if (l->blob_count == 0) return true;
  if (l->pack_count == MAX_PACKS_PER_STORE) {
    lane_fail(l, 0, "file lane: too many packs in one store%s", NULL);
    return false;
  }
  size_t sealed_len = l->entry_bytes + CIPHERTEXT_OVERHEAD;
  uint8_t *tail = malloc(sealed_len + 4);
  uint8_t *header = malloc(l->entry_bytes);
  unsigned int id_len = 0;
  struct finished_pack *p = &l->packs[l->pack_count];
  bool ok = tail && header && seal_blob(l->enc, l->mac_k, l->mac_r, l->entries, l->entry_bytes, tail);
  if (!ok) lane_fail(l, tail && header ? 0 : ENOMEM, "sealing a pack header%s", NULL);
  if (ok) ok = flush_writes(l);
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
bool lane_pack_add(struct lane *l, const uint8_t id[32], const uint8_t *plain, size_t n) {
  const uint8_t *payload = plain;
  size_t payload_len = n;
  uint32_t uncompressed = 0;
  if (l->level > 0 && n > 0) {
    size_t bound = ZSTD_compressBound(n);
    size_t c = ZSTD_compressCCtx(l->cctx, l->scratch + IV_LENGTH, bound, plain, n, l->level);
    if (ZSTD_isError(c)) {
      lane_fail(l, 0, "zstd: %s", ZSTD_getErrorName(c));
      return false;
    }
    if (l->scratch_high < bound + IV_LENGTH) l->scratch_high = bound + IV_LENGTH;
    if (c < n) {
      payload = l->scratch + IV_LENGTH;
      payload_len = c;
      uncompressed = (uint32_t)n;
    }
  }
  size_t length = payload_len + CIPHERTEXT_OVERHEAD;
  size_t entry = uncompressed ? ENTRY_SIZE_COMPRESSED : ENTRY_SIZE_PLAIN;
  if (l->blob_count > 0 && l->pack_pos + length + l->entry_bytes + entry + PACK_HEADER_OVERHEAD > l->pack_limit) {
    if (!lane_pack_finish(l)) return false;
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
  /* sealed straight into the write buffer, written with the blobs before it in one call; a blob
     larger than the buffer is sealed in the scratch (in place when compressed) and written alone */
  if (length > WRITE_BUFFER_SIZE - l->wfill && l->wfill > 0 && !flush_writes(l)) return false;
  bool alone = length > WRITE_BUFFER_SIZE;
  uint8_t *out = alone ? l->scratch : l->wbuf + l->wfill;
  if (alone && l->scratch_high < length) l->scratch_high = length;
  if (!seal_blob(l->enc, l->mac_k, l->mac_r, payload, payload_len, out)) {
    lane_fail(l, 0, "sealing a blob (OpenSSL or the random generator failed)%s", NULL);
    return false;
  }
  if (EVP_DigestUpdate(l->pack_md, out, length) != 1) {
    lane_fail(l, 0, "hashing a pack%s", NULL);
    return false;
  }
  if (!alone) l->wfill += length;
  else if (!write_all(l->pack_fd, out, length)) {
    lane_fail(l, errno, "write (temporary pack file in %s)", l->tmpdir);
    return false;
  }
  if (!lane_grow((void **)&l->entries, &l->entry_cap, l->entry_bytes + ENTRY_SIZE_COMPRESSED, 1)) {
    lane_fail(l, ENOMEM, "pack header%s", NULL);
    return false;
  }
  uint8_t *e = l->entries + l->entry_bytes;
  e[0] = uncompressed ? 2 : 0; /* a data blob, compressed or not */
  put_le32(e + 1, (uint32_t)length);
  if (uncompressed) put_le32(e + 5, uncompressed);
  memcpy(e + entry - ENTRY_ID_SIZE, id, ENTRY_ID_SIZE);
  l->entry_bytes += entry;
  l->blob_count++;
  l->pack_pos += length;
  if (l->pack_pos >= l->pack_target) return lane_pack_finish(l);
  return true;
}

