/*
 * spawn.c - running hooks: a bounded queue, at most max_hooks jobs at once,
 * and a supervisor process per job.
 *
 * The privileged part keeps the queue and one result pipe per running job;
 * it never waits.  The supervisor, forked from it and still root, is a child
 * subreaper: it runs the job's hooks one after the other, logs their output
 * and outcome, and on timeout finds the hook and everything it left (setsid()
 * or not: as subreaper it inherits every orphan) under its own pid in /proc.
 * Per hook it writes one fixed-size record to the result pipe, then a last
 * record saying whether every hook exited 0.
 */
#include <sys/types.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "proc.h"
#include "spawn.h"

#define SPAWN_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_REKILL_MS	200	/* after SIGKILL, look again for stragglers */
#define SPAWN_READS	16	/* output reads per wake-up: keep the clock */
#define SPAWN_DRAIN	256	/* reads after the hook's processes ended */

/* Supervisor to privd, one write each, so never split (< PIPE_BUF). */
enum { REC_HOOK = 1, REC_END };
enum { HOOK_EXITED = 1, HOOK_SIGNALED, HOOK_TIMEOUT, HOOK_NOEXEC,
	HOOK_REFUSED };

struct spawn_rec {
	uint32_t	type;
	uint32_t	kind;		/* REC_HOOK: HOOK_* */
	int32_t		value;		/* exit code, signal, errno; REC_END: ok */
	uint32_t	started;	/* REC_HOOK: the hook was forked */
	uint64_t	lines_dropped;
};

/* Hook child to supervisor when a step before or at execve fails. */
enum { STEP_SETSID, STEP_SIGNALS, STEP_STDIO, STEP_CHDIR, STEP_GROUPS,
	STEP_GID, STEP_UID, STEP_FDS, STEP_EXEC };
static const char *const step_names[] = {
	"setsid", "signals", "stdin/stdout/stderr", "chdir /", "setgroups",
	"setresgid", "setresuid", "close_range", "execve"
};

struct spawn_fail {
	int32_t		step;
	int32_t		err;
};

struct spawn_ent {
	TAILQ_ENTRY(spawn_ent) entry;
	struct spawn_job *job;
	pid_t		 pid;		/* supervisor, once started */
	int		 fd;		/* its result pipe; -1 after EOF */
	size_t		 have;		/* bytes of a partial record */
	unsigned char	 buf[sizeof(struct spawn_rec)];
	size_t		 nrec;		/* REC_HOOK records read */
	bool		 ended;		/* REC_END read */
	bool		 ok;
};

TAILQ_HEAD(spawn_list, spawn_ent);

struct spawn {
	unsigned	 max_hooks;
	unsigned	 queue_size;
	spawn_done_fn	 done;
	void		*arg;
	struct spawn_list queue;
	struct spawn_list running;
	size_t		 nqueued;
	size_t		 nrunning;
	struct spawn_stats stats;
	uint64_t	 drops;		/* not logged yet */
	int64_t		 drop_ms;	/* when the last drop line was logged */
	bool		 stopping;
};

/* The supervisor's view of its job. */
struct sup {
	const struct spawn_job *job;
	int		 resfd;
	int		 sigfd;
	pid_t		 self;
	char		**envp;
	gid_t		*groups;
	size_t		 ngroups;
	bool		 stopping;	/* told to stop: no further hook */
};

/* One hook run inside the supervisor. */
struct hook_run {
	const char	*path;
	const char	*name;
	pid_t		 pid;		/* 0 once reaped */
	int		 status;
	int		 outfd;		/* stdout and stderr, one pipe */
	int		 repfd;		/* exec report, close-on-exec */
	bool		 children;	/* the supervisor has children left */
	bool		 noexec;
	struct spawn_fail fail;
	bool		 timedout;
	bool		 leftovers;	/* the hook ended, its processes did not */
	int		 phase;		/* 0 running, 1 SIGTERM sent, 2 SIGKILL */
	int64_t		 deadline;
	int64_t		 next;		/* next SIGKILL round */
	int64_t		 giveup;
	unsigned	 nlines;
	uint64_t	 dropped;
	size_t		 len;
	bool		 partial;	/* bytes since the last newline */
	bool		 skip;		/* line cut: skip to its end */
	char		 line[SPAWN_LINE_MAX];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
sig_name(int sig, char *buf, size_t size)
{
	const char *s = sigabbrev_np(sig);

	if (s != NULL)
		return s;
	snprintf(buf, size, "%d", sig);
	return buf;
}

void
spawn_job_free(struct spawn_job *job)
{
	size_t i;

	if (job == NULL)
		return;
	free(job->rule);
	for (i = 0; job->hooks != NULL && i < job->nhooks; i++)
		free(job->hooks[i]);
	free(job->hooks);
	free(job->user);
	free(job->home);
	for (i = 0; job->env != NULL && job->env[i] != NULL; i++)
		free(job->env[i]);
	free(job->env);
	free(job);
}

struct spawn *
spawn_new(unsigned max_hooks, unsigned queue_size, spawn_done_fn done,
    void *arg)
{
	struct spawn *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->max_hooks = max_hooks;
	sp->queue_size = queue_size;
	sp->done = done;
	sp->arg = arg;
	TAILQ_INIT(&sp->queue);
	TAILQ_INIT(&sp->running);
	return sp;
}

/* Log the drops of the last second, at most one line a second. */
static void
drop_flush(struct spawn *sp, bool force)
{
	int64_t now;

	if (sp->drops == 0)
		return;
	now = now_ms();
	if (!force && sp->drop_ms != 0 && now - sp->drop_ms < 1000)
		return;
	log_warnx("hook queue full: %llu job%s dropped (max_hooks %u, "
	    "queue_size %u)", (unsigned long long)sp->drops,
	    sp->drops == 1 ? "" : "s", sp->max_hooks, sp->queue_size);
	sp->drops = 0;
	sp->drop_ms = now;
}

/* Hand a job back to the caller and forget it. */
static void
job_end(struct spawn *sp, struct spawn_ent *e, bool ok)
{
	uint64_t cookie = e->job->cookie;

	spawn_job_free(e->job);
	free(e);
	sp->done(sp->arg, cookie, ok);
}

/* Cheap checks, done before anything is queued. */
static int
job_valid(const struct spawn_job *job)
{
	size_t i;

	if (job->nhooks == 0 || job->hooks == NULL || job->timeout == 0 ||
	    job->rule == NULL || job->event == NULL)
		return -EINVAL;
	for (i = 0; i < job->nhooks; i++)
		if (job->hooks[i] == NULL || job->hooks[i][0] != '/')
			return -EINVAL;
	return 0;
}

static void spawn_pump(struct spawn *);
static void supervise(const struct spawn_job *, int, pid_t)
    __attribute__((noreturn));

int
spawn_submit(struct spawn *sp, struct spawn_job *job)
{
	struct spawn_ent *e = NULL;
	uint64_t cookie = job->cookie;
	int r;

	if ((r = job_valid(job)) < 0) {
		log_warnx("hook job for rule %s (pid %d): invalid, not run",
		    job->rule != NULL ? job->rule : "?", (int)job->pid);
		goto drop;
	}
	if (sp->stopping) {
		r = -ESHUTDOWN;
		goto drop;
	}
	if (sp->nrunning >= sp->max_hooks && sp->nqueued >= sp->queue_size) {
		r = -ENOSPC;
		sp->stats.dropped++;
		sp->drops++;
		drop_flush(sp, false);
		goto drop;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		r = -ENOMEM;
		log_warn("hook job for rule %s (pid %d)", job->rule,
		    (int)job->pid);
		goto drop;
	}
	e->job = job;
	e->fd = -1;
	TAILQ_INSERT_TAIL(&sp->queue, e, entry);
	sp->nqueued++;
	spawn_pump(sp);
	return 0;

drop:
	spawn_job_free(job);
	sp->done(sp->arg, cookie, false);
	return r;
}

/*
 * Fork the job's supervisor.  Every signal is blocked across fork() so
 * that none of the caller's handlers runs in the child before it has
 * reset them.
 */
static int
spawn_start(struct spawn_ent *e)
{
	sigset_t all, old;
	pid_t parent = getpid(), pid;
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		supervise(e->job, p[1], parent);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -err;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		log_warn("hook job for rule %s: result pipe", e->job->rule);
	e->pid = pid;
	e->fd = p[0];
	return 0;
}

/* Start queued jobs while there is room. */
static void
spawn_pump(struct spawn *sp)
{
	struct spawn_ent *e;
	int r;

	while (!sp->stopping && sp->nrunning < sp->max_hooks &&
	    (e = TAILQ_FIRST(&sp->queue)) != NULL) {
		TAILQ_REMOVE(&sp->queue, e, entry);
		sp->nqueued--;
		if ((r = spawn_start(e)) < 0) {
			errno = -r;
			log_warn("hook job for rule %s (pid %d): cannot start "
			    "its supervisor", e->job->rule, (int)e->job->pid);
			sp->stats.failed += e->job->nhooks;
			job_end(sp, e, false);
			continue;
		}
		TAILQ_INSERT_TAIL(&sp->running, e, entry);
		sp->nrunning++;
	}
}

void
spawn_limits(struct spawn *sp, unsigned max_hooks, unsigned queue_size)
{
	sp->max_hooks = max_hooks;
	sp->queue_size = queue_size;
	spawn_pump(sp);
}

size_t
spawn_pollfds(struct spawn *sp, struct pollfd *pfd, size_t max)
{
	struct spawn_ent *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &sp->running, entry) {
		if (n == max)
			break;
		if (e->fd < 0)
			continue;
		pfd[n].fd = e->fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

static void
spawn_record(struct spawn *sp, struct spawn_ent *e, const struct spawn_rec *r)
{
	if (r->type == REC_END) {
		e->ended = true;
		e->ok = r->value == 1;
		return;
	}
	if (r->type != REC_HOOK) {
		log_warnx("hook supervisor %d: bad record type %u", (int)e->pid,
		    r->type);
		return;
	}
	e->nrec++;
	if (r->started)
		sp->stats.started++;
	sp->stats.lines_dropped += r->lines_dropped;
	switch (r->kind) {
	case HOOK_EXITED:
		if (r->value != 0)
			sp->stats.failed++;
		break;
	case HOOK_TIMEOUT:
		sp->stats.timed_out++;
		break;
	default:
		sp->stats.failed++;
		break;
	}
}

/* Read the records a supervisor wrote; close its pipe at EOF. */
static void
spawn_read(struct spawn *sp, struct spawn_ent *e)
{
	struct spawn_rec rec;
	ssize_t n;

	while (e->fd >= 0) {
		n = read(e->fd, e->buf + e->have, sizeof(e->buf) - e->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (n < 0)
				log_warn("hook supervisor %d: read",
				    (int)e->pid);
			close(e->fd);
			e->fd = -1;
			return;
		}
		e->have += (size_t)n;
		if (e->have < sizeof(e->buf))
			continue;
		memcpy(&rec, e->buf, sizeof(rec));
		e->have = 0;
		spawn_record(sp, e, &rec);
	}
}

void
spawn_io(struct spawn *sp, const struct pollfd *pfd, size_t n)
{
	struct spawn_ent *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (pfd[i].fd < 0 ||
		    !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		TAILQ_FOREACH(e, &sp->running, entry)
			if (e->fd == pfd[i].fd) {
				spawn_read(sp, e);
				break;
			}
	}
	drop_flush(sp, false);
}

/*
 * A job ends when its supervisor is reaped: what it wrote before exiting
 * is in the pipe by then, and a hook child still holding the pipe cannot
 * delay the end.
 */
bool
spawn_reaped(struct spawn *sp, pid_t pid, int status)
{
	struct spawn_ent *e;
	char sb[16];

	TAILQ_FOREACH(e, &sp->running, entry)
		if (e->pid == pid)
			break;
	if (e == NULL)
		return false;
	spawn_read(sp, e);
	if (e->fd >= 0)
		close(e->fd);
	if (!e->ended) {
		if (e->nrec < e->job->nhooks)
			sp->stats.failed += e->job->nhooks - e->nrec;
		if (WIFSIGNALED(status))
			log_warnx("hook supervisor %d for rule %s (pid %d) "
			    "killed by signal %s: job failed", (int)pid,
			    e->job->rule, (int)e->job->pid,
			    sig_name(WTERMSIG(status), sb, sizeof(sb)));
		else
			log_warnx("hook supervisor %d for rule %s (pid %d) "
			    "exited %d without a result: job failed",
			    (int)pid, e->job->rule, (int)e->job->pid,
			    WEXITSTATUS(status));
	}
	TAILQ_REMOVE(&sp->running, e, entry);
	sp->nrunning--;
	job_end(sp, e, e->ended && e->ok);
	spawn_pump(sp);
	drop_flush(sp, false);
	return true;
}

void
spawn_shutdown(struct spawn *sp)
{
	struct spawn_ent *e;
	size_t n = 0;

	sp->stopping = true;
	while ((e = TAILQ_FIRST(&sp->queue)) != NULL) {
		TAILQ_REMOVE(&sp->queue, e, entry);
		sp->nqueued--;
		n++;
		job_end(sp, e, false);
	}
	if (n > 0)
		log_info("stopping: %zu queued hook job%s dropped", n,
		    n == 1 ? "" : "s");
	TAILQ_FOREACH(e, &sp->running, entry)
		kill(e->pid, SIGTERM);
	drop_flush(sp, true);
}

const struct spawn_stats *
spawn_stats(const struct spawn *sp)
{
	return &sp->stats;
}

size_t
spawn_running(const struct spawn *sp)
{
	return sp->nrunning;
}

/*
 * Frees without calling done.  Supervisors still running are told to
 * stop; they are not waited for (the caller reaps them, or they go to
 * init when it exits).
 */
void
spawn_free(struct spawn *sp)
{
	struct spawn_ent *e;

	if (sp == NULL)
		return;
	drop_flush(sp, true);
	while ((e = TAILQ_FIRST(&sp->queue)) != NULL) {
		TAILQ_REMOVE(&sp->queue, e, entry);
		spawn_job_free(e->job);
		free(e);
	}
	while ((e = TAILQ_FIRST(&sp->running)) != NULL) {
		TAILQ_REMOVE(&sp->running, e, entry);
		kill(e->pid, SIGTERM);
		if (e->fd >= 0)
			close(e->fd);
		spawn_job_free(e->job);
		free(e);
	}
	free(sp);
}

/* --- The supervisor: everything below runs in its own process. --- */

static void
sup_write(const struct sup *s, const struct spawn_rec *rec)
{
	ssize_t n;

	do
		n = write(s->resfd, rec, sizeof(*rec));
	while (n < 0 && errno == EINTR);
}

struct pent {
	pid_t		 pid;
	pid_t		 ppid;
	uint64_t	 start;
};

static int
pent_cmp(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every process in /proc with its parent and start time, by pid. */
static size_t
sup_ptable(int procfd, DIR *d, struct pent **tabp)
{
	struct pent *tab = NULL, *t;
	struct proc_stat st;
	struct dirent *de;
	size_t n = 0, cap = 0;
	char *end;
	long v;
	int dfd;

	while ((de = readdir(d)) != NULL) {
		v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v <= 0 || v > INT_MAX)
			continue;
		if ((dfd = proc_open(procfd, (pid_t)v)) < 0)
			continue;
		if (proc_read_stat(dfd, &st) == 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				t = reallocarray(tab, cap, sizeof(*tab));
				if (t == NULL) {
					close(dfd);
					break;
				}
				tab = t;
			}
			tab[n].pid = (pid_t)v;
			tab[n].ppid = st.ppid;
			tab[n].start = st.starttime;
			n++;
		}
		close(dfd);
	}
	if (n > 0)
		qsort(tab, n, sizeof(*tab), pent_cmp);
	*tabp = tab;
	return n;
}

/*
 * Signal every descendant of the supervisor: every process whose parent
 * chain in /proc reaches it.  A pidfd taken before checking the start
 * time again makes sure a recycled pid is never signalled.
 */
static size_t
sup_kill_tree(pid_t self, int sig)
{
	struct pent *tab, *t, key;
	struct proc_stat st;
	size_t n, i, hops, killed = 0;
	DIR *d;
	int procfd, dfd, pfd;

	if ((d = opendir("/proc")) == NULL) {
		log_warn("hook supervisor: /proc");
		return 0;
	}
	procfd = dirfd(d);
	n = sup_ptable(procfd, d, &tab);
	for (i = 0; i < n; i++) {
		key.ppid = tab[i].ppid;
		for (hops = 0; key.ppid > 1 && key.ppid != self && hops < n;
		    hops++) {
			key.pid = key.ppid;
			t = bsearch(&key, tab, n, sizeof(*tab), pent_cmp);
			key.ppid = t != NULL ? t->ppid : 0;
		}
		if (key.ppid != self)
			continue;
		if ((pfd = pidfd_open(tab[i].pid, 0)) < 0)
			continue;
		if ((dfd = proc_open(procfd, tab[i].pid)) >= 0) {
			if (proc_read_stat(dfd, &st) == 0 &&
			    st.starttime == tab[i].start &&
			    pidfd_send_signal(pfd, sig, NULL, 0) == 0)
				killed++;
			close(dfd);
		}
		close(pfd);
	}
	free(tab);
	closedir(d);
	return killed;
}

/* Log one line of a hook's output, or count it past the limit. */
static void
sup_line(const struct sup *s, struct hook_run *h, bool cut)
{
	if (h->nlines >= SPAWN_LINES_MAX) {
		h->dropped++;
		return;
	}
	h->nlines++;
	log_info("hook %s (rule %s, pid %d): %.*s%s", h->name, s->job->rule,
	    (int)s->job->pid, (int)h->len, h->line, cut ? " [cut]" : "");
}

/*
 * Add one byte to the current line.  Control characters and backslash
 * become \xNN so that one output line is one log line whatever the hook
 * writes; a line whose escaped form does not fit is cut.
 */
static void
sup_byte(const struct sup *s, struct hook_run *h, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;

	if (c == '\n') {
		if (!h->skip)
			sup_line(s, h, false);
		h->len = 0;
		h->skip = false;
		h->partial = false;
		return;
	}
	h->partial = true;
	if (h->skip)
		return;
	if (h->len + need > sizeof(h->line)) {
		sup_line(s, h, true);
		h->skip = true;
		return;
	}
	if (need == 1) {
		h->line[h->len++] = (char)c;
		return;
	}
	h->line[h->len++] = '\\';
	h->line[h->len++] = 'x';
	h->line[h->len++] = hex[c >> 4];
	h->line[h->len++] = hex[c & 15];
}

static void
sup_chunk(const struct sup *s, struct hook_run *h, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end && h->nlines < SPAWN_LINES_MAX)
		sup_byte(s, h, (unsigned char)*p++);
	/* Past the limit only lines are counted. */
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!h->skip)
			h->dropped++;
		h->skip = false;
		h->partial = false;
		h->len = 0;
		p = nl + 1;
	}
	if (p < end)
		h->partial = true;
}

/* Read what the hook wrote; bounded, so endless output cannot starve. */
static void
sup_output(const struct sup *s, struct hook_run *h, bool drain)
{
	char buf[4096];
	ssize_t n;
	int reads;

	for (reads = 0; reads < (drain ? SPAWN_DRAIN : SPAWN_READS); reads++) {
		n = read(h->outfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (h->partial && !h->skip)
				sup_line(s, h, false);
			h->partial = false;
			close(h->outfd);
			h->outfd = -1;
			return;
		}
		sup_chunk(s, h, buf, (size_t)n);
	}
}

/* The exec report: EOF means execve succeeded. */
static void
sup_report(struct hook_run *h)
{
	ssize_t n;

	do
		n = read(h->repfd, &h->fail, sizeof(h->fail));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(h->fail) && h->fail.step >= 0 &&
	    h->fail.step <= STEP_EXEC)
		h->noexec = true;
	close(h->repfd);
	h->repfd = -1;
}

/* Reap every child that ended; note whether any is left. */
static void
sup_reap(struct hook_run *h)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		if (p == h->pid) {
			h->pid = 0;
			h->status = st;
		}
	h->children = p == 0;
}

/*
 * SIGTERM (or the parent's death): end the current hook, if any, and run
 * no more.
 */
static void
sup_signals(struct sup *s, struct hook_run *h, int64_t now)
{
	struct signalfd_siginfo si;
	char sb[16];

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD || s->stopping)
			continue;
		s->stopping = true;
		log_debug("hook supervisor for rule %s (pid %d): stopping on "
		    "SIG%s", s->job->rule, (int)s->job->pid,
		    sig_name((int)si.ssi_signo, sb, sizeof(sb)));
		if (h != NULL && h->phase == 0) {
			sup_kill_tree(s->self, SIGTERM);
			h->phase = 1;
			h->next = now + SPAWN_KILL_GRACE_MS;
		}
	}
}

/* Step the timeout: SIGTERM at the deadline, SIGKILL a grace later. */
static bool
sup_clock(struct sup *s, struct hook_run *h, int64_t now)
{
	switch (h->phase) {
	case 0:
		if (now < h->deadline)
			break;
		if (h->pid != 0)
			h->timedout = true;
		else
			h->leftovers = true;
		sup_kill_tree(s->self, SIGTERM);
		h->phase = 1;
		h->next = now + SPAWN_KILL_GRACE_MS;
		break;
	case 1:
		if (now < h->next)
			break;
		if (sup_kill_tree(s->self, SIGKILL) > 0)
			log_debug("hook %s (rule %s, pid %d): SIGKILL after "
			    "%d ms", h->name, s->job->rule, (int)s->job->pid,
			    SPAWN_KILL_GRACE_MS);
		h->phase = 2;
		h->next = now + SPAWN_REKILL_MS;
		h->giveup = now + SPAWN_KILL_GRACE_MS;
		break;
	case 2:
		if (now < h->next)
			break;
		if (now >= h->giveup) {
			log_warnx("hook %s (rule %s, pid %d): processes left "
			    "that SIGKILL does not end", h->name, s->job->rule,
			    (int)s->job->pid);
			return false;
		}
		sup_kill_tree(s->self, SIGKILL);
		h->next = now + SPAWN_REKILL_MS;
		break;
	}
	return true;
}

/*
 * Wait until the hook and everything it left have ended, or the timeout
 * has killed them.  Output is read all the while.
 */
static void
sup_wait(struct sup *s, struct hook_run *h)
{
	struct pollfd pfd[3];
	int64_t now, wake;
	nfds_t n;

	for (;;) {
		sup_reap(h);
		if (h->pid == 0 && h->repfd >= 0)
			sup_report(h);
		if (h->pid == 0 && !h->children)
			break;
		now = now_ms();
		if (!sup_clock(s, h, now))
			break;
		wake = h->phase == 0 ? h->deadline : h->next;
		n = 0;
		pfd[n].fd = s->sigfd;
		pfd[n++].events = POLLIN;
		if (h->outfd >= 0) {
			pfd[n].fd = h->outfd;
			pfd[n++].events = POLLIN;
		}
		if (h->repfd >= 0) {
			pfd[n].fd = h->repfd;
			pfd[n++].events = POLLIN;
		}
		wake = wake > now ? wake - now : 0;
		if (poll(pfd, n, (int)(wake < 60000 ? wake : 60000)) <= 0)
			continue;
		if (pfd[0].revents)
			sup_signals(s, h, now);
		if (h->outfd >= 0 && pfd[1].revents)
			sup_output(s, h, false);
		if (h->repfd >= 0 && pfd[n - 1].fd == h->repfd &&
		    pfd[n - 1].revents)
			sup_report(h);
	}
	if (h->outfd >= 0)
		sup_output(s, h, true);
	if (h->outfd >= 0) {
		if (h->partial && !h->skip)
			sup_line(s, h, false);
		close(h->outfd);
		h->outfd = -1;
	}
	if (h->repfd >= 0) {
		close(h->repfd);
		h->repfd = -1;
	}
}

/*
 * The hook child: its own session, stdin /dev/null, stdout and stderr to
 * the pipe, /, run_as, default signals, no descriptor beyond 2, exactly
 * the environment built by the supervisor.  A failed step is written to
 * the close-on-exec report pipe.
 */
static void __attribute__((noreturn))
sup_child(const struct sup *s, char *const argv[], int out, int rep)
{
	const struct spawn_job *job = s->job;
	struct spawn_fail f;
	struct sigaction sa;
	sigset_t none;
	int step, sig, fd;

	step = STEP_SETSID;
	if (setsid() < 0)
		goto fail;
	step = STEP_SIGNALS;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		goto fail;
	step = STEP_STDIO;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    dup2(fd, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	step = STEP_CHDIR;
	if (chdir("/") < 0)
		goto fail;
	step = STEP_GROUPS;
	if (setgroups(s->ngroups, s->groups) < 0)
		goto fail;
	step = STEP_GID;
	if (setresgid(job->gid, job->gid, job->gid) < 0)
		goto fail;
	step = STEP_UID;
	if (setresuid(job->uid, job->uid, job->uid) < 0)
		goto fail;
	step = STEP_FDS;
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		goto fail;
	step = STEP_EXEC;
	execve(argv[0], argv, s->envp);
fail:
	f.step = step;
	f.err = errno;
	(void)!write(rep, &f, sizeof(f));
	_exit(127);
}

/* Log the outcome of a hook run and fill its record. */
static void
sup_outcome(const struct sup *s, const struct hook_run *h,
    struct spawn_rec *rec)
{
	const char *rule = s->job->rule;
	int pid = (int)s->job->pid;
	char sb[16];

	if (h->noexec) {
		rec->kind = HOOK_NOEXEC;
		rec->value = h->fail.err;
		if (h->fail.step == STEP_EXEC)
			log_warnx("hook %s: cannot execute: %s (rule %s, "
			    "pid %d)", h->name, strerror(h->fail.err), rule,
			    pid);
		else
			log_warnx("hook %s: cannot run: %s: %s (rule %s, "
			    "pid %d)", h->name, step_names[h->fail.step],
			    strerror(h->fail.err), rule, pid);
	} else if (h->timedout) {
		rec->kind = HOOK_TIMEOUT;
		rec->value = (int32_t)s->job->timeout;
		log_warnx("hook %s: timed out after %u s, killed (rule %s, "
		    "pid %d)", h->name, s->job->timeout, rule, pid);
	} else if (h->pid != 0) {
		rec->kind = HOOK_SIGNALED;
		rec->value = SIGKILL;
		log_warnx("hook %s: still there after SIGKILL, given up "
		    "(rule %s, pid %d)", h->name, rule, pid);
	} else if (WIFSIGNALED(h->status)) {
		rec->kind = HOOK_SIGNALED;
		rec->value = WTERMSIG(h->status);
		log_warnx("hook %s: killed by signal %s (rule %s, pid %d)",
		    h->name, sig_name(rec->value, sb, sizeof(sb)), rule, pid);
	} else {
		rec->kind = HOOK_EXITED;
		rec->value = WEXITSTATUS(h->status);
		if (rec->value != 0)
			log_warnx("hook %s: exited %d (rule %s, pid %d)",
			    h->name, rec->value, rule, pid);
		else
			log_debug("hook %s: exited 0 (rule %s, pid %d)",
			    h->name, rule, pid);
	}
	if (h->leftovers)
		log_warnx("hook %s: processes it left still ran after %u s, "
		    "killed (rule %s, pid %d)", h->name, s->job->timeout, rule,
		    pid);
	if (h->dropped > 0)
		log_info("hook %s (rule %s, pid %d): %llu more line%s not "
		    "logged", h->name, rule, pid,
		    (unsigned long long)h->dropped, h->dropped == 1 ? "" : "s");
	rec->lines_dropped = h->dropped;
}

/* Run hook i of the job; true if it exited 0. */
static bool
sup_hook(struct sup *s, size_t i)
{
	struct spawn_rec rec = { .type = REC_HOOK };
	struct hook_run *h;
	char why[PATH_MAX + 128], pidbuf[16], *argv[4];
	const char *slash;
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 }, r;
	bool ok;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		rec.kind = HOOK_NOEXEC;
		rec.value = ENOMEM;
		sup_write(s, &rec);
		return false;
	}
	h->path = s->job->hooks[i];
	slash = strrchr(h->path, '/');
	h->name = slash != NULL ? slash + 1 : h->path;
	h->outfd = h->repfd = -1;
	if ((r = config_hook_safe(h->path, why, sizeof(why))) < 0) {
		log_warnx("hook %s: refused: %s (rule %s, pid %d)", h->name,
		    why, s->job->rule, (int)s->job->pid);
		rec.kind = HOOK_REFUSED;
		rec.value = -r;
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(rep[0], F_SETFL, O_NONBLOCK) < 0)
		goto noexec;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)s->job->pid);
	argv[0] = (char *)h->path;
	argv[1] = (char *)s->job->event;
	argv[2] = pidbuf;
	argv[3] = NULL;
	h->deadline = now_ms() + (int64_t)s->job->timeout * 1000;
	if ((h->pid = fork()) < 0)
		goto noexec;
	if (h->pid == 0)
		sup_child(s, argv, out[1], rep[1]);
	close(out[1]);
	close(rep[1]);
	out[1] = rep[1] = -1;
	h->outfd = out[0];
	h->repfd = rep[0];
	rec.started = 1;
	log_debug("hook %s: started as pid %d (rule %s, pid %d)", h->name,
	    (int)h->pid, s->job->rule, (int)s->job->pid);
	sup_wait(s, h);
	sup_outcome(s, h, &rec);
	goto out;

noexec:
	rec.kind = HOOK_NOEXEC;
	rec.value = errno;
	log_warn("hook %s: cannot run (rule %s, pid %d)", h->name,
	    s->job->rule, (int)s->job->pid);
	for (r = 0; r < 2; r++) {
		if (out[r] >= 0)
			close(out[r]);
		if (rep[r] >= 0)
			close(rep[r]);
	}
out:
	sup_write(s, &rec);
	ok = rec.kind == HOOK_EXITED && rec.value == 0;
	free(h);
	return ok;
}

/* The hook environment: exactly what SPEC lists, nothing inherited. */
static char **
sup_envp(const struct spawn_job *job, const char *user)
{
	const char *home = job->home != NULL ? job->home : "/";
	char **envp;
	size_t n = 0, i = 0;

	while (job->env != NULL && job->env[n] != NULL)
		n++;
	if ((envp = calloc(n + 5, sizeof(*envp))) == NULL)
		return NULL;
	envp[i++] = (char *)SPAWN_PATH;
	if (asprintf(&envp[i++], "HOME=%s", home) < 0)
		return NULL;
	if (user != NULL) {
		if (asprintf(&envp[i++], "USER=%s", user) < 0 ||
		    asprintf(&envp[i++], "LOGNAME=%s", user) < 0)
			return NULL;
	}
	memcpy(envp + i, job->env, n * sizeof(*envp));
	return envp;
}

/* The supplementary groups of run_as, looked up once per job. */
static int
sup_groups(struct sup *s, const char *user)
{
	int n = 32;
	gid_t *g;

	if (user == NULL) {
		if ((s->groups = malloc(sizeof(gid_t))) == NULL)
			return -ENOMEM;
		s->groups[0] = s->job->gid;
		s->ngroups = 1;
		return 0;
	}
	for (;;) {
		if ((g = reallocarray(s->groups, (size_t)n, sizeof(*g))) ==
		    NULL)
			return -ENOMEM;
		s->groups = g;
		if (getgrouplist(user, s->job->gid, g, &n) >= 0)
			break;
		if (n > 65536)
			return -E2BIG;
	}
	s->ngroups = (size_t)n;
	return 0;
}

/*
 * Set the process up from whatever the privileged part left: keep only
 * stdin/stdout/stderr and the result pipe, default signals but SIGPIPE,
 * and the stopping signals read through a signalfd.
 */
static int
sup_setup(struct sup *s, int resfd, pid_t parent)
{
	sigset_t set;
	int sig, fd;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		return -errno;
	if (getppid() != parent)
		return -ESRCH;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -errno;
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);

	/*
	 * closelog() first: glibc's syslog(), finding its socket gone, would
	 * close whatever descriptor took its number.
	 */
	closelog();
	if ((fd = fcntl(resfd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -errno;
	close(resfd);
	resfd = fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if (resfd != 3) {
		if (dup3(resfd, 3, O_CLOEXEC) < 0)
			return -errno;
		close(resfd);
	}
	s->resfd = 3;
	close_range(4, ~0U, 0);

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	if (sigprocmask(SIG_SETMASK, &set, NULL) < 0)
		return -errno;
	if ((s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		return -errno;
	s->self = getpid();
	return 0;
}

static void
supervise(const struct spawn_job *job, int resfd, pid_t parent)
{
	struct spawn_rec rec = { .type = REC_END };
	struct sup s = { .job = job, .resfd = resfd, .sigfd = -1 };
	const char *user;
	size_t i;
	int r;

	if ((r = sup_setup(&s, resfd, parent)) < 0) {
		/* -ESRCH: the privileged part is gone, which it logs. */
		if (r == -ESRCH)
			_exit(1);
		errno = -r;
		log_warn("hook supervisor for rule %s (pid %d): set-up",
		    job->rule, (int)job->pid);
		_exit(1);
	}
	user = job->user != NULL ? job->user : job->uid == 0 ? "root" : NULL;
	if ((r = sup_groups(&s, user)) < 0 ||
	    (s.envp = sup_envp(job, user)) == NULL) {
		errno = r < 0 ? -r : ENOMEM;
		log_warn("hook supervisor for rule %s (pid %d): groups of %s",
		    job->rule, (int)job->pid, user != NULL ? user : "?");
		_exit(1);
	}
	rec.value = 1;
	for (i = 0; i < job->nhooks; i++) {
		sup_signals(&s, NULL, 0);
		if (s.stopping) {
			rec.value = 0;
			break;
		}
		if (!sup_hook(&s, i))
			rec.value = 0;
	}
	sup_write(&s, &rec);
	_exit(0);
}
