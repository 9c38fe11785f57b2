/*
 * loop.c - the event loop: receive, validate, enrich, hand to a sink.
 *
 * One poll() over named slots.  When the connector socket is readable,
 * batches of datagrams are received with recvmmsg(); the fanotify queue is
 * drained after each receive, because every exec's notifications are
 * queued before its connector event is sent.  Output is flushed per batch,
 * so a reader of a pipe sees events within milliseconds.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>

#include "log.h"
#include "loop.h"

enum { PFD_NETLINK, PFD_SIGNAL, PFD_SINK, PFD_MAX };

/*
 * The fanotify queue is drained with each batch of connector events, not
 * when it becomes readable: every exec queues its notifications before its
 * connector event, so waking up for them would only double the wake-ups.
 * An idle second drains it anyway, so that it never fills.
 */
#define EXE_IDLE_DRAIN_MS	1000

/* Receive batches in a row before looking at signals again. */
#define BATCHES_PER_WAKEUP	64

/*
 * Ask the scheduler for short slices (Linux 6.12+ EEVDF: sched_runtime of
 * a SCHED_OTHER task).  A task with a short slice gets an early deadline,
 * so when an event wakes it, it preempts the task that sent the event
 * instead of waiting behind it; a program that exits a few hundred
 * microseconds after its exec can then still be read.  Its share of the
 * CPU is unchanged: this is no priority, and a fork bomb gains nothing
 * from it.  Older kernels refuse or ignore it.
 */
int
loop_sched_latency(uint64_t slice_ns)
{
	struct {
		uint32_t size, policy;
		uint64_t flags;
		int32_t	 nice;
		uint32_t priority;
		uint64_t runtime, deadline, period;
	} attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.policy = SCHED_OTHER;
	attr.nice = getpriority(PRIO_PROCESS, 0);
	attr.runtime = slice_ns;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return -errno;
	return 0;
}

int
loop_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

static void
emit(void *arg, const struct pevent *pe)
{
	struct loop *l = arg;

	l->sink.event(l->sink.arg, pe);
}

/* The kernel dropped events: say how many, then catch up from /proc. */
static void
lost(struct loop *l)
{
	struct event ev;
	struct pevent pe;
	struct timespec ts;
	uint32_t drops = l->drops;

	if (nl_drops(l->nl, &drops) < 0 || drops == l->drops)
		drops = l->drops + 1;	/* at least one, if uncounted */
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_LOST;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ev.ts_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	ev.u.lost.count = (uint32_t)(drops - l->drops);
	l->st.lost += ev.u.lost.count;
	ev.u.lost.total = l->st.lost;
	l->drops = drops;
	l->st.events[EV_LOST]++;
	log_warnx("the kernel dropped %llu events (%llu since start); "
	    "rescanning /proc", (unsigned long long)ev.u.lost.count,
	    (unsigned long long)ev.u.lost.total);
	if (enrich_event(l->en, &ev, &pe))
		emit(l, &pe);
	if (l->exe != NULL)
		(void)exe_drain(l->exe, l->en->t);
	enrich_rescan(l->en, emit, l);
}

static void
handle(struct loop *l, const struct event *ev)
{
	struct pevent pe;

	if (ev->type == EV_ACK) {
		l->st.acks++;
		return;
	}
	l->st.events[ev->type]++;
	if (enrich_event(l->en, ev, &pe))
		l->sink.event(l->sink.arg, &pe);
	else if (ev->thread)
		l->st.threads++;
	enrich_done(l->en, ev);
}

/*
 * Receive and handle what is queued; returns -errno on a fatal error, or
 * what the sink's flush returned.  Within a batch, the arguments of new
 * execs are read first, then the fanotify queue (it holds every name the
 * batch needs: an exec's notifications are queued before its event is
 * sent), then the events are handled in order.
 */
static int
receive(struct loop *l, struct nl_batch *b)
{
	static struct event evs[NL_BATCH * 2];
	bool loss = false, execs;
	size_t i, n;
	int r, k;

	for (k = 0; k < BATCHES_PER_WAKEUP; k++) {
		r = nl_recv(l->nl, b);
		if (r == -ENOBUFS) {
			loss = true;
			continue;
		}
		if (r < 0)
			return r;
		if (b->n == 0)
			break;
		for (i = n = 0; i < b->n; i++) {
			if (b->sender[i] != 0) {
				/* Any process with CAP_NET_ADMIN can send here. */
				l->st.forged++;
				continue;
			}
			if (b->trunc[i]) {
				l->st.truncated++;
				continue;
			}
			n += event_parse(b->buf[i], b->len[i], evs + n,
			    sizeof(evs) / sizeof(evs[0]) - n, &l->st.rej);
		}
		execs = enrich_prefetch(l->en, evs, n) > 0;
		/* Only an exec needs a name: forks and exits need no read. */
		if (l->exe != NULL && execs)
			(void)exe_drain(l->exe, l->en->t);
		for (i = 0; i < n; i++)
			handle(l, &evs[i]);
		enrich_batch_end(l->en);
		if ((r = l->sink.flush(l->sink.arg)) != 0)
			return r;
		/* Not a full batch: the queue is empty, poll() will say when not. */
		if (b->n < NL_BATCH)
			break;
	}
	if (loss) {
		lost(l);
		if ((r = l->sink.flush(l->sink.arg)) != 0)
			return r;
	}
	return 0;
}

void
loop_log_stats(struct loop *l)
{
	const struct enrich_stats *es = &l->en->st;
	const struct loop_stats *s = &l->st;
	uint64_t rej = 0;
	int i;

	for (i = 0; i < EVR__MAX; i++)
		rej += s->rej.rejected[i];
	log_info("events: fork %llu, exec %llu, exit %llu, uid %llu, "
	    "gid %llu, sid %llu, comm %llu, ptrace %llu, coredump %llu; "
	    "thread events not reported %llu",
	    (unsigned long long)s->events[EV_FORK],
	    (unsigned long long)s->events[EV_EXEC],
	    (unsigned long long)s->events[EV_EXIT],
	    (unsigned long long)s->events[EV_UID],
	    (unsigned long long)s->events[EV_GID],
	    (unsigned long long)s->events[EV_SID],
	    (unsigned long long)s->events[EV_COMM],
	    (unsigned long long)s->events[EV_PTRACE],
	    (unsigned long long)s->events[EV_COREDUMP],
	    (unsigned long long)s->threads);
	log_info("lost: %llu events dropped by the kernel in %llu gaps, "
	    "%llu synthetic execs", (unsigned long long)s->lost,
	    (unsigned long long)s->events[EV_LOST],
	    (unsigned long long)es->synthetic);
	log_info("refused: %llu messages not from the kernel, %llu malformed, "
	    "%llu truncated", (unsigned long long)s->forged,
	    (unsigned long long)rej, (unsigned long long)s->truncated);
	log_info("enrichment misses: %llu processes vanished before they "
	    "could be read, %llu executables and %llu argument lists unknown, "
	    "%llu reused pids; %llu repeated per-thread id changes folded",
	    (unsigned long long)es->vanished,
	    (unsigned long long)es->exe_miss,
	    (unsigned long long)es->cmdline_miss,
	    (unsigned long long)es->reused,
	    (unsigned long long)es->dup_ids);
	if (l->exe != NULL) {
		const struct exe_stats *x = exe_stats(l->exe);

		log_info("fanotify: %llu exec notifications, %llu queue "
		    "overflows, %llu unclaimed dropped",
		    (unsigned long long)x->notes,
		    (unsigned long long)x->overflows,
		    (unsigned long long)x->evicted);
	}
	log_info("process table: %zu processes", table_count(l->en->t));
	if (l->sink.stats != NULL)
		l->sink.stats(l->sink.arg);
}

/* Returns 1 to stop, 0 to go on. */
static int
signals(struct loop *l)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			stop = 1;
			break;
		case SIGUSR1:
			loop_log_stats(l);
			break;
		case SIGHUP:
			if (l->sink.reload != NULL)
				l->sink.reload(l->sink.arg);
			break;
		default:
			break;
		}
	}
	return stop;
}

int
loop_run(struct loop *l)
{
	static struct nl_batch batch;
	struct pollfd pfd[PFD_MAX];
	int r;

	pfd[PFD_NETLINK].fd = nl_fd(l->nl);
	pfd[PFD_SIGNAL].fd = l->sigfd;
	pfd[PFD_SINK].fd = l->sink.fd;
	for (r = 0; r < PFD_MAX; r++)
		pfd[r].events = POLLIN;
	(void)nl_drops(l->nl, &l->drops);

	for (;;) {
		if ((r = poll(pfd, PFD_MAX, l->exe != NULL ?
		    EXE_IDLE_DRAIN_MS : -1)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0) {
			(void)exe_drain(l->exe, l->en->t);
			continue;
		}
		if ((pfd[PFD_SIGNAL].revents & POLLIN) && signals(l))
			return 0;
		if (pfd[PFD_SINK].revents & (POLLIN | POLLHUP | POLLERR) &&
		    (r = l->sink.ready(l->sink.arg)) != 0)
			return r == 1 ? 0 : r;
		if (pfd[PFD_NETLINK].revents & (POLLIN | POLLERR) &&
		    (r = receive(l, &batch)) != 0)
			return r == 1 ? 0 : r;
	}
}
