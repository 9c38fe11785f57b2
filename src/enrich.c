/*
 * enrich.c - keeping the process table by events, and naming each event's
 * process from it.
 *
 * A forked child inherits its parent's record until it execs.  On exec the
 * process is read at once, most valuable and most fleeting first: the
 * executable (from fanotify, which outlives the process), the arguments,
 * then stat and cgroup.  A process that is gone before it can be read
 * keeps what was known and counts as a miss; its event is still reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "enrich.h"
#include "exename.h"
#include "proc.h"

int
enrich_init(struct enrich *e, struct table *t, int procfd,
    struct exe_src *exe)
{
	memset(e, 0, sizeof(*e));
	e->t = t;
	e->procfd = procfd;
	e->exe = exe;
	proc_clock_init(&e->clock);
	return 0;
}

void
enrich_mark(struct enrich *e, pid_t pid, uint32_t flag)
{
	struct proc *p = table_get(e->t, pid);

	if (p != NULL)
		p->flags |= flag;
}

/* Does the stat start time belong to the process p records? */
static bool
same_process(const struct enrich *e, const struct proc *p,
    const struct proc_stat *st)
{
	return !(p->flags & P_START) ||
	    proc_same_start(&e->clock, st, p->start_ns);
}

void
enrich_read_cmdline(struct table *t, struct proc *p, int dirfd)
{
	char buf[PROC_CMDLINE_MAX + 1];
	size_t len;

	if (proc_read_cmdline(dirfd, buf, sizeof(buf), &len) == 0) {
		str_set(t, &p->cmdline, str_new(buf, len));
		if (p->cmdline != NULL) {
			p->flags |= P_CMDLINE;
			return;
		}
	}
	str_set(t, &p->cmdline, NULL);
	p->flags &= ~P_CMDLINE;
}

void
enrich_read_cgroup(struct table *t, struct proc *p, int dirfd)
{
	char buf[PROC_PATH_MAX];

	if (proc_read_cgroup(dirfd, buf, sizeof(buf)) == 0 &&
	    (str_set(t, &p->cgroup, str_intern(t, buf, strlen(buf))),
	    p->cgroup != NULL)) {
		p->flags |= P_CGROUP;
		return;
	}
	str_set(t, &p->cgroup, NULL);
	p->flags &= ~P_CGROUP;
}

void
enrich_read_ids(struct proc *p, int dirfd)
{
	struct proc_status st;

	if (proc_read_status(dirfd, &st) == 0) {
		p->uid = st.uid;
		p->euid = st.euid;
		p->gid = st.gid;
		p->egid = st.egid;
		p->flags |= P_IDS;
	} else
		p->flags &= ~P_IDS;
}

void
enrich_read_exe(struct table *t, struct proc *p, int dirfd)
{
	char buf[PROC_PATH_MAX], loader[PROC_PATH_MAX];

	/* Whether a script was given to execve, /proc does not say. */
	str_set(t, &p->script, NULL);
	p->flags &= ~P_SCRIPT;
	if (exename_proc(dirfd, buf, sizeof(buf), loader, sizeof(loader),
	    &p->exe_id) == 0 &&
	    (str_set(t, &p->exe, str_intern(t, buf, strlen(buf))),
	    p->exe != NULL)) {
		str_set(t, &p->loader, loader[0] == '\0' ? NULL :
		    str_intern(t, loader, strlen(loader)));
		p->flags |= P_EXE;
		return;
	}
	str_set(t, &p->exe, NULL);
	str_set(t, &p->loader, NULL);
	memset(&p->exe_id, 0, sizeof(p->exe_id));
	p->flags &= ~P_EXE;
}

/* What the notifications named, into p; whether they named it. */
static bool
set_exe(struct enrich *e, struct proc *p, struct exe_name *n)
{
	str_set(e->t, &p->exe, n->path);
	str_set(e->t, &p->script, n->script);
	str_set(e->t, &p->loader, NULL);
	n->path = n->script = NULL;
	p->exe_id = n->id;
	if (p->exe == NULL) {
		p->flags &= ~(P_EXE | P_SCRIPT);
		return false;
	}
	p->flags |= P_EXE | P_SCRIPT;
	return true;
}

/* Ask the privileged part, if any, for what we could not read. */
static void
ask_exe(struct enrich *e, struct proc *p)
{
	struct str *loader = NULL, *exe;

	if (e->ask_exe == NULL || (exe = e->ask_exe(e->ask_arg, p->pid,
	    p->start_ns, &p->exe_id, &loader)) == NULL)
		return;
	str_set(e->t, &p->exe, exe);
	str_set(e->t, &p->loader, loader);
	str_set(e->t, &p->script, NULL);
	p->flags = (p->flags | P_EXE) & ~P_SCRIPT;
}

static void
set_pexe(struct enrich *e, struct proc *p)
{
	struct proc *pp = p->ppid > 0 ? table_get(e->t, p->ppid) : NULL;

	if (pp != NULL && (pp->flags & P_EXE)) {
		str_set(e->t, &p->pexe, str_ref(pp->exe));
		p->flags |= P_PEXE;
	}
}

/*
 * Read everything about a process we had no record of.  Returns the
 * record, or NULL if the process is gone.
 */
static struct proc *
fill(struct enrich *e, pid_t pid)
{
	struct exe_name n;
	struct proc_stat st;
	struct proc *p, *pp;
	int dirfd;

	if ((dirfd = proc_open(e->procfd, pid)) < 0)
		return NULL;
	if (proc_read_stat(dirfd, &st) < 0 || (p = table_add(e->t, pid)) == NULL) {
		close(dirfd);
		return NULL;
	}
	p->ppid = st.ppid;
	p->start_ns = proc_start_ns(&e->clock, &st);
	p->flags |= P_START | P_COMM;
	memcpy(p->comm, st.comm, sizeof(p->comm));
	(void)exe_take(e->exe, pid, 1, e->t, &n);
	if (!set_exe(e, p, &n))
		enrich_read_exe(e->t, p, dirfd);
	if (!(p->flags & P_EXE))
		ask_exe(e, p);
	enrich_read_cmdline(e->t, p, dirfd);
	enrich_read_ids(p, dirfd);
	enrich_read_cgroup(e->t, p, dirfd);
	set_pexe(e, p);
	/* What prochookd or a hook started is a hook's, as at a fork. */
	if ((pp = table_get(e->t, p->ppid)) != NULL &&
	    (pp->flags & (P_HOOK | P_SELF)))
		p->flags |= P_HOOK;
	p->gen = e->gen;
	close(dirfd);
	return p;
}

/* The record of pid, read from /proc if we have none. */
static struct proc *
lookup(struct enrich *e, pid_t pid)
{
	struct proc *p = table_get(e->t, pid);

	return p != NULL ? p : fill(e, pid);
}

static void
inherit(struct enrich *e, struct proc *child, const struct proc *parent)
{
	const uint32_t known = P_EXE | P_CMDLINE | P_IDS | P_COMM | P_CGROUP |
	    P_SCRIPT | P_UNREAD;

	child->flags |= parent->flags & known;
	/* What prochookd or a hook starts is a hook's. */
	if (parent->flags & (P_HOOK | P_SELF))
		child->flags |= P_HOOK;
	child->uid = parent->uid;
	child->euid = parent->euid;
	child->gid = parent->gid;
	child->egid = parent->egid;
	memcpy(child->comm, parent->comm, sizeof(child->comm));
	str_set(e->t, &child->exe, str_ref(parent->exe));
	child->exe_id = parent->exe_id;
	str_set(e->t, &child->cmdline, str_ref(parent->cmdline));
	str_set(e->t, &child->cgroup, str_ref(parent->cgroup));
	str_set(e->t, &child->script, str_ref(parent->script));
	str_set(e->t, &child->loader, str_ref(parent->loader));
	if (parent->flags & P_EXE) {
		str_set(e->t, &child->pexe, str_ref(parent->exe));
		child->flags |= P_PEXE;
	}
}

/* Does a read's error say the process is gone? */
static bool
gone(int err)
{
	return err == -ENOENT || err == -ESRCH;
}

/*
 * Read what vanishes first of a process that just exec'd: what is in need.
 * Each file by pid from /proc, without opening its directory.
 */
static void
prefetch_read(struct enrich *e, struct prefetch *pf, uint32_t need)
{
	char buf[PROC_CMDLINE_MAX + 1];
	size_t len;
	int r;

	need &= ~pf->read;
	pf->read |= need;
	if (pf->gone)
		return;
	if (need & EN_CMDLINE) {
		if ((r = proc_pid_cmdline(e->procfd, pf->pid, buf, sizeof(buf),
		    &len)) == 0)
			pf->cmdline = str_new(buf, len);
		else if (gone(r)) {
			pf->gone = true;
			return;
		}
	}
	if (need & EN_STAT) {
		if ((r = proc_pid_stat(e->procfd, pf->pid, &pf->st)) == 0)
			pf->stat_ok = true;
		else if (gone(r)) {
			pf->gone = true;
			return;
		}
	}
	if ((need & EN_CGROUP) && (r = proc_pid_cgroup(e->procfd, pf->pid,
	    buf, sizeof(buf))) == 0)
		pf->cgroup = str_intern(e->t, buf, strlen(buf));
}

/* The process's /proc directory, for what is read through it (exe, ids). */
static int
prefetch_dir(struct enrich *e, struct prefetch *pf)
{
	if (pf->dirfd < 0 && !pf->gone &&
	    (pf->dirfd = proc_open(e->procfd, pf->pid)) < 0) {
		pf->gone = gone(pf->dirfd);
		pf->dirfd = -1;
	}
	return pf->dirfd;
}

static void
prefetch_init(struct prefetch *pf, pid_t pid)
{
	memset(pf, 0, sizeof(*pf));
	pf->pid = pid;
	pf->dirfd = -1;
}

/*
 * Name the exec from the notifications (execs: how many execs of pid are
 * still to be named, this one first), then say what the rules need read.
 */
static uint32_t
prefetch_name(struct enrich *e, struct prefetch *pf, unsigned execs)
{
	struct proc named;

	pf->named = exe_take(e->exe, pf->pid, execs, e->t, &pf->name);
	/* A name from /proc needs the process read as before. */
	if (!pf->named || pf->name.setid || e->needs == NULL)
		return EN_ALL;
	memset(&named, 0, sizeof(named));
	named.pid = pf->pid;
	named.exe = pf->name.path;
	named.script = pf->name.script;
	named.flags = P_EXE | P_SCRIPT;
	return e->needs(e->ask_arg, &named) & EN_ALL;
}

size_t
enrich_prefetch(struct enrich *e, const struct event *ev, size_t n)
{
	size_t i, j, first = e->npf, execs = 0;
	unsigned later;

	for (i = 0; i < n; i++) {
		if (ev[i].type != EV_EXEC || ev[i].synthetic)
			continue;
		execs++;
		if (e->npf == ENRICH_PREFETCH)
			continue;
		prefetch_init(&e->pf[e->npf], ev[i].pid);
		/* The monitor: the fleeting arguments before anything else. */
		if (e->needs == NULL)
			prefetch_read(e, &e->pf[e->npf], EN_CMDLINE | EN_STAT);
		e->npf++;
	}
	if (execs == 0)
		return 0;
	/*
	 * The fanotify queue holds every name the batch needs: an exec's
	 * notifications are queued before its connector event is sent.
	 */
	if (e->exe != NULL)
		(void)exe_drain(e->exe, e->t);
	for (i = first; i < e->npf; i++) {
		for (j = i + 1, later = 1; j < e->npf; j++)
			later += e->pf[j].pid == e->pf[i].pid;
		prefetch_read(e, &e->pf[i], prefetch_name(e, &e->pf[i],
		    later));
	}
	return execs;
}

/*
 * What was read ahead for the next exec of pid (NULL if nothing), and in
 * *execs how many execs of pid this batch still holds, this one first.
 */
static struct prefetch *
prefetched(struct enrich *e, pid_t pid, unsigned *execs)
{
	struct prefetch *first = NULL;
	size_t i;

	*execs = 0;
	for (i = 0; i < e->npf; i++) {
		if (e->pf[i].pid != pid || e->pf[i].used)
			continue;
		if (first == NULL)
			first = &e->pf[i];
		(*execs)++;
	}
	if (first != NULL)
		first->used = true;
	if (*execs == 0)
		*execs = 1;
	return first;
}

static void
prefetch_drop(struct enrich *e, struct prefetch *pf)
{
	if (pf->dirfd >= 0)
		close(pf->dirfd);
	pf->dirfd = -1;
	str_set(e->t, &pf->cmdline, NULL);
	str_set(e->t, &pf->cgroup, NULL);
	exe_name_clear(e->t, &pf->name);
	pf->pid = 0;
}

void
enrich_batch_end(struct enrich *e)
{
	size_t i;

	for (i = 0; i < e->npf; i++)
		prefetch_drop(e, &e->pf[i]);
	e->npf = 0;
}

/*
 * The kernel's word on a name from the notifications, where the rules ask
 * for it (enrich.must_confirm).  A process already gone keeps the name.
 */
static void
confirm_exe(struct enrich *e, struct proc *p)
{
	struct str *loader = NULL, *exe;
	struct exe_id id;

	if (e->ask_exe == NULL || (exe = e->ask_exe(e->ask_arg, p->pid,
	    p->start_ns, &id, &loader)) == NULL)
		return;
	if (exe == p->exe && loader == NULL && id.dev == p->exe_id.dev &&
	    id.ino == p->exe_id.ino) {
		str_unref(e->t, exe);
		return;
	}
	e->st.corrected++;
	str_set(e->t, &p->exe, exe);
	str_set(e->t, &p->loader, loader);
	p->exe_id = id;
	str_set(e->t, &p->script, NULL);
	p->flags &= ~P_SCRIPT;
}

/* A process has exec'd: learn what it now runs. */
static void
on_exec(struct enrich *e, struct proc *p)
{
	struct prefetch *pf, none;
	uint32_t need;
	bool named;
	unsigned execs;
	int dirfd;

	pf = prefetched(e, p->pid, &execs);
	if (pf == NULL) {
		/* Not read ahead (a rescan, or more execs than slots). */
		pf = &none;
		prefetch_init(pf, p->pid);
		prefetch_read(e, pf, prefetch_name(e, pf, execs));
	}
	named = set_exe(e, p, &pf->name);
	need = pf->read;
	/* What the table does not know yet is read whatever the rules say. */
	if (!named || !(p->flags & P_IDS) || !(p->flags & P_START) ||
	    p->ppid == 0)
		prefetch_read(e, pf, need = EN_ALL);

	/* What it inherited is not what it runs now. */
	p->flags &= ~(P_CMDLINE | P_COMM | P_CGROUP | P_UNREAD);
	if (need != EN_ALL)
		p->flags |= P_UNREAD;
	if (need == 0)
		goto out;
	if (pf->gone) {
		e->st.vanished++;
		goto out;
	}
	if (pf->stat_ok && !same_process(e, p, &pf->st)) {
		/* The pid is another process's now: keep nothing read. */
		e->st.reused++;
		goto out;
	}
	if (!named && (dirfd = prefetch_dir(e, pf)) >= 0)
		enrich_read_exe(e->t, p, dirfd);
	if (!(p->flags & P_EXE))
		ask_exe(e, p);
	if (pf->cmdline != NULL) {
		str_set(e->t, &p->cmdline, str_ref(pf->cmdline));
		p->flags |= P_CMDLINE;
	}
	if (pf->stat_ok) {
		memcpy(p->comm, pf->st.comm, sizeof(p->comm));
		p->flags |= P_COMM;
		if (p->ppid == 0)
			p->ppid = pf->st.ppid;
		if (!(p->flags & P_START)) {
			p->start_ns = proc_start_ns(&e->clock, &pf->st);
			p->flags |= P_START;
		}
	}
	/*
	 * Ids change at exec only through set-user/group-ID files, and their
	 * uid/gid events come before the exec's: what the table knows stays
	 * if the process is gone before its ids could be read again.
	 */
	if ((pf->name.setid || !named || !(p->flags & P_IDS)) &&
	    (dirfd = prefetch_dir(e, pf)) >= 0) {
		uint32_t known = p->flags & P_IDS;

		enrich_read_ids(p, dirfd);
		p->flags |= known;
	}
	if (pf->cgroup != NULL) {
		str_set(e->t, &p->cgroup, str_ref(pf->cgroup));
		p->flags |= P_CGROUP;
	}
	if (named && e->must_confirm != NULL) {
		struct event ev = { .type = EV_EXEC, .pid = p->pid,
		    .tid = p->pid };
		struct pevent pe = { .ev = &ev, .p = p };

		if (e->must_confirm(e->ask_arg, &pe))
			confirm_exe(e, p);
	}
out:
	if (!(p->flags & P_CMDLINE))
		str_set(e->t, &p->cmdline, NULL);
	if (!(p->flags & P_CGROUP))
		str_set(e->t, &p->cgroup, NULL);
	if (pf == &none)
		prefetch_drop(e, pf);
	if (!(p->flags & P_EXE))
		e->st.exe_miss++;
	if ((need & EN_CMDLINE) && !(p->flags & P_CMDLINE))
		e->st.cmdline_miss++;
}

void
enrich_complete(struct enrich *e, struct proc *p)
{
	struct proc_stat st;
	int dirfd;

	if (!(p->flags & P_UNREAD))
		return;
	p->flags &= ~P_UNREAD;
	if ((dirfd = proc_open(e->procfd, p->pid)) < 0)
		return;
	if (proc_read_stat(dirfd, &st) == 0 && same_process(e, p, &st)) {
		if (!(p->flags & P_CMDLINE))
			enrich_read_cmdline(e->t, p, dirfd);
		if (!(p->flags & P_COMM)) {
			memcpy(p->comm, st.comm, sizeof(p->comm));
			p->flags |= P_COMM;
		}
		if (!(p->flags & P_CGROUP))
			enrich_read_cgroup(e->t, p, dirfd);
	}
	close(dirfd);
}

static void
scan_dir(struct enrich *e, void (*fn)(struct enrich *, pid_t, void *),
    void *arg)
{
	struct dirent *d;
	DIR *dir;
	int fd;

	if ((fd = openat(e->procfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return;
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end == '\0' && pid > 0 && d->d_name[0] != '\0')
			fn(e, (pid_t)pid, arg);
	}
	closedir(dir);
}

static void
scan_one(struct enrich *e, pid_t pid, void *arg)
{
	(void)arg;
	(void)fill(e, pid);
}

static void
link_parent(struct proc *p, void *arg)
{
	struct enrich *e = arg;

	if (!(p->flags & P_PEXE))
		set_pexe(e, p);
}

size_t
enrich_scan(struct enrich *e)
{
	e->gen++;
	scan_dir(e, scan_one, NULL);
	/* Parents may have been read after their children. */
	table_foreach(e->t, link_parent, e);
	return table_count(e->t);
}

bool
enrich_event(struct enrich *e, const struct event *ev, struct pevent *pe)
{
	struct proc *p, *child;

	memset(pe, 0, sizeof(*pe));
	pe->ev = ev;
	memset(&e->stub, 0, sizeof(e->stub));
	e->stub.pid = ev->pid;
	pe->p = &e->stub;

	switch (ev->type) {
	case EV_FORK:
		p = lookup(e, ev->pid);
		if (p != NULL)
			pe->p = p;
		else
			e->st.vanished++;
		if (ev->thread)
			return e->threads;
		child = table_add(e->t, ev->u.fork.child_pid);
		if (child == NULL)
			return true;
		child->ppid = ev->pid;
		child->start_ns = proc_boot_ns(ev->ts_ns);
		child->flags = P_START;
		child->gen = e->gen;
		if (p != NULL)
			inherit(e, child, p);
		return true;
	case EV_EXEC:
		p = table_get(e->t, ev->pid);
		if (p == NULL && (p = table_add(e->t, ev->pid)) == NULL)
			return true;
		on_exec(e, p);
		pe->p = p;
		if (!(p->flags & P_PEXE))
			set_pexe(e, p);
		return true;
	case EV_EXIT:
		if ((p = table_get(e->t, ev->pid)) != NULL)
			pe->p = p;
		else if (!ev->thread)
			e->st.vanished++;
		return !ev->thread || e->threads;
	case EV_UID:
	case EV_GID:
		if ((p = lookup(e, ev->pid)) == NULL) {
			e->st.vanished++;
			return true;
		}
		pe->p = p;
		if (ev->type == EV_UID) {
			if ((p->flags & P_IDS) && p->uid == ev->u.id.r &&
			    p->euid == ev->u.id.e) {
				/* The other threads of one setuid(). */
				e->st.dup_ids++;
				return false;
			}
			pe->has_prev = (p->flags & P_IDS) != 0;
			pe->prev_uid = p->uid;
			pe->prev_euid = p->euid;
			p->uid = ev->u.id.r;
			p->euid = ev->u.id.e;
		} else {
			if ((p->flags & P_IDS) && p->gid == ev->u.id.r &&
			    p->egid == ev->u.id.e) {
				e->st.dup_ids++;
				return false;
			}
			p->gid = ev->u.id.r;
			p->egid = ev->u.id.e;
		}
		return true;
	case EV_COMM:
		if ((p = lookup(e, ev->pid)) == NULL) {
			e->st.vanished++;
			return !ev->thread || e->threads;
		}
		pe->p = p;
		if (ev->thread)
			return e->threads;
		memcpy(p->comm, ev->u.comm.comm, sizeof(p->comm));
		p->flags |= P_COMM;
		return true;
	case EV_SID:
	case EV_PTRACE:
	case EV_COREDUMP:
		if ((p = lookup(e, ev->pid)) != NULL)
			pe->p = p;
		else
			e->st.vanished++;
		return !ev->thread || e->threads;
	case EV_LOST:
		return true;
	default:
		return false;
	}
}

void
enrich_done(struct enrich *e, const struct event *ev)
{
	/*
	 * The exec notifications of the pid are kept: when a thread other
	 * than the leader execs, the kernel reports the old leader's exit
	 * just before the exec, whose files are queued already.  Those of a
	 * failed exec are dropped at the next exec, or when the queue is full.
	 */
	if (ev->type == EV_EXIT && !ev->thread)
		table_del(e->t, ev->pid);
}

/* What the rescan read of one live process. */
struct live {
	pid_t		 pid;
	bool		 ids_ok;
	struct proc_stat st;
	struct proc_status ids;
	struct exe_id	 id;		/* ino 0: could not be read */
};

struct rescan {
	enrich_emit_fn	 emit;
	void		*arg;
	uint64_t	 now;
	struct live	*lv;
	size_t		 n, cap;
	bool		 nomem;
};

static void
emit_synthetic(struct enrich *e, struct rescan *r, struct proc *p,
    enum event_type type, const struct pevent *prev)
{
	struct event ev;
	struct pevent pe;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.synthetic = true;
	ev.pid = ev.tid = p->pid;
	ev.ts_ns = r->now;
	if (prev != NULL)
		pe = *prev;
	else
		memset(&pe, 0, sizeof(pe));
	if (type == EV_UID) {
		ev.u.id.r = p->uid;
		ev.u.id.e = p->euid;
	} else if (type == EV_GID) {
		ev.u.id.r = p->gid;
		ev.u.id.e = p->egid;
	}
	pe.ev = &ev;
	pe.p = p;
	if (type == EV_EXEC)
		e->st.synthetic++;
	else
		e->st.synthetic_ids++;
	r->emit(r->arg, &pe);
}

/*
 * Has the process run another executable than p records?  Told by the
 * file's device and inode, which no path trick changes, and by exec
 * notifications not claimed yet.  A process whose executable cannot be
 * read (a kernel thread, a zombie) is taken as unchanged.
 */
static bool
exe_changed(struct enrich *e, const struct proc *p, const struct live *lv)
{
	if (e->exe != NULL && exe_pending(e->exe, p->pid))
		return true;
	if (lv->id.ino == 0)
		return false;
	return p->exe_id.ino == 0 || p->exe_id.ino != lv->id.ino ||
	    p->exe_id.dev != lv->id.dev;
}

/* Read stat, status and, where we may, the executable of pid. */
static void
rescan_read(struct enrich *e, pid_t pid, void *arg)
{
	struct rescan *r = arg;
	struct live *lv;
	int dirfd;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct live *n = realloc(r->lv, cap * sizeof(*n));

		if (n == NULL) {
			r->nomem = true;
			return;
		}
		r->lv = n;
		r->cap = cap;
	}
	if ((dirfd = proc_open(e->procfd, pid)) < 0)
		return;
	lv = &r->lv[r->n];
	memset(lv, 0, sizeof(*lv));
	lv->pid = pid;
	if (proc_read_stat(dirfd, &lv->st) == 0) {
		lv->ids_ok = proc_read_status(dirfd, &lv->ids) == 0;
		(void)proc_read_exe_id(dirfd, &lv->id.dev, &lv->id.ino);
		r->n++;
	}
	close(dirfd);
}

/* The identities we could not read, from the privileged part. */
static void
rescan_ask(struct enrich *e, struct rescan *r)
{
	struct enrich_idq *q;
	size_t i, n = 0;

	if (e->ask_ids == NULL)
		return;
	if ((q = calloc(r->n + 1, sizeof(*q))) == NULL) {
		r->nomem = true;
		return;
	}
	for (i = 0; i < r->n; i++) {
		if (r->lv[i].id.ino != 0)
			continue;
		q[n].pid = r->lv[i].pid;
		q[n].start_ns = proc_start_ns(&e->clock, &r->lv[i].st);
		n++;
	}
	if (n > 0)
		e->ask_ids(e->ask_arg, q, n);
	for (i = 0, n = 0; i < r->n; i++) {
		if (r->lv[i].id.ino != 0)
			continue;
		if (q[n].pid == r->lv[i].pid)
			r->lv[i].id = q[n].id;
		n++;
	}
	free(q);
}

static void
rescan_one(struct enrich *e, struct rescan *r, const struct live *lv)
{
	struct proc *p = table_get(e->t, lv->pid), *pp;
	struct pevent prev;
	uint32_t gid, egid;
	bool had_ids;

	if (p != NULL && same_process(e, p, &lv->st)) {
		p->gen = e->gen;
		had_ids = (p->flags & P_IDS) != 0;
		memset(&prev, 0, sizeof(prev));
		prev.has_prev = had_ids;
		prev.prev_uid = p->uid;
		prev.prev_euid = p->euid;
		gid = p->gid;
		egid = p->egid;
		if (lv->ids_ok) {
			p->uid = lv->ids.uid;
			p->euid = lv->ids.euid;
			p->gid = lv->ids.gid;
			p->egid = lv->ids.egid;
			p->flags |= P_IDS;
		}
		if (exe_changed(e, p, lv)) {
			on_exec(e, p);
			if (p->exe_id.ino == 0)
				p->exe_id = lv->id;
			emit_synthetic(e, r, p, EV_EXEC, NULL);
		} else {
			/* comm events may not be subscribed. */
			memcpy(p->comm, lv->st.comm, sizeof(p->comm));
			p->flags |= P_COMM;
		}
		/* Ids changed during the gap: as the kernel would have said. */
		if (had_ids && lv->ids_ok && (prev.prev_uid != p->uid ||
		    prev.prev_euid != p->euid))
			emit_synthetic(e, r, p, EV_UID, &prev);
		if (had_ids && lv->ids_ok && (gid != p->gid || egid != p->egid))
			emit_synthetic(e, r, p, EV_GID, NULL);
		return;
	}
	/* New during the gap, or the pid is another process's now. */
	if ((p = fill(e, lv->pid)) == NULL)
		return;
	if (p->exe_id.ino == 0 && same_process(e, p, &lv->st))
		p->exe_id = lv->id;
	if (!(p->flags & P_EXE) && (pp = table_get(e->t, p->ppid)) != NULL &&
	    (pp->flags & P_EXE)) {
		/* Forked during the gap and not exec'd: its parent's exe. */
		str_set(e->t, &p->exe, str_ref(pp->exe));
		p->flags |= P_EXE;
	}
	emit_synthetic(e, r, p, EV_EXEC, NULL);
}

static bool
seen(struct proc *p, void *arg)
{
	const struct enrich *e = arg;

	return p->gen == e->gen;
}

size_t
enrich_rescan(struct enrich *e, enrich_emit_fn emit, void *arg)
{
	struct rescan r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.emit = emit;
	r.arg = arg;
	r.now = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	e->gen++;
	/*
	 * Every live process is read first, then the identities the loop may
	 * not read are asked for at once, then each is compared with the
	 * table: one round trip to the privileged part per few hundred
	 * processes, not one per process.
	 */
	scan_dir(e, rescan_read, &r);
	rescan_ask(e, &r);
	for (i = 0; i < r.n; i++)
		rescan_one(e, &r, &r.lv[i]);
	if (r.nomem) {
		/* Keep what was not seen rather than forget live processes. */
		e->st.rescan_nomem++;
	} else
		table_prune(e->t, seen, e);
	free(r.lv);
	return r.n;
}
