/*
 * What the addon's source files share: argument helpers and errors (napi-util.c), restic's object
 * cipher (cipher.c), each job's registration (lifeboat.c calls them), and the stat fields both
 * lstatInto (fs-calls.c) and scanDir (scan.c) return.
 */
#ifndef LIFEBOAT_COMMON_H
#define LIFEBOAT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <node_api.h>

/* The errno's symbolic name ("ENOENT"), or NULL when unknown. */
const char *errno_name(int e);
void throw_arg(napi_env env, const char *message);
/* Throws like Node's fs: "ENOENT: no such file or directory, lstat '/x'" with code, errno, syscall
 * and path (`path_value`, the caller's argument, is attached as is when it is a string). */
void throw_errno(napi_env env, int e, const char *syscall, napi_value path_value, const char *path);
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *usage);
/* A path argument (string or Uint8Array) as a NUL-terminated copy to free; NULL after a throw. */
char *get_cstr(napi_env env, napi_value v, const char *what);
bool get_u8(napi_env env, napi_value v, const char *what, uint8_t **data, size_t *len);
/* restic's key parts at argv[0], argv[1], argv[2]: encrypt (32 bytes), macK and macR (16 each);
 * false after a throw (cipher.c). */
bool get_key_args(napi_env env, napi_value *argv, uint8_t **enc, uint8_t **mac_k, uint8_t **mac_r);
bool get_int64(napi_env env, napi_value v, const char *what, int64_t *out);
bool get_uint64(napi_env env, napi_value v, const char *what, uint64_t *out);
napi_value make_int64(napi_env env, int64_t n);

/*
 * restic's object encryption (spec 3.2): writes IV ‖ AES-256-CTR(plaintext) ‖ Poly1305-AES tag,
 * n + 32 bytes, to `out`. `in` may be `out + 16` (sealed in place). False when OpenSSL or the
 * random generator fails. Safe to call from any thread.
 */
bool seal_blob(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t *in, size_t n,
               uint8_t *out);

/*
 * Opens a sealed blob of `n` bytes (the inverse of seal_blob): checks the MAC, then decrypts the
 * n - 32 plaintext bytes to `out`, which may alias `in` (in place). `*plain_len` is the plaintext
 * length, or -1 when the data is shorter than 32 bytes, has an all-zero IV or fails the MAC
 * (nothing is written then). False when OpenSSL fails. Safe to call from any thread.
 */
bool open_blob(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t *in, size_t n,
               uint8_t *out, int64_t *plain_len);

/* restic refuses an all-zero IV (a blob never sealed); open_blob and the stream treat it as damage. */
bool iv_is_zero(const uint8_t iv[16]);

/*
 * open_blob a step at a time, for a blob too large to hold (check of a large blob read from a
 * file): begin with its IV and ciphertext length; each step takes the MAC of the next `n`
 * ciphertext bytes (whole 16-byte blocks but for the last step) and decrypts them in place, so the
 * plaintext is not authenticated until open_stream_end compares the tag (`*authentic`) and frees
 * the state. NULL or false when OpenSSL fails. One thread at a time.
 */
typedef struct blob_opening blob_opening;
blob_opening *open_stream_begin(const uint8_t enc[32], const uint8_t mac_k[16], const uint8_t mac_r[16], const uint8_t iv[16], size_t ct_len);
bool open_stream_step(blob_opening *o, uint8_t *ct, size_t n);
bool open_stream_end(blob_opening *o, const uint8_t tag[16], bool *authentic);

/* Adds packVerifier, verifyPackBlobs, verifyPackFile and openPackBlobs (verify-pack.c, verify-file.c,
 * pack-verifier.c) to the addon's exports. */
bool verify_pack_register(napi_env env, napi_value exports);

/* Add poly1305 (poly1305.c), the file-system calls and releasePages (fs-calls.c), and sealInto /
 * openInto (cipher.c) to the addon's exports. */
bool poly1305_register(napi_env env, napi_value exports);
bool fs_calls_register(napi_env env, napi_value exports);
bool cipher_register(napi_env env, napi_value exports);

/* Adds the file lane's functions (lane-js.c) to the addon's exports. */
bool lane_register(napi_env env, napi_value exports);

/* Adds scanDir (scan.c) to the addon's exports. */
bool scan_register(napi_env env, napi_value exports);

/* Adds writeFiles (write-files.c) to the addon's exports. */
bool write_files_register(napi_env env, napi_value exports);

/* Adds scanIndexJson (index-scan.c) and openUnpacked (open-unpacked.c) to the addon's exports. */
bool index_scan_register(napi_env env, napi_value exports);
bool tree_scan_register(napi_env env, napi_value exports);
bool open_unpacked_register(napi_env env, napi_value exports);

/* Adds openBlobSync (open-blob.c) to the addon's exports. */
bool open_blob_register(napi_env env, napi_value exports);

/* Adds sortIndexRows (sort-rows.c) to the addon's exports. */
bool sort_rows_register(napi_env env, napi_value exports);

/* Adds scrypt (scrypt.c) to the addon's exports. */
bool scrypt_register(napi_env env, napi_value exports);

struct stat;
/* lstatInto's fields 0–14 (STAT order in src/native/index.ts) from `st` (scan.c); the caller sets o[15]. */
void stat_fields(const struct stat *st, uint64_t *o);

#endif
