/*
 * The sizes of restic's format that the addon writes (sealed blobs, pack header entries). The
 * one definition is TypeScript's (src/repository/crypto/seal.ts, src/repository/pack/header.ts);
 * these mirror it as plain numbers, and test/compat/pack-writers.test.ts fails when the two
 * disagree. The zstd level and the pack sizes are not here: the lane receives them from
 * TypeScript (createLane).
 */
#ifndef LIFEBOAT_FORMAT_H
#define LIFEBOAT_FORMAT_H

/* A sealed blob: IV (16) ‖ ciphertext ‖ Poly1305-AES tag (16). */
#define CIPHERTEXT_OVERHEAD 32
/* Header entry: type (1), encrypted length (LE32), [plaintext length (LE32),] ID (32). */
#define ENTRY_ID_SIZE 32
#define ENTRY_SIZE_PLAIN 37
#define ENTRY_SIZE_COMPRESSED 41
/* After the entries: the header's IV and tag, and the header length (LE32). */
#define PACK_HEADER_OVERHEAD 36

#endif
