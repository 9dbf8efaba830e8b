/*
 * seaudit-keygen - creates the host's sealing key (seaudit-keygen(8)):
 * the key file the writer daemon signs checkpoints with and evolves, and,
 * printed once, the verification key the auditor keeps and publishes.
 *
 *   seaudit-keygen [PATH]       create PATH (default /etc/seaudit/seal.key)
 *   seaudit-keygen -p [PATH]    print the verification key of PATH again
 *
 * Exit 0, 1 (the file exists, cannot be written or read), 2 (usage).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#define DEFAULT_KEY "/etc/seaudit/seal.key"

static int
usage(FILE *f, int rc)
{
	fprintf(f, "usage: seaudit-keygen [PATH]\n"
		   "       seaudit-keygen -p [PATH]\n"
		   "  create the sealing key PATH (default " DEFAULT_KEY
		   "), or (-p) print\n"
		   "  the verification key of an existing one\n");
	return rc;
}

static void
print_vk(const uint8_t vk[SA_SEAL_KEY_LEN])
{
	char text[SA_SEAL_KEY_TEXT], fpr[SA_SEAL_FPR_TEXT];
	sa_seal_vk_format(vk, text);
	sa_seal_vk_fingerprint(vk, fpr);
	printf("verification key: %s\nfingerprint: %s\n", text, fpr);
}

int
main(int argc, char **argv)
{
	bool print = false;
	int i = 1;
	if (i < argc && (!strcmp(argv[i], "-h") || !strcmp(argv[i], "-help") ||
			 !strcmp(argv[i], "--help")))
		return usage(stdout, 0);
	if (i < argc && !strcmp(argv[i], "-p")) {
		print = true;
		i++;
	}
	if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		fprintf(stderr, "seaudit-keygen: %s: unknown option\n",
			argv[i]);
		return usage(stderr, 2);
	}
	if (argc - i > 1)
		return usage(stderr, 2);
	const char *path = i < argc ? argv[i] : DEFAULT_KEY;
	uint8_t vk[SA_SEAL_KEY_LEN];
	if (print) {
		int rc = sa_seal_key_read_vk(path, vk);
		if (rc < 0) {
			fprintf(stderr, "seaudit-keygen: %s: %s\n", path,
				rc == SA_EBADMAGIC
				    ? "not a seaudit sealing key (or damaged)"
				    : sa_strerror(rc));
			return 1;
		}
		print_vk(vk);
		return 0;
	}
	/* The default's directory (/etc/seaudit) may not exist yet on a new
	 * host: its last component is made; anything missing above is not
	 * ours to invent. */
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0)
			printf("created %s\n", dir);
	}
	int rc = sa_seal_keygen(path, vk);
	if (rc < 0) {
		fprintf(stderr, "seaudit-keygen: %s: %s\n", path,
			rc == -EEXIST ? "exists already; a host has one sealing"
					" key (print its verification key with"
					" -p)"
				      : sa_strerror(rc));
		return 1;
	}
	printf("sealing key created: %s (mode 0400; the writer daemon "
	       "evolves it at every checkpoint)\n",
	       path);
	print_vk(vk);
	printf("Keep the verification key off this host (it verifies, it "
	       "cannot sign):\n  seaudit -verify -verify-key KEY\n");
	return 0;
}
