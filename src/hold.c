/*
 * hold.c - holding a process stopped in a way its owner cannot undo.
 *
 * Each thread is seized and interrupted; the stop is reported through
 * waitpid(__WALL) like a child's.  While held, the process stays in its
 * ptrace stops: a signal its owner sends (SIGCONT included) is reported to
 * us instead and kept, to be delivered when the process is released.
 * SIGKILL still kills it, as it should.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "hold.h"

#define HOLD_THREADS_MAX	256
#define HOLD_PASSES		8	/* rounds of seizing new threads */

struct tracee {
	pid_t	 tid;
	uint64_t sigs;		/* signals to deliver on release */
	bool	 gone;		/* exited, or let go */
};

struct held {
	pid_t		 pid;		/* 0: free */
	int		 pidfd;
	uint64_t	 cookie;
	bool		 leaving;	/* let go: threads not yet stopped */
	unsigned	 jobs;		/* hook jobs still to decide */
	size_t		 n;
	struct tracee	 t[HOLD_THREADS_MAX];
};

struct hold {
	struct held	*h;
	size_t		 n, cap;
};

struct hold *
hold_new(void)
{
	return calloc(1, sizeof(struct hold));
}

static struct held *
by_cookie(struct hold *ho, uint64_t cookie)
{
	size_t i;

	for (i = 0; i < ho->n; i++)
		if (ho->h[i].pid != 0 && !ho->h[i].leaving &&
		    ho->h[i].cookie == cookie)
			return &ho->h[i];
	return NULL;
}

static struct tracee *
by_tid(struct hold *ho, pid_t tid, struct held **hp)
{
	size_t i, j;

	for (i = 0; i < ho->n; i++) {
		if (ho->h[i].pid == 0)
			continue;
		for (j = 0; j < ho->h[i].n; j++)
			if (ho->h[i].t[j].tid == tid && !ho->h[i].t[j].gone) {
				*hp = &ho->h[i];
				return &ho->h[i].t[j];
			}
	}
	return NULL;
}

static bool
seized(const struct held *h, pid_t tid)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->t[i].tid == tid)
			return true;
	return false;
}

/* Seize the threads of h->pid not yet seized; returns how many, or -errno. */
static int
seize_threads(struct held *h)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)h->pid);
	if ((dir = opendir(path)) == NULL)
		return -errno;
	while ((d = readdir(dir)) != NULL) {
		pid_t tid = (pid_t)atoi(d->d_name);

		if (tid <= 0 || seized(h, tid))
			continue;
		if (h->n == HOLD_THREADS_MAX) {
			err = -E2BIG;
			break;
		}
		if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_EXITKILL) < 0) {
			if (errno == ESRCH)
				continue;	/* the thread ended */
			err = -errno;
			break;
		}
		h->t[h->n].tid = tid;
		h->t[h->n].sigs = 0;
		h->t[h->n].gone = false;
		h->n++;
		if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 && errno != ESRCH) {
			err = -errno;
			break;
		}
		n++;
	}
	closedir(dir);
	return err < 0 ? err : n;
}

/*
 * Let a thread go with the signals it got while held.  PTRACE_DETACH
 * works only on a thread in a ptrace stop: false if it is not in one yet
 * (our interrupt is on its way), and hold_waited() lets it go at the stop.
 */
static bool
detach_one(struct held *h, struct tracee *t)
{
	uint64_t sigs = t->sigs;
	int sig, first;

	if (t->gone)
		return true;
	/* One goes with the detach, the others are sent again. */
	first = sigs ? __builtin_ctzll(sigs) + 1 : 0;
	if (ptrace(PTRACE_DETACH, t->tid, 0, first) < 0 && errno == ESRCH)
		return false;
	for (sig = first + 1; sig <= 64; sig++)
		if (sigs & (1ull << (sig - 1)))
			(void)syscall(SYS_tgkill, h->pid, t->tid, sig);
	t->gone = true;
	return true;
}

/* Let every thread go, now or at its stop; h is free once all are. */
static void
let_go(struct held *h)
{
	bool all = true;
	size_t i;

	for (i = 0; i < h->n; i++)
		if (!detach_one(h, &h->t[i]))
			all = false;
	h->leaving = !all;
	if (all)
		h->pid = 0;
}

int
hold_start(struct hold *ho, pid_t pid, int pidfd, uint64_t cookie)
{
	struct held *h = NULL;
	size_t i;
	int r = 0, pass;

	for (i = 0; i < ho->n; i++)
		if (ho->h[i].pid == 0) {
			h = &ho->h[i];
			break;
		}
	if (h == NULL) {
		if (ho->n == ho->cap) {
			size_t ncap = ho->cap ? ho->cap * 2 : 8;
			struct held *nh = reallocarray(ho->h, ncap, sizeof(*nh));

			if (nh == NULL)
				return -ENOMEM;
			ho->h = nh;
			ho->cap = ncap;
		}
		h = &ho->h[ho->n++];
	}
	memset(h, 0, offsetof(struct held, t));
	h->pid = pid;
	h->pidfd = pidfd;
	h->cookie = cookie;
	h->jobs = 1;
	/* The main thread first, at once; then whatever threads it has. */
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) < 0) {
		h->pid = 0;
		return -errno;
	}
	h->t[0].tid = pid;
	h->t[0].sigs = 0;
	h->t[0].gone = false;
	h->n = 1;
	/*
	 * The caller checked the process through the pidfd, but ptrace
	 * takes a number: if the process ended since and the number went
	 * to another, we seized that one.  Seized, the number cannot change
	 * hands (a tracee that exits stays a zombie until its tracer reaps
	 * it), so a pidfd whose process is still there now means we hold
	 * the very process.  Another is only interrupted so that it can be
	 * let go: PTRACE_DETACH needs a stop.
	 */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		r = -errno;
		(void)ptrace(PTRACE_INTERRUPT, pid, 0, 0);
		goto fail;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0) {
		r = -errno;
		goto fail;
	}
	/* Threads made while we seize the others: go round until none. */
	for (pass = 0; pass < HOLD_PASSES; pass++) {
		if ((r = seize_threads(h)) <= 0)
			break;
	}
	if (r < 0 || h->n == 0 || pass == HOLD_PASSES) {
		if (r >= 0)
			r = h->n == 0 ? -ESRCH : -EAGAIN;
		goto fail;
	}
	return 0;
fail:
	h->pidfd = -1;		/* the caller's */
	h->cookie = 0;
	let_go(h);
	return r;
}

bool
hold_waited(struct hold *ho, pid_t tid, int status)
{
	struct held *h;
	struct tracee *t = by_tid(ho, tid, &h);
	int sig;

	if (t == NULL)
		return false;
	if (WIFEXITED(status) || WIFSIGNALED(status))
		t->gone = true;
	else if (WIFSTOPPED(status)) {
		sig = WSTOPSIG(status);
		/*
		 * Our interrupt (PTRACE_EVENT_STOP with SIGTRAP) and group
		 * stops leave nothing to deliver; any other stop is a signal
		 * that arrived while held: keep it for the release, and stay
		 * stopped.
		 */
		if ((status >> 16) == 0 && sig != SIGTRAP && sig > 0 &&
		    sig <= 64)
			t->sigs |= 1ull << (sig - 1);
	}
	if (h->leaving)
		let_go(h);
	return true;
}

static void
forget(struct held *h)
{
	close(h->pidfd);
	h->pidfd = -1;
	h->cookie = 0;
}

uint64_t
hold_join(struct hold *ho, pid_t pid)
{
	size_t i;

	for (i = 0; i < ho->n; i++)
		if (ho->h[i].pid == pid && !ho->h[i].leaving) {
			ho->h[i].jobs++;
			return ho->h[i].cookie;
		}
	return 0;
}

int
hold_decide(struct hold *ho, uint64_t cookie, bool ok)
{
	struct held *h = by_cookie(ho, cookie);

	if (h == NULL)
		return -ENOENT;
	if (!ok) {
		(void)hold_kill(ho, cookie);
		return HOLD_KILLED;
	}
	if (--h->jobs > 0)
		return HOLD_WAITING;
	(void)hold_release(ho, cookie);
	return HOLD_RELEASED;
}

int
hold_release(struct hold *ho, uint64_t cookie)
{
	struct held *h = by_cookie(ho, cookie);

	if (h == NULL)
		return -ENOENT;
	forget(h);
	let_go(h);
	return 0;
}

int
hold_kill(struct hold *ho, uint64_t cookie)
{
	struct held *h = by_cookie(ho, cookie);
	int r = 0;

	if (h == NULL)
		return -ENOENT;
	if (syscall(SYS_pidfd_send_signal, h->pidfd, SIGKILL, NULL, 0) < 0)
		r = -errno;
	forget(h);
	h->pid = 0;
	return r;
}

void
hold_kill_all(struct hold *ho)
{
	size_t i;

	for (i = 0; i < ho->n; i++)
		if (ho->h[i].leaving)
			let_go(&ho->h[i]);	/* one more try */
		else if (ho->h[i].pid != 0)
			(void)hold_kill(ho, ho->h[i].cookie);
}

void
hold_free(struct hold *ho)
{
	if (ho == NULL)
		return;
	hold_kill_all(ho);
	free(ho->h);
	free(ho);
}
