/*
 * test_spawn.c - hooks run for real.  The test plays the privileged part:
 * its own poll and waitpid loop around the spawner, real scripts in a
 * root-owned directory, real users.  Needs root.
 *
 * The test binary doubles as a hook: run as "dump-hook" it writes what it
 * was given (argv, environment, descriptors, ids, signals) to a file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "log.h"
#include "hookout.h"
#include "spawn.h"

#define LOGID	"spawnlog"

extern char **environ;

static char topdir[] = "/run/prochook-spawn.XXXXXX";
static char tmpdir[] = "/tmp/prochook-spawn.XXXXXX";
static char hookdir[128];
static char outdir[128];
static char logpath[128];
static int real_stderr = -1;

struct ctx {
	size_t		 n;
	uint64_t	 cookie[64];
	bool		 ok[64];
	int64_t		 at[64];
	size_t		 maxrun;
	long		 rss_max;	/* kB, a supervisor's peak */
	bool		 watch_rss;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- the hook side --- */

static void
dump_status(FILE *f)
{
	char line[256];
	FILE *s = fopen("/proc/self/status", "r");

	if (s == NULL)
		return;
	while (fgets(line, sizeof(line), s) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 ||
		    strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, f);
	fclose(s);
}

/* Write what this process was given to <top>/out/dump.<argv[2]>. */
static int
dump_hook(int argc, char **argv)
{
	char path[PATH_MAX], fds[256] = "", buf[PATH_MAX], *p;
	gid_t groups[256];
	uid_t r, e, s;
	gid_t gr, ge, gs;
	struct dirent *de;
	DIR *d;
	FILE *f;
	int i, n;
	ssize_t len;

	/* Descriptors first, before this function opens any. */
	if ((d = opendir("/proc/self/fd")) == NULL)
		_exit(2);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		snprintf(fds + strlen(fds), sizeof(fds) - strlen(fds), " %d",
		    atoi(de->d_name));
	}
	closedir(d);
	if (argc < 3)
		_exit(2);
	snprintf(path, sizeof(path), "%s", argv[0]);
	for (i = 0; i < 2 && (p = strrchr(path, '/')) != NULL; i++)
		*p = '\0';
	snprintf(path + strlen(path), sizeof(path) - strlen(path),
	    "/out/dump.%s", argv[2]);
	if ((f = fopen(path, "w")) == NULL)
		_exit(2);
	fprintf(f, "argc=%d\n", argc);
	for (i = 0; i < argc; i++)
		fprintf(f, "argv=%s\n", argv[i]);
	for (i = 0; environ[i] != NULL; i++)
		fprintf(f, "env=%s\n", environ[i]);
	fprintf(f, "fds=%s\n", fds);
	len = readlink("/proc/self/fd/0", buf, sizeof(buf) - 1);
	buf[len > 0 ? len : 0] = '\0';
	fprintf(f, "stdin=%s\n", buf);
	fprintf(f, "cwd=%s\n", getcwd(buf, sizeof(buf)) ? buf : "?");
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	fprintf(f, "uid=%u %u %u\ngid=%u %u %u\ngroups=", r, e, s, gr, ge,
	    gs);
	n = getgroups(256, groups);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%u", i ? " " : "", groups[i]);
	fprintf(f, "\nsession leader=%d\n", getsid(0) == getpid());
	dump_status(f);
	fclose(f);
	_exit(0);
}

/* --- the privileged side --- */

static void
on_done(void *arg, uint64_t cookie, bool ok)
{
	struct ctx *c = arg;

	assert_true(c->n < 64);
	c->cookie[c->n] = cookie;
	c->ok[c->n] = ok;
	c->at[c->n] = now_ms();
	c->n++;
}

static long
status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

/* Our children (the supervisors), for the memory check and to kill one. */
static size_t
children(pid_t *out, size_t max)
{
	char path[300], buf[512], *rp;
	struct dirent *de;
	size_t n = 0;
	ssize_t len;
	DIR *d;
	int fd, ppid;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		if (atoi(de->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		if ((rp = strrchr(buf, ')')) == NULL ||
		    sscanf(rp + 2, "%*c %d", &ppid) != 1)
			continue;
		if (ppid == getpid())
			out[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

/* One round of privd's loop: result pipes, then reaping. */
static void
pump(struct spawn *sp)
{
	struct pollfd pfd[64];
	pid_t pid;
	size_t n;
	int st;

	n = spawn_pollfds(sp, pfd, 64);
	poll(pfd, n, 20);
	spawn_io(sp, pfd, n);
	while ((pid = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		(void)spawn_reaped(sp, pid, st);
}

/* Play privd until want jobs are done; fail after ms. */
static void
drive(struct spawn *sp, struct ctx *c, size_t want, int ms)
{
	int64_t end = now_ms() + ms;
	pid_t kids[16];
	size_t n, i;
	long kb;

	while (c->n < want) {
		assert_true(now_ms() < end);
		pump(sp);
		if (spawn_running(sp) > c->maxrun)
			c->maxrun = spawn_running(sp);
		if (!c->watch_rss)
			continue;
		n = children(kids, 16);
		for (i = 0; i < n; i++)
			if ((kb = status_kb(kids[i], "VmHWM:")) > c->rss_max)
				c->rss_max = kb;
	}
}

static void
write_file(const char *path, mode_t mode, const char *text)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A hook script in the safe directory; %s in text is the out directory. */
static void
hook(const char *name, mode_t mode, const char *text)
{
	char path[PATH_MAX], body[4096];

	snprintf(path, sizeof(path), "%s/%s", hookdir, name);
	snprintf(body, sizeof(body), text, outdir, outdir, outdir);
	write_file(path, mode, body);
}

static struct spawn_job *
job_new(const char *rule, const char *const *hooks, unsigned timeout,
    pid_t pid, const char *user)
{
	struct spawn_job *j = calloc(1, sizeof(*j));
	struct passwd *pw = getpwnam(user);
	size_t n = 0, i;

	assert_non_null(j);
	assert_non_null(pw);
	while (hooks[n] != NULL)
		n++;
	j->rule = strdup(rule);
	j->hooks = calloc(n, sizeof(*j->hooks));
	for (i = 0; i < n; i++) {
		if (hooks[i][0] == '/')
			j->hooks[i] = strdup(hooks[i]);
		else
			assert_true(asprintf(&j->hooks[i], "%s/%s", hookdir,
			    hooks[i]) > 0);
	}
	j->nhooks = n;
	j->uid = pw->pw_uid;
	j->gid = pw->pw_gid;
	j->user = strdup(pw->pw_name);
	j->home = strdup(pw->pw_dir);
	j->timeout = timeout;
	j->env = calloc(2, sizeof(*j->env));
	assert_true(asprintf(&j->env[0], "PROCHOOK_RULE=%s", rule) > 0);
	j->event = "exec";
	j->pid = pid;
	j->cookie = (uint64_t)pid;
	return j;
}

static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	assert_int_equal(getdelim(&buf, &len, '\0', f) >= 0 || feof(f), 1);
	fclose(f);
	if (buf == NULL)
		buf = strdup("");
	return buf;
}

static char *
out_file(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	return slurp(path);
}

static pid_t
out_pid(const char *name)
{
	char *s = out_file(name);
	pid_t pid;

	assert_non_null(s);
	pid = atoi(s);
	free(s);
	assert_true(pid > 1);
	return pid;
}

/* Lines of the captured log that contain needle. */
static int
log_count(const char *needle)
{
	char *text = slurp(logpath), *line, *save = NULL;
	int n = 0;

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (strstr(line, needle) != NULL)
			n++;
	free(text);
	return n;
}

static bool
gone(pid_t pid)
{
	char path[64], buf[512], *rp;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return true;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return true;
	buf[len] = '\0';
	rp = strrchr(buf, ')');
	return rp != NULL && rp[2] == 'Z';
}

/* Play privd until every supervisor has exited; fail after ms. */
static void
settle(struct spawn *sp, int ms)
{
	int64_t end = now_ms() + ms;

	while (spawn_running(sp) > 0) {
		assert_true(now_ms() < end);
		pump(sp);
	}
}

/* End a test with no supervisor left to show up in the next one. */
static void
finish(struct spawn *sp)
{
	settle(sp, 5000);
	spawn_free(sp);
}

/* Wait (reaping orphans that come to us, the subreaper) until pid is gone. */
static bool
wait_gone(pid_t pid, int ms)
{
	int64_t end = now_ms() + ms;
	int st;

	while (now_ms() < end) {
		while (waitpid(-1, &st, WNOHANG | __WALL) > 0)
			;
		if (gone(pid))
			return true;
		usleep(20000);
	}
	return false;
}

/* Each test's log goes to a file of its own. */
static int
capture(void **state)
{
	int fd;

	(void)state;
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
	    0600);
	if (fd < 0 || dup2(fd, 2) < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * Back to the real stderr, replaying what was not our own log (or all of
 * it with SPAWN_TEST_LOG set).
 */
static int
release(void **state)
{
	char *text, *line, *save = NULL;
	bool all = getenv("SPAWN_TEST_LOG") != NULL;

	(void)state;
	dup2(real_stderr, 2);
	if ((text = slurp(logpath)) == NULL)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (all || strncmp(line, LOGID ": ", strlen(LOGID) + 2) != 0)
			fprintf(stderr, "%s\n", line);
	free(text);
	return 0;
}

static int
copy_self(const char *dst)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			n = -1;
	close(in);
	if (fchmod(out, 0755) < 0 || close(out) < 0 || n < 0)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	char dump[PATH_MAX];
	sigset_t set;

	(void)state;
	if (mkdtemp(topdir) == NULL || chmod(topdir, 0755) < 0 ||
	    mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) < 0)
		return -1;
	snprintf(hookdir, sizeof(hookdir), "%s/hooks", topdir);
	snprintf(outdir, sizeof(outdir), "%s/out", topdir);
	snprintf(logpath, sizeof(logpath), "%s/log", topdir);
	if (mkdir(hookdir, 0755) < 0 || mkdir(outdir, 0755) < 0 ||
	    chmod(outdir, 01777) < 0)
		return -1;
	snprintf(dump, sizeof(dump), "%s/dump-hook", hookdir);
	if (copy_self(dump) < 0)
		return -1;
	/*
	 * What the privileged part might have set must not reach hooks:
	 * an ignored and a blocked signal, a variable, a descriptor.
	 */
	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	setenv("PROCHOOK_TEST_LEAK", "1", 1);
	setenv("NOTIFY_SOCKET", "/run/nothing", 1);
	if (open("/dev/null", O_RDONLY) < 0)
		return -1;
	real_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
	return real_stderr < 0 ? -1 : 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nftw(topdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Exactly argv and the documented environment; nothing inherited. */
static void
test_environment(void **state)
{
	static const char *const hooks[] = { "dump-hook", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	struct spawn_job *j;
	char *got, want[4096];

	(void)state;
	sp = spawn_new(4, 4, on_done, &c);
	j = job_new("r-env", hooks, 5, 4001, "root");
	free(j->env[0]);
	free(j->env);
	j->env = calloc(4, sizeof(*j->env));
	j->env[0] = strdup("PROCHOOK_EVENT=exec");
	j->env[1] = strdup("PROCHOOK_RULE=r-env");
	j->env[2] = strdup("PROCHOOK_CMDLINE=sh -c 'x;$(y)' \"z\"");
	assert_int_equal(spawn_submit(sp, j), 0);
	drive(sp, &c, 1, 5000);
	assert_true(c.ok[0]);
	assert_int_equal(c.cookie[0], 4001);
	assert_int_equal(spawn_stats(sp)->started, 1);
	assert_int_equal(spawn_stats(sp)->failed, 0);
	settle(sp, 2000);
	assert_int_equal(spawn_running(sp), 0);
	snprintf(want, sizeof(want),
	    "argc=3\n"
	    "argv=%s/dump-hook\n"
	    "argv=exec\n"
	    "argv=4001\n"
	    "env=PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "env=HOME=/root\n"
	    "env=USER=root\n"
	    "env=LOGNAME=root\n"
	    "env=PROCHOOK_EVENT=exec\n"
	    "env=PROCHOOK_RULE=r-env\n"
	    "env=PROCHOOK_CMDLINE=sh -c 'x;$(y)' \"z\"\n"
	    "fds= 0 1 2\n"
	    "stdin=/dev/null\n"
	    "cwd=/\n"
	    "uid=0 0 0\n"
	    "gid=0 0 0\n"
	    "groups=0\n"
	    "session leader=1\n"
	    "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n", hookdir);
	got = out_file("dump.4001");
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	finish(sp);
}

/* run_as another user: its ids and exactly its groups. */
static void
test_run_as(void **state)
{
	static const char *const hooks[] = { "dump-hook", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	struct passwd *pw = getpwnam("nobody");
	gid_t groups[64];
	char *got, want[4096], gl[512] = "";
	int n = 64, i;

	(void)state;
	assert_non_null(pw);
	assert_true(getgrouplist("nobody", pw->pw_gid, groups, &n) > 0);
	for (i = 0; i < n; i++)
		snprintf(gl + strlen(gl), sizeof(gl) - strlen(gl), "%s%u",
		    i ? " " : "", groups[i]);
	sp = spawn_new(4, 4, on_done, &c);
	assert_int_equal(spawn_submit(sp, job_new("r-user", hooks, 5, 4002,
	    "nobody")), 0);
	drive(sp, &c, 1, 5000);
	assert_true(c.ok[0]);
	snprintf(want, sizeof(want),
	    "argc=3\n"
	    "argv=%s/dump-hook\n"
	    "argv=exec\n"
	    "argv=4002\n"
	    "env=PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "env=HOME=%s\n"
	    "env=USER=nobody\n"
	    "env=LOGNAME=nobody\n"
	    "env=PROCHOOK_RULE=r-user\n"
	    "fds= 0 1 2\n"
	    "stdin=/dev/null\n"
	    "cwd=/\n"
	    "uid=%u %u %u\n"
	    "gid=%u %u %u\n"
	    "groups=%s\n"
	    "session leader=1\n"
	    "SigBlk:\t0000000000000000\n"
	    "SigIgn:\t0000000000000000\n", hookdir, pw->pw_dir,
	    pw->pw_uid, pw->pw_uid, pw->pw_uid, pw->pw_gid, pw->pw_gid,
	    pw->pw_gid, gl);
	got = out_file("dump.4002");
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	finish(sp);
}

/* Hooks of one job run one after the other, in order. */
static void
test_order(void **state)
{
	static const char *const hooks[] = { "order-a", "order-b", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char *got;

	(void)state;
	hook("order-a", 0755, "#!/bin/sh\necho a-start >> %s/order\n"
	    "sleep 0.3\necho a-end >> %s/order\n");
	hook("order-b", 0755, "#!/bin/sh\necho b-start >> %s/order\n"
	    "sleep 0.1\necho b-end >> %s/order\n");
	sp = spawn_new(4, 4, on_done, &c);
	assert_int_equal(spawn_submit(sp, job_new("r-order", hooks, 5, 4003,
	    "root")), 0);
	drive(sp, &c, 1, 5000);
	assert_true(c.ok[0]);
	assert_int_equal(spawn_stats(sp)->started, 2);
	got = out_file("order");
	assert_string_equal(got, "a-start\na-end\nb-start\nb-end\n");
	free(got);
	finish(sp);
}

/* Failures are logged and counted; the following hooks still run. */
static void
test_failures(void **state)
{
	static const char *const hooks[] = { "exit3", "segv", "after", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char *got;

	(void)state;
	hook("exit3", 0755, "#!/bin/sh\necho hello\n"
	    "printf 'bad\\033[31m\\\\ \\001x\\r\\n' >&2\n"
	    "printf 'no newline'\nexit 3\n");
	hook("segv", 0755, "#!/bin/sh\nkill -SEGV $$\n");
	hook("after", 0755, "#!/bin/sh\necho ran > %s/after\n");
	sp = spawn_new(4, 4, on_done, &c);
	assert_int_equal(spawn_submit(sp, job_new("r-fail", hooks, 5, 4004,
	    "root")), 0);
	drive(sp, &c, 1, 5000);
	assert_false(c.ok[0]);
	assert_int_equal(spawn_stats(sp)->started, 3);
	assert_int_equal(spawn_stats(sp)->failed, 2);
	assert_int_equal(spawn_stats(sp)->timed_out, 0);
	got = out_file("after");
	assert_string_equal(got, "ran\n");
	free(got);
	assert_int_equal(log_count(
	    "hook exit3 (rule r-fail, pid 4004): hello"), 1);
	assert_int_equal(log_count("hook exit3 (rule r-fail, pid 4004): "
	    "bad\\x1b[31m\\x5c \\x01x\\x0d"), 1);
	assert_int_equal(log_count(
	    "hook exit3 (rule r-fail, pid 4004): no newline"), 1);
	assert_int_equal(log_count("hook exit3: exited 3 (rule r-fail, "
	    "pid 4004)"), 1);
	assert_int_equal(log_count("hook segv: killed by signal SEGV "
	    "(rule r-fail, pid 4004)"), 1);
	assert_int_equal(log_count("hook after: exited 0 (rule r-fail, "
	    "pid 4004)"), 1);
	finish(sp);
}

/*
 * A hang, with a child in a session of its own: both die at the timeout.
 * Alongside, a hook that exits 0 but leaves a process behind: the hook
 * succeeded at once; that process may run until the timeout, then dies.
 */
static void
test_timeout(void **state)
{
	static const char *const hooks[] = { "hang", NULL };
	static const char *const hooks2[] = { "leaver", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	int64_t t0;

	(void)state;
	hook("hang", 0755, "#!/bin/sh\n"
	    "setsid sh -c 'echo $$ > %s/hang.child; exec sleep 100' "
	    "</dev/null >/dev/null 2>&1 &\n"
	    "echo $$ > %s/hang.pid\n"
	    "exec sleep 100\n");
	hook("leaver", 0755, "#!/bin/sh\n"
	    "sh -c 'echo $$ > %s/leaver.child; exec sleep 100' &\n"
	    "exit 0\n");
	sp = spawn_new(4, 4, on_done, &c);
	t0 = now_ms();
	assert_int_equal(spawn_submit(sp, job_new("r-hang", hooks, 1, 4005,
	    "root")), 0);
	assert_int_equal(spawn_submit(sp, job_new("r-leave", hooks2, 1, 4105,
	    "root")), 0);
	drive(sp, &c, 2, 5000);
	assert_int_equal(c.cookie[0], 4105);
	assert_true(c.ok[0]);
	assert_true(c.at[0] - t0 < 900);
	assert_int_equal(c.cookie[1], 4005);
	assert_false(c.ok[1]);
	/* SIGTERM did it: hooks do not inherit our blocked SIGTERM. */
	assert_true(c.at[1] - t0 >= 950);
	assert_true(c.at[1] - t0 < 2500);
	settle(sp, 3000);
	assert_int_equal(spawn_stats(sp)->timed_out, 1);
	assert_int_equal(spawn_stats(sp)->failed, 0);
	assert_true(gone(out_pid("hang.pid")));
	assert_true(gone(out_pid("hang.child")));
	assert_true(gone(out_pid("leaver.child")));
	assert_int_equal(log_count("hook hang: timed out after 1 s, killed "
	    "(rule r-hang, pid 4005)"), 1);
	assert_int_equal(log_count("hook leaver: processes it left still ran "
	    "after 1 s, killed (rule r-leave, pid 4105)"), 1);
	finish(sp);
}

/*
 * A hook that backgrounds a child and exits 0: the job's result comes at
 * once and the next hook starts at once, while the child runs on until
 * the hook's deadline and dies then.  Until then the job keeps its slot:
 * with max_hooks 1 the next job waits for the child.
 */
static void
test_leftover(void **state)
{
	static const char *const hooks[] = { "bg", "bg-next", NULL };
	static const char *const hooks2[] = { "bg-after", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	int64_t t0;
	pid_t child;
	char *got;

	(void)state;
	hook("bg", 0755, "#!/bin/sh\nsleep 3 &\necho $! > %s/bg.child\n");
	hook("bg-next", 0755, "#!/bin/sh\n"
	    "kill -0 $(cat %s/bg.child) && echo alive > %s/bg.next\n");
	hook("bg-after", 0755, "#!/bin/sh\n"
	    "kill -0 $(cat %s/bg.child) 2>/dev/null ||\n"
	    "echo gone > %s/bg.after\n");
	sp = spawn_new(1, 4, on_done, &c);
	t0 = now_ms();
	assert_int_equal(spawn_submit(sp, job_new("r-bg", hooks, 1, 4010,
	    "root")), 0);
	drive(sp, &c, 1, 3000);
	assert_true(c.ok[0]);
	assert_int_equal(c.cookie[0], 4010);
	assert_true(c.at[0] - t0 < 1000);
	child = out_pid("bg.child");
	assert_false(gone(child));
	got = out_file("bg.next");
	assert_string_equal(got, "alive\n");
	free(got);
	assert_int_equal(spawn_stats(sp)->started, 2);
	assert_int_equal(spawn_stats(sp)->failed, 0);
	assert_int_equal(spawn_running(sp), 1);
	assert_int_equal(spawn_submit(sp, job_new("r-bg2", hooks2, 5, 4011,
	    "root")), 0);
	assert_int_equal(spawn_running(sp), 1);
	assert_int_equal(c.n, 1);

	/* SIGTERM at the deadline, well before sleep 3 would have ended. */
	drive(sp, &c, 2, 1000 + SUPERVISE_KILL_GRACE_MS + 1000);
	assert_true(c.ok[1]);
	assert_int_equal(c.cookie[1], 4011);
	assert_true(c.at[1] - t0 >= 950);
	assert_true(c.at[1] - t0 < 2500);
	assert_true(gone(child));
	got = out_file("bg.after");
	assert_non_null(got);
	assert_string_equal(got, "gone\n");
	free(got);
	settle(sp, 2000);
	assert_int_equal(spawn_stats(sp)->started, 3);
	assert_int_equal(spawn_stats(sp)->failed, 0);
	assert_int_equal(spawn_stats(sp)->timed_out, 0);
	assert_int_equal(log_count("hook bg: processes it left still ran "
	    "after 1 s, killed (rule r-bg, pid 4010)"), 1);
	assert_int_equal(log_count("processes it left"), 1);
	finish(sp);
}

/*
 * What each hook left dies at that hook's deadline: the first hook's
 * child at 1 s, the second's (which started 0.6 s later) at 1.6 s.
 */
static void
test_leftover_deadlines(void **state)
{
	static const char *const hooks[] = { "early", "late", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	int64_t t0, end, early_at = 0, late_at = 0;
	pid_t early, late;

	(void)state;
	hook("early", 0755, "#!/bin/sh\nsleep 30 &\n"
	    "echo $! > %s/early.child\nsleep 0.6\n");
	hook("late", 0755, "#!/bin/sh\nsleep 30 &\necho $! > %s/late.child\n");
	sp = spawn_new(4, 4, on_done, &c);
	t0 = now_ms();
	assert_int_equal(spawn_submit(sp, job_new("r-dl", hooks, 1, 4012,
	    "root")), 0);
	drive(sp, &c, 1, 3000);
	assert_true(c.ok[0]);
	assert_true(c.at[0] - t0 >= 550);
	assert_true(c.at[0] - t0 < 1000);
	early = out_pid("early.child");
	late = out_pid("late.child");
	for (end = t0 + 4000;; pump(sp)) {
		if (early_at == 0 && gone(early))
			early_at = now_ms();
		if (late_at == 0 && gone(late))
			late_at = now_ms();
		if (spawn_running(sp) == 0)
			break;
		assert_true(now_ms() < end);
	}
	assert_true(early_at > 0);
	assert_true(late_at > 0);
	assert_true(early_at - t0 >= 950);
	assert_true(early_at - t0 < 1450);
	assert_true(late_at - t0 >= 1550);
	assert_true(late_at - t0 < 2300);
	assert_int_equal(log_count("hook early: processes it left still ran "
	    "after 1 s, killed (rule r-dl, pid 4012)"), 1);
	assert_int_equal(log_count("hook late: processes it left still ran "
	    "after 1 s, killed (rule r-dl, pid 4012)"), 1);
	finish(sp);
}

/* A hook that ignores SIGTERM gets SIGKILL after the grace. */
static void
test_sigkill(void **state)
{
	static const char *const hooks[] = { "stubborn", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	int64_t t0;

	(void)state;
	hook("stubborn", 0755, "#!/bin/sh\ntrap '' TERM\n"
	    "echo $$ > %s/stubborn.pid\nsleep 100\n");
	sp = spawn_new(4, 4, on_done, &c);
	t0 = now_ms();
	assert_int_equal(spawn_submit(sp, job_new("r-stub", hooks, 1, 4006,
	    "root")), 0);
	drive(sp, &c, 1, 8000);
	assert_false(c.ok[0]);
	assert_true(c.at[0] - t0 >= 1000 + SUPERVISE_KILL_GRACE_MS - 50);
	assert_true(c.at[0] - t0 < 1000 + SUPERVISE_KILL_GRACE_MS + 1500);
	assert_int_equal(spawn_stats(sp)->timed_out, 1);
	assert_true(gone(out_pid("stubborn.pid")));
	assert_int_equal(log_count("hook stubborn (rule r-stub, pid 4006): "
	    "SIGKILL after"), 1);
	assert_int_equal(log_count("hook stubborn: timed out after 1 s"), 1);
	finish(sp);
}

/* Hooks that cannot run: refused by the safety check, or execve fails. */
static void
test_cannot_run(void **state)
{
	const char *hooks[] = { "secret", "badinterp", "noexecbit", "missing",
	    NULL, NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char tmphook[PATH_MAX];

	(void)state;
	hook("secret", 0700, "#!/bin/sh\nexit 0\n");
	hook("badinterp", 0755, "#!/nonexistent/interp\n");
	hook("noexecbit", 0644, "#!/bin/sh\nexit 0\n");
	snprintf(tmphook, sizeof(tmphook), "%s/tmphook", tmpdir);
	write_file(tmphook, 0755, "#!/bin/sh\nexit 0\n");
	hooks[4] = tmphook;
	sp = spawn_new(4, 4, on_done, &c);
	assert_int_equal(spawn_submit(sp, job_new("r-bad", hooks, 5, 4007,
	    "nobody")), 0);
	drive(sp, &c, 1, 5000);
	assert_false(c.ok[0]);
	assert_int_equal(spawn_stats(sp)->started, 2);
	assert_int_equal(spawn_stats(sp)->failed, 5);
	assert_int_equal(log_count("hook secret: cannot execute: Permission "
	    "denied (rule r-bad, pid 4007)"), 1);
	assert_int_equal(log_count("hook badinterp: cannot execute: No such "
	    "file or directory (rule r-bad, pid 4007)"), 1);
	assert_int_equal(log_count("hook noexecbit: refused: "), 1);
	assert_int_equal(log_count("not executable (rule r-bad, pid 4007)"),
	    1);
	assert_int_equal(log_count("hook missing: refused: "), 1);
	assert_int_equal(log_count("hook tmphook: refused: /tmp: directory "
	    "writable by others (rule r-bad, pid 4007)"), 1);
	finish(sp);
}

/* Endless output: logged up to the limits, the rest counted. */
static void
test_output_bounds(void **state)
{
	static const char *const hooks[] = { "yes", "longline", NULL };
	struct ctx c = { .watch_rss = true };
	struct spawn *sp;
	char want[HOOKOUT_LINE_MAX + 128];
	long base;
	int n;

	(void)state;
	hook("yes", 0755, "#!/bin/sh\nexec yes\n");
	hook("longline", 0755, "#!/bin/sh\n"
	    "head -c 3000 /dev/zero | tr '\\0' a\necho\necho next\n"
	    "yes x | tr -d '\\n'\n");
	sp = spawn_new(4, 4, on_done, &c);
	base = status_kb(getpid(), "VmRSS:");
	assert_int_equal(spawn_submit(sp, job_new("r-yes", hooks, 1, 4008,
	    "root")), 0);
	drive(sp, &c, 1, 8000);
	assert_false(c.ok[0]);
	assert_int_equal(spawn_stats(sp)->timed_out, 2);
	assert_true(spawn_stats(sp)->lines_dropped > 10000);
	assert_int_equal(log_count("hook yes (rule r-yes, pid 4008): y"),
	    HOOKOUT_LINES_MAX);
	assert_int_equal(log_count("hook yes (rule r-yes, pid 4008): "),
	    HOOKOUT_LINES_MAX + 1);
	assert_int_equal(log_count("more lines not logged"), 1);
	n = snprintf(want, sizeof(want),
	    "hook longline (rule r-yes, pid 4008): ");
	memset(want + n, 'a', HOOKOUT_LINE_MAX);
	strcpy(want + n + HOOKOUT_LINE_MAX, " [cut]");
	assert_int_equal(log_count(want), 1);
	assert_int_equal(log_count("hook longline (rule r-yes, pid 4008): "
	    "next"), 1);
	assert_int_equal(log_count("hook longline (rule r-yes, pid 4008): "
	    "xxxx"), 1);
	/* A supervisor's memory: what it shares with us, and a little. */
	assert_true(c.rss_max > 0);
	assert_true(c.rss_max < base + 16384);
	finish(sp);
}

/* max_hooks 2, queue_size 4: 20 jobs at once, 6 run, 14 are dropped. */
static void
test_queue(void **state)
{
	static const char *const hooks[] = { "nap", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char *got, *p;
	int i, r, ran = 0, refused = 0, lines = 0;

	(void)state;
	hook("nap", 0755, "#!/bin/sh\necho $2 >> %s/nap\nsleep 0.3\n");
	sp = spawn_new(2, 4, on_done, &c);
	for (i = 0; i < 20; i++) {
		r = spawn_submit(sp, job_new("r-flood", hooks, 5, 5000 + i,
		    "root"));
		if (r == -ENOSPC)
			refused++;
		else
			assert_int_equal(r, 0);
		assert_true(spawn_running(sp) <= 2);
	}
	assert_int_equal(refused, 14);
	assert_int_equal(c.n, 14);
	for (i = 0; i < 14; i++) {
		assert_false(c.ok[i]);
		assert_true(c.cookie[i] >= 5006);
	}
	drive(sp, &c, 20, 5000);
	assert_int_equal(c.maxrun, 2);
	for (i = 14; i < 20; i++) {
		assert_true(c.ok[i]);
		assert_true(c.cookie[i] < 5006);
	}
	assert_int_equal(spawn_stats(sp)->dropped, 14);
	assert_int_equal(spawn_stats(sp)->started, 6);
	got = out_file("nap");
	for (p = got; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 6);
	free(got);
	finish(sp);
	/* Rate-limited: one line at the first drop, the rest added up. */
	got = slurp(logpath);
	for (p = got; (p = strstr(p, "hook queue full: ")) != NULL; p++)
		ran += atoi(p + strlen("hook queue full: "));
	free(got);
	assert_int_equal(ran, 14);
	assert_true(log_count("hook queue full: ") <= 2);
	assert_int_equal(log_count("hook queue full: 1 job dropped"), 1);
}

/*
 * max_hooks 1, queue_size 4: a flooding rule keeps its own share only.
 * Another rule's job takes the place of the flood's newest, and starts as
 * soon as the running job ends; rules start in turn.
 */
static void
test_fair(void **state)
{
	static const char *const hooks[] = { "fair", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char *got;
	int i;

	(void)state;
	hook("fair", 0755, "#!/bin/sh\necho $2 >> %s/fair\nsleep 0.2\n");
	sp = spawn_new(1, 4, on_done, &c);
	/* 100 runs, 101-104 wait, 105 is dropped: the flood's own share. */
	for (i = 0; i < 6; i++)
		assert_int_equal(spawn_submit(sp, job_new("flood", hooks, 5,
		    100 + i, "root")), i < 5 ? 0 : -ENOSPC);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.cookie[0], 105);
	/* Another rule: the flood's newest (104) gives way. */
	assert_int_equal(spawn_submit(sp, job_new("alert", hooks, 5, 200,
	    "root")), 0);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.cookie[1], 104);
	assert_false(c.ok[1]);
	/* The flood again: its own job is dropped, not alert's. */
	assert_int_equal(spawn_submit(sp, job_new("flood", hooks, 5, 106,
	    "root")), -ENOSPC);
	assert_int_equal(c.cookie[2], 106);
	/* A third rule: the flood (3 waiting) gives way again. */
	assert_int_equal(spawn_submit(sp, job_new("other", hooks, 5, 300,
	    "root")), 0);
	assert_int_equal(c.cookie[3], 103);
	/* A second job of alert: alert has 1, flood 2: flood gives way. */
	assert_int_equal(spawn_submit(sp, job_new("alert", hooks, 5, 201,
	    "root")), 0);
	assert_int_equal(c.cookie[4], 102);
	/* Full, and alert has as many as anyone: its own job is dropped. */
	assert_int_equal(spawn_submit(sp, job_new("alert", hooks, 5, 202,
	    "root")), -ENOSPC);
	assert_int_equal(c.cookie[5], 202);
	drive(sp, &c, 11, 10000);
	for (i = 6; i < 11; i++)
		assert_true(c.ok[i]);
	/* The rules not served yet first, in order, then in turn. */
	got = out_file("fair");
	assert_string_equal(got, "100\n200\n300\n101\n201\n");
	free(got);
	assert_int_equal(spawn_stats(sp)->dropped, 6);
	finish(sp);
}

/* Shutdown: queued jobs fail at once, the running hook gets SIGTERM. */
static void
test_shutdown(void **state)
{
	static const char *const hooks[] = { "hang2", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char path[PATH_MAX];
	int64_t end, t0;
	int i;

	(void)state;
	hook("hang2", 0755, "#!/bin/sh\necho $$ > %s/hang2.pid\n"
	    "exec sleep 100\n");
	sp = spawn_new(1, 4, on_done, &c);
	for (i = 0; i < 3; i++)
		assert_int_equal(spawn_submit(sp, job_new("r-stop", hooks, 30,
		    6000 + i, "root")), 0);
	snprintf(path, sizeof(path), "%s/hang2.pid", outdir);
	for (end = now_ms() + 3000; access(path, F_OK) < 0; usleep(10000))
		assert_true(now_ms() < end);
	usleep(50000);
	t0 = now_ms();
	spawn_shutdown(sp);
	assert_int_equal(c.n, 2);
	assert_false(c.ok[0]);
	assert_false(c.ok[1]);
	drive(sp, &c, 3, 4000);
	assert_false(c.ok[2]);
	assert_int_equal(c.cookie[2], 6000);
	assert_true(c.at[2] - t0 < 1500);
	assert_true(gone(out_pid("hang2.pid")));
	assert_int_equal(log_count("hook hang2: killed by signal TERM"), 1);
	assert_int_equal(log_count("2 queued hook jobs dropped"), 1);
	assert_int_equal(spawn_submit(sp, job_new("r-stop", hooks, 30, 6009,
	    "root")), -ESHUTDOWN);
	assert_int_equal(c.n, 4);
	finish(sp);
}

/* A supervisor that dies without its result fails the job. */
static void
test_supervisor_dies(void **state)
{
	static const char *const hooks[] = { "hang3", NULL };
	struct ctx c = { 0 };
	struct spawn *sp;
	char path[PATH_MAX];
	pid_t kids[4], hookpid;
	int64_t end;

	(void)state;
	hook("hang3", 0755, "#!/bin/sh\necho $$ > %s/hang3.pid\n"
	    "exec sleep 100\n");
	sp = spawn_new(1, 4, on_done, &c);
	assert_int_equal(spawn_submit(sp, job_new("r-die", hooks, 30, 7000,
	    "root")), 0);
	snprintf(path, sizeof(path), "%s/hang3.pid", outdir);
	for (end = now_ms() + 3000; access(path, F_OK) < 0; usleep(10000))
		assert_true(now_ms() < end);
	usleep(50000);
	assert_int_equal(children(kids, 4), 1);
	kill(kids[0], SIGKILL);
	drive(sp, &c, 1, 3000);
	assert_false(c.ok[0]);
	assert_int_equal(spawn_stats(sp)->failed, 1);
	assert_int_equal(log_count("killed by signal KILL: job failed"), 1);
	/* Its hook came to us, the subreaper. */
	hookpid = out_pid("hang3.pid");
	kill(hookpid, SIGKILL);
	assert_true(wait_gone(hookpid, 2000));
	finish(sp);
}

/* When the privileged part dies, supervisors stop their hooks. */
static void
test_parent_dies(void **state)
{
	static const char *const hooks[] = { "hang4", NULL };
	char path[PATH_MAX];
	struct ctx c = { 0 };
	struct spawn *sp;
	int64_t end;
	pid_t pid;
	int st;

	(void)state;
	hook("hang4", 0755, "#!/bin/sh\necho $$ > %s/hang4.pid\n"
	    "exec sleep 100\n");
	snprintf(path, sizeof(path), "%s/hang4.pid", outdir);
	if ((pid = fork()) == 0) {
		sp = spawn_new(1, 4, on_done, &c);
		spawn_submit(sp, job_new("r-orphan", hooks, 30, 7100, "root"));
		for (end = now_ms() + 3000; access(path, F_OK) < 0 &&
		    now_ms() < end; usleep(10000))
			;
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_true(wait_gone(out_pid("hang4.pid"), 2000));
	/* The supervisor came to us: it logs, then exits. */
	for (end = now_ms() + 2000; waitpid(-1, &st, WNOHANG | __WALL) >= 0;
	    usleep(10000))
		assert_true(now_ms() < end);
	assert_int_equal(log_count("hook hang4: killed by signal TERM"), 1);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_environment, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_run_as, capture, release),
		cmocka_unit_test_setup_teardown(test_order, capture, release),
		cmocka_unit_test_setup_teardown(test_failures, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_timeout, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_leftover, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_leftover_deadlines,
		    capture, release),
		cmocka_unit_test_setup_teardown(test_sigkill, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_cannot_run, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_output_bounds, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_queue, capture, release),
		cmocka_unit_test_setup_teardown(test_fair, capture, release),
		cmocka_unit_test_setup_teardown(test_shutdown, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_supervisor_dies, capture,
		    release),
		cmocka_unit_test_setup_teardown(test_parent_dies, capture,
		    release),
	};
	const char *base = strrchr(argv[0], '/');

	if (strcmp(base != NULL ? base + 1 : argv[0], "dump-hook") == 0)
		return dump_hook(argc, argv);
	if (geteuid() != 0) {
		fprintf(stderr, "test_spawn: SKIPPED: needs root (hooks run "
		    "as other users, in a root-owned directory)\n");
		return 0;
	}
	/* Orphans of killed supervisors come to us, not to init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	log_init(LOGID, 0, 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
