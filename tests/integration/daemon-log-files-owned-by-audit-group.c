/*
 * daemon-log-files-owned-by-audit-group - the log directory and every
 * segment are created with the documented ownership and modes: directory
 * 0750 and files 0640, group audit_group, so that members of the audit
 * group can read the log and nobody else can.  Needs root to give files
 * to a group (skipped otherwise).
 */
#include <dirent.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

#include "harness.h"

int
main(void)
{
	if (geteuid() != 0) {
		printf("skipped: not root (cannot give files to a group)\n");
		return 0;
	}
	struct group *g = getgrnam("adm");
	if (g == NULL)
		g = getgrnam("nogroup");
	CHECK(g != NULL);
	/* audit_* keys belong to [logmgr]: reopen that section. */
	char conf[256];
	snprintf(
	    conf, sizeof conf,
	    "compress = yes\n[logmgr]\naudit_size = 64\naudit_group = %s\n",
	    g->gr_name);
	struct hd h;
	hd_init(&h, conf);
	hd_start(&h, NULL);
	struct sa_client *c;
	CHECK(sa_client_connect(&c, h.sock, 5000) == 0);
	struct sa_record recs[100];
	for (int b = 0; b < 30; b++) {
		for (int j = 0; j < 100; j++)
			hd_record(&recs[j], "own", SA_EV_RESOURCE);
		CHECK(sa_client_submit(c, recs, 100, 10000, NULL, NULL) == 0);
	}
	sa_client_close(c);
	usleep(300000); /* let the background sealing finish */
	CHECK(hd_stop(&h) == 0);

	struct stat st;
	CHECK(stat(h.log, &st) == 0);
	CHECK((st.st_mode & 07777) == 0750);
	CHECK(st.st_gid == g->gr_gid);
	DIR *d = opendir(h.log);
	CHECK(d != NULL);
	struct dirent *e;
	int segs = 0, sealed = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		bool seg = l > 4 && strcmp(e->d_name + l - 4, ".seg") == 0;
		bool zst = l > 8 && strcmp(e->d_name + l - 8, ".seg.zst") == 0;
		if (!seg && !zst)
			continue;
		char p[600];
		snprintf(p, sizeof p, "%s/%s", h.log, e->d_name);
		CHECK(stat(p, &st) == 0);
		if ((st.st_mode & 07777) != 0640 || st.st_gid != g->gr_gid)
			die("%s: mode %o gid %u, want 0640 gid %u", p,
			    st.st_mode & 07777, (unsigned)st.st_gid,
			    (unsigned)g->gr_gid);
		segs++;
		sealed += zst;
	}
	closedir(d);
	printf("%d segments (%d sealed with zstd): 0640, group %s; "
	       "directory 0750\n",
	       segs, sealed, g->gr_name);
	CHECK(segs >= 3 && sealed >= 1);
	hd_cleanup(&h);
	printf("1 passed, 0 failed\n");
	return 0;
}
