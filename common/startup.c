/*
 * startup.c - going to the background, detaching, the pid file (see
 * startup.h).  The parent of a backgrounded daemon exits 0 only on the
 * child's word that it serves: a service manager or a shell script that
 * starts `seauditd` sees a start that failed as a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diag.h"
#include "startup.h"

void
startup_background(struct startup *s)
{
	int p[2];
	if (pipe(p) < 0)
		fatal("pipe");
	pid_t pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		char c = 0;
		ssize_t n;
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 1 && c == 'R')
			_exit(0);
		int st;
		waitpid(pid, &st, 0);
		_exit(1);
	}
	close(p[0]);
	s->ready_fd = p[1];
	if (setsid() < 0)
		fatal("setsid");
}

void
startup_ready(struct startup *s)
{
	if (s->ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	log_set_foreground(false);
	if (chdir("/") < 0)
		log_warn("chdir /");
	if (write(s->ready_fd, "R", 1) != 1)
		log_warn("telling the parent that the daemon started");
	close(s->ready_fd);
	s->ready_fd = -1;
}

int
startup_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -errno;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0) {
		int e = -errno;
		fclose(f);
		return e;
	}
	return fclose(f) == 0 ? 0 : -errno;
}

const char *
startup_absolute(const char *path, char *buf, size_t cap)
{
	if (path[0] == '/')
		return path;
	char cwd[4096];
	if (getcwd(cwd, sizeof cwd) == NULL ||
	    (size_t)snprintf(buf, cap, "%s/%s", cwd, path) >= cap)
		return NULL;
	return buf;
}
