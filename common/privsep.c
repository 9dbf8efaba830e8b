/*
 * privsep.c - dropping capabilities with libcap-ng (see privsep.h).
 * libcap-ng rather than raw capset(2): it handles the bounding set and the
 * kernel's capability versions, and prints names for diagnostics.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cap-ng.h>

#include "privsep.h"

int
privsep_drop(const int *keep, size_t n)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (capng_get_caps_process() < 0)
		return -EPERM;
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE &&
	    geteuid() != 0)
		return 0; /* nothing to drop */
	/* The bounding set needs CAP_SETPCAP to shrink (root has it). */
	bool bset = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(CAPNG_SELECT_BOTH);
	for (size_t i = 0; i < n; i++)
		if (capng_update(CAPNG_ADD,
				 CAPNG_EFFECTIVE | CAPNG_PERMITTED |
				     (bset ? CAPNG_BOUNDING_SET : 0),
				 (unsigned)keep[i]) < 0)
			return -EINVAL;
	if (capng_apply(bset ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
	/* Read back: what the kernel holds now is what was asked. */
	if (capng_get_caps_process() < 0)
		return -EPERM;
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		int want = 0;
		for (size_t i = 0; i < n; i++)
			want |= keep[i] == c;
		if (!want &&
		    capng_have_capability(CAPNG_EFFECTIVE, (unsigned)c))
			return -EPERM;
	}
	return 0;
}

const char *
privsep_describe(void)
{
	static char buf[512];
	if (capng_get_caps_process() < 0)
		return "unknown";
	char *s = capng_print_caps_text(CAPNG_PRINT_BUFFER, CAPNG_EFFECTIVE);
	if (s == NULL)
		return "none";
	snprintf(buf, sizeof buf, "%s", s);
	free(s);
	return buf;
}
