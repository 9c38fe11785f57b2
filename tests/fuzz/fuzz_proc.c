/*
 * fuzz_proc.c - the /proc readers (proc.c) against /proc text made as the
 * kernel makes it.
 *
 * From the fuzzer's bytes, a process: its comm (any bytes but NUL, up to
 * 15, or 63 for a workqueue thread), ids, flags, start time, arguments of
 * any bytes, and cgroup paths.  Its stat, status, cgroup and cmdline are
 * written as fs/proc/array.c do_task_stat() and proc_pid_status(),
 * kernel/cgroup/cgroup.c proc_cgroup_show() and fs/proc/base.c
 * get_mm_cmdline() write them, into files of a directory read by the real
 * readers, and what they return is compared with the process.  A mount
 * point made of the same bytes as the cgroup path is written into a
 * mountinfo line as fs/proc_namespace.c show_mountinfo() does (space,
 * tab, newline and backslash as \ooo) and parsed back by exe.c.  An input
 * whose first byte is odd is instead given raw to the parsers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <unistd.h>
#include <sys/stat.h>

#include "exe.h"
#include "fuzz.h"
#include "proc.h"

#define PID_MAX_LIMIT	4194304		/* include/linux/threads.h, 64-bit */

static int dirfd = -1;
static char dirpath[64];

static void
cleanup(void)
{
	static const char *const files[] = { "stat", "status", "cgroup",
	    "cmdline" };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlinkat(dirfd, files[i], 0);
	rmdir(dirpath);
}

static void
setup(void)
{
	if (dirfd >= 0)
		return;
	snprintf(dirpath, sizeof(dirpath), "%s/fuzz-proc.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dirpath) == NULL ||
	    (dirfd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		abort();
	atexit(cleanup);
}

static void
put(const char *name, const char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	close(fd);
}

/* A growing text, as a seq_file is. */
struct seq {
	char	*b;
	size_t	 len, cap;
};

static void
seq_write(struct seq *m, const void *p, size_t n)
{
	if (m->len + n + 1 > m->cap) {
		m->cap = (m->len + n + 1) * 2;
		if ((m->b = realloc(m->b, m->cap)) == NULL)
			abort();
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
	m->b[m->len] = '\0';
}

static void
seq_printf_(struct seq *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seq_printf_(struct seq *m, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	seq_write(m, tmp, (size_t)n);
}

struct task {
	char		comm[64];	/* NUL ended, no other NUL */
	uint32_t	pid, ppid, flags;
	uint32_t	uid[4], gid[4];
	uint64_t	starttime;
	int64_t		other[52];	/* the fields nobody reads */
	char		cgroup[5000];	/* 0:: path */
	size_t		cglen;
	unsigned	nv1;		/* v1 hierarchies listed before it */
	char		*argv;
	size_t		argvlen;
};

/* fs/proc/array.c do_task_stat(): 52 fields, comm unescaped. */
static void
kernel_stat(struct seq *m, const struct task *t)
{
	int i;

	seq_printf_(m, "%" PRIu32 " (", t->pid);
	seq_write(m, t->comm, strlen(t->comm));
	seq_printf_(m, ") %c", "RSDTtXZPI"[t->other[3] % 9 < 0 ?
	    -(t->other[3] % 9) : t->other[3] % 9]);
	seq_printf_(m, " %" PRIu32, t->ppid);
	for (i = 5; i <= 8; i++)	/* pgrp session tty_nr tpgid */
		seq_printf_(m, " %" PRId64, (int64_t)(int32_t)t->other[i]);
	seq_printf_(m, " %" PRIu32, t->flags);
	for (i = 10; i <= 21; i++)
		seq_printf_(m, i >= 16 ? " %" PRId64 : " %" PRIu64,
		    t->other[i]);
	seq_printf_(m, " %" PRIu64, t->starttime);
	for (i = 23; i <= 52; i++)
		seq_printf_(m, " %" PRIu64, (uint64_t)t->other[i % 52]);
	seq_write(m, "\n", 1);
}

/* proc_pid_status(): the name escaped ("\n" and "\\" only), then ids. */
static void
kernel_status(struct seq *m, const struct task *t)
{
	const char *c;

	seq_write(m, "Name:\t", 6);
	for (c = t->comm; *c; c++) {
		if (*c == '\n')
			seq_write(m, "\\n", 2);
		else if (*c == '\\')
			seq_write(m, "\\\\", 2);
		else
			seq_write(m, c, 1);
	}
	seq_printf_(m, "\nUmask:\t0022\nState:\tS (sleeping)\n"
	    "Tgid:\t%" PRIu32 "\nNgid:\t0\nPid:\t%" PRIu32 "\n"
	    "PPid:\t%" PRIu32 "\nTracerPid:\t0\n", t->pid, t->pid, t->ppid);
	seq_printf_(m, "Uid:\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%"
	    PRIu32 "\n", t->uid[0], t->uid[1], t->uid[2], t->uid[3]);
	seq_printf_(m, "Gid:\t%" PRIu32 "\t%" PRIu32 "\t%" PRIu32 "\t%"
	    PRIu32 "\n", t->gid[0], t->gid[1], t->gid[2], t->gid[3]);
	seq_printf_(m, "FDSize:\t64\nGroups:\t%" PRIu32 " \nNStgid:\t%"
	    PRIu32 "\nNSpid:\t%" PRIu32 "\n", t->gid[0], t->pid, t->pid);
}

/* proc_cgroup_show(): v1 hierarchies first, the default one (0::) last. */
static void
kernel_cgroup(struct seq *m, const struct task *t)
{
	static const char *const ss[] = { "cpuset", "cpu,cpuacct", "blkio",
	    "memory", "devices", "freezer", "net_cls,net_prio", "perf_event",
	    "hugetlb", "pids", "rdma", "misc", "name=systemd" };
	unsigned i;

	for (i = 0; i < t->nv1; i++) {
		seq_printf_(m, "%u:%s:", t->nv1 - i, ss[i % 13]);
		seq_write(m, t->cgroup, t->cglen);
		seq_write(m, "\n", 1);
	}
	seq_write(m, "0::", 3);
	seq_write(m, t->cgroup, t->cglen);
	seq_write(m, "\n", 1);
}

static void
make_task(struct fin *f, struct task *t)
{
	size_t n, i, max;
	uint8_t kind = fin_u8(f);

	memset(t, 0, sizeof(*t));
	/* prctl(PR_SET_NAME) keeps 15 bytes; a kworker's name is longer. */
	max = kind & 1 ? 63 : 15;
	n = fin_bytes(f, t->comm, max);
	for (i = 0; i < n; i++)
		if (t->comm[i] == '\0')
			t->comm[i] = (char)0xff;
	t->comm[n] = '\0';
	t->pid = fin_u32(f) % PID_MAX_LIMIT + 1;
	t->ppid = fin_u32(f) % (PID_MAX_LIMIT + 1);
	t->flags = fin_u32(f);
	t->starttime = fin_u64(f);
	for (i = 0; i < 4; i++) {
		/* from_kuid_munged() never gives (uid_t)-1. */
		t->uid[i] = fin_u32(f);
		if (t->uid[i] == UINT32_MAX)
			t->uid[i] = 65534;
		t->gid[i] = fin_u32(f);
		if (t->gid[i] == UINT32_MAX)
			t->gid[i] = 65534;
	}
	for (i = 0; i < 52; i++)
		t->other[i] = (int64_t)(kind & 2 ? fin_u64(f) : fin_u8(f));
	/*
	 * A cgroup path: '/' and bytes of the input, repeated to a length
	 * of up to PATH_MAX - 1; cgroup_mkdir() refuses '\n' in a name.
	 */
	t->cglen = 1 + (fin_u8(f) << 4 | fin_u8(f)) % 4095;
	{
		char unit[64];
		size_t un = fin_bytes(f, unit, sizeof(unit));

		t->cgroup[0] = '/';
		for (i = 1; i < t->cglen; i++) {
			char c = un ? unit[i % un] : 'a';

			t->cgroup[i] = c == '\n' || c == '\0' ? '_' : c;
		}
	}
	t->nv1 = kind & 4 ? fin_u8(f) % 14 : 0;
}

/* A mountinfo line whose mount point is the cgroup path's bytes. */
static void
check_mountinfo(const struct task *t)
{
	static char line[5 * sizeof(t->cgroup) + 128];
	char *mnt, *fstype, *p = line;
	size_t i, n = t->cglen < 1024 ? t->cglen : 1024;
	int r;

	p += sprintf(p, "36 35 98:0 / ");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->cgroup[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\\')
			p += sprintf(p, "\\%03o", c);
		else
			*p++ = (char)c;
	}
	p += sprintf(p, " rw,noatime shared:1 - %s /dev/sda1 rw\n",
	    t->nv1 & 1 ? "fuse.sshfs" : "ext4");
	*p = '\0';
	r = exe_parse_mountinfo(line, &mnt, &fstype);
	MODEL_CHECK(r == 0, "mountinfo: %d", r);
	MODEL_CHECK(strlen(mnt) == n && memcmp(mnt, t->cgroup, n) == 0,
	    "mount point '%s', the kernel's %zu bytes", mnt, n);
	MODEL_CHECK(strcmp(fstype, t->nv1 & 1 ? "fuse.sshfs" : "ext4") == 0,
	    "file system type '%s'", fstype);
}

static void
check_model(struct fin *f)
{
	static struct task t;
	struct seq m = { NULL, 0, 0 };
	struct proc_stat st;
	struct proc_status ps;
	char cg[PROC_PATH_MAX], *args;
	size_t len, size, want, i, cn;
	int r;

	make_task(f, &t);
	size = fin_u8(f) % 2 ? PROC_CMDLINE_MAX + 1 : 1 + fin_u8(f);
	/* The arguments: the rest, whatever it holds. */
	t.argv = (char *)f->p;
	t.argvlen = f->n;

	kernel_stat(&m, &t);
	put("stat", m.b, m.len);
	m.len = 0;
	kernel_status(&m, &t);
	put("status", m.b, m.len);
	m.len = 0;
	kernel_cgroup(&m, &t);
	put("cgroup", m.b, m.len);
	put("cmdline", t.argv, t.argvlen);
	free(m.b);

	memset(&st, 0x5a, sizeof(st));
	r = proc_read_stat(dirfd, &st);
	MODEL_CHECK(r == 0, "stat: %d", r);
	cn = strlen(t.comm) < 15 ? strlen(t.comm) : 15;
	MODEL_CHECK(strlen(st.comm) == cn && memcmp(st.comm, t.comm, cn) == 0,
	    "stat: comm '%s', the kernel's '%s'", st.comm, t.comm);
	MODEL_CHECK((uint32_t)st.ppid == t.ppid, "stat: ppid %d, the kernel's "
	    "%" PRIu32, st.ppid, t.ppid);
	MODEL_CHECK(st.flags == t.flags, "stat: flags");
	MODEL_CHECK(st.starttime == t.starttime, "stat: start time %" PRIu64
	    ", the kernel's %" PRIu64, st.starttime, t.starttime);

	memset(&ps, 0x5a, sizeof(ps));
	r = proc_read_status(dirfd, &ps);
	MODEL_CHECK(r == 0, "status: %d", r);
	MODEL_CHECK((uint32_t)ps.tgid == t.pid && ps.uid == t.uid[0] &&
	    ps.euid == t.uid[1] && ps.gid == t.gid[0] && ps.egid == t.gid[1],
	    "status: tgid %d uid %u/%u gid %u/%u", ps.tgid, ps.uid, ps.euid,
	    ps.gid, ps.egid);

	r = proc_read_cgroup(dirfd, cg, sizeof(cg));
	if (r == 0)
		MODEL_CHECK(strlen(cg) == t.cglen &&
		    memcmp(cg, t.cgroup, t.cglen) == 0, "cgroup: %zu bytes "
		    "read, the path has %zu", strlen(cg), t.cglen);
	else
		MODEL_CHECK(t.nv1 > 0, "cgroup v2 only, %zu bytes: %d",
		    t.cglen, r);

	if ((args = malloc(size)) == NULL)
		abort();
	r = proc_read_argv(dirfd, args, size, &len);
	want = t.argvlen < size - 1 ? t.argvlen : size - 1;
	if (t.argvlen == 0 || size == 1)
		MODEL_CHECK(r == -ENODATA || (size == 1 && r == 0 && len == 0),
		    "argv of %zu bytes: %d", t.argvlen, r);
	else
		MODEL_CHECK(r == 0 && len == want && args[len] == '\0' &&
		    memcmp(args, t.argv, want) == 0, "argv: %d, %zu bytes of "
		    "%zu", r, len, want);
	r = proc_read_cmdline(dirfd, args, size, &len);
	if (r == 0) {
		/* Trailing NULs dropped, the others made spaces. */
		while (want > 0 && t.argv[want - 1] == '\0')
			want--;
		MODEL_CHECK(len == want && args[len] == '\0', "cmdline: %zu "
		    "bytes, %zu expected", len, want);
		for (i = 0; i < want; i++)
			MODEL_CHECK(args[i] == (t.argv[i] ? t.argv[i] : ' '),
			    "cmdline: byte %zu", i);
	}
	free(args);
	check_mountinfo(&t);
}

/* Raw bytes: no model, but what comes back is well formed. */
static void
check_raw(const uint8_t *data, size_t size)
{
	struct proc_stat st;
	struct proc_status ps;
	char cg[PROC_PATH_MAX], *buf;
	int r;

	/* An exact copy, so that a read past the end is seen. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	if (proc_parse_stat(buf, size, &st) == 0)
		MODEL_CHECK(memchr(st.comm, '\0', sizeof(st.comm)) != NULL,
		    "comm not ended");
	(void)proc_parse_status(buf, size, &ps);
	r = proc_parse_cgroup(buf, size, cg, sizeof(cg));
	if (r == 0)
		MODEL_CHECK(memchr(cg, '\n', strlen(cg)) == NULL,
		    "cgroup path with a newline");
	r = proc_parse_cgroup(buf, size, cg, 8);
	MODEL_CHECK(r != 0 || strlen(cg) < 8, "cgroup path overflows");
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size };

	setup();
	if (size > 0 && (data[0] & 1)) {
		check_raw(data + 1, size - 1);
		return 0;
	}
	fin_u8(&f);
	check_model(&f);
	return 0;
}
