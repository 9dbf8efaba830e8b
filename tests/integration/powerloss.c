/*
 * powerloss.c - an LD_PRELOAD shim that keeps, beside the real files, the
 * image a power loss would leave of the log directories: what a disk with
 * a volatile write cache guarantees after fsync(2) and fdatasync(2), and
 * nothing more.
 *
 * The model (strict POSIX, harsher than ext4 in its default mode):
 *  - a regular file's contents are durable as they were at its last
 *    successful fsync or fdatasync; bytes written since are lost;
 *  - a directory's entries (which name is which inode) are durable as
 *    they were at its last successful fsync; names created, renamed or
 *    removed since are undone.  A rename between two directories is made
 *    durable in each directory by that directory's own fsync.
 * A file named in a durable listing whose contents were never synced
 * comes back empty.
 *
 * The image lives in $SA_PL_STORE: c-<ino>-<gen> holds a file's durable
 * contents, d-<ino>.list a directory's durable entries ("<ino> <gen>
 * <name>" per line).  `gen` tells apart files that reuse an inode number
 * after the last name of an earlier one was removed (counted here from
 * unlink, unlinkat and rename).  Watched directories are those named in
 * $SA_PL_DIRS (colon-separated).  Every store update is written under a
 * temporary name and renamed, and the wrapped call returns only after it,
 * so a SIGKILL at any moment leaves an image at least as old as anything
 * the daemon was told is durable: the test can kill the daemon from
 * outside at random moments.  The daemon syncs from two threads (event
 * loop and compressor): the shim's state is under one lock.
 *
 * tests/integration/daemon-power-loss-keeps-acknowledged.c rebuilds the
 * directories from the image (powerloss_rebuild there).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsync(int fd);
int fdatasync(int fd);
int unlink(const char *path);
int unlinkat(int dirfd, const char *path, int flags);
int rename(const char *from, const char *to);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define MAXDIRS 4
#define MAXGEN 8192

struct gen {
	ino_t ino;
	unsigned gen;
};

static struct {
	bool init;
	char store[PATH_MAX];
	char dirs[MAXDIRS][PATH_MAX];
	int ndirs;
	struct gen gens[MAXGEN];
	int ngens;
	unsigned tmpn;
} S;

static void
init(void)
{
	if (S.init)
		return;
	S.init = true;
	const char *st = getenv("SA_PL_STORE"), *ds = getenv("SA_PL_DIRS");
	if (st)
		snprintf(S.store, sizeof S.store, "%s", st);
	for (const char *p = ds; p && *p && S.ndirs < MAXDIRS;) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		snprintf(S.dirs[S.ndirs++], PATH_MAX, "%.*s", (int)n, p);
		p = c ? c + 1 : p + n;
	}
}

static unsigned
gen_of(ino_t ino)
{
	for (int i = 0; i < S.ngens; i++)
		if (S.gens[i].ino == ino)
			return S.gens[i].gen;
	return 0;
}

static void
gen_bump(ino_t ino)
{
	for (int i = 0; i < S.ngens; i++)
		if (S.gens[i].ino == ino) {
			S.gens[i].gen++;
			return;
		}
	if (S.ngens < MAXGEN)
		S.gens[S.ngens++] = (struct gen){ino, 1};
}

/* Is `dir` (a path) one of the watched directories? */
static bool
watched_path(const char *dir)
{
	struct stat a, b;
	if (stat(dir, &a) < 0)
		return false;
	for (int i = 0; i < S.ndirs; i++)
		if (stat(S.dirs[i], &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}

/* The directory a descriptor's file is in, from /proc. */
static bool
fd_dir(int fd, char *out, size_t cap)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, cap - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	char *slash = strrchr(out, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	return true;
}

/* Writes `len` bytes from src (a descriptor, read from the start) or
 * the text `txt` to store/name, through a temporary name. */
static void
store_put(const char *name, int src, const char *txt, size_t len)
{
	char tmp[PATH_MAX + 32], dst[PATH_MAX + 64];
	snprintf(tmp, sizeof tmp, "%s/.tmp-%u", S.store, S.tmpn++);
	snprintf(dst, sizeof dst, "%s/%s", S.store, name);
	int o = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (o < 0)
		return;
	if (txt != NULL) {
		if (write(o, txt, len) != (ssize_t)len) {
			close(o);
			return;
		}
	} else {
		char buf[65536];
		off_t off = 0;
		ssize_t k;
		while ((k = pread(src, buf, sizeof buf, off)) > 0) {
			if (write(o, buf, (size_t)k) != k) {
				close(o);
				return;
			}
			off += k;
		}
	}
	close(o);
	/* Not through the wrapper below: it takes the lock we hold. */
	static int (*real)(const char *, const char *);
	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
								  "rename");
	real(tmp, dst);
}

static void
snapshot(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return;
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if (S_ISREG(st.st_mode)) {
		char dir[PATH_MAX];
		if (!fd_dir(fd, dir, sizeof dir) || !watched_path(dir))
			return;
		/* The descriptor may be write-only: read through /proc. */
		int r = open(link, O_RDONLY | O_CLOEXEC);
		if (r < 0)
			return;
		char name[64];
		snprintf(name, sizeof name, "c-%lu-%u",
			 (unsigned long)st.st_ino, gen_of(st.st_ino));
		store_put(name, r, NULL, 0);
		close(r);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		return;
	char path[PATH_MAX];
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return;
	path[n] = '\0';
	if (!watched_path(path))
		return;
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	size_t cap = 65536, len = 0;
	char *txt = malloc(cap);
	struct dirent *e;
	while (txt && (e = readdir(d)) != NULL) {
		struct stat fs;
		if (fstatat(dirfd(d), e->d_name, &fs, AT_SYMLINK_NOFOLLOW) <
			0 ||
		    !S_ISREG(fs.st_mode))
			continue;
		if (cap - len < NAME_MAX + 64) {
			char *nt = realloc(txt, cap * 2);
			if (nt == NULL)
				break;
			txt = nt;
			cap *= 2;
		}
		len += (size_t)snprintf(txt + len, cap - len, "%lu %u %s\n",
					(unsigned long)fs.st_ino,
					gen_of(fs.st_ino), e->d_name);
	}
	closedir(d);
	if (txt) {
		char name[64];
		snprintf(name, sizeof name, "d-%lu.list",
			 (unsigned long)st.st_ino);
		store_put(name, -1, txt, len);
		free(txt);
	}
}

static int
sync_common(int fd, int (*real)(int))
{
	int rc = real(fd);
	if (rc == 0) {
		int e = errno;
		pthread_mutex_lock(&lock);
		init();
		snapshot(fd);
		pthread_mutex_unlock(&lock);
		errno = e;
	}
	return rc;
}

int
fsync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	return sync_common(fd, real);
}

int
fdatasync(int fd)
{
	static int (*real)(int);
	if (real == NULL)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	return sync_common(fd, real);
}

/* Before a name goes: if it is the inode's last, later files with that
 * inode number are another generation. */
static ino_t
last_link(int dirfd, const char *path)
{
	struct stat st;
	if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return 0;
	return st.st_ino;
}

static void
gone(ino_t ino)
{
	if (ino == 0)
		return;
	pthread_mutex_lock(&lock);
	gen_bump(ino);
	pthread_mutex_unlock(&lock);
}

int
unlink(const char *path)
{
	static int (*real)(const char *);
	if (real == NULL)
		real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
	ino_t ino = last_link(AT_FDCWD, path);
	int rc = real(path);
	if (rc == 0)
		gone(ino);
	return rc;
}

int
unlinkat(int dirfd, const char *path, int flags)
{
	static int (*real)(int, const char *, int);
	if (real == NULL)
		real = (int (*)(int, const char *, int))dlsym(RTLD_NEXT,
							      "unlinkat");
	ino_t ino = (flags & AT_REMOVEDIR) ? 0 : last_link(dirfd, path);
	int rc = real(dirfd, path, flags);
	if (rc == 0)
		gone(ino);
	return rc;
}

int
rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	if (real == NULL)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT,
								  "rename");
	ino_t ino = last_link(AT_FDCWD, to); /* replaced by the rename */
	int rc = real(from, to);
	if (rc == 0)
		gone(ino);
	return rc;
}
