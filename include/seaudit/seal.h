/*
 * seal.h - the host's sealing key (docs/INTEGRITY.md): created once by
 * the administrator, then evolved one way by the writer at every
 * checkpoint epoch; and the verification key that the auditor keeps,
 * which anyone may hold: it verifies every checkpoint of the log and
 * signs none.
 *
 * The key file holds the current epoch's seed only (earlier seeds are
 * erased as the key evolves) and the first epoch's public key, so that
 * its verification key can be printed again: owner root, mode 0400,
 * rewritten whole (a new file, synced, renamed over the old one, the
 * directory synced) at every evolution.
 *
 * A verification key is written "sealvk1:" and 64 hexadecimal digits; its
 * fingerprint is 16 hexadecimal digits in four groups, for reading out
 * over a telephone.
 */
#ifndef SEAUDIT_SEAL_H
#define SEAUDIT_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

#define SA_SEAL_KEY_LEN 32
#define SA_SEAL_KEY_TEXT 73 /* "sealvk1:" + 64 digits + NUL */
#define SA_SEAL_FPR_TEXT 20 /* "xxxx-xxxx-xxxx-xxxx" + NUL */

/*
 * Creates a new sealing key file at path (which must not exist; its
 * directory must) and gives its verification key.  0, -EEXIST, -ELIBACC
 * (libsodium unavailable), or an errno of open, write, fsync.
 */
int sa_seal_keygen(const char *path, uint8_t vk[SA_SEAL_KEY_LEN]);

/* The verification key of an existing key file (its first epoch's). */
int sa_seal_key_read_vk(const char *path, uint8_t vk[SA_SEAL_KEY_LEN]);

/* Text forms; out holds SA_SEAL_KEY_TEXT or SA_SEAL_FPR_TEXT bytes. */
void sa_seal_vk_format(const uint8_t vk[SA_SEAL_KEY_LEN], char *out);
void sa_seal_vk_fingerprint(const uint8_t vk[SA_SEAL_KEY_LEN], char *out);
/* Parses the text form (surrounding blanks allowed): 0 or -EINVAL. */
int sa_seal_vk_parse(const char *text, uint8_t vk[SA_SEAL_KEY_LEN]);

SA_END_DECLS

#endif
