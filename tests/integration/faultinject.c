/*
 * faultinject.c - an LD_PRELOAD shim that makes the real seauditd see I/O
 * failures on demand: pwrite, write, fdatasync and rename fail (or pwrite
 * writes half, then fails) while the control file named by $SA_FAULT_CTL
 * says so.  The test changes the file's content to start and stop the
 * fault; the shim re-reads it at most every 20 ms.
 *
 * Control file: empty = no fault, or one line "OP ERRNO [short]" with OP
 * one of pwrite, write, fdatasync, rename, all, and ERRNO one of ENOSPC,
 * EIO, EDQUOT.  Only regular files are affected (sockets never are), so
 * the protocol keeps working while the log does not.
 *
 * The daemon calls in from two threads (the event loop and the
 * compressor): the control state is read and refreshed under a lock, so
 * that one thread re-reading the file never makes the other see no fault.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char op[16];
static int err_no;
static bool half;
static struct timespec last;

static void
refresh(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - last.tv_sec) * 1000 +
		  (now.tv_nsec - last.tv_nsec) / 1000000;
	if (last.tv_sec != 0 && ms < 20)
		return;
	last = now;
	op[0] = '\0';
	const char *p = getenv("SA_FAULT_CTL");
	if (p == NULL)
		return;
	FILE *f = fopen(p, "r");
	if (f == NULL)
		return;
	char e[16] = "", s[16] = "";
	int n = fscanf(f, "%15s %15s %15s", op, e, s);
	fclose(f);
	if (n < 2) {
		op[0] = '\0';
		return;
	}
	err_no = strcmp(e, "EIO") == 0	    ? EIO
		 : strcmp(e, "EDQUOT") == 0 ? EDQUOT
					    : ENOSPC;
	half = n == 3 && strcmp(s, "short") == 0;
}

/* Whether `what` on fd fails now; if so, how (*e, *h). */
static bool
hit(const char *what, int fd, int *e, bool *h)
{
	pthread_mutex_lock(&lock);
	refresh();
	bool on =
	    op[0] != '\0' && (strcmp(op, what) == 0 || strcmp(op, "all") == 0);
	*e = err_no;
	*h = half;
	pthread_mutex_unlock(&lock);
	if (on && fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return false;
	}
	return on;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite");
	int e;
	bool h;
	if (hit("pwrite", fd, &e, &h)) {
		if (h && n > 1)
			return real(fd, buf, n / 2, off);
		errno = e;
		return -1;
	}
	return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
    __attribute__((alias("pwrite")));

ssize_t
write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								    "write");
	int e;
	bool h;
	if (fd > 2 && hit("write", fd, &e, &h)) {
		errno = e;
		return -1;
	}
	return real(fd, buf, n);
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	int e;
	bool h;
	if (hit("fdatasync", fd, &e, &h)) {
		errno = e;
		return -1;
	}
	return real(fd);
}

int
rename(const char *a, const char *b)
{
	static int (*real)(const char *, const char *);
	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
								  "rename");
	int e;
	bool h;
	if (hit("rename", -1, &e, &h)) {
		errno = e;
		return -1;
	}
	return real(a, b);
}
