/*
 * helper.c - programs the end-to-end tests run: fork storms, threads,
 * a setuid() in a multi-threaded process, forged connector messages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <time.h>

#include "event.h"
#include "ipc.h"
#include "table.h"

static FILE *tidfile;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *
sleeper(void *arg)
{
	(void)arg;
	if (tidfile != NULL) {
		pthread_mutex_lock(&lock);
		fprintf(tidfile, "%ld\n", (long)syscall(SYS_gettid));
		fflush(tidfile);
		pthread_mutex_unlock(&lock);
	}
	usleep(300000);
	return NULL;
}

static void
start_threads(int n, pthread_t *t)
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, sleeper, NULL) != 0)
			exit(2);
}

static void
join_threads(int n, pthread_t *t)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* Fork n children that exit at once (or exec prog), from two workers. */
static int
forks(int n, const char *prog)
{
	int w, i;

	for (w = 0; w < 2; w++) {
		if (fork() == 0) {
			for (i = 0; i < n / 2; i++) {
				pid_t p = fork();

				if (p == 0 && prog != NULL)
					execl(prog, prog, (char *)NULL);
				if (p == 0)
					_exit(0);
				if (p > 0)
					waitpid(p, NULL, 0);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

/*
 * Send a forged exec event for pid to every connector socket listening
 * to process events, as listed in /proc/net/netlink.
 */
static int
forge(pid_t pid)
{
	unsigned char buf[NLMSG_SPACE(sizeof(struct cn_msg) + 40)];
	struct nlmsghdr *nlh = (void *)buf;
	struct cn_msg *cn = NLMSG_DATA(nlh);
	uint32_t ev[6] = { 2, 0, 0, 0, (uint32_t)pid, (uint32_t)pid };
	char line[512];
	int fd, sent = 0;
	FILE *f;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(ev));
	nlh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(ev);
	memcpy(cn->data, ev, sizeof(ev));
	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
	if (fd < 0 || (f = fopen("/proc/net/netlink", "r")) == NULL) {
		perror("forge");
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long sk;
		int eth;
		unsigned port, groups;
		struct sockaddr_nl to;

		if (sscanf(line, "%llx %d %u %x", &sk, &eth, &port, &groups) != 4 ||
		    eth != NETLINK_CONNECTOR || port == 0 || !(groups & 1))
			continue;
		memset(&to, 0, sizeof(to));
		to.nl_family = AF_NETLINK;
		to.nl_pid = port;
		if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to,
		    sizeof(to)) == (ssize_t)nlh->nlmsg_len)
			sent++;
		else
			fprintf(stderr, "forge: port %u: %s\n", port,
			    strerror(errno));
	}
	fclose(f);
	printf("%d\n", sent);
	return sent > 0 ? 0 : 1;
}

/*
 * Run as a hook (its name starts with "envhook"): write what the hook got
 * -- argv, environment, open descriptors, signal state, ids, directory --
 * to DIR/../rec/RULE.PID, DIR being where the hook is.
 */
static int
envhook(char **argv, char **envp)
{
	char path[4096], tmp[4200], line[512], *slash;
	const char *rule = getenv("PROCHOOK_RULE"), *pid = getenv("PROCHOOK_PID");
	struct dirent *d;
	FILE *f, *st;
	DIR *dir;
	int i;

	snprintf(path, sizeof(path), "%s", argv[0]);
	if ((slash = strrchr(path, '/')) == NULL)
		return 2;
	*slash = '\0';
	snprintf(tmp, sizeof(tmp), "%s/../rec/%s.%s.tmp", path,
	    rule ? rule : "none", pid ? pid : "0");
	if ((f = fopen(tmp, "w")) == NULL)
		return 2;
	fprintf(f, "ARGV=%s|%s|%s|%s\n", argv[0], argv[1] ? argv[1] : "",
	    argv[1] && argv[2] ? argv[2] : "", argv[1] && argv[2] && argv[3] ?
	    "more" : "");
	for (i = 0; envp[i] != NULL; i++)
		fprintf(f, "ENV %s\n", envp[i]);
	if ((dir = opendir("/proc/self/fd")) != NULL) {
		while ((d = readdir(dir)) != NULL)
			if (d->d_name[0] != '.' && atoi(d->d_name) != dirfd(dir) &&
			    atoi(d->d_name) != fileno(f)) {
				char lp[300], target[256];
				ssize_t n;

				snprintf(lp, sizeof(lp), "/proc/self/fd/%s",
				    d->d_name);
				n = readlink(lp, target, sizeof(target) - 1);
				target[n > 0 ? n : 0] = '\0';
				fprintf(f, "FD %s %s\n", d->d_name, target);
			}
		closedir(dir);
	}
	if ((st = fopen("/proc/self/status", "r")) != NULL) {
		while (fgets(line, sizeof(line), st) != NULL)
			if (strncmp(line, "SigBlk:", 7) == 0 ||
			    strncmp(line, "SigIgn:", 7) == 0 ||
			    strncmp(line, "Uid:", 4) == 0 ||
			    strncmp(line, "Gid:", 4) == 0 ||
			    strncmp(line, "Groups:", 7) == 0)
				fprintf(f, "%s", line);
		fclose(st);
	}
	if (getcwd(line, sizeof(line)) != NULL)
		fprintf(f, "CWD %s\n", line);
	fprintf(f, "SID %d PID %d\n", (int)getsid(0), (int)getpid());
	fclose(f);
	snprintf(path, sizeof(path), "%.*s", (int)(strlen(tmp) - 4), tmp);
	return rename(tmp, path) == 0 ? 0 : 2;
}

/*
 * Act as a subverted event loop: take a copy of the loop's end of its
 * socketpair (pidfd_getfd, root only) and send the privileged part count
 * requests of the given kind for the rule of that index.  "exit" forges
 * an exit with values of its own choosing; the others an exec.
 */
static int
inject(pid_t loop, const char *kind, pid_t target, int count, uint32_t rule)
{
	static struct ipc_msg m;
	char path[64];
	struct dirent *d;
	uint64_t start_ns = 0;
	int pidfd, fd = -1, dom;
	socklen_t dl = sizeof(dom);
	DIR *dir;

	if ((pidfd = (int)syscall(SYS_pidfd_open, loop, 0)) < 0)
		return 2;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)loop);
	if ((dir = opendir(path)) == NULL)
		return 2;
	while (fd < 0 && (d = readdir(dir)) != NULL) {
		int cand;

		if (d->d_name[0] == '.')
			continue;
		cand = (int)syscall(SYS_pidfd_getfd, pidfd, atoi(d->d_name), 0);
		if (cand >= 0 && getsockopt(cand, SOL_SOCKET, SO_DOMAIN, &dom,
		    &dl) == 0 && dom == AF_UNIX)
			fd = cand;
		else if (cand >= 0)
			close(cand);
	}
	closedir(dir);
	if (fd < 0)
		return 3;
	if (target > 0) {
		/* Its start time, as the loop would give it (CLOCK_BOOTTIME). */
		unsigned long long st = 0;
		char buf[1024], *p;
		FILE *f;
		int i;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)target);
		if ((f = fopen(path, "r")) == NULL && strcmp(kind, "exit") == 0)
			goto forge;	/* an exit needs no live process */
		if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
			return 2;
		fclose(f);
		p = strrchr(buf, ')');
		for (i = 2; p != NULL && i < 22; i++)
			p = strchr(p + 1, ' ');
		if (p == NULL || sscanf(p, " %llu", &st) != 1)
			return 2;
		start_ns = st * (1000000000ull /
		    (unsigned long long)sysconf(_SC_CLK_TCK));
	}
forge:
	memset(&m, 0, sizeof(m));
	m.type = IPC_REQUEST;
	m.u.ev.gen = 1;
	m.u.ev.rule = strcmp(kind, "badrule") == 0 ? 999 : rule;
	m.u.ev.type = EV_EXEC;
	if (strcmp(kind, "exit") == 0) {
		m.u.ev.type = EV_EXIT;
		m.u.ev.exit_code = 1 << 8;
		m.u.ev.known |= P_EXE | P_CMDLINE | P_IDS;
		snprintf(m.u.ev.exe, sizeof(m.u.ev.exe), "/usr/sbin/sshd");
		snprintf(m.u.ev.cmdline, sizeof(m.u.ev.cmdline),
		    "sshd $(id)\nforged");
	}
	m.u.ev.pid = m.u.ev.tid = target > 0 ? target : 1;
	m.u.ev.known = P_START;
	m.u.ev.start_ns = start_ns;
	if (strcmp(kind, "stale") == 0)		/* another process's */
		m.u.ev.start_ns += 1000000000ull;
	m.u.ev.run_hooks = 1;
	if (strcmp(kind, "garbage") == 0)
		return send(fd, &m, 100, 0) == 100 ? 0 : 1;
	if (strcmp(kind, "unterminated") == 0)
		memset(m.u.ev.exe, 'A', sizeof(m.u.ev.exe));
	while (count-- > 0)
		if (send(fd, &m, sizeof(m), 0) != (ssize_t)sizeof(m))
			return 1;
	return 0;
}

/* After a failed exec: its errno's name, and 100 (as exec.py does). */
static int
exec_failed(void)
{
	printf("%s\n", errno == EACCES ? "EACCES" : errno == EPERM ? "EPERM" :
	    strerror(errno));
	fflush(stdout);
	return 100;
}

/*
 * chain N PROG [ARG...]: N nested processes, each a fresh image of this
 * program waiting for the next, then the deepest execs PROG; exits with
 * its status.  When that exec fails: its errno's name, and 100.
 */
static int
chain(char **argv)
{
	char depth[16];
	int n = atoi(argv[2]), st;
	pid_t p;

	if (n > 0) {
		if ((p = fork()) < 0)
			return 99;
		if (p > 0) {
			if (waitpid(p, &st, 0) < 0)
				return 99;
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
		}
		snprintf(depth, sizeof(depth), "%d", n - 1);
		argv[2] = depth;
		execv("/proc/self/exe", argv);
		return 99;
	}
	execv(argv[3], argv + 3);
	return exec_failed();
}

static char **race_argv;
static int race_ms;

static void *
later_prog(void *arg)
{
	(void)arg;
	usleep((useconds_t)race_ms * 1000);
	execv(race_argv[0], race_argv);
	_exit(97);
}

/*
 * twothreads MS SCRIPT PROG [ARG...]: the main thread execs SCRIPT; after
 * MS, a second thread execs PROG.  When SCRIPT's exec fails: its errno's
 * name, and 100.
 */
static int
twothreads(char **argv)
{
	pthread_t t;

	race_ms = atoi(argv[2]);
	race_argv = argv + 4;
	if (pthread_create(&t, NULL, later_prog, NULL) != 0)
		return 98;
	execl(argv[3], argv[3], (char *)NULL);
	return exec_failed();
}

static void *
race_prog(void *arg)
{
	(void)arg;
	for (;;)
		execv(race_argv[0], race_argv);
	return NULL;
}

/*
 * race N SCRIPT PROG [ARG...]: N times, a process whose second thread
 * execs PROG over and over while its first execs SCRIPT, with a megabyte
 * of arguments (a long while between the script's open and its
 * interpreter's).  Exits 0.
 */
static int
race(int argc, char **argv)
{
	static char big[128 * 1024];
	char *sargv[10];
	pthread_t t;
	int i, n = atoi(argv[2]), st;
	pid_t p;

	if (argc < 5)
		return 2;
	memset(big, 'x', sizeof(big) - 1);
	sargv[0] = argv[3];
	for (i = 1; i < 9; i++)
		sargv[i] = big;
	sargv[9] = NULL;
	race_argv = argv + 4;
	while (n-- > 0) {
		if ((p = fork()) < 0)
			return 99;
		if (p == 0) {
			if (pthread_create(&t, NULL, race_prog, NULL) != 0)
				_exit(98);
			usleep(200);
			execv(sargv[0], sargv);
			_exit(97);
		}
		(void)waitpid(p, &st, 0);
	}
	return 0;
}

int
main(int argc, char **argv, char **envp)
{
	pthread_t t[16];
	const char *base = strrchr(argv[0], '/'), *v;
	int n;

	/*
	 * A stand-in for a program: live this many ms, whatever the arguments,
	 * then exit 0 (or N for "exit N").
	 */
	if ((v = getenv("E2E_LINGER")) != NULL) {
		usleep((useconds_t)atoi(v) * 1000);
		return argc >= 3 && strcmp(argv[1], "exit") == 0 ?
		    atoi(argv[2]) : 0;
	}
	if (strncmp(base ? base + 1 : argv[0], "envhook", 7) == 0)
		return envhook(argv, envp);
	if (argc >= 5 && strcmp(argv[1], "twothreads") == 0)
		return twothreads(argv);
	if (argc >= 4 && strcmp(argv[1], "later") == 0) {
		/* Sleep MS, then exec PROG: its errno's name and 100 if refused. */
		usleep((useconds_t)atoi(argv[2]) * 1000);
		execv(argv[3], argv + 3);
		return exec_failed();
	}
	if (argc >= 5 && strcmp(argv[1], "race") == 0)
		return race(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "chain") == 0)
		return chain(argv);
	if (argc >= 3 && strcmp(argv[1], "forks") == 0)
		return forks(atoi(argv[2]), NULL);
	if (argc >= 4 && strcmp(argv[1], "execs") == 0)
		return forks(atoi(argv[2]), argv[3]);
	if (argc >= 4 && strcmp(argv[1], "threads") == 0) {
		n = atoi(argv[2]);
		if (n < 1 || n > 16 || (tidfile = fopen(argv[3], "w")) == NULL)
			return 2;
		start_threads(n, t);
		join_threads(n, t);
		fclose(tidfile);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "setuid-threads") == 0) {
		n = atoi(argv[2]);
		if (n < 1 || n > 16)
			return 2;
		start_threads(n, t);
		usleep(50000);
		/* glibc makes every thread call setuid() */
		if (setuid((uid_t)atoi(argv[3])) < 0)
			return 3;
		join_threads(n, t);
		/* Optionally live on: a process still there when it is read. */
		if (argc >= 5)
			usleep((useconds_t)atoi(argv[4]) * 1000);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "inject") == 0)
		return inject(atoi(argv[2]), argv[3], argc > 4 ? atoi(argv[4]) : 0,
		    argc > 5 ? atoi(argv[5]) : 1,
		    argc > 6 ? (uint32_t)atoi(argv[6]) : 0);
	if (argc >= 3 && strcmp(argv[1], "forge") == 0)
		return forge(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "create-after") == 0) {
		/* Sleep MS, then create FILE: the body a hold must stop. */
		int fd;

		usleep((useconds_t)atoi(argv[2]) * 1000);
		if ((fd = open(argv[3], O_WRONLY | O_CREAT, 0644)) < 0)
			return 2;
		close(fd);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "evade") == 0) {
		/* A failed exec of BAD first, then TARGET: named TARGET still? */
		char *none[] = { NULL };

		execve(argv[2], argv + 2, none);
		execv(argv[3], argv + 3);
		return 127;
	}
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
		/* Milliseconds; further arguments are only there to be seen. */
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return 0;
	}
	fprintf(stderr, "usage: helper forks N | execs N PROG | threads N FILE | "
	    "setuid-threads N UID [MS] | forge PID | exit N | sleep MS [ARG...] | "
	    "create-after MS FILE | inject LOOPPID KIND [PID [COUNT [RULE]]] | "
	    "evade BAD TARGET [ARG...] | chain N PROG [ARG...] | race N SCRIPT PROG [ARG...] | later MS PROG [ARG...] |\n"
	    "twothreads MS SCRIPT PROG [ARG...]\n");
	return 2;
}
