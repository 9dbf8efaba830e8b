/*
 * server.c - the producers' Unix socket: its path and permissions, and
 * the frame server (common/framesrv.h) serving it, wired to the modules
 * that answer frames: records to commit.c, status queries to status.c.
 *
 * Invariants:
 *  - a client's credentials (pid, uid) come from SO_PEERCRED at accept and
 *    are the only identity the daemon believes (docs/PROTOCOL.md); its
 *    user name and privilege (root, or producer_group) are looked up once,
 *    here, when it connects;
 *  - the socket is bound 0600 and given its group and mode before it
 *    listens: nobody connects through permissions it was not meant to
 *    have;
 *  - only a stale socket is ever removed from the path: anything else
 *    there is refused by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "commit.h"
#include "diag.h"
#include "server.h"
#include "status.h"

#define MAX_INFLIGHT 1024	  /* frames awaiting commit per client */
#define MAX_OUT_QUEUED (1u << 20) /* reply bytes queued per client */
#define CLOSE_FLUSH_MS 2000	  /* at exit: time to deliver queued replies */

/*
 * Who the peer is, once, at accept: its user name (records of an
 * unprivileged producer may only name it) and whether it may speak for
 * others (root, or producer_group by primary or supplementary group).
 */
static void
on_connect(void *arg, struct fsrv_conn *c, gid_t peer_gid)
{
	struct daemon *d = arg;
	uid_t uid = fsrv_conn_uid(c);
	struct passwd pw, *res = NULL;
	char buf[4096];
	bool privileged = uid == 0;
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || res == NULL) {
		fsrv_conn_identify(c, "", privileged);
		return;
	}
	if (!privileged && d->conf.producer_group[0] != '\0') {
		gid_t g = d->conf.producer_gid;
		if (peer_gid == g || pw.pw_gid == g)
			privileged = true;
		gid_t groups[256];
		int n = (int)(sizeof groups / sizeof groups[0]);
		if (!privileged &&
		    getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) >= 0)
			for (int i = 0; i < n; i++)
				if (groups[i] == g)
					privileged = true;
	}
	fsrv_conn_identify(c, pw.pw_name, privileged);
}

static void
on_frame(void *arg, struct fsrv_conn *c, const struct sa_proto_hdr *h,
	 const uint8_t *payload)
{
	struct daemon *d = arg;
	switch (h->type) {
	case SA_PROTO_RECORDS:
		commit_frame(d, c, h->id, payload, h->len);
		break;
	case SA_PROTO_QUERY:
		status_reply(d, c, h->id);
		break;
	default:
		fsrv_fatal(c, h->id, SA_EPROTO,
			   "frame type not accepted from a producer");
		break;
	}
}

static void
limits_from_conf(const struct conf *k, struct fsrv_limits *lim)
{
	*lim = (struct fsrv_limits){
	    .max_frame_bytes = k->max_frame_bytes,
	    .max_clients = k->max_clients,
	    .reserved_clients = k->reserved_clients,
	    .max_clients_per_uid = k->max_clients_per_uid,
	    .idle_timeout_s = k->idle_timeout_s,
	    .max_inflight = MAX_INFLIGHT,
	    .max_out_queued = MAX_OUT_QUEUED,
	    /* Under disk_full_action block, status queries still pass. */
	    .pass_type = SA_PROTO_QUERY,
	};
}

void
server_apply_limits(struct daemon *d)
{
	struct fsrv_limits lim;
	limits_from_conf(&d->conf, &lim);
	if (d->srv)
		fsrv_set_limits(d->srv, &lim);
}

/*
 * The socket's group first (socket_group, else the daemon's own group, so
 * that removing the key at a reload gives it back), then its mode: the
 * mode never opens the socket to a group it was not meant for.  The
 * socket is the daemon's own, just bound or still listening; lchown
 * because a symbolic link put in its place must not be followed.
 * Connections already accepted keep going: permissions are checked at
 * connect(2) only.
 */
int
server_socket_perms(const struct daemon *d)
{
	const char *path = d->conf.socket;
	gid_t gid = d->conf.socket_group[0] ? d->conf.socket_gid : getegid();
	if (lchown(path, (uid_t)-1, gid) < 0) {
		int e = errno;
		if (d->conf.socket_group[0])
			log_warnx("%s: cannot give the socket to group %s "
				  "(socket_group): %s",
				  path, d->conf.socket_group, strerror(e));
		else
			log_warnx("%s: cannot give the socket to the daemon's "
				  "group %ld: %s",
				  path, (long)gid, strerror(e));
		return -e;
	}
	if (chmod(path, d->conf.socket_mode) < 0) {
		int e = errno;
		log_warnx("%s: cannot set socket_mode %04o: %s", path,
			  (unsigned)d->conf.socket_mode, strerror(e));
		return -e;
	}
	return 0;
}

int
server_listen(struct daemon *d)
{
	const char *path = d->conf.socket;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sun.sun_path) {
		log_warnx("socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	/* Parent directory, for the default /run/seaudit and friends. */
	char dir[sizeof sun.sun_path];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_warn("mkdir %s", dir);
			return -errno;
		}
	}
	/*
	 * Only a socket may be replaced: a socket left by a crash (connect
	 * refused) is removed, a live one is not.  Anything else at the path
	 * (a regular file, a directory: a typo in "socket =") is refused by
	 * name and never deleted, since as root unlink would remove any file.
	 */
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		log_warnx("%s: exists and is %s, not a socket; refusing to "
			  "replace it",
			  path,
			  S_ISDIR(st.st_mode)	? "a directory"
			  : S_ISREG(st.st_mode) ? "a regular file"
			  : S_ISLNK(st.st_mode) ? "a symbolic link"
						: "a special file");
		return S_ISDIR(st.st_mode) ? -EISDIR : -EEXIST;
	}
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0) {
		if (connect(probe, (struct sockaddr *)&sun, sizeof sun) == 0) {
			close(probe);
			log_warnx("%s: another seauditd is listening", path);
			return -EADDRINUSE;
		}
		if (errno == ECONNREFUSED)
			unlink(path);
		close(probe);
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bound 0600, so that nobody connects before it has its group and
	 * mode. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0) {
		rc = -errno;
		log_warn("%s", path);
		close(fd);
		return rc;
	}
	if ((rc = server_socket_perms(d)) < 0 || listen(fd, 1024) < 0) {
		if (rc == 0) {
			rc = -errno;
			log_warn("%s", path);
		}
		unlink(path);
		close(fd);
		return rc;
	}
	if (d->srv == NULL) {
		struct fsrv_limits lim;
		limits_from_conf(&d->conf, &lim);
		struct fsrv_callbacks cb = {
		    .on_connect = on_connect, .on_frame = on_frame, .arg = d};
		if ((d->srv = fsrv_new(d->loop, &lim, &cb)) == NULL) {
			rc = -ENOMEM;
			unlink(path);
			close(fd);
			return rc;
		}
	}
	if ((rc = fsrv_listen(d->srv, fd)) < 0) { /* fd is the server's */
		unlink(path);
		return rc;
	}
	d->listening = true;
	return 0;
}

void
server_close(struct daemon *d)
{
	if (d->srv == NULL)
		return;
	if (d->listening) {
		fsrv_stop_listening(d->srv);
		unlink(d->conf.socket);
		d->listening = false;
	}
	/*
	 * Replies still queued (the last batch's acknowledgements, more than
	 * the socket took at once) are delivered before the connection
	 * closes: a record in the log is never left unacknowledged to a
	 * producer that reads its replies.  commit_finish answered every
	 * pending frame, so nothing refers to a closed client after this.
	 */
	fsrv_shutdown(d->srv, CLOSE_FLUSH_MS);
	fsrv_free(d->srv);
	d->srv = NULL;
}
