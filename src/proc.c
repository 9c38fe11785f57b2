/*
 * proc.c - reading /proc/PID files.
 *
 * Each file is read with one openat() relative to the process's directory
 * (or to /proc, by pid: proc_pid_*) and as few read() calls as it takes; parsing works on the buffer and
 * never trusts it: comm may hold spaces, parentheses and newlines, and
 * cmdline whatever bytes the process put in its memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "clock.h"
#include "proc.h"
#include "table.h"

void
proc_clock_init(struct proc_clock *c)
{
	long hz = sysconf(_SC_CLK_TCK);

	c->tick_ns = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
}

uint64_t
proc_start_ns(const struct proc_clock *c, const struct proc_stat *st)
{
	return st->starttime * c->tick_ns;
}

uint64_t
proc_boot_ns(uint64_t mono_ns)
{
	return mono_ns + (uint64_t)clock_boot_offset();
}

bool
proc_same_start(const struct proc_clock *c, const struct proc_stat *st,
    uint64_t start_ns)
{
	int64_t s = (int64_t)proc_start_ns(c, st);

	return s + TABLE_START_SLACK_NS >= (int64_t)start_ns &&
	    s <= (int64_t)start_ns + TABLE_START_SLACK_NS;
}

int
proc_open(int procfd, pid_t pid)
{
	char name[16];
	int fd;

	snprintf(name, sizeof(name), "%d", (int)pid);
	fd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Read up to size bytes of dirfd/name; returns the length or -errno.  The
 * files read here (cmdline, and the one-record seq files stat, status,
 * cgroup) give all they have to one read that asks for more: a short
 * read is their end, and no second read() is needed to see it.
 */
static ssize_t
read_file(int dirfd, const char *name, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	int fd, err;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if ((size_t)n < size - (len - (size_t)n))
			break;
	}
	close(fd);
	return (ssize_t)len;
}

/* "PID/name": a file of pid relative to /proc itself. */
static const char *
pid_file(char *out, size_t size, pid_t pid, const char *name)
{
	snprintf(out, size, "%d/%s", (int)pid, name);
	return out;
}

static int
argv_at(int dirfd, const char *name, char *buf, size_t size, size_t *lenp)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = read_file(dirfd, name, buf, size - 1);
	if (n < 0)
		return (int)n;
	/*
	 * Nothing at all: the process has no memory any more (a zombie) or
	 * never had any (a kernel thread).  An argument list of one empty
	 * string reads as one NUL: known, and empty.
	 */
	if (n == 0)
		return -ENODATA;
	buf[n] = '\0';
	*lenp = (size_t)n;
	return 0;
}

int
proc_read_argv(int dirfd, char *buf, size_t size, size_t *lenp)
{
	return argv_at(dirfd, "cmdline", buf, size, lenp);
}

static int
cmdline_at(int dirfd, const char *name, char *buf, size_t size,
    size_t *lenp)
{
	size_t i, len = 0;
	int r;

	if ((r = argv_at(dirfd, name, buf, size, &len)) < 0)
		return r;
	/* The arguments end with a NUL; a process may have overwritten it. */
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	*lenp = len;
	return 0;
}

int
proc_read_cmdline(int dirfd, char *buf, size_t size, size_t *lenp)
{
	return cmdline_at(dirfd, "cmdline", buf, size, lenp);
}

int
proc_pid_cmdline(int procfd, pid_t pid, char *buf, size_t size, size_t *lenp)
{
	char name[32];

	return cmdline_at(procfd, pid_file(name, sizeof(name), pid, "cmdline"),
	    buf, size, lenp);
}

int
proc_parse_stat(const char *buf, size_t len, struct proc_stat *st)
{
	const char *open, *close, *p, *end = buf + len;
	unsigned long long v;
	size_t n;
	int field;
	char *e;

	/* comm is between the first '(' and the last ')': it may hold ')'. */
	open = memchr(buf, '(', len);
	if (open == NULL)
		return -EINVAL;
	for (close = end - 1; close > open && *close != ')'; close--)
		;
	if (close <= open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n > sizeof(st->comm) - 1)
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, n);
	st->comm[n] = '\0';

	/* Fields after comm: 3 state, 4 ppid, ... 9 flags, ... 22 starttime. */
	p = close + 1;
	for (field = 3; field <= 22; field++) {
		char num[32];

		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return -EINVAL;
		n = 0;
		while (p < end && *p != ' ' && *p != '\n' &&
		    n < sizeof(num) - 1)
			num[n++] = *p++;
		num[n] = '\0';
		if (field == 4 || field == 9 || field == 22) {
			errno = 0;
			v = strtoull(num, &e, 10);
			if (n == 0 || *e != '\0' || errno != 0)
				return -EINVAL;
			if (field == 4)
				st->ppid = (pid_t)v;
			else if (field == 9)
				st->flags = (uint32_t)v;
			else
				st->starttime = v;
		}
	}
	return 0;
}

static int
stat_at(int dirfd, const char *name, struct proc_stat *st)
{
	char buf[1024];
	ssize_t n = read_file(dirfd, name, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return proc_parse_stat(buf, (size_t)n, st);
}

int
proc_read_stat(int dirfd, struct proc_stat *st)
{
	return stat_at(dirfd, "stat", st);
}

int
proc_pid_stat(int procfd, pid_t pid, struct proc_stat *st)
{
	char name[32];

	return stat_at(procfd, pid_file(name, sizeof(name), pid, "stat"), st);
}

/* Parse up to n whitespace-separated decimal ids after a status key. */
static int
ids(const char *p, const char *end, uint32_t *out, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		uint64_t v = 0;
		int digits = 0;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (p < end && *p >= '0' && *p <= '9') {
			v = v * 10 + (uint64_t)(*p++ - '0');
			if (v > UINT32_MAX || ++digits > 10)
				return -EINVAL;
		}
		if (digits == 0)
			return -EINVAL;
		out[i] = (uint32_t)v;
	}
	return 0;
}

int
proc_parse_status(const char *buf, size_t len, struct proc_status *st)
{
	const char *p = buf, *end = buf + len, *nl;
	int seen = 0;

	while (p < end) {
		uint32_t v[2];

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl - p > 5 && memcmp(p, "Tgid:", 5) == 0) {
			if (ids(p + 5, nl, v, 1) < 0)
				return -EINVAL;
			st->tgid = (pid_t)v[0];
			seen |= 1;
		} else if (nl - p > 4 && memcmp(p, "Uid:", 4) == 0) {
			if (ids(p + 4, nl, v, 2) < 0)
				return -EINVAL;
			st->uid = v[0];
			st->euid = v[1];
			seen |= 2;
		} else if (nl - p > 4 && memcmp(p, "Gid:", 4) == 0) {
			if (ids(p + 4, nl, v, 2) < 0)
				return -EINVAL;
			st->gid = v[0];
			st->egid = v[1];
			seen |= 4;
			break;		/* Gid: comes after Tgid: and Uid: */
		}
		p = nl + 1;
	}
	return seen == 7 ? 0 : -EINVAL;
}

int
proc_read_status(int dirfd, struct proc_status *st)
{
	char buf[2048];
	ssize_t n = read_file(dirfd, "status", buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return proc_parse_status(buf, (size_t)n, st);
}

int
proc_parse_cgroup(const char *buf, size_t len, char *out, size_t size)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t n;

	/* The cgroup v2 line is "0::PATH"; v1 lines have a controller list. */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl - p >= 3 && memcmp(p, "0::", 3) == 0) {
			n = (size_t)(nl - p - 3);
			if (n == 0 || n >= size)
				return -EINVAL;
			memcpy(out, p + 3, n);
			out[n] = '\0';
			return 0;
		}
		p = nl + 1;
	}
	return -ENOENT;
}

static int
cgroup_at(int dirfd, const char *name, char *buf, size_t size)
{
	char raw[PROC_PATH_MAX + 64];
	ssize_t n = read_file(dirfd, name, raw, sizeof(raw));

	if (n < 0)
		return (int)n;
	/*
	 * v1 hierarchies are listed before the 0:: line, each with a path
	 * of up to PATH_MAX: a full buffer may end in a cut line, which is
	 * not a path.  Whole lines only.
	 */
	if ((size_t)n == sizeof(raw)) {
		char *nl = memrchr(raw, '\n', (size_t)n);

		n = nl == NULL ? 0 : nl - raw + 1;
	}
	return proc_parse_cgroup(raw, (size_t)n, buf, size);
}

int
proc_read_cgroup(int dirfd, char *buf, size_t size)
{
	return cgroup_at(dirfd, "cgroup", buf, size);
}

int
proc_pid_cgroup(int procfd, pid_t pid, char *buf, size_t size)
{
	char name[32];

	return cgroup_at(procfd, pid_file(name, sizeof(name), pid, "cgroup"),
	    buf, size);
}

int
proc_read_exe(int dirfd, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlinkat(dirfd, "exe", buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int
proc_read_exe_id(int dirfd, dev_t *dev, ino_t *ino)
{
	struct stat sb;

	if (fstatat(dirfd, "exe", &sb, 0) < 0)
		return -errno;
	*dev = sb.st_dev;
	*ino = sb.st_ino;
	return 0;
}
