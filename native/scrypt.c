/*
 * scrypt(password, salt, N, r, p, length) → Promise<ArrayBuffer | number>: the key derivation of
 * restic's key files (RFC 7914) on libuv's thread pool. Node's own scrypt (OpenSSL) is the
 * reference and the fallback; this one differs in three places, all measured on a 2-vCPU VM:
 * - the N·128·r-byte table is one mapping asked for huge pages (madvise): OpenSSL's fresh 32 MiB
 *   buffer took ≈ 90 ms of first-touch page faults per derivation (≈ 8,192 faults), a third of
 *   the whole derivation at restic's default strength;
 * - each ROMix keeps a half or a third of its table and recomputes the rest as it reads it, and
 *   with p ≥ 2 and two CPUs two threads share the p parts (see derive): restic's p = 7 in
 *   ≈ 400 ms with 21 MiB against ≈ 485 on one thread with a full 32 MiB table, p = 1 in the same
 *   ≈ 90 ms with 16 MiB;
 * - Salsa20/8 is the plain scalar form, like OpenSSL's. Its steps form one chain (add, rotate,
 *   xor), which SSE2 vectors run no faster (no vector rotate): an SSE2 form took ≈ 96 ms per p
 *   against OpenSSL's ≈ 58 ms.
 * Resolves with the derived bytes, or with a number when the parameters are out of this code's
 * range (N not a power of 2 or above 2^32, a table that cannot be mapped): the caller then uses
 * Node's scrypt, which words the error. No secret is kept: the buffers are wiped or unmapped
 * before the promise settles.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "common.h"

enum { SC_OK = 0, SC_NOT_HERE = 1 };
#define HUGE_PAGE ((size_t)2 << 20)

struct sc_job {
  uint8_t *password, *salt, *out;
  size_t password_len, salt_len, out_len;
  uint64_t n;
  uint32_t r, p;
  int status;
  napi_deferred deferred;
  napi_async_work work;
};


static uint32_t load_le32(const uint8_t *b) { return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }

static void store_le32(uint8_t *b, uint32_t v) {
  b[0] = (uint8_t)v;
  b[1] = (uint8_t)(v >> 8);
  b[2] = (uint8_t)(v >> 16);
  b[3] = (uint8_t)(v >> 24);
}

typedef uint32_t block_t[16];

/* x = Salsa20/8(x ^ in). */
static void salsa8_xor(uint32_t *x, const uint32_t *in) {
  uint32_t w[16], s[16];
  for (int k = 0; k < 16; k++) w[k] = s[k] = x[k] ^ in[k];
#define R(a, n) (((a) << (n)) | ((a) >> (32 - (n))))
#define QUARTER(a, b, c, d) (w[b] ^= R(w[a] + w[d], 7), w[c] ^= R(w[b] + w[a], 9), w[d] ^= R(w[c] + w[b], 13), w[a] ^= R(w[d] + w[c], 18))
  for (int i = 0; i < 4; i++) {
    QUARTER(0, 4, 8, 12), QUARTER(5, 9, 13, 1), QUARTER(10, 14, 2, 6), QUARTER(15, 3, 7, 11);
    QUARTER(0, 1, 2, 3), QUARTER(5, 6, 7, 4), QUARTER(10, 11, 8, 9), QUARTER(15, 12, 13, 14);
  }
#undef QUARTER
#undef R
  for (int k = 0; k < 16; k++) x[k] = w[k] + s[k];
}

/* out = BlockMix(in ^ mix) (mix may be NULL) over 2r blocks; out must not overlap in or mix. */
static void block_mix(const uint32_t *in, const uint32_t *mix, uint32_t *out, uint32_t r) {
  uint32_t x[16], t[16];
  const size_t last = (2 * (size_t)r - 1) * 16;
  for (int k = 0; k < 16; k++) x[k] = mix ? in[last + k] ^ mix[last + k] : in[last + k];
  for (size_t i = 0; i < 2 * (size_t)r; i++) {
    const uint32_t *b = in + i * 16;
    if (mix) {
      for (int k = 0; k < 16; k++) t[k] = b[k] ^ mix[i * 16 + k];
      b = t;
    }
    salsa8_xor(x, b);
    memcpy(out + ((i & 1) * r + i / 2) * 16, x, 64);
  }
}

/* The first word of the last block: Integerify's low 32 bits, all it needs with N ≤ 2^32. */
static uint32_t integerify(const uint32_t *x, uint32_t r) { return x[(2 * (size_t)r - 1) * 16]; }

/*
 * ROMix on one of B's p parts (128·r bytes at `bytes`) with a table of N / stride entries at `v`
 * and four 128·r-byte scratch blocks at `xs`. Only every stride-th entry is kept, and another is
 * recomputed from the one kept before it when read (scrypt's time-memory trade-off, the same
 * result): stride 2 keeps half the table for a quarter more BlockMix calls, stride 3 a third of
 * it for half more.
 */
static void ro_mix(uint8_t *bytes, block_t *v, block_t *xs, uint64_t n, uint32_t r, uint32_t stride) {
  const size_t blocks = 2 * (size_t)r;
  block_t *x = xs, *y = xs + blocks, *t, *chain[2] = {xs + 2 * blocks, xs + 3 * blocks};
  uint32_t w[16];
  for (size_t b = 0; b < blocks; b++) {
    for (int k = 0; k < 16; k++) w[k] = load_le32(bytes + b * 64 + 4 * k);
    memcpy(&x[b], w, 64);
  }
  for (uint64_t i = 0; i < n; i++) {
    if (i % stride == 0) memcpy(&v[i / stride * blocks], x, 64 * blocks);
    block_mix(x[0], NULL, y[0], r);
    t = x, x = y, y = t;
  }
  for (uint64_t i = 0; i < n; i++) {
    const uint64_t j = integerify(x[0], r) & (n - 1);
    const block_t *vj = &v[j / stride * blocks];
    for (uint64_t k = 0; k < j % stride; k++) { /* entry j is j % stride BlockMix calls past the one kept */
      block_mix(vj[0], NULL, chain[k & 1][0], r);
      vj = chain[k & 1];
    }
    block_mix(x[0], vj[0], y[0], r);
    t = x, x = y, y = t;
  }
  for (size_t b = 0; b < blocks; b++) {
    memcpy(w, &x[b], 64);
    for (int k = 0; k < 16; k++) store_le32(bytes + b * 64 + 4 * k, w[k]);
  }
  OPENSSL_cleanse(w, sizeof w);
}

/* The table: one anonymous mapping, aligned to and asked for huge pages when that large. NULL when it cannot be had. */
static void *map_table(size_t size, void **base, size_t *mapped) {
  *mapped = size + (size >= HUGE_PAGE ? HUGE_PAGE : 0);
  *base = mmap(NULL, *mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (*base == MAP_FAILED) return NULL;
  if (size < HUGE_PAGE) return *base;
  uint8_t *aligned = (uint8_t *)(((uintptr_t)*base + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
  madvise(aligned, size, MADV_HUGEPAGE); /* a hint: without it, the derivation is the same, only slower */
#endif
  return aligned;
}

/* One of the threads that ROMix B's parts: each takes the next part not yet taken. */
struct sc_lane {
  struct sc_job *job;
  uint8_t *b;
  block_t *v, *scratch;
  uint32_t stride;
  atomic_uint *next;
};

static void *mix_parts(void *arg) {
  struct sc_lane *l = arg;
  const size_t part = 128 * (size_t)l->job->r;
  for (unsigned i; (i = atomic_fetch_add(l->next, 1)) < l->job->p;) ro_mix(l->b + i * part, l->v, l->scratch, l->job->n, l->job->r, l->stride);
  return NULL;
}

/* Two threads when there are two parts or more and two CPUs to run them: each then keeps a third of a table. */
static uint32_t lanes_for(uint32_t p) {
  cpu_set_t set;
  const int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return p >= 2 && cpus >= 2 ? 2 : 1;
}

/*
 * B = PBKDF2(password, salt, 1, p·128·r); each part ROMixed; out = PBKDF2(password, B, 1, length).
 * The table is the largest allocation at a command's start. One thread keeps half of it:
 * restic's strength (N = 2^15, r = 8) maps 16 MiB instead of 32 for the same derivation time at
 * p = 1 (fewer first-touch faults pay for the extra mixing). The parts are independent: with
 * p ≥ 2 and two CPUs, two threads share them, each keeping a third of a table, so restic's
 * p = 7 takes ≈ 400 ms in 21 MiB (check of restic's /usr/share repository: peak RSS 83 against
 * 88 MiB with two half tables, 1.019 of the time, 8 pairs). When the second thread cannot be
 * started, this one mixes every part.
 */
static bool derive(struct sc_job *j) {
  const size_t part = 128 * (size_t)j->r, parts = part * j->p;
  if (j->n < 2 || (j->n & (j->n - 1)) != 0 || j->n > ((uint64_t)1 << 32) || j->n > SIZE_MAX / part / 2 || parts > INT32_MAX) return false;
  const uint32_t lanes = lanes_for(j->p);
  const uint32_t stride = lanes == 2 ? 3 : 2;
  const size_t table = (size_t)((j->n + stride - 1) / stride) * part;
  uint8_t *b = malloc(parts);
  block_t *scratch = aligned_alloc(64, 4 * part * lanes);
  void *base = NULL;
  size_t mapped = 0;
  uint8_t *v = b && scratch ? map_table(table * lanes, &base, &mapped) : NULL;
  bool ok = v && PKCS5_PBKDF2_HMAC((const char *)j->password, (int)j->password_len, j->salt, (int)j->salt_len, 1, EVP_sha256(), (int)parts, b) == 1;
  if (ok) {
    atomic_uint next = 0;
    struct sc_lane lane[2];
    for (uint32_t k = 0; k < lanes; k++) lane[k] = (struct sc_lane){j, b, (block_t *)(v + k * table), scratch + k * 4 * 2 * j->r, stride, &next};
    pthread_t second;
    const bool two = lanes == 2 && pthread_create(&second, NULL, mix_parts, &lane[1]) == 0;
    mix_parts(&lane[0]);
    if (two) pthread_join(second, NULL);
  }
  ok = ok && PKCS5_PBKDF2_HMAC((const char *)j->password, (int)j->password_len, b, (int)parts, 1, EVP_sha256(), (int)j->out_len, j->out) == 1;
  if (b) OPENSSL_cleanse(b, parts);
  if (scratch) OPENSSL_cleanse(scratch, 4 * part * lanes);
  free(b);
  free(scratch);
  if (base && base != MAP_FAILED) munmap(base, mapped);
  return ok;
}

static void sc_execute(napi_env env, void *data) {
  (void)env;
  struct sc_job *j = data;
  j->status = derive(j) ? SC_OK : SC_NOT_HERE;
}

static void free_job(struct sc_job *j) {
  OPENSSL_cleanse(j->password, j->password_len);
  OPENSSL_cleanse(j->out, j->out_len);
  free(j->password);
  free(j->salt);
  free(j->out);
  free(j);
}

static void sc_complete(napi_env env, napi_status status, void *data) {
  struct sc_job *j = data;
  napi_value result;
  void *bytes = NULL;
  if (status == napi_ok && j->status == SC_OK && napi_create_arraybuffer(env, j->out_len, &bytes, &result) == napi_ok) {
    memcpy(bytes, j->out, j->out_len);
  } else {
    napi_create_int32(env, SC_NOT_HERE, &result);
  }
  napi_resolve_deferred(env, j->deferred, result);
  napi_delete_async_work(env, j->work);
  free_job(j);
}

static napi_value js_scrypt(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv, "scrypt(password, salt, N, r, p, length)")) return NULL;
  uint8_t *password, *salt;
  size_t pl, sl;
  double n = 0, r = 0, p = 0, length = 0;
  if (!get_u8(env, argv[0], "password", &password, &pl) || !get_u8(env, argv[1], "salt", &salt, &sl)) return NULL;
  if (napi_get_value_double(env, argv[2], &n) != napi_ok || napi_get_value_double(env, argv[3], &r) != napi_ok ||
      napi_get_value_double(env, argv[4], &p) != napi_ok || napi_get_value_double(env, argv[5], &length) != napi_ok || !(n >= 2 && n <= 9007199254740992.0) ||
      !(r >= 1 && r * p < 1073741824.0) || !(p >= 1) || !(length >= 1 && length <= 1024) || pl > INT32_MAX || sl > INT32_MAX) {
    throw_arg(env, "scrypt: N ≥ 2, r ≥ 1, p ≥ 1 with r·p < 2^30, and 1 to 1024 bytes");
    return NULL;
  }
  struct sc_job *j = calloc(1, sizeof *j);
  if (j) {
    j->password = malloc(pl ? pl : 1);
    j->salt = malloc(sl ? sl : 1);
    j->out = malloc((size_t)length);
  }
  if (!j || !j->password || !j->salt || !j->out) {
    if (j) free_job(j);
    napi_throw_error(env, "ENOMEM", "scrypt: out of memory");
    return NULL;
  }
  memcpy(j->password, password, pl);
  memcpy(j->salt, salt, sl);
  j->password_len = pl;
  j->salt_len = sl;
  j->out_len = (size_t)length;
  j->n = (uint64_t)n;
  j->r = (uint32_t)r;
  j->p = (uint32_t)p;
  napi_value promise, name;
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "lifeboat:scrypt", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, sc_execute, sc_complete, j, &j->work) != napi_ok || napi_queue_async_work(env, j->work) != napi_ok) {
    free_job(j);
    napi_throw_error(env, NULL, "scrypt: could not queue the work");
    return NULL;
  }
  return promise;
}

bool scrypt_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"scrypt", NULL, js_scrypt, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, 1, props) == napi_ok;
}
