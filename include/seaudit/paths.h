/*
 * paths.h - where the log and the writer daemon's socket are by default,
 * for producers, readers and daemons alike (docs/PROTOCOL.md §1,
 * seaudit(1) FILES).  Each function writes a NUL-terminated path into the
 * caller's buffer and returns 0, or -ENAMETOOLONG when it does not fit;
 * nothing is kept.
 */
#ifndef SEAUDIT_PATHS_H
#define SEAUDIT_PATHS_H

#include <stddef.h>

#include <seaudit/api.h>

SA_BEGIN_DECLS

/*
 * Where producers find the writer daemon (docs/PROTOCOL.md §1).
 *
 * sa_system_socket: the system daemon's socket as clients know it,
 * $SEAUDIT_SYSTEM_SOCKET when set and not empty, else
 * /run/seaudit/seauditd.sock (the variable moves clients only: a daemon
 * run by root listens where its configuration says).
 *
 * sa_user_socket: the socket a daemon run by the calling user (not root)
 * listens on by default: $XDG_RUNTIME_DIR/seaudit/seauditd.sock when
 * XDG_RUNTIME_DIR is an absolute path, else /tmp/seaudit-<euid>/
 * seauditd.sock.  Whoever calls it; nothing is checked on disk.
 *
 * The sockets a client given no path tries, in order: $SEAUDIT_SOCKET
 * alone when set and not empty; for root the system socket alone; for any
 * other user the per-user socket, then the system socket.  The per-user
 * socket is used only when it is the user's own: a socket owned by the
 * effective uid in a directory owned by it that no one else may write (so
 * that another user cannot squat /tmp/seaudit-<uid> and take records
 * meant for the system daemon); otherwise it is passed over as if
 * missing.
 *
 * sa_default_socket: the one of them a client would reach now: the first
 * that holds a socket it may use, else the last.  Writes a NUL-terminated
 * path.
 */
#define SA_SOCKET_PATH_MAX 108 /* sizeof sun_path, NUL included */
int sa_system_socket(char *buf, size_t cap);
int sa_user_socket(char *buf, size_t cap);
int sa_default_socket(char *buf, size_t cap);

/*
 * Who may connect to the socket at `path`, for a refusal message:
 * "mode 0660, owner root, group users" (numbers for ids the user
 * database does not know).  0 or -errno from stat(2).
 */
int sa_socket_describe(const char *path, char *buf, size_t cap);

/*
 * Default log directory: $SEAUDIT_LOG when set; /var/log/seaudit for root;
 * else $XDG_STATE_HOME/seaudit/log, else ~/.local/state/seaudit/log.
 */
int sa_default_log_dir(char *buf, size_t cap);
/*
 * (Added.)  The per-user log directory whoever runs: $XDG_STATE_HOME/
 * seaudit/log (absolute values only), else ~/.local/state/seaudit/log
 * ($HOME, else the password database).  What sa_default_log_dir gives a
 * user other than root; the viewer also looks there for root.
 */
int sa_user_log_dir(char *buf, size_t cap);

SA_END_DECLS

#endif
