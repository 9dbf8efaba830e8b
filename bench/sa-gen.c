/*
 * sa-gen.c - a seedable generator of realistic mixed audit records, for
 * benchmarks (bench/run.sh, docs/performance.md).
 *
 *   sa-gen [-s SEED] [-n COUNT] [-r RATE] [-t START] [-U USERS] [-H HOSTS]
 *          -o log -d DIR [-z] [-S SEGSIZE] [-O ORIGIN]
 *          -o json | -o linux-audit | -o null | -o users
 *
 * One model of a busy Linux host population drives every output: a pool of
 * live sessions (interactive ssh users picked by a Zipf law (s = 0.6) over
 * USERS people, cron jobs, daemons), each with its host, terminal, session ID,
 * shell, current program and working directory.  Events are drawn from a
 * fixed mix in which resource accesses dominate (FILE most of all, in
 * short bursts of one program touching several files), with logins,
 * logouts, network connections, administration, traces, watchdog
 * warnings and daemon start/stop in realistic proportions; mostly
 * permitted, with denials that concentrate on sensitive files and on a few
 * nosy users.  Stage and reason codes come from the documented tables
 * (spec/codes.md) and the product's own ones (include/seaudit/codes.h).
 *
 * Reproducibility: the generator's random stream (xoshiro256**, seeded
 * through splitmix64) is consumed identically whatever the output mode, and
 * no libm function is used (results would depend on the libm version), so
 * a seed gives the same events as a seaudit log, as JSON Lines and as Linux
 * audit text.  Times are whole milliseconds because Linux audit has no
 * finer resolution.  The JSON mode stamps seq (1, 2, ...) and origin as the
 * writer would, so `seaudit -a -json -fn DIR` over the log written with the
 * same seed prints the same lines (minus the trace and connected TCP
 * records that -a leaves out).
 *
 * The Linux audit text is what auditd writes with log_format = ENRICHED
 * (Debian 12's default): each resource access is a SYSCALL record (key
 * "file" for FILE, "exec", "proc", "net_in", "net_out", "trace") with its
 * CWD / PATH / EXECVE / OBJ_PID / SOCKADDR and PROCTITLE records; logins,
 * logouts, authentication, sudo and administration are the user-space
 * records PAM and shadow-utils write (USER_LOGIN, USER_LOGOUT, USER_AUTH,
 * USER_ACCT, USER_CMD, USER_MGMT, USER_CHAUTHTOK, ACCT_LOCK, ACCT_UNLOCK),
 * daemons SERVICE_START / SERVICE_STOP, watchdog INTEGRITY_DATA.  One
 * seaudit record is one Linux event (one serial number).  A denial is
 * success=no exit=-13 (EACCES); a status F (OS refused) is success=no with
 * another errno; so these find the same events as seaudit:
 *
 *   ausearch -if audit.log -ua UID --success no -e -13 -k file
 *       == seaudit -r FILE '*' USER -status D
 *   TZ=UTC LC_ALL=C ausearch -if audit.log -ts D T -te D T+59s
 *       == seaudit -a -since T -until T+60s (plus trace / connected ones)
 *
 * Timing: in log mode the writer calls (sa_writer_append, commit) are
 * timed apart from generation; a summary goes to stderr in every mode.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <seaudit/seaudit.h>

/* ------------------------------------------------------------------ */
/* Random numbers: xoshiro256** seeded by splitmix64.                 */

struct rng {
	uint64_t s[4];
};

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void
rng_seed(struct rng *g, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		g->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rnext(struct rng *g)
{
	uint64_t *s = g->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n). */
static inline uint32_t
rbelow(struct rng *g, uint32_t n)
{
	return (uint32_t)(((rnext(g) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static inline double
runif(struct rng *g)
{
	return (double)(rnext(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* True with probability per_mille / 1000. */
static inline bool
rpm(struct rng *g, unsigned per_mille)
{
	return rbelow(g, 1000) < per_mille;
}

/* Natural logarithm without libm (reproducible): x = m * 2^e. */
static double
ln_(double x)
{
	int e = 0;
	while (x >= 2.0) {
		x *= 0.5;
		e++;
	}
	while (x < 1.0) {
		x *= 2.0;
		e--;
	}
	double y = (x - 1.0) / (x + 1.0), y2 = y * y, term = y, sum = 0;
	for (int k = 1; k < 40; k += 2) {
		sum += term / k;
		term *= y2;
	}
	return 2.0 * sum + e * 0.69314718055994530942;
}

/* Exponential with the given mean. */
static double
rexp(struct rng *g, double mean)
{
	double u = runif(g);
	return -mean * ln_(1.0 - u);
}

/* Index from a table of integer weights. */
static unsigned
rweighted(struct rng *g, const unsigned *w, unsigned n)
{
	unsigned total = 0;
	for (unsigned i = 0; i < n; i++)
		total += w[i];
	unsigned x = rbelow(g, total);
	for (unsigned i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(g, a) ((a)[rbelow((g), NELEM(a))])

/* ------------------------------------------------------------------ */
/* Static vocabularies.                                               */

static const char *const given[] = {
    "james",   "mary",	"john",	   "patricia",	"robert", "jennifer",
    "michael", "linda", "william", "elizabeth", "david",  "barbara",
    "richard", "susan", "joseph",  "jessica",	"thomas", "sarah",
    "charles", "karen", "wei",	   "li",	"ana",	  "jose",
    "maria",   "ahmed", "fatima",  "olga",	"ivan",	  "yuki",
    "hiroshi", "priya", "raj",	   "chen",	"sofia",  "lucas",
    "emma",    "noah",	"mia",	   "liam",	"anna",	  "piotr",
    "kasia",   "jan",	"eva",	   "lars",	"ingrid", "pierre",
    "claire",  "marco", "giulia",  "hans",	"greta",  "omar",
    "leila",   "kofi",	"amara",   "diego",	"camila", "sven"};

static const char *const surname[] = {
    "smith",	 "johnson",  "williams",  "brown",    "jones",	   "garcia",
    "miller",	 "davis",    "rodriguez", "martinez", "hernandez", "lopez",
    "gonzalez",	 "wilson",   "anderson",  "thomas",   "taylor",	   "moore",
    "jackson",	 "martin",   "lee",	  "perez",    "thompson",  "white",
    "harris",	 "sanchez",  "clark",	  "ramirez",  "lewis",	   "robinson",
    "walker",	 "young",    "allen",	  "king",     "wright",	   "scott",
    "torres",	 "nguyen",   "hill",	  "flores",   "green",	   "adams",
    "nelson",	 "baker",    "hall",	  "rivera",   "campbell",  "mitchell",
    "carter",	 "roberts",  "kowalski",  "nowak",    "schmidt",   "schneider",
    "fischer",	 "weber",    "meyer",	  "wagner",   "becker",	   "hoffmann",
    "dubois",	 "moreau",   "laurent",	  "bernard",  "rossi",	   "russo",
    "ferrari",	 "esposito", "bianchi",	  "romano",   "tanaka",	   "suzuki",
    "takahashi", "watanabe", "ito",	  "yamamoto", "wang",	   "zhang",
    "liu",	 "chen",     "yang",	  "huang",    "zhao",	   "wu",
    "zhou",	 "kumar",    "singh",	  "sharma",   "patel",	   "gupta",
    "ivanov",	 "petrov",   "sidorov",	  "popescu",  "nagy",	   "horvat",
    "jensen",	 "nielsen",  "hansen",	  "larsen",   "andersson", "johansson",
    "virtanen",	 "silva",    "santos",	  "oliveira", "souza",	   "costa",
    "mensah",	 "okafor"};

static const char *const projects[] = {
    "atlas",	 "billing",    "crm",		"datalake",   "edge",
    "fleet",	 "gateway",    "helios",	"inventory",  "janus",
    "kepler",	 "ledger",     "mercury",	"nova",	      "orion",
    "payments",	 "quasar",     "reporting",	"sirius",     "telemetry",
    "unity",	 "vega",       "warehouse",	"xenon",      "yield",
    "zephyr",	 "analytics",  "backoffice",	"catalog",    "delivery",
    "etl",	 "forecast",   "hr-portal",	"identity",   "kiosk",
    "logistics", "mobile-api", "notifications", "onboarding", "pricing"};

struct sysacct {
	const char *name, *group;
	uint32_t uid, gid;
};

/* Service accounts: actors of cron and daemon sessions, su/sudo targets. */
static const struct sysacct sysaccts[] = {
    {"root", "root", 0, 0},
    {"daemon", "daemon", 1, 1},
    {"www-data", "www-data", 33, 33},
    {"backup", "backup", 34, 34},
    {"postgres", "postgres", 108, 115},
    {"nagios", "nagios", 112, 118},
    {"oracle", "oinstall", 54321, 54321},
    {"nobody", "nogroup", 65534, 65534},
};
enum {
	SA_ROOT = 0,
	SA_DAEMON,
	SA_WWW,
	SA_BACKUP,
	SA_PG,
	SA_NAGIOS,
	SA_ORACLE,
	SA_NOBODY,
	N_SYSACCT
};

struct prog {
	const char *path;
	const char *comm;
	unsigned w; /* weight among interactive programs */
};

/* Programs run in interactive sessions, by frequency. */
static const struct prog iprogs[] = {
    {"/usr/bin/bash", "bash", 60},
    {"/usr/bin/vim.basic", "vim", 40},
    {"/usr/bin/cat", "cat", 30},
    {"/usr/bin/less", "less", 20},
    {"/usr/bin/grep", "grep", 35},
    {"/usr/bin/ls", "ls", 40},
    {"/usr/bin/python3.11", "python3", 45},
    {"/usr/bin/git", "git", 35},
    {"/usr/bin/make", "make", 12},
    {"/usr/bin/gcc-12", "gcc", 10},
    {"/usr/bin/ssh", "ssh", 8},
    {"/usr/bin/scp", "scp", 4},
    {"/usr/bin/rsync", "rsync", 6},
    {"/usr/bin/tar", "tar", 8},
    {"/usr/bin/gzip", "gzip", 4},
    {"/usr/bin/find", "find", 12},
    {"/usr/bin/sed", "sed", 8},
    {"/usr/bin/awk", "awk", 6},
    {"/usr/bin/cp", "cp", 10},
    {"/usr/bin/mv", "mv", 6},
    {"/usr/bin/rm", "rm", 6},
    {"/usr/bin/chmod", "chmod", 3},
    {"/usr/bin/nano", "nano", 6},
    {"/usr/bin/curl", "curl", 7},
    {"/usr/bin/docker", "docker", 6},
    {"/usr/bin/kubectl", "kubectl", 6},
    {"/usr/bin/psql", "psql", 5},
    {"/usr/bin/java", "java", 8},
    {"/usr/bin/node", "node", 7},
    {"/usr/bin/perl", "perl", 3},
    {"/usr/bin/tail", "tail", 8},
    {"/usr/bin/head", "head", 4},
    {"/usr/bin/diff", "diff", 3},
    {"/usr/bin/sort", "sort", 3},
    {"/usr/bin/ps", "ps", 5},
    {"/usr/bin/top", "top", 3},
    {"/usr/bin/journalctl", "journalctl", 3},
    {"/usr/bin/systemctl", "systemctl", 4},
    {"/usr/bin/sudo", "sudo", 6},
    {"/usr/bin/su", "su", 2},
    {"/usr/local/bin/tcsh", "tcsh", 2},
    {"/opt/jdk-17/bin/javac", "javac", 3},
    {"/usr/bin/go", "go", 3},
    {"/usr/bin/cargo", "cargo", 2},
    {"/usr/bin/openssl", "openssl", 2},
    {"/usr/bin/passwd", "passwd", 1},
    {"/usr/bin/crontab", "crontab", 1},
    {"/usr/bin/kill", "kill", 2},
};

/* Daemon programs of the daemon sessions (index = sysacct). */
static const struct prog dprogs[N_SYSACCT] = {
    {"/usr/sbin/sshd", "sshd", 0},
    {"/usr/sbin/atd", "atd", 0},
    {"/usr/sbin/nginx", "nginx", 0},
    {"/usr/bin/rsync", "rsync", 0},
    {"/usr/lib/postgresql/15/bin/postgres", "postgres", 0},
    {"/usr/sbin/nrpe", "nrpe", 0},
    {"/u01/app/oracle/product/19c/bin/oracle", "oracle", 0},
    {"/usr/sbin/dnsmasq", "dnsmasq", 0},
};

/* Programs cron jobs run. */
static const struct prog cprogs[] = {
    {"/usr/sbin/logrotate", "logrotate", 0},
    {"/usr/bin/rsync", "rsync", 0},
    {"/usr/bin/find", "find", 0},
    {"/usr/bin/python3.11", "python3", 0},
    {"/usr/local/sbin/backup.sh", "backup.sh", 0},
    {"/usr/bin/apt-get", "apt-get", 0},
    {"/usr/sbin/tmpreaper", "tmpreaper", 0},
    {"/usr/bin/pg_dump", "pg_dump", 0},
    {"/usr/lib/sysstat/sa1", "sa1", 0},
    {"/usr/bin/certbot", "certbot", 0},
};

static const char *const etc_files[] = {
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/ssh/ssh_config",
    "/etc/ssh/sshd_config",
    "/etc/bash.bashrc",
    "/etc/profile",
    "/etc/environment",
    "/etc/login.defs",
    "/etc/pam.d/common-auth",
    "/etc/pam.d/sshd",
    "/etc/security/limits.conf",
    "/etc/nginx/nginx.conf",
    "/etc/nginx/sites-enabled/default",
    "/etc/postgresql/15/main/postgresql.conf",
    "/etc/crontab",
    "/etc/logrotate.conf",
    "/etc/os-release",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/timezone",
    "/etc/hostname",
    "/etc/fstab",
    "/etc/sysctl.conf",
    "/etc/systemd/system.conf",
    "/etc/apt/sources.list",
    "/etc/gitconfig"};

static const char *const sensitive_files[] = {
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/etc/sudoers.d/90-admins",
    "/root/.ssh/authorized_keys",
    "/root/.bash_history",
    "/etc/ssl/private/server.key",
    "/etc/ssl/private/wildcard.example.com.key",
    "/var/lib/seos/seosdb/seos.db",
    "/etc/seos/seos.ini",
    "/var/log/auth.log",
    "/etc/krb5.keytab",
    "/var/lib/postgresql/15/main/pg_hba.conf",
    "/etc/security/opasswd",
    "/boot/grub/grub.cfg",
    "/etc/audit/auditd.conf"};

static const char *const libs[] = {
    "c.so.6",	    "m.so.6",	    "pthread.so.0",	"ssl.so.3",
    "crypto.so.3",  "z.so.1",	    "zstd.so.1",	"lzma.so.5",
    "pcre2-8.so.0", "selinux.so.1", "tinfo.so.6",	"readline.so.8",
    "ffi.so.8",	    "sqlite3.so.0", "curl.so.4",	"xml2.so.2",
    "gcc_s.so.1",   "stdc++.so.6",  "systemd.so.0",	"audit.so.1",
    "pam.so.0",	    "krb5.so.3",    "gssapi_krb5.so.2", "yaml-0.so.2",
    "expat.so.1"};

static const char *const home_rel[] = {".bashrc",
				       ".profile",
				       ".bash_history",
				       ".ssh/known_hosts",
				       ".ssh/config",
				       ".vimrc",
				       ".gitconfig",
				       ".viminfo",
				       ".lesshst",
				       ".python_history",
				       "notes.txt",
				       "todo.md",
				       ".config/htop/htoprc",
				       ".kube/config",
				       ".docker/config.json",
				       ".npmrc",
				       ".cache/pip/selfcheck.json",
				       ".local/share/recently-used.xbel",
				       "Downloads/report.pdf",
				       "scratch.sql"};

static const char *const proj_sub[] = {"src",	"data",	  "docs",    "build",
				       "tests", "config", "scripts", "lib"};
static const char *const proj_stem[] = {
    "main",   "util",	"handler", "model",  "service", "client", "server",
    "parser", "config", "schema",  "report", "export",	"import", "worker",
    "index",  "cache",	"auth",	   "api",    "db",	"queue"};
static const char *const proj_ext[] = {"c",   "h",    "py",   "go",  "java",
				       "js",  "json", "yaml", "csv", "md",
				       "sql", "sh",   "txt",  "o"};

static const char *const log_files[] = {
    "/var/log/syslog",		"/var/log/nginx/access.log",
    "/var/log/nginx/error.log", "/var/log/postgresql/postgresql-15-main.log",
    "/var/log/kern.log",	"/var/log/dpkg.log",
    "/var/log/apt/history.log", "/var/log/daemon.log",
    "/var/log/messages",	"/var/log/cron.log"};

static const char *const web_sites[] = {"shop",	  "intranet", "wiki",
					"status", "api",      "docs"};
static const char *const web_files[] = {
    "index.php",       "wp-login.php",	    "static/app.js", "static/style.css",
    "images/logo.png", "api/v1/orders.php", "config.php",    ".htaccess",
    "robots.txt",      "favicon.ico"};

static const char *const host_roles[] = {
    "web",     "app",  "db",   "build", "ci",	    "ws",    "lab", "vpn",
    "bastion", "mail", "ldap", "nfs",	"k8s-node", "cache", "mq",  "monitor"};
static const char *const host_domains[] = {
    "prod.example.com", "dc2.example.com", "corp.example.com",
    "lab.example.net", "dmz.example.com"};

struct service {
	const char *name;
	uint16_t port;
	const char *server; /* inbound: the program that accepts */
	const char *client; /* outbound: the program that connects */
	unsigned w_in, w_out;
};

static const struct service services[] = {
    {"ssh", 22, "/usr/sbin/sshd", "/usr/bin/ssh", 30, 20},
    {"https", 443, "/usr/sbin/nginx", "/usr/bin/curl", 40, 35},
    {"http", 80, "/usr/sbin/nginx", "/usr/bin/curl", 15, 10},
    {"postgresql", 5432, "/usr/lib/postgresql/15/bin/postgres", "/usr/bin/psql",
     12, 10},
    {"smtp", 25, "/usr/sbin/exim4", "/usr/sbin/exim4", 4, 3},
    {"ldap", 389, "/usr/sbin/slapd", "/usr/bin/ldapsearch", 4, 6},
    {"domain", 53, "/usr/sbin/dnsmasq", "/usr/bin/dig", 3, 8},
    {"telnet", 23, "/usr/sbin/in.telnetd", "/usr/bin/telnet", 1, 1},
    {"rsync", 873, "/usr/bin/rsync", "/usr/bin/rsync", 2, 3},
    {"nfs", 2049, "/usr/sbin/rpc.nfsd", "/usr/sbin/mount.nfs", 2, 2},
    {"mysql", 3306, "/usr/sbin/mysqld", "/usr/bin/mysql", 2, 2},
    {"ftp", 21, "/usr/sbin/vsftpd", "/usr/bin/ftp", 1, 1},
};

static const char *const daemons[] = {"seosd", "seoswd", "seagent", "selogrd"};

static const char *const sudo_rules[] = {
    "RESTART_NGINX", "RESTART_POSTGRES", "APT_UPGRADE", "READ_LOGS",
    "DOCKER_ADMIN",  "BACKUP_DB",	 "MOUNT_NFS",	"SYSTEMCTL_STATUS",
    "TCPDUMP",	     "EDIT_HOSTS"};

/* ------------------------------------------------------------------ */
/* Population.                                                        */

struct user {
	char name[48];
	char home[64];
	uint32_t uid, gid;
	const char *group; /* group name */
	bool os_user;
	bool human;
	bool traced;
	uint8_t deny_mult; /* nosy users are denied more often */
	uint8_t proj;	   /* main project */
};

struct host {
	char name[48];
	uint32_t ip;
};

enum skind { SK_SSH, SK_CRON, SK_DAEMON, SK_CONSOLE };

struct session {
	enum skind kind;
	int user;  /* index into users */
	int euser; /* effective user (after su), index into users */
	int host;  /* index into hosts; -1 local */
	char id[24];
	uint32_t ses; /* numeric session (Linux auid session) */
	uint32_t tty; /* pts number */
	uint32_t shell_pid, pid;
	const struct prog *prog; /* current program */
	const struct prog *shell;
};

#define NSESS 400

struct model {
	struct rng g;
	struct user *users;
	int nusers; /* total, humans first then service accounts */
	int nhumans;
	double *zipf_cdf;
	struct host *hosts;
	int nhosts;
	struct session sess[NSESS];
	uint32_t next_ses;
	uint32_t next_pid;
	uint32_t seosd_pid;
	/* burst state */
	int burst_left;
	int burst_sess;
	/* time */
	double t_us;
	double rate;
	uint64_t serial;
};

static int
find_user(const struct model *m, const char *name, int upto)
{
	for (int i = 0; i < upto; i++)
		if (strcmp(m->users[i].name, name) == 0)
			return i;
	return -1;
}

static void
make_users(struct model *m, struct rng *g, int nhumans)
{
	m->nhumans = nhumans;
	m->nusers = nhumans + N_SYSACCT;
	m->users = calloc((size_t)m->nusers, sizeof *m->users);
	m->zipf_cdf = calloc((size_t)nhumans, sizeof *m->zipf_cdf);
	uint32_t *perm = calloc((size_t)nhumans, sizeof *perm);
	if (m->users == NULL || m->zipf_cdf == NULL || perm == NULL) {
		fprintf(stderr, "sa-gen: out of memory\n");
		exit(1);
	}
	/* uids are a shuffle so that activity does not follow the uid. */
	for (int i = 0; i < nhumans; i++)
		perm[i] = (uint32_t)i;
	for (int i = nhumans - 1; i > 0; i--) {
		uint32_t j = rbelow(g, (uint32_t)i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (int i = 0; i < nhumans; i++) {
		struct user *u = &m->users[i];
		const char *gn = PICK(g, given), *sn = PICK(g, surname);
		char base[32];
		unsigned style = rbelow(g, 10);
		if (style < 5)
			snprintf(base, sizeof base, "%c%s", gn[0], sn);
		else if (style < 8)
			snprintf(base, sizeof base, "%s.%s", gn, sn);
		else
			snprintf(base, sizeof base, "%s%c", sn, gn[0]);
		snprintf(u->name, sizeof u->name, "%s", base);
		for (int k = 2; find_user(m, u->name, i) >= 0; k++)
			snprintf(u->name, sizeof u->name, "%.30s%d", base, k);
		snprintf(u->home, sizeof u->home, "/home/%s", u->name);
		u->uid = 1000 + perm[i];
		u->gid = u->uid;
		u->group = u->name;
		u->human = true;
		u->os_user = rpm(g, 800);
		u->traced = rpm(g, 15);
		u->deny_mult = rpm(g, 50) ? 6 : 1;
		u->proj = (uint8_t)rbelow(g, NELEM(projects));
	}
	free(perm);
	for (int i = 0; i < N_SYSACCT; i++) {
		struct user *u = &m->users[nhumans + i];
		snprintf(u->name, sizeof u->name, "%s", sysaccts[i].name);
		snprintf(u->home, sizeof u->home, "%s",
			 i == SA_ROOT ? "/root" : "/");
		u->uid = sysaccts[i].uid;
		u->gid = sysaccts[i].gid;
		u->group = sysaccts[i].group;
		u->os_user = true;
		u->deny_mult = 1;
		u->proj = (uint8_t)rbelow(g, NELEM(projects));
	}
	/* Zipf-like activity, exponent 0.6, over the popularity rank. */
	double acc = 0;
	for (int i = 0; i < nhumans; i++) {
		double x = (double)(i + 1), w = 1.0;
		/* w = x^-0.6 = exp(-0.6 ln x), without libm */
		double l = -0.6 * ln_(x), term = 1.0;
		w = 0;
		for (int k = 1; k < 60; k++) {
			w += term;
			term *= l / k;
		}
		acc += w;
		m->zipf_cdf[i] = acc;
	}
	for (int i = 0; i < nhumans; i++)
		m->zipf_cdf[i] /= acc;
}

static int
pick_human(struct model *m)
{
	double u = runif(&m->g);
	int lo = 0, hi = m->nhumans - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (m->zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
make_hosts(struct model *m, struct rng *g, int nhosts)
{
	int count[NELEM(host_roles)] = {0};
	m->nhosts = nhosts;
	m->hosts = calloc((size_t)nhosts, sizeof *m->hosts);
	if (m->hosts == NULL) {
		fprintf(stderr, "sa-gen: out of memory\n");
		exit(1);
	}
	for (int i = 0; i < nhosts; i++) {
		unsigned r = rbelow(g, NELEM(host_roles));
		const char *dom = host_domains[r == 5 ? 2 : rbelow(g, 5)];
		snprintf(m->hosts[i].name, sizeof m->hosts[i].name,
			 "%s-%02d.%s", host_roles[r], ++count[r], dom);
		m->hosts[i].ip = (10u << 24) | ((uint32_t)(r + 1) << 16) |
				 ((uint32_t)rbelow(g, 32) << 8) |
				 (1 + rbelow(g, 253));
	}
}

static const struct prog *
pick_iprog(struct rng *g)
{
	static unsigned w[NELEM(iprogs)];
	if (w[0] == 0)
		for (size_t i = 0; i < NELEM(iprogs); i++)
			w[i] = iprogs[i].w;
	return &iprogs[rweighted(g, w, NELEM(iprogs))];
}

static uint32_t
new_pid(struct model *m)
{
	m->next_pid += 1 + rbelow(&m->g, 7);
	if (m->next_pid > 4194000)
		m->next_pid = 1000;
	return m->next_pid;
}

/* A new session in slot s; a login starts ssh, cron or console ones. */
static void
new_session(struct model *m, struct session *s, bool login)
{
	struct rng *g = &m->g;
	unsigned k = rbelow(g, 100);
	if (login)
		k = k < 86 ? 0 : k < 99 ? 80 : 99;
	memset(s, 0, sizeof *s);
	if (k < 74) {
		s->kind = SK_SSH;
		s->user = pick_human(m);
		s->host = (int)rbelow(g, (uint32_t)m->nhosts);
		s->shell = rpm(g, 950) ? &iprogs[0] : &iprogs[40]; /* tcsh */
	} else if (k < 85) {
		s->kind = SK_CRON;
		static const int cu[] = {SA_ROOT, SA_ROOT,   SA_ROOT, SA_BACKUP,
					 SA_PG,	  SA_NAGIOS, SA_WWW};
		s->user = m->nhumans + PICK(g, cu);
		s->host = -1;
		s->shell = &cprogs[rbelow(g, NELEM(cprogs))];
	} else if (k < 99) {
		s->kind = SK_DAEMON;
		static const int du[] = {
		    SA_WWW,    SA_WWW,	  SA_WWW,    SA_PG,	SA_PG,
		    SA_ORACLE, SA_NAGIOS, SA_DAEMON, SA_NOBODY, SA_ROOT};
		int a = PICK(g, du);
		s->user = m->nhumans + a;
		s->host = -1;
		s->shell = &dprogs[a];
	} else {
		s->kind = SK_CONSOLE;
		s->user = rpm(g, 500) ? m->nhumans + SA_ROOT : pick_human(m);
		s->host = -1;
		s->shell = &iprogs[0];
	}
	s->euser = s->user;
	/* Some interactive users have become root or a service account. */
	if (s->kind == SK_SSH && rpm(g, 60))
		s->euser = m->nhumans + (rpm(g, 700)   ? SA_ROOT
					 : rpm(g, 500) ? SA_PG
						       : SA_ORACLE);
	s->ses = ++m->next_ses;
	s->tty = rbelow(g, 40);
	uint32_t login_s = (uint32_t)(m->t_us / 1e6) - rbelow(g, 36000);
	snprintf(s->id, sizeof s->id, "%08x:%08x", login_s, s->ses);
	s->shell_pid = new_pid(m);
	s->pid = s->shell_pid;
	s->prog = s->shell;
}

/* ------------------------------------------------------------------ */
/* The event: a seaudit record plus what Linux audit also says.       */

enum lx {
	LX_FILE,      /* SYSCALL on a path + CWD + PATH + PROCTITLE */
	LX_EXEC,      /* execve: SYSCALL + EXECVE + CWD + PATH*2 + PROCTITLE */
	LX_KILL,      /* kill: SYSCALL + OBJ_PID + PROCTITLE */
	LX_NET,	      /* accept4 / connect: SYSCALL + SOCKADDR + PROCTITLE */
	LX_USER,      /* one user-space record, type in lx_type */
	LX_SERVICE,   /* SERVICE_START / SERVICE_STOP from systemd */
	LX_INTEGRITY, /* INTEGRITY_DATA */
};

struct ev {
	struct sa_record r;
	int64_t t_ms;
	uint64_t serial;
	enum lx lx;
	const char *lx_type; /* record type for LX_USER, LX_SERVICE */
	const char *key;     /* audit rule key */
	/* process */
	uint32_t pid, ppid, ses;
	const struct user *au, *u, *eu; /* login, real, effective user */
	bool auid_unset;
	uint32_t tty; /* pts number; UINT32_MAX for none */
	const char *comm, *exe, *cwd;
	/* syscall */
	int sysno;
	const char *sysname;
	bool success;
	int exitv;
	uint64_t a[4];
	/* object */
	const char *path;
	const char *parent; /* second PATH item for create/delete */
	uint32_t inode;
	unsigned mode;
	const struct user *owner;
	uint32_t opid; /* kill target */
	uint32_t ip;
	uint16_t port;
	const char *argv1; /* for PROCTITLE / EXECVE */
	/* user-space record */
	const char *op;
	const char *acct;
	const char *uexe;
	const char *hostname; /* NULL: "?" */
	uint32_t addr;	      /* 0: "?" */
	char uterm[24];
	const char *ucmd; /* hex-encoded command for USER_CMD / USER_MGMT */
	/* string storage the record borrows */
	char sbuf[2048];
	size_t sused;
};

static const char *ev_str(struct ev *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
ev_str(struct ev *e, const char *fmt, ...)
{
	va_list ap;
	char *p = e->sbuf + e->sused;
	size_t room = sizeof e->sbuf - e->sused;
	va_start(ap, fmt);
	int n = vsnprintf(p, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room)
		n = (int)room - 1;
	e->sused += (size_t)n + 1;
	return p;
}

static void
set_s(struct ev *e, enum sa_field f, const char *s)
{
	int rc = sa_record_set_cstr(&e->r, f, s);
	if (rc < 0) {
		fprintf(stderr, "sa-gen: field %d: %s\n", (int)f,
			sa_strerror(rc));
		exit(1);
	}
}

static void
set_i(struct ev *e, enum sa_field f, int64_t v)
{
	int rc = sa_record_set_int(&e->r, f, v);
	if (rc < 0) {
		fprintf(stderr, "sa-gen: field %d = %" PRId64 ": %s\n", (int)f,
			v, sa_strerror(rc));
		exit(1);
	}
}

static const char *
terminal_of(const struct model *m, const struct session *s)
{
	switch (s->kind) {
	case SK_SSH:
		return m->hosts[s->host].name;
	case SK_CRON:
		return "_CRONJOB_";
	case SK_CONSOLE:
		return "console";
	default:
		return "localhost";
	}
}

/* Common process fields of an event in session s. */
static void
ev_proc(struct model *m, struct ev *e, const struct session *s)
{
	e->au = &m->users[s->user];
	e->u = &m->users[s->euser];
	e->eu = e->u;
	e->auid_unset = s->kind == SK_DAEMON;
	e->ses = s->ses;
	e->pid = s->pid;
	e->ppid = s->pid == s->shell_pid ? s->shell_pid - 1 : s->shell_pid;
	e->tty = s->kind == SK_SSH ? s->tty : UINT32_MAX;
	e->comm = s->prog->comm;
	e->exe = s->prog->path;
	e->cwd = e->u->home;
	e->argv1 = NULL;
	set_s(e, SA_F_USER, e->au->name);
	set_s(e, SA_F_SESSION, s->id);
	sa_record_set_bool(&e->r, SA_F_OS_USER, e->au->os_user);
	set_i(e, SA_F_UID, e->au->uid);
	set_i(e, SA_F_PID, e->pid);
}

/* Status letter by weights (per mille), the denial share scaled. */
static char
pick_status(struct rng *g, const char *letters, const unsigned *w,
	    unsigned deny_mult)
{
	unsigned ww[8];
	size_t n = strlen(letters);
	for (size_t i = 0; i < n; i++)
		ww[i] = letters[i] == 'D' ? w[i] * deny_mult : w[i];
	return letters[rweighted(g, ww, (unsigned)n)];
}

static uint32_t
inode_of(const char *path)
{
	uint32_t h = 2166136261u;
	for (const char *p = path; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return 1000 + h % 8000000;
}

/* A file path for the access, sensitive when the access is denied. */
static const char *
file_path(struct model *m, struct ev *e, const struct session *s, bool deny,
	  const struct user **owner)
{
	struct rng *g = &m->g;
	const struct user *u = &m->users[s->euser];
	const struct user *root = &m->users[m->nhumans + SA_ROOT];
	*owner = root;
	if (deny) {
		unsigned k = rbelow(g, 10);
		if (k < 4)
			return PICK(g, sensitive_files);
		if (k < 7) { /* someone else's home */
			const struct user *o = &m->users[pick_human(m)];
			*owner = o;
			static const char *const priv[] = {
			    ".ssh/id_ed25519", ".ssh/id_rsa",
			    ".bash_history",   ".pgpass",
			    ".netrc",	       ".aws/credentials",
			    ".kube/config",    "notes.txt"};
			return ev_str(e, "%s/%s", o->home, PICK(g, priv));
		}
		/* another team's project */
		unsigned p = rbelow(g, NELEM(projects));
		return ev_str(e, "/srv/projects/%s/data/%s-%u.csv", projects[p],
			      PICK(g, proj_stem), rbelow(g, 400));
	}
	if (s->kind == SK_DAEMON) {
		*owner = u;
		switch (s->euser - m->nhumans) {
		case SA_WWW:
			*owner = root;
			if (rpm(g, 150))
				return log_files[1];
			return ev_str(e, "/var/www/%s/%s", PICK(g, web_sites),
				      PICK(g, web_files));
		case SA_PG:
			return ev_str(
			    e, "/var/lib/postgresql/15/main/base/%u/%u",
			    16384 + rbelow(g, 6), 2600 + rbelow(g, 30000));
		case SA_ORACLE:
			return ev_str(e,
				      "/u01/app/oracle/oradata/ORCL/%s%02u.dbf",
				      rpm(g, 500) ? "users" : "system",
				      1 + rbelow(g, 12));
		default:
			*owner = root;
			return PICK(g, etc_files);
		}
	}
	unsigned k = rbelow(g, 100);
	if (k < 22) {
		*owner = u;
		if (!u->human)
			return PICK(g, etc_files);
		return ev_str(e, "%s/%s", u->home, PICK(g, home_rel));
	}
	if (k < 50) {
		const struct user *who = &m->users[s->user];
		unsigned p =
		    rpm(g, 850) ? who->proj : rbelow(g, NELEM(projects));
		*owner = who;
		return ev_str(e, "/srv/projects/%s/%s/%s%s.%s", projects[p],
			      PICK(g, proj_sub), PICK(g, proj_stem),
			      rpm(g, 400) ? "" : "_v2", PICK(g, proj_ext));
	}
	if (k < 70)
		return PICK(g, etc_files);
	if (k < 82)
		return ev_str(e, "/usr/lib/x86_64-linux-gnu/lib%s",
			      PICK(g, libs));
	if (k < 90)
		return PICK(g, log_files);
	*owner = u;
	if (rpm(g, 500))
		return ev_str(e, "/tmp/tmp.%c%c%c%c%c%c%c%c%c%c",
			      'a' + rbelow(g, 26), 'A' + rbelow(g, 26),
			      '0' + rbelow(g, 10), 'a' + rbelow(g, 26),
			      'a' + rbelow(g, 26), 'A' + rbelow(g, 26),
			      'a' + rbelow(g, 26), '0' + rbelow(g, 10),
			      'a' + rbelow(g, 26), 'A' + rbelow(g, 26));
	return ev_str(e, "/tmp/%s-%u.tmp", s->prog->comm, s->pid);
}

static const char *
dir_of(struct ev *e, const char *path)
{
	const char *sl = strrchr(path, '/');
	if (sl == NULL || sl == path)
		return "/";
	return ev_str(e, "%.*s", (int)(sl - path), path);
}

/* Stage and reason of a resource-family decision. */
static void
res_codes(struct rng *g, struct ev *e, char st, bool traced)
{
	int stage, reason;
	switch (st) {
	case 'D': {
		static const int d[] = {69, 69, 69, 69, 52, 52, 87, 59, 62};
		stage = PICK(g, d);
		reason = rpm(g, 700) ? 3 : 2;
		break;
	}
	case 'W':
		stage = PICK(g, ((const int[]){69, 52, 59}));
		reason = SA_REASON_WARNING_MODE;
		break;
	case 'N':
		stage = 59;
		reason = SA_REASON_NOTIFY;
		break;
	case 'F':
		stage = SA_STAGE_RES_NATIVE;
		reason = 3;
		break;
	case 'C':
		stage = 59;
		reason = SA_REASON_ERROR_ALWAYS;
		break;
	default: {
		static const int p[] = {59, 59, 59, 59, 62, 62, 87};
		stage = PICK(g, p);
		unsigned k = rbelow(g, 100);
		reason = traced	  ? SA_REASON_TRACED_USER
			 : k < 55 ? 3
			 : k < 85 ? 2
			 : k < 95 ? SA_REASON_AUDIT_ONLY
				  : SA_REASON_GROUP_MODE;
	}
	}
	set_i(e, SA_F_STAGE, stage);
	set_i(e, SA_F_REASON, reason);
}

/* Linux outcome of a seaudit status: D denied (EACCES), F OS failure. */
static void
lx_outcome(struct rng *g, struct ev *e, char st, int ok_exit)
{
	e->success = true;
	e->exitv = ok_exit;
	if (st == 'D') {
		e->success = false;
		e->exitv = -13;
	} else if (st == 'F') {
		e->success = false;
		e->exitv = PICK(g, ((const int[]){-2, -2, -2, -30, -28, -16}));
	} else if (st == 'C') {
		e->success = false;
		e->exitv = -1;
	}
}

enum rclass {
	RC_FILE,
	RC_PROGRAM,
	RC_TERMINAL,
	RC_PROCESS,
	RC_SURROGATE,
	RC_SUDO,
	RC__N
};

static void
gen_resource(struct model *m, struct ev *e, struct session *s)
{
	struct rng *g = &m->g;
	static const unsigned cw[RC__N] = {760, 110, 35, 30, 35, 30};
	/* A burst continues with the same program touching files. */
	enum rclass rc =
	    m->burst_left > 0 ? RC_FILE : (enum rclass)rweighted(g, cw, RC__N);
	static const unsigned sw[] = {935, 40, 12, 8, 4, 1};
	const struct user *acc = &m->users[s->user];
	char st = pick_status(
	    g, "PDWNFC", sw,
	    rc == RC_FILE || rc == RC_SURROGATE ? acc->deny_mult : 1);
	bool deny = st == 'D' || st == 'W';
	const char *access = "Read";
	int sysno = 257;
	const char *sysname = "openat";

	e->r.event = SA_EV_RESOURCE;
	e->r.status = st;
	if (rc == RC_PROGRAM && s->kind == SK_SSH) {
		/* the shell runs a new program */
		const struct prog *np = pick_iprog(g);
		s->pid = new_pid(m);
		s->prog = np;
	}
	ev_proc(m, e, s);
	e->lx = LX_FILE;
	e->key = "file";
	const struct user *owner = NULL;

	switch (rc) {
	case RC_FILE: {
		static const char *const acc_name[] = {
		    "Read",   "Write",	"Update", "Execute", "Chdir", "Create",
		    "Delete", "Rename", "Chmod",  "Chown",   "Utime"};
		static const unsigned aw[] = {560, 110, 40, 30, 80, 60,
					      40,  20,	25, 10, 25};
		unsigned a = rweighted(g, aw, NELEM(aw));
		access = acc_name[a];
		const char *path = file_path(m, e, s, deny, &owner);
		e->path = path;
		e->parent = NULL;
		e->mode = 0100644;
		e->a[0] = 0xffffff9c; /* AT_FDCWD */
		e->a[1] = 0x7ffc00000000u | (rnext(g) & 0xfffffff0u);
		e->a[2] = 0;
		e->a[3] = 0;
		switch (a) {
		case 1:
			e->a[2] = 0x241;
			break; /* O_WRONLY|CREAT|TRUNC */
		case 2:
			e->a[2] = 0x2;
			break; /* O_RDWR */
		case 3:
			sysno = 59;
			sysname = "execve";
			e->mode = 0100755;
			break;
		case 4:
			sysno = 80;
			sysname = "chdir";
			e->mode = 040755;
			break;
		case 5:
			e->a[2] = 0xc1;
			e->parent = dir_of(e, path);
			break;
		case 6:
			sysno = 263;
			sysname = "unlinkat";
			e->parent = dir_of(e, path);
			break;
		case 7:
			sysno = 316;
			sysname = "renameat2";
			e->parent = dir_of(e, path);
			break;
		case 8:
			sysno = 268;
			sysname = "fchmodat";
			e->a[2] = 0640;
			break;
		case 9:
			sysno = 260;
			sysname = "fchownat";
			break;
		case 10:
			sysno = 280;
			sysname = "utimensat";
			break;
		default:
			break;
		}
		if (sysno == 80) /* chdir to a directory */
			e->path = dir_of(e, path);
		set_s(e, SA_F_CLASS, "FILE");
		set_s(e, SA_F_RESOURCE, e->path);
		e->argv1 = e->path;
		lx_outcome(g, e, st, sysno == 257 ? 3 + (int)rbelow(g, 30) : 0);
		break;
	}
	case RC_PROGRAM: {
		const struct prog *p = s->prog;
		access = "Execute";
		if (deny) { /* a tool the user may not run */
			static const struct prog denied[] = {
			    {"/usr/sbin/tcpdump", "tcpdump", 0},
			    {"/usr/bin/nmap", "nmap", 0},
			    {"/usr/sbin/useradd", "useradd", 0},
			    {"/usr/bin/gdb", "gdb", 0},
			    {"/usr/sbin/iptables", "iptables", 0},
			    {"/usr/bin/strace", "strace", 0},
			    {"/usr/sbin/visudo", "visudo", 0}};
			p = &denied[rbelow(g, NELEM(denied))];
		}
		set_s(e, SA_F_CLASS, "PROGRAM");
		set_s(e, SA_F_RESOURCE, p->path);
		e->lx = LX_EXEC;
		e->key = "exec";
		e->path = p->path;
		e->mode = 0100755;
		e->comm = p->comm;
		e->exe = deny ? s->shell->path : p->path;
		if (deny)
			e->comm = s->shell->comm;
		e->argv1 = rpm(g, 600) ? PICK(g, etc_files) : NULL;
		sysno = 59;
		sysname = "execve";
		e->a[0] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
		e->a[1] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
		e->a[2] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
		e->a[3] = 0;
		lx_outcome(g, e, st, 0);
		break;
	}
	case RC_TERMINAL: {
		access = "Read";
		set_s(e, SA_F_CLASS, "TERMINAL");
		set_s(e, SA_F_RESOURCE, terminal_of(m, s));
		e->lx = LX_USER;
		e->lx_type = "USER_ACCT";
		e->op = "PAM:accounting";
		e->acct = e->au->name;
		e->uexe = "/usr/sbin/sshd";
		e->hostname = s->host >= 0 ? m->hosts[s->host].name : NULL;
		e->addr = s->host >= 0 ? m->hosts[s->host].ip : 0;
		snprintf(e->uterm, sizeof e->uterm, "ssh");
		lx_outcome(g, e, st, 0);
		break;
	}
	case RC_PROCESS: {
		access = "Kill";
		static const char *const targets[] = {
		    "/usr/sbin/nginx",
		    "/usr/lib/postgresql/15/bin/postgres",
		    "/usr/sbin/sshd",
		    "/usr/sbin/cron",
		    "/usr/bin/python3.11",
		    "/usr/bin/java",
		    "/usr/bin/node",
		    "/usr/sbin/rsyslogd"};
		const char *t = PICK(g, targets);
		set_s(e, SA_F_CLASS, "PROCESS");
		set_s(e, SA_F_RESOURCE, t);
		e->lx = LX_KILL;
		e->key = "proc";
		e->path = t;
		e->opid = new_pid(m);
		sysno = 62;
		sysname = "kill";
		e->a[0] = e->opid;
		e->a[1] = rpm(g, 800) ? 15 : 9;
		e->a[2] = e->a[3] = 0;
		e->comm = "kill";
		e->exe = "/usr/bin/kill";
		lx_outcome(g, e, st, 0);
		break;
	}
	case RC_SURROGATE: {
		access = "Execute";
		static const int tgt[] = {SA_ROOT, SA_ROOT,   SA_ROOT,
					  SA_PG,   SA_ORACLE, SA_WWW};
		const struct user *t = &m->users[m->nhumans + PICK(g, tgt)];
		set_s(e, SA_F_CLASS, "SURROGATE");
		set_s(e, SA_F_RESOURCE, ev_str(e, "USER.%s", t->name));
		e->lx = LX_USER;
		e->lx_type = "USER_ACCT";
		e->op = "PAM:accounting";
		e->acct = t->name;
		e->uexe = rpm(g, 700) ? "/usr/bin/su" : "/usr/bin/sudo";
		e->hostname = NULL;
		e->addr = 0;
		if (e->tty != UINT32_MAX)
			snprintf(e->uterm, sizeof e->uterm, "/dev/pts/%u",
				 e->tty);
		else
			snprintf(e->uterm, sizeof e->uterm, "?");
		lx_outcome(g, e, st, 0);
		if (st == 'P' && s->kind == SK_SSH && rpm(g, 300))
			s->euser = (int)(t - m->users);
		break;
	}
	default: { /* RC_SUDO */
		access = "Execute";
		const char *rule = PICK(g, sudo_rules);
		set_s(e, SA_F_CLASS, "SUDO");
		set_s(e, SA_F_RESOURCE, rule);
		e->lx = LX_USER;
		e->lx_type = "USER_CMD";
		e->uexe = "/usr/bin/sudo";
		e->ucmd = rule;
		if (e->tty != UINT32_MAX)
			snprintf(e->uterm, sizeof e->uterm, "pts/%u", e->tty);
		else
			snprintf(e->uterm, sizeof e->uterm, "?");
		lx_outcome(g, e, st, 0);
		break;
	}
	}
	if (owner == NULL)
		owner = &m->users[m->nhumans + SA_ROOT];
	e->owner = owner;
	e->inode = e->path ? inode_of(e->path) : 0;
	e->sysno = sysno;
	e->sysname = sysname;
	set_s(e, SA_F_ACCESS, access);
	set_s(e, SA_F_PROGRAM, e->exe);
	set_s(e, SA_F_TERMINAL, terminal_of(m, s));
	set_s(e, SA_F_EFFECTIVE_USER, e->u->name);
	set_i(e, SA_F_EUID, e->u->uid);
	res_codes(g, e, st, acc->traced);
}

static void
gen_login_family(struct model *m, struct ev *e, struct session *s,
		 enum sa_event ev)
{
	struct rng *g = &m->g;
	const struct user *u = &m->users[s->user];
	e->r.event = (uint8_t)ev;
	ev_proc(m, e, s);
	e->lx = LX_USER;
	e->acct = u->name;
	e->uexe = s->kind == SK_CRON ? "/usr/sbin/cron" : "/usr/sbin/sshd";
	e->hostname = s->host >= 0 ? m->hosts[s->host].name : NULL;
	e->addr = s->host >= 0 ? m->hosts[s->host].ip : 0;
	e->comm = s->kind == SK_CRON ? "cron" : "sshd";
	e->exe = e->uexe;
	if (s->kind == SK_CRON)
		snprintf(e->uterm, sizeof e->uterm, "cron");
	else if (s->kind == SK_SSH)
		snprintf(e->uterm, sizeof e->uterm, "/dev/pts/%u", s->tty);
	else
		snprintf(e->uterm, sizeof e->uterm, "/dev/tty1");
	set_s(e, SA_F_TERMINAL, terminal_of(m, s));
	const char *prog = s->kind == SK_CRON	   ? "SBIN_CRON"
			   : s->kind == SK_CONSOLE ? "/usr/bin/login"
						   : "/usr/sbin/sshd";
	int stage = 19, reason = 2;
	char st = 'P';
	switch (ev) {
	case SA_EV_LOGIN: {
		static const unsigned w[] = {900, 80, 15, 5};
		st = "PDWC"[rweighted(g, w, 4)];
		if (st == 'D') {
			static const int d[] = {3,  5,	6,  7,	8,  8,	10, 12,
						13, 14, 15, 16, 17, 17, 17};
			stage = PICK(g, d);
		} else if (st == 'W') {
			stage = PICK(g, ((const int[]){3, 7, 15}));
			reason = SA_REASON_WARNING_MODE;
		} else if (st == 'C') {
			stage = 2;
			reason = SA_REASON_ERROR_ALWAYS;
		} else {
			stage = rpm(g, 900) ? 19 : 11;
			reason = rpm(g, 800) ? 2 : SA_REASON_DEFAULT_MODE;
		}
		e->lx_type = "USER_LOGIN";
		e->op = "login";
		if (st != 'D' && st != 'C') {
			e->auid_unset = false;
		} else {
			e->auid_unset = true;
		}
		set_s(e, SA_F_PROGRAM, prog);
		break;
	}
	case SA_EV_LOGOUT:
		st = 'O';
		stage = rpm(g, 950) ? 49 : SA_STAGE_LOGOUT_SESSION;
		reason = SA_REASON_LOGIN_LOGGED;
		e->lx_type = "USER_LOGOUT";
		e->op = "logout";
		break;
	case SA_EV_ACCOUNT_ENABLED:
		st = 'E';
		stage = SA_STAGE_LOGIN_ENABLED;
		reason = SA_REASON_LOGIN_MONITOR;
		e->lx_type = "ACCT_UNLOCK";
		e->op = "faillock-reset";
		e->uexe = "/usr/sbin/faillock";
		set_s(e, SA_F_PROGRAM, "/opt/seos/bin/serevu");
		sa_record_unset(&e->r, SA_F_SESSION);
		break;
	case SA_EV_ACCOUNT_DISABLED:
		st = 'I';
		stage = SA_STAGE_LOGIN_DISABLED;
		reason = SA_REASON_LOGIN_MONITOR;
		e->lx_type = "ACCT_LOCK";
		e->op = "faillock";
		e->uexe = "/usr/sbin/faillock";
		set_s(e, SA_F_PROGRAM, "/opt/seos/bin/serevu");
		sa_record_unset(&e->r, SA_F_SESSION);
		break;
	default: /* SA_EV_PASSWORD_ATTEMPT */
		st = 'A';
		stage = rpm(g, 800) ? SA_STAGE_LOGIN_PWFAIL : 8;
		reason = SA_REASON_LOGIN_MONITOR;
		e->lx_type = "USER_AUTH";
		e->op = "PAM:authentication";
		e->auid_unset = true;
		set_s(e, SA_F_PROGRAM, prog);
		sa_record_unset(&e->r, SA_F_SESSION);
		break;
	}
	e->r.status = st;
	e->success =
	    st == 'P' || st == 'W' || st == 'O' || st == 'E' || st == 'I';
	e->u = &m->users[m->nhumans + SA_ROOT]; /* sshd runs as root */
	e->eu = e->u;
	set_i(e, SA_F_STAGE, stage);
	set_i(e, SA_F_REASON, reason);
}

static void
gen_network(struct model *m, struct ev *e, struct session *s, bool inbound)
{
	struct rng *g = &m->g;
	unsigned w[NELEM(services)];
	for (size_t i = 0; i < NELEM(services); i++)
		w[i] = inbound ? services[i].w_in : services[i].w_out;
	const struct service *sv = &services[rweighted(g, w, NELEM(services))];
	static const unsigned sw[] = {920, 60, 18, 2};
	char st = "PDWC"[rweighted(g, sw, 4)];
	bool connected = st == 'P' && rpm(g, 100);
	int stage, reason = 2;
	if (connected)
		stage = SA_STAGE_NET_CONNECTED;
	else if (st == 'D')
		stage = PICK(g, ((const int[]){408, 409, 409, 421}));
	else
		stage = PICK(g, ((const int[]){408, 408, 421}));
	if (st == 'W')
		reason = SA_REASON_WARNING_MODE;
	else if (st == 'C')
		reason = SA_REASON_ERROR_ALWAYS;
	else if (rpm(g, 500))
		reason = 3;
	const struct host *h = &m->hosts[rbelow(g, (uint32_t)m->nhosts)];

	e->r.event = inbound ? SA_EV_INBOUND : SA_EV_OUTBOUND;
	e->r.status = st;
	e->lx = LX_NET;
	e->ip = h->ip;
	e->port = sv->port;
	e->a[2] = 16;
	e->a[3] = 0;
	if (inbound) {
		/* the server daemon accepts: no user in the record */
		e->au = e->u = e->eu = &m->users[m->nhumans + SA_ROOT];
		e->auid_unset = true;
		e->ses = 0;
		e->pid = new_pid(m);
		e->ppid = 1;
		e->tty = UINT32_MAX;
		e->exe = sv->server;
		const char *sl = strrchr(sv->server, '/');
		e->comm = sl ? sl + 1 : sv->server;
		e->cwd = "/";
		e->key = "net_in";
		e->sysno = 288;
		e->sysname = "accept4";
		e->a[0] = 3 + rbelow(g, 10);
		e->a[1] = 0x7ffc00000000u | (rnext(g) & 0xfffffff0u);
		set_s(e, SA_F_CLASS, rpm(g, 800) ? "TCP" : "HOST");
		set_s(e, SA_F_SERVICE, sv->name);
		set_s(e, SA_F_HOST, h->name);
		set_s(e, SA_F_PROGRAM, sv->server);
		set_i(e, SA_F_PID, e->pid);
		lx_outcome(g, e, st, 4 + (int)rbelow(g, 60));
	} else {
		ev_proc(m, e, s);
		e->exe = s->kind == SK_DAEMON ? s->prog->path : sv->client;
		const char *sl = strrchr(e->exe, '/');
		e->comm = sl ? sl + 1 : e->exe;
		e->key = "net_out";
		e->sysno = 42;
		e->sysname = "connect";
		e->a[0] = 3 + rbelow(g, 10);
		e->a[1] = 0x7ffc00000000u | (rnext(g) & 0xfffffff0u);
		set_s(e, SA_F_CLASS, rpm(g, 850) ? "TCP" : "HOST");
		set_s(e, SA_F_SERVICE, sv->name);
		set_s(e, SA_F_HOST, h->name);
		set_s(e, SA_F_PROGRAM, e->exe);
		set_s(e, SA_F_TERMINAL, terminal_of(m, s));
		lx_outcome(g, e, st, 0);
	}
	if (connected)
		set_i(e, SA_F_PORT, sv->port);
	set_i(e, SA_F_STAGE, stage);
	set_i(e, SA_F_REASON, reason);
}

static void
gen_admin(struct model *m, struct ev *e, struct session *s)
{
	struct rng *g = &m->g;
	ev_proc(m, e, s);
	/* administrators: root or a dozen of the most active people */
	const struct user *adm = rpm(g, 400) ? &m->users[m->nhumans + SA_ROOT]
					     : &m->users[rbelow(g, 12)];
	e->au = e->u = e->eu = adm;
	e->auid_unset = false;
	set_s(e, SA_F_USER, adm->name);
	set_i(e, SA_F_UID, adm->uid);
	sa_record_set_bool(&e->r, SA_F_OS_USER, adm->os_user);
	static const unsigned sw[] = {900, 40, 55, 5};
	char st = "SFDC"[rweighted(g, sw, 4)];
	const struct user *t = &m->users[pick_human(m)];
	const char *cls, *obj, *cmd;
	unsigned k = rbelow(g, 9);
	char pw[12];
	for (int i = 0; i < 10; i++)
		pw[i] = (char)("abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ2"
			       "3456789!#%"[rbelow(g, 57)]);
	pw[10] = 0;
	switch (k) {
	case 0:
		cls = "USER";
		obj = t->name;
		cmd = ev_str(e, "editusr %s password(%s) pmode(must-change)",
			     t->name, pw);
		break;
	case 1:
		cls = "USER";
		obj = t->name;
		cmd = ev_str(e,
			     "newusr %s owner(nobody) category(%s) "
			     "audit(failure loginsuccess)",
			     t->name, projects[t->proj]);
		break;
	case 2:
		cls = "FILE";
		obj = ev_str(e, "/srv/projects/%s/*", projects[t->proj]);
		cmd = ev_str(e, "authorize FILE %s uid(%s) access(read write)",
			     obj, t->name);
		break;
	case 3:
		cls = "FILE";
		obj = PICK(g, sensitive_files);
		cmd =
		    ev_str(e, "chres FILE %s defaccess(none) audit(all)", obj);
		break;
	case 4:
		cls = "GROUP";
		obj = projects[t->proj];
		cmd = ev_str(e, "join %s group(%s)", t->name, obj);
		break;
	case 5:
		cls = "USER";
		obj = t->name;
		cmd = ev_str(e, "showusr %s", t->name);
		break;
	case 6:
		cls = "USER";
		obj = t->name;
		cmd = ev_str(e, "editusr %s suspend", t->name);
		break;
	case 7:
		cls = "SUDO";
		obj = PICK(g, sudo_rules);
		cmd = ev_str(e, "authorize SUDO %s uid(%s) access(execute)",
			     obj, t->name);
		break;
	default:
		cls = "TERMINAL";
		obj = m->hosts[rbelow(g, (uint32_t)m->nhosts)].name;
		cmd = ev_str(
		    e, "newres TERMINAL %s defaccess(none) owner(nobody)", obj);
		break;
	}
	int stage;
	if (st == 'S')
		stage = PICK(g, ((const int[]){305, 305, 305, 311, 313, 320,
					       316, 336, 321}));
	else if (st == 'D')
		stage = PICK(g, ((const int[]){322, 322, 300, 304, 307, 310}));
	else if (st == 'F')
		stage = 337;
	else
		stage = 338;
	e->r.event = SA_EV_ADMIN;
	e->r.status = st;
	set_s(e, SA_F_CLASS, cls);
	set_s(e, SA_F_RESOURCE, obj);
	set_s(e, SA_F_TERMINAL, terminal_of(m, s));
	set_s(e, SA_F_COMMAND, cmd);
	set_i(e, SA_F_STAGE, stage);
	set_i(e, SA_F_REASON, SA_REASON_ADMIN_ALWAYS);
	e->lx = LX_USER;
	e->lx_type = "USER_MGMT";
	e->op = "selang";
	e->acct = obj;
	e->uexe = "/opt/seos/bin/selang";
	e->ucmd = cmd;
	e->hostname = NULL;
	e->addr = 0;
	if (e->tty != UINT32_MAX)
		snprintf(e->uterm, sizeof e->uterm, "pts/%u", e->tty);
	else
		snprintf(e->uterm, sizeof e->uterm, "?");
	e->success = st == 'S';
}

static void
gen_trace(struct model *m, struct ev *e, struct session *s)
{
	struct rng *g = &m->g;
	static const unsigned sw[] = {950, 40, 10};
	char st = "PDW"[rweighted(g, sw, 3)];
	e->r.event = SA_EV_TRACE;
	e->r.status = st;
	ev_proc(m, e, s);
	const struct user *owner;
	bool exec = rpm(g, 400);
	const char *res =
	    exec ? s->prog->path : file_path(m, e, s, st != 'P', &owner);
	set_s(e, SA_F_CLASS, exec ? "PROGRAM" : "FILE");
	set_s(e, SA_F_RESOURCE, res);
	set_s(e, SA_F_EFFECTIVE_USER, e->u->name);
	set_s(e, SA_F_REAL_USER, e->u->name);
	set_i(e, SA_F_EUID, e->u->uid);
	set_i(e, SA_F_RUID, e->u->uid);
	int stage = st == 'P' ? 59 : 69;
	set_i(e, SA_F_STAGE, stage);
	set_i(e, SA_F_REASON, SA_REASON_TRACED_USER);
	set_s(e, SA_F_TRACE,
	      ev_str(e,
		     "%s > Result: '%c' [stage=%d gstag=%d ACEEH=%u rv=%d] "
		     "Why? %s",
		     exec ? "EXEC" : "FILE", st, stage, stage,
		     100 + s->ses % 4000, st == 'D' ? 1 : 0,
		     st == 'P' ? "Resource UACC check"
			       : "No Step that allowed access"));
	e->lx = LX_EXEC;
	e->key = "trace";
	e->path = s->prog->path;
	e->mode = 0100755;
	e->inode = inode_of(e->path);
	e->owner = &m->users[m->nhumans + SA_ROOT];
	e->argv1 = exec ? NULL : res;
	e->sysno = 59;
	e->sysname = "execve";
	e->a[0] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
	e->a[1] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
	e->a[2] = 0x55d000000000u | (rnext(g) & 0xfffffff0u);
	e->a[3] = 0;
	lx_outcome(g, e, st, 0);
}

static void
gen_untrust(struct model *m, struct ev *e)
{
	struct rng *g = &m->g;
	static const unsigned rw[] = {2, 40, 0, 0, 10, 5, 3, 30, 10};
	static const int reasons[] = {
	    0, 1, 2, 3, 4, 5, 6, SA_WDWARN_SHA256, SA_WDWARN_XATTR};
	int why = reasons[rweighted(g, rw, NELEM(rw))];
	bool prog = rpm(g, 600);
	const char *file = prog ? iprogs[rbelow(g, NELEM(iprogs))].path
				: PICK(g, sensitive_files);
	e->r.event = SA_EV_UNTRUST;
	e->r.status = 'U';
	set_s(e, SA_F_CLASS, prog ? "PROGRAM" : "SECFILE");
	set_s(e, SA_F_MODULE, "seoswd");
	set_i(e, SA_F_STAGE, why);
	if (why == 1)
		set_i(e, SA_F_MESSAGE_ID,
		      PICK(g, ((const int[]){SA_USTAT_MTIME | SA_USTAT_CTIME,
					     SA_USTAT_MTIME | SA_USTAT_SIZE |
						 SA_USTAT_CTIME,
					     SA_USTAT_MODE | SA_USTAT_CTIME,
					     SA_USTAT_OWNER | SA_USTAT_CTIME,
					     SA_USTAT_INODE | SA_USTAT_MTIME |
						 SA_USTAT_CTIME})));
	else
		set_i(e, SA_F_ERRNO, why == 5 ? 2 : why == 0 ? 5 : 0);
	set_s(e, SA_F_RESOURCE, file);
	set_i(e, SA_F_REASON, SA_REASON_WATCHDOG_ALWAYS);
	e->lx = LX_INTEGRITY;
	e->path = file;
	e->inode = inode_of(file);
	e->pid = m->seosd_pid + 1;
	e->comm = "seoswd";
	e->au = e->u = e->eu = &m->users[m->nhumans + SA_ROOT];
	e->auid_unset = true;
	set_i(e, SA_F_PID, e->pid);
}

static void
gen_daemon(struct model *m, struct ev *e, struct session *s, bool start)
{
	struct rng *g = &m->g;
	const char *d = PICK(g, daemons);
	e->r.event = start ? SA_EV_STARTUP : SA_EV_SHUTDOWN;
	e->r.status = 'M';
	e->lx = LX_SERVICE;
	e->lx_type = start ? "SERVICE_START" : "SERVICE_STOP";
	e->au = e->u = e->eu = &m->users[m->nhumans + SA_ROOT];
	e->auid_unset = true;
	e->pid = 1;
	if (start) {
		m->seosd_pid = new_pid(m);
		set_i(e, SA_F_STAGE, SA_STAGE_DAEMON_START);
		set_i(e, SA_F_PID, m->seosd_pid);
	} else {
		/* stopped by an administrator (secons -s) or a signal */
		if (rpm(g, 700)) {
			ev_proc(m, e, s);
			set_i(e, SA_F_STAGE, SA_STAGE_DAEMON_ADMIN);
		} else {
			set_s(e, SA_F_USER, "root");
			set_i(e, SA_F_STAGE, SA_STAGE_DAEMON_SIGNAL);
			set_i(e, SA_F_PID, m->seosd_pid);
		}
		e->pid = 1;
	}
	set_s(e, SA_F_SERVICE, d);
	set_i(e, SA_F_REASON, SA_REASON_DAEMON_ALWAYS);
	e->acct = d; /* unit name */
}

static void
gen_pwverify(struct model *m, struct ev *e, struct session *s)
{
	struct rng *g = &m->g;
	static const int q[] = {3,
				4,
				5,
				6,
				7,
				9,
				9,
				9,
				10,
				11,
				12,
				13,
				14,
				21,
				23,
				24,
				24,
				24,
				SA_STAGE_PW_TOO_SHORT,
				SA_STAGE_PW_TOO_SHORT,
				SA_STAGE_PW_HAS_NAME};
	e->r.event = SA_EV_PASSWORD_VERIFY;
	e->r.status = 'F';
	ev_proc(m, e, s);
	sa_record_unset(&e->r, SA_F_SESSION);
	set_i(e, SA_F_STAGE, PICK(g, q));
	set_i(e, SA_F_REASON, SA_REASON_PWPOLICY);
	e->lx = LX_USER;
	e->lx_type = "USER_CHAUTHTOK";
	e->op = "PAM:chauthtok";
	e->acct = e->au->name;
	e->uexe = "/usr/bin/passwd";
	e->comm = "passwd";
	e->hostname = NULL;
	e->addr = 0;
	if (e->tty != UINT32_MAX)
		snprintf(e->uterm, sizeof e->uterm, "/dev/pts/%u", e->tty);
	else
		snprintf(e->uterm, sizeof e->uterm, "?");
	e->success = false;
}

enum gev {
	G_RESOURCE,
	G_LOGIN,
	G_LOGOUT,
	G_PWATTEMPT,
	G_DISABLED,
	G_ENABLED,
	G_INBOUND,
	G_OUTBOUND,
	G_TRACE,
	G_ADMIN,
	G_UNTRUST,
	G_PWVERIFY,
	G_START,
	G_STOP,
	G__N
};

/* Event mix, per million records (resources take the rest). */
static const unsigned mix[G__N] = {
    [G_RESOURCE] = 0,	  [G_LOGIN] = 48000,	[G_LOGOUT] = 44000,
    [G_PWATTEMPT] = 6000, [G_DISABLED] = 300,	[G_ENABLED] = 280,
    [G_INBOUND] = 52000,  [G_OUTBOUND] = 48000, [G_TRACE] = 0,
    [G_ADMIN] = 5000,	  [G_UNTRUST] = 800,	[G_PWVERIFY] = 1000,
    [G_START] = 80,	  [G_STOP] = 80};

#define BURST_MEAN 4.0
#define BURST_START 350 /* per mille of non-burst resource events */
#define BURST_EXTRA 1.25

/* Advances the clock: bursts of close events, exponential gaps between. */
static void
advance_time(struct model *m, bool in_burst)
{
	double per = 1e6 / m->rate;
	double inb = per * 0.25 < 1500 ? per * 0.25 : 1500;
	if (in_burst) {
		m->t_us += runif(&m->g) * 2 * inb;
		return;
	}
	/*
	 * A non-burst event is followed on average by BURST_EXTRA burst
	 * events (79% of them are resources, which start a burst 35% of the
	 * time, 1 + Exp(4) truncated to whole events long), so the gap before
	 * it keeps the mean rate: (1 + B) * per = gap + B * inb.
	 */
	double gap = (1 + BURST_EXTRA) * per - BURST_EXTRA * inb;
	m->t_us += rexp(&m->g, gap);
}

static void
gen_event(struct model *m, struct ev *e)
{
	struct rng *g = &m->g;
	memset(&e->lx, 0, offsetof(struct ev, sbuf) - offsetof(struct ev, lx));
	sa_record_init(&e->r);
	e->sused = 0;

	bool in_burst = m->burst_left > 0;
	advance_time(m, in_burst);
	e->t_ms = (int64_t)(m->t_us / 1000.0);
	e->r.time_us = e->t_ms * 1000;
	e->serial = ++m->serial;
	e->r.seq = e->serial;

	if (in_burst) {
		m->burst_left--;
		gen_resource(m, e, &m->sess[m->burst_sess]);
		return;
	}
	unsigned x = rbelow(g, 1000000), acc = 0;
	enum gev k = G_RESOURCE;
	for (int i = 1; i < G__N; i++) {
		acc += mix[i];
		if (x < acc) {
			k = (enum gev)i;
			break;
		}
	}
	int si = (int)rbelow(g, NSESS);
	/* People log out, fail passwords, get locked: not daemons. */
	bool need_person = k == G_LOGOUT || k == G_PWATTEMPT ||
			   k == G_DISABLED || k == G_ENABLED || k == G_PWVERIFY;
	for (int tries = 0; need_person && tries < 32; tries++) {
		const struct session *c = &m->sess[si];
		if (k == G_LOGOUT ? c->kind != SK_DAEMON
				  : m->users[c->user].human)
			break;
		si = (int)rbelow(g, NSESS);
	}
	struct session *s = &m->sess[si];
	if (k == G_RESOURCE && m->users[s->user].traced && rpm(g, 300))
		k = G_TRACE;
	switch (k) {
	case G_RESOURCE:
		/* Interactive users move on to another program now and then. */
		if (s->kind == SK_SSH && rpm(g, 600)) {
			s->prog = pick_iprog(g);
			s->pid = new_pid(m);
		}
		/* A new burst: this program touches a few more files. */
		if (rpm(g, BURST_START)) {
			m->burst_left = 1 + (int)rexp(g, BURST_MEAN);
			if (m->burst_left > 40)
				m->burst_left = 40;
			m->burst_sess = si;
		}
		gen_resource(m, e, s);
		break;
	case G_LOGIN:
		new_session(m, s, true);
		gen_login_family(m, e, s, SA_EV_LOGIN);
		if (e->r.status == 'D' || e->r.status == 'C')
			new_session(m, s, false); /* that one never started */
		break;
	case G_LOGOUT:
		gen_login_family(m, e, s, SA_EV_LOGOUT);
		new_session(m, s, false);
		break;
	case G_PWATTEMPT:
		gen_login_family(m, e, s, SA_EV_PASSWORD_ATTEMPT);
		break;
	case G_DISABLED:
		gen_login_family(m, e, s, SA_EV_ACCOUNT_DISABLED);
		break;
	case G_ENABLED:
		gen_login_family(m, e, s, SA_EV_ACCOUNT_ENABLED);
		break;
	case G_INBOUND:
		gen_network(m, e, s, true);
		break;
	case G_OUTBOUND:
		gen_network(m, e, s, false);
		break;
	case G_TRACE:
		gen_trace(m, e, s);
		break;
	case G_ADMIN:
		gen_admin(m, e, s);
		break;
	case G_UNTRUST:
		gen_untrust(m, e);
		break;
	case G_PWVERIFY:
		gen_pwverify(m, e, s);
		break;
	case G_START:
		gen_daemon(m, e, s, true);
		break;
	default:
		gen_daemon(m, e, s, false);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Output buffer (text modes).                                        */

struct obuf {
	char *p;
	size_t len, cap;
	int fd;
	uint64_t total;
};

static void
ob_flush(struct obuf *o)
{
	size_t off = 0;
	while (off < o->len) {
		ssize_t n = write(o->fd, o->p + off, o->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("sa-gen: write");
			exit(1);
		}
		off += (size_t)n;
	}
	o->total += o->len;
	o->len = 0;
}

static inline void
ob_mem(struct obuf *o, const void *s, size_t n)
{
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void
ob_s(struct obuf *o, const char *s)
{
	ob_mem(o, s, strlen(s));
}

#define OB_LIT(o, lit) ob_mem((o), (lit), sizeof(lit) - 1)

static void
ob_u(struct obuf *o, uint64_t v)
{
	char tmp[24];
	int i = 24;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ob_mem(o, tmp + i, (size_t)(24 - i));
}

static void
ob_i(struct obuf *o, int64_t v)
{
	if (v < 0) {
		o->p[o->len++] = '-';
		ob_u(o, (uint64_t)0 - (uint64_t)v);
	} else {
		ob_u(o, (uint64_t)v);
	}
}

static void
ob_x(struct obuf *o, uint64_t v)
{
	char tmp[20];
	int i = 20;
	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	ob_mem(o, tmp + i, (size_t)(20 - i));
}

static void
ob_hex(struct obuf *o, const void *s, size_t n)
{
	const uint8_t *b = s;
	for (size_t i = 0; i < n; i++) {
		o->p[o->len++] = "0123456789ABCDEF"[b[i] >> 4];
		o->p[o->len++] = "0123456789ABCDEF"[b[i] & 15];
	}
}

static void
ob_oct(struct obuf *o, unsigned v)
{
	char tmp[12];
	int i = 12;
	do {
		tmp[--i] = (char)('0' + (v & 7));
		v >>= 3;
	} while (v);
	ob_mem(o, tmp + i, (size_t)(12 - i));
}

/* ------------------------------------------------------------------ */
/* Linux audit text.                                                  */

#define AUID_UNSET 4294967295u

static void
lx_head(struct obuf *o, const struct ev *e, const char *type)
{
	OB_LIT(o, "type=");
	ob_s(o, type);
	OB_LIT(o, " msg=audit(");
	ob_i(o, e->t_ms / 1000);
	o->p[o->len++] = '.';
	int ms = (int)(e->t_ms % 1000);
	o->p[o->len++] = (char)('0' + ms / 100);
	o->p[o->len++] = (char)('0' + ms / 10 % 10);
	o->p[o->len++] = (char)('0' + ms % 10);
	o->p[o->len++] = ':';
	ob_u(o, e->serial);
	OB_LIT(o, "): ");
}

static void
lx_q(struct obuf *o, const char *name, const char *v)
{
	ob_s(o, name);
	OB_LIT(o, "=\"");
	ob_s(o, v);
	o->p[o->len++] = '"';
}

static void
lx_ipstr(struct obuf *o, uint32_t ip)
{
	ob_u(o, ip >> 24);
	o->p[o->len++] = '.';
	ob_u(o, (ip >> 16) & 255);
	o->p[o->len++] = '.';
	ob_u(o, (ip >> 8) & 255);
	o->p[o->len++] = '.';
	ob_u(o, ip & 255);
}

static void
lx_proctitle(struct obuf *o, const struct ev *e)
{
	lx_head(o, e, "PROCTITLE");
	OB_LIT(o, "proctitle=");
	size_t room = 128;
	size_t n = strlen(e->comm);
	if (n > room)
		n = room;
	ob_hex(o, e->comm, n);
	room -= n;
	if (e->argv1 != NULL && room > 1) {
		ob_hex(o, "", 1);
		room--;
		n = strlen(e->argv1);
		if (n > room)
			n = room;
		ob_hex(o, e->argv1, n);
	}
	o->p[o->len++] = '\n';
}

static void
lx_syscall(struct obuf *o, const struct ev *e, int items)
{
	const struct user *au = e->au, *u = e->u, *eu = e->eu;
	uint32_t auid = e->auid_unset ? AUID_UNSET : au->uid;
	uint32_t ses = e->auid_unset ? AUID_UNSET : e->ses;
	lx_head(o, e, "SYSCALL");
	OB_LIT(o, "arch=c000003e syscall=");
	ob_u(o, (uint64_t)e->sysno);
	ob_s(o, e->success ? " success=yes exit=" : " success=no exit=");
	ob_i(o, e->exitv);
	for (int i = 0; i < 4; i++) {
		static const char *const an[] = {
		    " a0=", " a1=", " a2=", " a3="};
		ob_s(o, an[i]);
		ob_x(o, e->a[i]);
	}
	OB_LIT(o, " items=");
	ob_u(o, (uint64_t)items);
	OB_LIT(o, " ppid=");
	ob_u(o, e->ppid);
	OB_LIT(o, " pid=");
	ob_u(o, e->pid);
	OB_LIT(o, " auid=");
	ob_u(o, auid);
	OB_LIT(o, " uid=");
	ob_u(o, u->uid);
	OB_LIT(o, " gid=");
	ob_u(o, u->gid);
	OB_LIT(o, " euid=");
	ob_u(o, eu->uid);
	OB_LIT(o, " suid=");
	ob_u(o, eu->uid);
	OB_LIT(o, " fsuid=");
	ob_u(o, eu->uid);
	OB_LIT(o, " egid=");
	ob_u(o, eu->gid);
	OB_LIT(o, " sgid=");
	ob_u(o, eu->gid);
	OB_LIT(o, " fsgid=");
	ob_u(o, eu->gid);
	if (e->tty == UINT32_MAX) {
		OB_LIT(o, " tty=(none)");
	} else {
		OB_LIT(o, " tty=pts");
		ob_u(o, e->tty);
	}
	OB_LIT(o, " ses=");
	ob_u(o, ses);
	o->p[o->len++] = ' ';
	lx_q(o, "comm", e->comm);
	o->p[o->len++] = ' ';
	lx_q(o, "exe", e->exe);
	OB_LIT(o, " subj=unconfined ");
	lx_q(o, "key", e->key);
	/* ENRICHED: names after a GS byte */
	OB_LIT(o, "\x1d"
		  "ARCH=x86_64 SYSCALL=");
	ob_s(o, e->sysname);
	o->p[o->len++] = ' ';
	lx_q(o, "AUID", e->auid_unset ? "unset" : au->name);
	o->p[o->len++] = ' ';
	lx_q(o, "UID", u->name);
	o->p[o->len++] = ' ';
	lx_q(o, "GID", u->group);
	o->p[o->len++] = ' ';
	lx_q(o, "EUID", eu->name);
	o->p[o->len++] = ' ';
	lx_q(o, "SUID", eu->name);
	o->p[o->len++] = ' ';
	lx_q(o, "FSUID", eu->name);
	o->p[o->len++] = ' ';
	lx_q(o, "EGID", eu->group);
	o->p[o->len++] = ' ';
	lx_q(o, "SGID", eu->group);
	o->p[o->len++] = ' ';
	lx_q(o, "FSGID", eu->group);
	o->p[o->len++] = '\n';
}

static void
lx_path(struct obuf *o, const struct ev *e, int item, const char *name,
	unsigned mode, const char *nametype, const struct user *owner)
{
	lx_head(o, e, "PATH");
	OB_LIT(o, "item=");
	ob_u(o, (uint64_t)item);
	o->p[o->len++] = ' ';
	lx_q(o, "name", name);
	OB_LIT(o, " inode=");
	ob_u(o, inode_of(name));
	OB_LIT(o, " dev=fd:01 mode=0");
	ob_oct(o, mode);
	OB_LIT(o, " ouid=");
	ob_u(o, owner->uid);
	OB_LIT(o, " ogid=");
	ob_u(o, owner->gid);
	OB_LIT(o, " rdev=00:00 nametype=");
	ob_s(o, nametype);
	OB_LIT(o, " cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"
		  "\x1d");
	lx_q(o, "OUID", owner->name);
	o->p[o->len++] = ' ';
	lx_q(o, "OGID", owner->group);
	o->p[o->len++] = '\n';
}

static void
lx_cwd(struct obuf *o, const struct ev *e)
{
	lx_head(o, e, "CWD");
	lx_q(o, "cwd", e->cwd);
	o->p[o->len++] = '\n';
}

/* A user-space record: pid uid auid ses subj msg='...' + enrichment. */
static void
lx_user(struct obuf *o, const struct ev *e, const struct model *m)
{
	const struct user *au = e->au;
	uint32_t auid = e->auid_unset ? AUID_UNSET : au->uid;
	uint32_t ses = e->auid_unset ? AUID_UNSET : e->ses;
	const struct user *u = e->u;
	lx_head(o, e, e->lx_type);
	OB_LIT(o, "pid=");
	ob_u(o, e->pid);
	OB_LIT(o, " uid=");
	ob_u(o, u->uid);
	OB_LIT(o, " auid=");
	ob_u(o, auid);
	OB_LIT(o, " ses=");
	ob_u(o, ses);
	OB_LIT(o, " subj=unconfined msg='");
	if (strcmp(e->lx_type, "USER_CMD") == 0) {
		lx_q(o, "cwd", e->cwd);
		OB_LIT(o, " cmd=");
		ob_hex(o, e->ucmd, strlen(e->ucmd));
		o->p[o->len++] = ' ';
		lx_q(o, "exe", e->uexe);
		OB_LIT(o, " terminal=");
		ob_s(o, e->uterm);
	} else {
		OB_LIT(o, "op=");
		ob_s(o, e->op);
		if (e->ucmd != NULL) { /* USER_MGMT: the selang command */
			OB_LIT(o, " cmd=");
			ob_hex(o, e->ucmd, strlen(e->ucmd));
		}
		if (strcmp(e->op, "login") == 0 ||
		    strcmp(e->op, "logout") == 0) {
			if (e->auid_unset) {
				o->p[o->len++] = ' ';
				lx_q(o, "acct", e->acct);
			} else {
				OB_LIT(o, " id=");
				ob_u(o, au->uid);
			}
		} else if (e->op[0] == 'P') { /* PAM: grantors + acct */
			ob_s(o, e->success ? " grantors=pam_unix,pam_permit "
					   : " grantors=? ");
			lx_q(o, "acct", e->acct);
		} else {
			o->p[o->len++] = ' ';
			lx_q(o, "acct", e->acct);
		}
		o->p[o->len++] = ' ';
		lx_q(o, "exe", e->uexe);
		OB_LIT(o, " hostname=");
		if (e->hostname != NULL)
			ob_s(o, e->hostname);
		else
			o->p[o->len++] = '?';
		OB_LIT(o, " addr=");
		if (e->addr != 0)
			lx_ipstr(o, e->addr);
		else
			o->p[o->len++] = '?';
		OB_LIT(o, " terminal=");
		ob_s(o, e->uterm);
	}
	ob_s(o, e->success ? " res=success'" : " res=failed'");
	OB_LIT(o, "\x1d");
	lx_q(o, "UID", u->name);
	o->p[o->len++] = ' ';
	lx_q(o, "AUID", e->auid_unset ? "unset" : au->name);
	if (e->op != NULL && strcmp(e->op, "login") == 0 && !e->auid_unset) {
		o->p[o->len++] = ' ';
		lx_q(o, "ID", au->name);
	}
	o->p[o->len++] = '\n';
	(void)m;
}

static void
lx_event(struct obuf *o, const struct ev *e, const struct model *m)
{
	switch (e->lx) {
	case LX_FILE: {
		int items = e->parent ? 2 : 1;
		lx_syscall(o, e, items);
		lx_cwd(o, e);
		if (e->parent) {
			lx_path(o, e, 0, e->parent, 040755, "PARENT", e->owner);
			lx_path(o, e, 1, e->path, e->mode,
				e->sysno == 263 || e->sysno == 316 ? "DELETE"
								   : "CREATE",
				e->owner);
		} else {
			lx_path(o, e, 0, e->path, e->mode, "NORMAL", e->owner);
		}
		lx_proctitle(o, e);
		break;
	}
	case LX_EXEC: {
		lx_syscall(o, e, 2);
		lx_head(o, e, "EXECVE");
		OB_LIT(o, "argc=");
		ob_u(o, e->argv1 ? 2 : 1);
		OB_LIT(o, " a0=\"");
		ob_s(o, e->comm);
		o->p[o->len++] = '"';
		if (e->argv1) {
			OB_LIT(o, " a1=\"");
			ob_s(o, e->argv1);
			o->p[o->len++] = '"';
		}
		o->p[o->len++] = '\n';
		lx_cwd(o, e);
		lx_path(o, e, 0, e->path, 0100755, "NORMAL", e->owner);
		lx_path(o, e, 1, "/lib64/ld-linux-x86-64.so.2", 0100755,
			"NORMAL", &m->users[m->nhumans + SA_ROOT]);
		lx_proctitle(o, e);
		break;
	}
	case LX_KILL:
		lx_syscall(o, e, 0);
		lx_head(o, e, "OBJ_PID");
		OB_LIT(o, "opid=");
		ob_u(o, e->opid);
		OB_LIT(o, " oauid=4294967295 ouid=0 oses=4294967295 "
			  "obj=unconfined ocomm=\"");
		const char *sl = strrchr(e->path, '/');
		ob_s(o, sl ? sl + 1 : e->path);
		OB_LIT(o, "\"\x1d"
			  "OAUID=\"unset\" OUID=\"root\"\n");
		lx_proctitle(o, e);
		break;
	case LX_NET: {
		lx_syscall(o, e, 0);
		lx_head(o, e, "SOCKADDR");
		OB_LIT(o, "saddr=0200");
		uint8_t sa[12] = {
		    (uint8_t)(e->port >> 8), (uint8_t)e->port,
		    (uint8_t)(e->ip >> 24),  (uint8_t)(e->ip >> 16),
		    (uint8_t)(e->ip >> 8),   (uint8_t)e->ip};
		ob_hex(o, sa, 2);
		ob_hex(o, sa + 2, 4);
		OB_LIT(o, "0000000000000000"
			  "\x1d"
			  "SADDR={ saddr_fam=inet laddr=");
		lx_ipstr(o, e->ip);
		OB_LIT(o, " lport=");
		ob_u(o, e->port);
		OB_LIT(o, " }\n");
		lx_proctitle(o, e);
		break;
	}
	case LX_USER:
		lx_user(o, e, m);
		break;
	case LX_SERVICE:
		lx_head(o, e, e->lx_type);
		OB_LIT(o, "pid=1 uid=0 auid=4294967295 ses=4294967295 "
			  "subj=unconfined msg='unit=");
		ob_s(o, e->acct);
		OB_LIT(o, " comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" "
			  "hostname=? addr=? terminal=? res=success'"
			  "\x1d"
			  "UID=\"root\" AUID=\"unset\"\n");
		break;
	case LX_INTEGRITY:
		lx_head(o, e, "INTEGRITY_DATA");
		OB_LIT(o, "pid=");
		ob_u(o, e->pid);
		OB_LIT(o, " uid=0 auid=4294967295 ses=4294967295 "
			  "subj=unconfined op=appraise_data cause=invalid-hash "
			  "comm=\"seoswd\" ");
		lx_q(o, "name", e->path);
		OB_LIT(o, " dev=\"vda1\" ino=");
		ob_u(o, e->inode);
		OB_LIT(o, " res=0 errno=0\x1d"
			  "UID=\"root\" AUID=\"unset\"\n");
		break;
	}
}

/*
 * log_format = RAW: the same records without the enrichment that follows
 * the GS byte (0x1d) on a line.  Returns the new length.
 */
static size_t
strip_enriched(char *p, size_t n)
{
	size_t w = 0;
	bool skip = false;
	for (size_t r = 0; r < n; r++) {
		if (p[r] == '\x1d')
			skip = true;
		else if (p[r] == '\n')
			skip = false;
		if (!skip)
			p[w++] = p[r];
	}
	return w;
}

/* ------------------------------------------------------------------ */
/* Driver.                                                            */

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(
	    stderr,
	    "usage: sa-gen [-s SEED] [-n COUNT] [-r RATE] [-t START] "
	    "[-U USERS] [-H HOSTS]\n"
	    "              -o log -d DIR [-z] [-S SEGSIZE] [-O ORIGIN] [-q]\n"
	    "              -o json | -o linux-audit [-R] | -o null | -o users\n"
	    "  -s SEED     random seed (default 1)\n"
	    "  -n COUNT    records (default 1000000)\n"
	    "  -r RATE     records per second of simulated time (default 200)\n"
	    "  -t START    first time, RFC 3339 or epoch seconds "
	    "(default 2024-03-04T06:00:00Z)\n"
	    "  -U USERS    people (default 2000); -H HOSTS hosts (default "
	    "300)\n"
	    "  -o MODE     log: write with sa_writer to -d DIR (sync none, "
	    "commit every 4096);\n"
	    "              json: JSON Lines; linux-audit: auditd ENRICHED "
	    "text\n"
	    "              (-R: log_format = RAW, no names after 0x1d);\n"
	    "              null: generate only; users: list people by "
	    "activity\n"
	    "  -z          compress sealed segments (zstd); -S BYTES segment "
	    "size\n"
	    "  -O ORIGIN   origin host stamped in the log (default "
	    "srv-audit-01.example.com)\n"
	    "  -u          no chain, no checkpoints (what sealing costs);"
	    " -K KEYFILE signed\n");
	exit(2);
}

#define BATCH 4096

int
main(int argc, char **argv)
{
	uint64_t seed = 1, count = 1000000;
	double rate = 200;
	int64_t start_us =
	    INT64_C(1709532000) * 1000000; /* 2024-03-04 06:00Z */
	int nusers = 2000, nhosts = 300;
	const char *mode = NULL, *dir = NULL;
	const char *origin = "srv-audit-01.example.com";
	bool unsealed = false;	     /* -u: no chain, no checkpoints */
	const char *seal_key = NULL; /* -K: signed checkpoints */
	bool compress = false, quiet = false, raw = false;
	uint64_t segsize = 0;
	int c;

	while ((c = getopt(argc, argv, "s:n:r:t:U:H:o:d:zS:O:RquK:h")) != -1) {
		switch (c) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			rate = strtod(optarg, NULL);
			break;
		case 't': {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (*end == '\0') {
				start_us = v * 1000000;
			} else if (sa_time_parse_rfc3339(optarg, strlen(optarg),
							 &start_us) < 0) {
				fprintf(stderr, "sa-gen: -t: bad time\n");
				return 2;
			}
			break;
		}
		case 'U':
			nusers = atoi(optarg);
			break;
		case 'H':
			nhosts = atoi(optarg);
			break;
		case 'o':
			mode = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'z':
			compress = true;
			break;
		case 'S':
			segsize = strtoull(optarg, NULL, 0);
			break;
		case 'O':
			origin = optarg;
			break;
		case 'u':
			unsealed = true;
			break;
		case 'K':
			seal_key = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'R':
			raw = true;
			break;
		default:
			usage();
		}
	}
	if (mode == NULL || rate <= 0 || nusers < 10 || nhosts < 1)
		usage();
	enum { M_LOG, M_JSON, M_LX, M_NULL, M_USERS } om = M_NULL;
	if (strcmp(mode, "log") == 0)
		om = M_LOG;
	else if (strcmp(mode, "json") == 0)
		om = M_JSON;
	else if (strcmp(mode, "linux-audit") == 0)
		om = M_LX;
	else if (strcmp(mode, "null") == 0)
		om = M_NULL;
	else if (strcmp(mode, "users") == 0)
		om = M_USERS;
	else
		usage();
	if (om == M_LOG && dir == NULL)
		usage();

	static struct model m;
	struct rng pop;
	rng_seed(&pop, seed ^ 0x5eadd17u);
	rng_seed(&m.g, seed);
	make_users(&m, &pop, nusers);
	make_hosts(&m, &pop, nhosts);
	m.rate = rate;
	m.t_us = (double)start_us;
	m.next_pid = 2000;
	m.next_ses = 100 + rbelow(&pop, 5000);
	m.seosd_pid = 812;
	m.serial = 0;
	for (int i = 0; i < NSESS; i++)
		new_session(&m, &m.sess[i], false);

	if (om == M_USERS) {
		/* rank name uid os_user deny_mult traced */
		for (int i = 0; i < m.nhumans; i++)
			printf("%d %s %u %d %u %d\n", i + 1, m.users[i].name,
			       m.users[i].uid, m.users[i].os_user,
			       m.users[i].deny_mult, m.users[i].traced);
		return 0;
	}

	struct ev *evs = calloc(BATCH, sizeof *evs);
	if (evs == NULL) {
		fprintf(stderr, "sa-gen: out of memory\n");
		return 1;
	}
	struct sa_writer *w = NULL;
	if (om == M_LOG) {
		struct sa_writer_opts wo = {0};
		wo.origin = origin;
		wo.sync = SA_SYNC_NONE;
		wo.segment_size = segsize;
		wo.compress_sealed = compress;
		wo.flags = unsealed ? SA_WRITER_NO_CHAIN : 0;
		wo.seal_key = seal_key;
		struct sa_recovery rep;
		int rc = sa_writer_open(&w, dir, &wo, &rep);
		if (rc < 0) {
			fprintf(stderr, "sa-gen: %s: %s\n", dir,
				sa_strerror(rc));
			return 1;
		}
		if (rep.last_seq != 0) {
			fprintf(stderr,
				"sa-gen: %s is not empty (last seq %" PRIu64
				")\n",
				dir, rep.last_seq);
			sa_writer_close(w);
			return 1;
		}
	}
	struct obuf ob = {NULL, 0, 0, 1, 0};
	struct sa_buf jb = SA_BUF_INIT;
	if (om == M_LX) {
		ob.cap = 8u << 20;
		ob.p = malloc(ob.cap);
		if (ob.p == NULL)
			return 1;
	}

	double t0 = now_s(), t_out = 0;
	uint64_t done = 0, jbytes = 0;
	int64_t first_us = 0, last_us = 0;
	while (done < count) {
		size_t nb =
		    count - done < BATCH ? (size_t)(count - done) : BATCH;
		for (size_t i = 0; i < nb; i++) {
			gen_event(&m, &evs[i]);
			if (om == M_JSON || om == M_NULL)
				set_s(&evs[i], SA_F_ORIGIN, origin);
		}
		if (done == 0)
			first_us = evs[0].r.time_us;
		last_us = evs[nb - 1].r.time_us;
		double t1 = now_s();
		switch (om) {
		case M_LOG:
			for (size_t i = 0; i < nb; i++) {
				int rc = sa_writer_append(w, &evs[i].r);
				if (rc < 0) {
					enum sa_field bad = SA_F_NONE;
					sa_record_validate(&evs[i].r, &bad);
					fprintf(stderr,
						"sa-gen: append record %" PRIu64
						" (field %d): %s\n",
						done + i + 1, (int)bad,
						sa_strerror(rc));
					return 1;
				}
			}
			{
				int rc = sa_writer_commit(w);
				if (rc < 0) {
					fprintf(stderr, "sa-gen: commit: %s\n",
						sa_strerror(rc));
					return 1;
				}
			}
			break;
		case M_JSON:
			for (size_t i = 0; i < nb; i++) {
				int rc = sa_format_json(&jb, &evs[i].r,
							SA_FMT_UNMASKED);
				if (rc < 0) {
					fprintf(stderr, "sa-gen: json: %s\n",
						sa_strerror(rc));
					return 1;
				}
			}
			{
				size_t off = 0;
				while (off < jb.len) {
					ssize_t n = write(1, jb.data + off,
							  jb.len - off);
					if (n < 0 && errno == EINTR)
						continue;
					if (n < 0) {
						perror("sa-gen: write");
						return 1;
					}
					off += (size_t)n;
				}
				jbytes += jb.len;
				sa_buf_reset(&jb);
			}
			break;
		case M_LX:
			for (size_t i = 0; i < nb; i++) {
				if (ob.cap - ob.len < 16384)
					ob_flush(&ob);
				size_t at = ob.len;
				lx_event(&ob, &evs[i], &m);
				if (raw)
					ob.len =
					    at + strip_enriched(ob.p + at,
								ob.len - at);
			}
			break;
		default:
			break;
		}
		t_out += now_s() - t1;
		done += nb;
	}
	if (om == M_LX)
		ob_flush(&ob);
	double t_close0 = now_s();
	if (w != NULL) {
		int rc = sa_writer_close(w);
		if (rc < 0) {
			fprintf(stderr, "sa-gen: close: %s\n", sa_strerror(rc));
			return 1;
		}
	}
	double t_end = now_s();
	t_out += t_end - t_close0;
	sa_buf_free(&jb);
	free(ob.p);
	free(evs);
	if (!quiet) {
		char a[SA_RFC3339_MAX], b[SA_RFC3339_MAX];
		sa_time_format_rfc3339(first_us, a);
		sa_time_format_rfc3339(last_us, b);
		uint64_t bytes = om == M_JSON ? jbytes : ob.total;
		fprintf(stderr,
			"sa-gen: mode=%s records=%" PRIu64 " seed=%" PRIu64
			" first=%s last=%s total_s=%.3f output_s=%.3f"
			" gen_s=%.3f out_rps=%.0f bytes=%" PRIu64 "\n",
			mode, done, seed, a, b, t_end - t0, t_out,
			t_end - t0 - t_out, t_out > 0 ? done / t_out : 0.0,
			bytes);
	}
	return 0;
}
