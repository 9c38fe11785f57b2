/*
 * exe.c - naming executables from fanotify exec notifications.
 *
 * One exec queues, in order, a notification for the file given to execve,
 * then (binfmt_script) one for its interpreter, and so on for a script
 * run by a script, then (binfmt_elf) one for the ELF interpreter, the
 * dynamic loader; /proc/PID/exe is the last file that is not the loader.
 * Notifications carry no exec boundary, and one read of the queue may
 * hold two execs of a pid, or a failed exec's file: so each file is
 * classified once (ELF with or without PT_INTERP, script and its #!
 * interpreter, anything else), cached by inode, and an exec's files are
 * taken from the front of the pid's list by that grammar: scripts, each
 * followed by its interpreter, then an ELF image, then its loader.  A
 * file that fits nowhere is a failed exec's, and skipped.
 *
 * The connector's exec event is sent when execve has finished, after the
 * notifications were queued, so draining the fanotify queue before
 * handling a batch of connector events finds every name that batch needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>
#include <limits.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <poll.h>
#include <sys/stat.h>

#include "binfmt.h"
#include "exe.h"
#include "exename.h"
#include "namecache.h"

#define PENDING_MAX	1024	/* pids with notifications not yet claimed */
#define FILES_MAX	8	/* files kept per pid: two execs' worth */
#define SCRIPT_DEPTH	4	/* the kernel's limit of nested interpreters */
#define CACHE_SLOTS	1024	/* PT_INTERP cache, direct mapped by inode */
#define LOADERS_MAX	8	/* dynamic loaders known by device and inode */
#define TAINT_BITS	65536	/* pids whose notes were dropped, hashed */

enum kind { K_OTHER, K_ELF, K_SCRIPT };

struct file_note {
	struct str	*path;
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 ctime;
	enum kind	 kind;
	dev_t		 idev;		/* its interpreter (PT_INTERP or #!) */
	ino_t		 iino;
	uint32_t	 ibase;		/* hash of the interpreter's basename; 0: none */
	bool		 setid;
	bool		 host;		/* on a mount of the host's namespace */
};

struct pid_notes {
	pid_t		 pid;		/* 0: free */
	dev_t		 ldev;		/* the loader of the last exec taken */
	ino_t		 lino;
	unsigned	 n;
	struct file_note f[FILES_MAX];
};

struct interp_cache {
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 ctime;
	char		*interp;	/* its path, as the file names it */
	bool		 valid, has;
	enum kind	 kind;
	dev_t		 idev;
	ino_t		 iino;
	char		 ibase[64];
};

struct exe_src {
	int		 fd;
	int		 fddir;		/* our /proc/self/fd, opened by its reader */
	pid_t		 fdpid;		/* who opened fddir */
	int		 mountinfo;	/* ours: the host's mount namespace */
	uint64_t	*mnt;		/* its mount ids, sorted */
	size_t		 nmnt;
	unsigned	 nloaders;
	struct { dev_t dev; ino_t ino; } loader[LOADERS_MAX];
	/*
	 * A path of the system's loader (exename_is_loader()), whose two
	 * links namecache cannot keep: no exec is named after it (exe_take()
	 * names a loader run alone from /proc), so a readlink per exec is
	 * spared.
	 */
	char		*sysloader;
	struct pid_notes	*pend;		/* open addressing by pid */
	size_t		 pmask;
	size_t		 pcount;
	struct interp_cache cache[CACHE_SLOTS];
	struct namecache *names;	/* paths of the files, by identity */
	/*
	 * Pids (by pid % TAINT_BITS) some of whose notes were dropped with a
	 * full table: what is left of their notes, or comes next, may be the
	 * tail of an exec whose head is gone, so their next exec is named
	 * from /proc instead.  Another pid sharing a bit only loses the
	 * notes' help once.
	 */
	uint64_t	 taint[TAINT_BITS / 64];
	struct exe_stats st;
};

static void	loader_add(struct exe_src *, dev_t, ino_t);
static void	mounts_load(struct exe_src *);

/*
 * The system's dynamic loader, from our own PT_INTERP, is known before any
 * exec: a lone notification of it is then never taken for a program.
 */
static void
seed_loader(struct exe_src *x)
{
	char path[PATH_MAX];
	struct stat sb;

	if (exename_loader(path, sizeof(path)) == 0 && stat(path, &sb) == 0)
		loader_add(x, sb.st_dev, sb.st_ino);
}

int
exe_open(struct exe_src **out)
{
	struct exe_src *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -ENOMEM;
	x->pmask = 2 * PENDING_MAX - 1;
	x->pend = calloc(x->pmask + 1, sizeof(*x->pend));
	if (x->pend == NULL) {
		free(x);
		return -ENOMEM;
	}
	x->fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
	    O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (x->fd < 0) {
		int err = -errno;

		free(x->pend);
		free(x);
		return err;
	}
	x->fddir = -1;
	if ((x->names = namecache_new()) == NULL) {
		close(x->fd);
		free(x->pend);
		free(x);
		return -ENOMEM;
	}
	x->mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	mounts_load(x);
	seed_loader(x);
	*out = x;
	return 0;
}

int
exe_fd(const struct exe_src *x)
{
	return x->fd;
}

const struct exe_stats *
exe_stats(const struct exe_src *x)
{
	return &x->st;
}

/* Undo the octal escapes (\040) of a mountinfo field in place. */
static void
unescape(char *s)
{
	char *d = s;

	while (*s != '\0') {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 4;
		} else
			*d++ = *s++;
	}
	*d = '\0';
}

int
exe_parse_mountinfo(char *line, char **mnt, char **fstype)
{
	char *field[5], *save = NULL, *tok, *sep;
	int i;

	/* id parent major:minor root mountpoint opts [optional...] - type */
	tok = strtok_r(line, " \n", &save);
	for (i = 0; i < 5 && tok != NULL; i++) {
		field[i] = tok;
		tok = i < 4 ? strtok_r(NULL, " \n", &save) : NULL;
	}
	if (i < 5)
		return -EINVAL;
	sep = strstr(save == NULL ? "" : save, " - ");
	if (sep == NULL)
		return -EINVAL;
	*fstype = strtok_r(sep + 3, " \n", &save);
	if (*fstype == NULL)
		return -EINVAL;
	unescape(field[4]);
	*mnt = field[4];
	return 0;
}

/*
 * File systems not watched: those no program is executed from, and those
 * whose files a process outside the kernel serves (FUSE) or a network
 * does, where reading an executable's header could hang the event loop.
 * Execs from them are named from /proc.
 */
static bool
unwatched_fs(const char *type)
{
	static const char *const skip[] = {
		"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue",
		"bpf", "tracefs", "debugfs", "securityfs", "pstore",
		"configfs", "fusectl", "binfmt_misc", "efivarfs", "nsfs",
		"autofs", "rpc_pipefs", "selinuxfs", "hugetlbfs",
		"nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "afs",
		"glusterfs", "lustre", "fuse",
	};
	size_t i;

	if (strncmp(type, "fuse.", 5) == 0)
		return true;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (strcmp(type, skip[i]) == 0)
			return true;
	return false;
}

int
exe_mark_mounts(struct exe_src *x, int mountinfo_fd, unsigned *n)
{
	return exe_mark_mounts_fd(x->fd, mountinfo_fd, n);
}

int
exe_mark_mounts_fd(int fanfd, int mountinfo_fd, unsigned *n)
{
	return exe_mark_mounts_mask(fanfd, mountinfo_fd, FAN_OPEN_EXEC, n);
}

int
exe_mark_mounts_mask(int fanfd, int mountinfo_fd, uint64_t mask, unsigned *n)
{
	char *line = NULL, *mnt, *type;
	size_t cap = 0;
	FILE *f;
	int fd;

	*n = 0;
	if ((fd = dup(mountinfo_fd)) < 0)
		return -errno;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return -errno;
	}
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		if (exe_parse_mountinfo(line, &mnt, &type) < 0 ||
		    unwatched_fs(type))
			continue;
		/* Marking one superblock twice only merges the marks. */
		if (fanotify_mark(fanfd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
		    mask, AT_FDCWD, mnt) == 0 ||
		    fanotify_mark(fanfd, FAN_MARK_ADD | FAN_MARK_MOUNT,
		    mask, AT_FDCWD, mnt) == 0)
			(*n)++;
	}
	free(line);
	fclose(f);
	return 0;
}

int
exe_unmark_mounts(int fanfd)
{
	if (fanotify_mark(fanfd, FAN_MARK_FLUSH | FAN_MARK_FILESYSTEM, 0,
	    AT_FDCWD, "/") < 0 ||
	    fanotify_mark(fanfd, FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, AT_FDCWD,
	    "/") < 0)
		return -errno;
	return 0;
}

/* A basename's hash; 0 is kept for "none". */
static uint32_t
name_hash(const char *s)
{
	uint32_t h = str_hash(s, strlen(s));

	return h == 0 ? 1 : h;
}

/*
 * What kind of executable a file is, and its interpreter, cached by inode
 * and ctime.  A write through a shared mapping may change a file and
 * leave its ctime alone, so the cache is trusted only for a file that no
 * one but root may write (root's, not writable by its group or others: the
 * system's programs); any other file's header is read at every exec, and
 * only an ELF interpreter's identity (a stat by path) is reused while the
 * path the file names is the same.  A script's interpreter is looked up
 * each time: it may be a link that its owner points elsewhere, and a stale
 * identity would lose the script's name.
 */
static const struct interp_cache *
interp_of(struct exe_src *x, int fd, const struct stat *sb)
{
	struct interp_cache *c = &x->cache[(sb->st_ino ^ sb->st_dev) %
	    CACHE_SLOTS];
	unsigned char hdr[4096];
	char path[PATH_MAX + 1], *ip = NULL;
	uint64_t off, size;
	enum kind kind = K_OTHER;
	struct stat is;
	ssize_t n;
	const char *base;
	bool same = c->valid && c->dev == sb->st_dev && c->ino == sb->st_ino;
	int r;

	if (same && c->ctime.tv_sec == sb->st_ctim.tv_sec &&
	    c->ctime.tv_nsec == sb->st_ctim.tv_nsec && sb->st_uid == 0 &&
	    !(sb->st_mode & (S_IWGRP | S_IWOTH)) && c->kind != K_SCRIPT)
		return c;
	if ((n = pread(fd, hdr, sizeof(hdr), 0)) > 0) {
		if ((ip = binfmt_script_interp(hdr, (size_t)n)) != NULL)
			kind = K_SCRIPT;
		else if ((r = binfmt_elf_interp(hdr, (size_t)n, &off,
		    &size)) == 0) {
			kind = K_ELF;
			if (pread(fd, path, (size_t)size, (off_t)off) ==
			    (ssize_t)size) {
				path[size] = '\0';
				ip = path;
			}
		} else if (r == -ENOENT)
			kind = K_ELF;	/* an ELF image without PT_INTERP */
	}
	if (same && c->kind == kind && kind != K_SCRIPT && (ip == NULL ?
	    c->interp == NULL :
	    c->interp != NULL && strcmp(c->interp, ip) == 0)) {
		c->ctime = sb->st_ctim;
		return c;
	}
	free(c->interp);
	memset(c, 0, sizeof(*c));
	c->valid = true;
	c->dev = sb->st_dev;
	c->ino = sb->st_ino;
	c->ctime = sb->st_ctim;
	c->kind = kind;
	if (ip == NULL || (c->interp = strdup(ip)) == NULL)
		return c;
	c->has = true;
	base = strrchr(ip, '/');
	base = base == NULL ? ip : base + 1;
	if (strlen(base) < sizeof(c->ibase))
		memcpy(c->ibase, base, strlen(base) + 1);
	if (stat(ip, &is) == 0) {
		c->idev = is.st_dev;
		c->iino = is.st_ino;
	}
	return c;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Read the ids of the mounts of our (the host's) mount namespace. */
static void
mounts_load(struct exe_src *x)
{
	char *line = NULL;
	size_t cap = 0, n = 0, room = 0;
	uint64_t *ids = NULL, *grown;
	FILE *f;
	int fd;

	if (x->mountinfo < 0 || (fd = dup(x->mountinfo)) < 0)
		return;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return;
	}
	rewind(f);
	while (getline(&line, &cap, f) > 0) {
		if (n == room) {
			room = room == 0 ? 64 : 2 * room;
			if ((grown = realloc(ids, room * sizeof(*ids))) == NULL)
				break;
			ids = grown;
		}
		ids[n++] = strtoull(line, NULL, 10);
	}
	free(line);
	fclose(f);
	qsort(ids, n, sizeof(*ids), cmp_u64);
	free(x->mnt);
	x->mnt = ids;
	x->nmnt = n;
}

/*
 * Reread the host's mounts if the kernel says they changed, after each
 * read of notifications and before they are looked at: the id of a mount
 * gone before one of them was queued (and perhaps given to a user's mount
 * in a namespace of theirs) is then no longer taken for the host's.
 */
static void
mounts_check(struct exe_src *x)
{
	struct pollfd pfd = { .fd = x->mountinfo, .events = POLLPRI };

	if (x->mountinfo >= 0 && poll(&pfd, 1, 0) > 0)
		mounts_load(x);
}

/*
 * Is mount id one of the host's?  A mount made since the last look is
 * found after a reread, done only when the kernel says the table changed.
 */
static bool
host_mount(struct exe_src *x, uint64_t id)
{
	if (bsearch(&id, x->mnt, x->nmnt, sizeof(id), cmp_u64) != NULL)
		return true;
	mounts_check(x);
	return bsearch(&id, x->mnt, x->nmnt, sizeof(id), cmp_u64) != NULL;
}

/* Remember a file that some program named as its PT_INTERP. */
static void
loader_add(struct exe_src *x, dev_t dev, ino_t ino)
{
	unsigned i;

	if (ino == 0)
		return;
	for (i = 0; i < x->nloaders; i++)
		if (x->loader[i].dev == dev && x->loader[i].ino == ino)
			return;
	if (x->nloaders == LOADERS_MAX)
		return;
	x->loader[x->nloaders].dev = dev;
	x->loader[x->nloaders++].ino = ino;
}

/*
 * A loader known from programs' PT_INTERP, or the system's, looked at
 * again when a C library upgrade replaced it (the list may not have met
 * the new one yet, or be full).
 */
static bool
is_loader(const struct exe_src *x, const struct file_note *f)
{
	struct stat sb;
	unsigned i;

	if (f->kind != K_ELF || f->ibase != 0)
		return false;
	for (i = 0; i < x->nloaders; i++)
		if (x->loader[i].dev == f->dev && x->loader[i].ino == f->ino)
			return true;
	memset(&sb, 0, sizeof(sb));
	sb.st_dev = f->dev;
	sb.st_ino = f->ino;
	sb.st_ctim = f->ctime;
	return exename_is_loader_now(&sb);
}

/*
 * The host's name of a noted file, as an interned string (a reference).
 * A file on a mount of the host's namespace is named by the kernel from
 * the host's root already; only others are looked up (with the event
 * loop's rights: a directory it may not search makes the name
 * unreachable).
 */
static struct str *
host_str(struct table *t, const struct file_note *f)
{
	char buf[PATH_MAX + sizeof(EXENAME_UNREACHABLE)];

	/* The kernel's path from the host's root: the host's name. */
	if (f->host)
		return str_ref(f->path);
	if (exename_host(f->path->s, f->dev, f->ino, buf, sizeof(buf)) < 0)
		return NULL;
	if (strcmp(buf, f->path->s) == 0)
		return str_ref(f->path);
	return str_intern(t, buf, strlen(buf));
}

static struct pid_notes *
pending_get(struct exe_src *x, pid_t pid, bool create)
{
	size_t i = ((uint32_t)pid * 2654435761u) & x->pmask;

	while (x->pend[i].pid != 0) {
		if (x->pend[i].pid == pid)
			return &x->pend[i];
		i = (i + 1) & x->pmask;
	}
	if (!create)
		return NULL;
	x->pend[i].pid = pid;
	x->pend[i].n = 0;
	x->pend[i].ldev = 0;
	x->pend[i].lino = 0;
	x->pcount++;
	return &x->pend[i];
}

static void
note_clear(struct table *t, struct file_note *f)
{
	str_set(t, &f->path, NULL);
	memset(f, 0, sizeof(*f));
}

static void
taint_set(struct exe_src *x, pid_t pid)
{
	unsigned b = (unsigned)pid % TAINT_BITS;

	x->taint[b / 64] |= 1ull << (b % 64);
}

/* Was pid tainted?  Clears the mark. */
static bool
taint_take(struct exe_src *x, pid_t pid)
{
	unsigned b = (unsigned)pid % TAINT_BITS;
	uint64_t bit = 1ull << (b % 64);
	bool was = (x->taint[b / 64] & bit) != 0;

	x->taint[b / 64] &= ~bit;
	return was;
}

static void
pending_clear_all(struct exe_src *x, struct table *t)
{
	size_t i;
	unsigned j;

	for (i = 0; i <= x->pmask; i++) {
		if (x->pend[i].pid != 0)
			taint_set(x, x->pend[i].pid);
		for (j = 0; j < x->pend[i].n; j++)
			note_clear(t, &x->pend[i].f[j]);
		x->pend[i].pid = 0;
		x->pend[i].n = 0;
	}
	x->pcount = 0;
}

/* Remove the entry at p, re-placing later members of its probe run. */
static void
pending_del(struct exe_src *x, struct pid_notes *p, struct table *t)
{
	size_t i = (size_t)(p - x->pend), j;
	unsigned k;

	for (k = 0; k < p->n; k++)
		note_clear(t, &p->f[k]);
	p->pid = 0;
	p->n = 0;
	x->pcount--;
	for (j = (i + 1) & x->pmask; x->pend[j].pid != 0;
	    j = (j + 1) & x->pmask) {
		struct pid_notes tmp = x->pend[j];
		struct pid_notes *q;

		x->pend[j].pid = 0;
		x->pend[j].n = 0;
		x->pcount--;
		q = pending_get(x, tmp.pid, true);
		*q = tmp;
	}
}

/* Drop the first n notes of p. */
static void
pending_shift(struct pid_notes *p, unsigned n, struct table *t)
{
	unsigned i;

	for (i = 0; i < n; i++)
		note_clear(t, &p->f[i]);
	memmove(&p->f[0], &p->f[n], (p->n - n) * sizeof(p->f[0]));
	memset(&p->f[p->n - n], 0, n * sizeof(p->f[0]));
	p->n -= n;
}

/*
 * Our /proc/self/fd, opened by the process that reads the queue (one
 * opened before a fork would name the parent's descriptors), so that the
 * path of each descriptor handed over is one component to look up, not
 * four.  Checked once per drain.
 */
static void
fddir_open(struct exe_src *x)
{
	pid_t self = getpid();

	if (x->fddir >= 0 && x->fdpid == self)
		return;
	if (x->fddir >= 0)
		close(x->fddir);
	x->fddir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	x->fdpid = self;
}

/* The path of a descriptor we were handed. */
static ssize_t
fd_path(struct exe_src *x, int fd, char *path, size_t size)
{
	char name[32];

	if (x->fddir >= 0) {
		snprintf(name, sizeof(name), "%d", fd);
		return readlinkat(x->fddir, name, path, size);
	}
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	return readlink(name, path, size);
}

static void
note(struct exe_src *x, struct table *t, pid_t pid, int fd)
{
	char buf[PATH_MAX];
	const struct interp_cache *c;
	struct namecache_key k;
	struct file_note *f;
	struct pid_notes *p;
	struct stat sb;
	const char *path;
	size_t len;
	ssize_t n;
	bool host;

	/* One call for the file's identity and the mount it was run from. */
	if (namecache_stat(fd, &k, &sb) < 0)
		return;
	host = k.mnt != 0 && host_mount(x, k.mnt);
	if ((path = namecache_get(x->names, &k, &len)) != NULL)
		x->st.kept++;
	else if (host && x->sysloader != NULL && exename_is_loader(&sb)) {
		path = x->sysloader;
		len = strlen(path);
	} else {
		n = fd_path(x, fd, buf, sizeof(buf));
		if (n <= 0 || (size_t)n >= sizeof(buf))
			return;
		path = buf;
		len = (size_t)n;
		buf[len] = '\0';
		/* A private mount's path is no path to keep. */
		if (host && !namecache_put(x->names, fd, &k, &sb, buf, len) &&
		    x->sysloader == NULL && exename_is_loader(&sb))
			x->sysloader = strdup(buf);
	}
	if (x->pcount >= PENDING_MAX) {
		/*
		 * Execs whose connector event never came, failed execs: start
		 * afresh.  Dropped pids are tainted; an exec whose event was
		 * lost is found by the rescan from its executable's inode.
		 */
		x->st.evicted += x->pcount;
		pending_clear_all(x, t);
	}
	p = pending_get(x, pid, true);
	if (p->n == FILES_MAX) {
		/*
		 * The oldest note goes: what is left may start inside an
		 * exec's notes (a script's interpreter, taken for a script).
		 */
		pending_shift(p, 1, t);
		taint_set(x, pid);
	}
	f = &p->f[p->n];
	if ((f->path = str_intern(t, path, len)) == NULL)
		return;
	p->n++;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->ctime = sb.st_ctim;
	f->setid = (sb.st_mode & (S_ISUID | S_ISGID)) != 0;
	f->host = host;
	c = interp_of(x, fd, &sb);
	f->kind = c->kind;
	if (c->has) {
		f->idev = c->idev;
		f->iino = c->iino;
		f->ibase = name_hash(c->ibase);
		if (c->kind == K_ELF)
			loader_add(x, c->idev, c->iino);
	}
}

int
exe_drain(struct exe_src *x, struct table *t)
{
	char buf[8192] __attribute__((aligned(8)));
	struct fanotify_event_metadata *m;
	ssize_t len, got;

	fddir_open(x);
	for (;;) {
		len = read(x->fd, buf, sizeof(buf));
		if (len < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (len == 0)
			return 0;
		mounts_check(x);
		got = len;
		for (m = (void *)buf; FAN_EVENT_OK(m, len);
		    m = FAN_EVENT_NEXT(m, len)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				/* Close what this read handed over. */
				for (; FAN_EVENT_OK(m, len);
				    m = FAN_EVENT_NEXT(m, len))
					if (m->fd >= 0)
						close(m->fd);
				return -EPROTO;
			}
			if (m->mask & FAN_Q_OVERFLOW)
				x->st.overflows++;
			if (m->fd < 0)
				continue;
			x->st.notes++;
			note(x, t, m->pid, m->fd);
			close(m->fd);
		}
		/* Room for more was left: the queue is empty. */
		if ((size_t)got + 2 * FAN_EVENT_METADATA_LEN <= sizeof(buf))
			return 0;
	}
}

/* Is b the interpreter (PT_INTERP, or #!) that a asked for? */
static bool
is_interp_of(const struct file_note *a, const struct file_note *b)
{
	const char *base;

	if (a->ibase == 0)
		return false;
	if (a->idev == b->dev && a->iino == b->ino && a->iino != 0)
		return true;
	/* The interpreter path may not resolve here (a chroot): by name. */
	base = strrchr(b->path->s, '/');
	return base != NULL && name_hash(base + 1) == a->ibase;
}

/*
 * Did this batch of notes open the loader f asks for before index j (its
 * own notification merged with that one)?
 */
static bool
loader_seen(const struct pid_notes *p, unsigned j, const struct file_note *f)
{
	unsigned i;

	if (p->lino != 0 && f->iino == p->lino && f->idev == p->ldev)
		return true;
	for (i = 0; i < j; i++)
		if (is_interp_of(f, &p->f[i]))
			return true;
	return false;
}

/*
 * The notes of one exec from index i of p: scripts, each followed by its
 * interpreter, then an ELF image (*image), then its loader; *last is the
 * group's last note.  False when the notes from i are a failed exec's.
 */
static bool
exec_group(const struct pid_notes *p, unsigned i, unsigned *image,
    unsigned *last)
{
	unsigned j, depth;

	for (j = i, depth = 0; p->f[j].kind == K_SCRIPT &&
	    depth < SCRIPT_DEPTH && j + 1 < p->n &&
	    is_interp_of(&p->f[j], &p->f[j + 1]); j++, depth++)
		;
	*image = *last = j;
	/*
	 * A script without its interpreter, a file of no known format
	 * followed by others: a failed exec's.
	 */
	if (p->f[j].kind == K_SCRIPT ||
	    (p->f[j].kind == K_OTHER && j + 1 < p->n))
		return false;
	if (p->f[j].kind != K_ELF || p->f[j].ibase == 0)
		return true;
	/*
	 * An ELF image that asks for a loader is followed by it -- unless the
	 * kernel merged that notification with an earlier one of the same
	 * file for the pid -- or its exec failed.
	 */
	if (j + 1 < p->n && is_interp_of(&p->f[j], &p->f[j + 1])) {
		*last = j + 1;
		return true;
	}
	return loader_seen(p, j, &p->f[j]);
}

bool
exe_take(struct exe_src *x, pid_t pid, unsigned execs, struct table *t,
    struct exe_name *out)
{
	struct pid_notes *p;
	struct file_note *f = NULL, *script = NULL;
	unsigned i, j, k, groups = 0, end = 0;
	bool skipped = false, loader = false;
	dev_t ldev = 0;
	ino_t lino = 0;

	memset(out, 0, sizeof(*out));
	if (x != NULL && taint_take(x, pid)) {
		if ((p = pending_get(x, pid, false)) != NULL)
			pending_del(x, p, t);
		x->st.ambiguous++;
		return false;
	}
	if (x == NULL || (p = pending_get(x, pid, false)) == NULL)
		return false;
	for (i = 0; i < p->n; i = j + 1) {
		if (!exec_group(p, i, &k, &j)) {
			skipped = true;
			continue;
		}
		if (groups++ == 0) {
			f = &p->f[k];
			script = p->f[i].kind == K_SCRIPT ? &p->f[i] : NULL;
			/*
			 * A loader alone: the program it runs was not seen (a
			 * memfd, an unmarked file system), or the loader was
			 * run as a program.  Either way not the name.
			 */
			loader = i == k && is_loader(x, f);
			end = j + 1;
			if (f->ibase != 0) {
				ldev = f->idev;
				lino = f->iino;
			}
		}
	}
	/*
	 * One exec's files for each exec of the pid still to be named, and
	 * nothing else: the first are this exec's.  Anything else -- a failed
	 * exec's file, an exec whose event is not read yet -- and no name is
	 * given: a process could otherwise hide behind a failed exec of
	 * another file.  The caller reads /proc/PID/exe instead.
	 */
	if (groups == 0 || groups != execs || skipped) {
		if (groups > 0 || skipped)
			x->st.ambiguous++;
		pending_del(x, p, t);
		return false;
	}
	if (loader) {
		x->st.loaders++;
		out->loader = true;
	} else {
		out->path = host_str(t, f);
		out->id.dev = f->dev;
		out->id.ino = f->ino;
		out->setid = f->setid;
		if (script != NULL)
			out->script = host_str(t, script);
	}
	pending_shift(p, end, t);
	if (lino != 0) {
		p->ldev = ldev;
		p->lino = lino;
	}
	if (p->n == 0)
		pending_del(x, p, t);
	return out->path != NULL;
}

void
exe_name_clear(struct table *t, struct exe_name *n)
{
	str_set(t, &n->path, NULL);
	str_set(t, &n->script, NULL);
}

bool
exe_pending(struct exe_src *x, pid_t pid)
{
	struct pid_notes *p = pending_get(x, pid, false);

	return p != NULL && p->n > 0;
}

void
exe_close(struct exe_src *x, struct table *t)
{
	unsigned i;

	if (x == NULL)
		return;
	pending_clear_all(x, t);
	close(x->fd);
	if (x->fddir >= 0)
		close(x->fddir);
	if (x->mountinfo >= 0)
		close(x->mountinfo);
	free(x->mnt);
	free(x->pend);
	free(x->sysloader);
	for (i = 0; i < CACHE_SLOTS; i++)
		free(x->cache[i].interp);
	namecache_free(x->names);
	free(x);
}
