/*
 * sealkey.c - the sealing key file (seaudit/seal.h) and the text forms of
 * the verification key.
 *
 * File layout (92 bytes): magic "SEAUDIT-SEALKEY1", u64le epoch, 32-byte
 * seed of that epoch, 32-byte public key of epoch 1, CRC-32C of the
 * preceding bytes.  Invariants: a file on disk is always whole (written
 * under a temporary name, synced and renamed into place); the seed it
 * held before is gone from it once the rename is synced, and from memory
 * (wiped buffers) at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/error.h>
#include <seaudit/seal.h>

#include "checkpoint.h"
#include "crc32c.h"
#include "le.h"
#include "segment.h"
#include "sealfile.h"
#include "textutil.h"

#define KEYFILE_LEN 92
static const char magic[16] = "SEAUDIT-SEALKEY1";

static void
encode(uint8_t *b, const struct sa__sealkey *k, const uint8_t *first_pk)
{
	memcpy(b, magic, 16);
	sa__le64_put(b + 16, k->epoch);
	memcpy(b + 24, k->seed, SA_SEED_LEN);
	memcpy(b + 56, first_pk, SA_PK_LEN);
	sa__le32_put(b + 88, sa_crc32c(0, b, 88));
}

/* Writes the file whole under path: tmp, fsync, rename, fsync dir. */
int
sa__file_replace(const char *path, const uint8_t *b, size_t len, mode_t mode,
		 bool exclusive)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	if (exclusive && access(path, F_OK) == 0)
		return -EEXIST;
	(void)unlink(tmp); /* a leftover of an interrupted rewrite */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	int rc = sa__write_all(fd, b, len);
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	/* link: a new key never replaces one created meanwhile. */
	if (rc == 0 && (exclusive ? link(tmp, path) : rename(tmp, path)) < 0)
		rc = -errno;
	(void)unlink(tmp);
	if (rc == 0) {
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", path);
		char *slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof dir, ".");
		rc = sa__fsync_dir(dir);
	}
	return rc;
}

int
sa__sealfile_store(const char *path, const struct sa__sealkey *k,
		   const uint8_t first_pk[SA_PK_LEN])
{
	uint8_t b[KEYFILE_LEN];
	encode(b, k, first_pk);
	int rc = sa__file_replace(path, b, KEYFILE_LEN, 0400, false);
	sa__wipe(b, sizeof b);
	return rc;
}

int
sa__sealfile_load(const char *path, struct sa__sealkey *k,
		  uint8_t first_pk[SA_PK_LEN])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	uint8_t b[KEYFILE_LEN + 1];
	ssize_t n = read(fd, b, sizeof b);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	int rc = 0;
	if (n != KEYFILE_LEN || memcmp(b, magic, 16) != 0 ||
	    sa_crc32c(0, b, 88) != sa__le32_get(b + 88) ||
	    sa__le64_get(b + 16) == 0)
		rc = SA_EBADMAGIC;
	if (rc == 0)
		rc = sa__sealkey_from_seed(k, b + 24, sa__le64_get(b + 16));
	if (rc == 0)
		memcpy(first_pk, b + 56, SA_PK_LEN);
	sa__wipe(b, sizeof b);
	return rc;
}

int
sa_seal_keygen(const char *path, uint8_t vk[SA_SEAL_KEY_LEN])
{
	struct sa__sealkey k;
	int rc = sa__sealkey_new(&k);
	if (rc < 0)
		return rc;
	uint8_t b[KEYFILE_LEN];
	encode(b, &k, k.pk);
	rc = sa__file_replace(path, b, KEYFILE_LEN, 0400, true);
	if (rc == 0)
		memcpy(vk, k.pk, SA_SEAL_KEY_LEN);
	sa__wipe(b, sizeof b);
	sa__sealkey_wipe(&k);
	return rc;
}

int
sa_seal_key_read_vk(const char *path, uint8_t vk[SA_SEAL_KEY_LEN])
{
	struct sa__sealkey k;
	int rc = sa__sealfile_load(path, &k, vk);
	sa__sealkey_wipe(&k);
	return rc;
}

void
sa_seal_vk_format(const uint8_t vk[SA_SEAL_KEY_LEN], char *out)
{
	memcpy(out, "sealvk1:", 8);
	sa__hex(out + 8, vk, SA_SEAL_KEY_LEN);
}

void
sa_seal_vk_fingerprint(const uint8_t vk[SA_SEAL_KEY_LEN], char *out)
{
	uint8_t h[8] = {0};
	if (sa__sodium_load() == 0) {
		static const uint8_t tag[16] = "SEAUDIT-VKFPR-1";
		uint8_t in[16 + SA_SEAL_KEY_LEN];
		memcpy(in, tag, 16);
		memcpy(in + 16, vk, SA_SEAL_KEY_LEN);
		sa__sodium.generichash(h, sizeof h, in, sizeof in, NULL, 0);
	}
	/* Four groups of four digits. */
	for (size_t g = 0; g < 4; g++) {
		sa__hex(out + 5 * g, h + 2 * g, 2);
		out[5 * g + 4] = g < 3 ? '-' : '\0';
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
sa_seal_vk_parse(const char *text, uint8_t vk[SA_SEAL_KEY_LEN])
{
	while (*text == ' ' || *text == '\t' || *text == '\n')
		text++;
	if (strncmp(text, "sealvk1:", 8) != 0)
		return -EINVAL;
	text += 8;
	for (size_t i = 0; i < SA_SEAL_KEY_LEN; i++) {
		int a = hexval(text[2 * i]),
		    b = a < 0 ? -1 : hexval(text[2 * i + 1]);
		if (a < 0 || b < 0)
			return -EINVAL;
		vk[i] = (uint8_t)(a << 4 | b);
	}
	for (text += (size_t)2 * SA_SEAL_KEY_LEN; *text; text++)
		if (*text != ' ' && *text != '\t' && *text != '\n' &&
		    *text != '\r')
			return -EINVAL;
	return 0;
}
