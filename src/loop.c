/*
 * loop.c - the event loop: receive, validate, enrich, hand to a sink.
 *
 * One poll() over named slots.  When the connector socket is readable,
 * batches of datagrams are received with recvmmsg(); the fanotify queue is
 * drained after each receive, because every exec's notifications are
 * queued before its connector event is sent.  Output is flushed at the
 * end of a batch, or a few milliseconds later when the sink says so
 * (loop_sink.due), so a reader of a pipe sees events within milliseconds.
 *
 * loop_main() is the event loop's process.  Forked by the privileged part,
 * it leaves its session, takes a SCHED_DEADLINE budget while it still may,
 * then drops privileges once (a failed drop is fatal) and, with fanotify,
 * forbids itself fanotify marks; the kernel's parent-death signal, set
 * again after setresuid() cleared it, stops it when the parent dies.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>

#include "rulesink.h"
#include "clock.h"
#include "exitcode.h"
#include "ipc.h"
#include "log.h"
#include "loop.h"
#include "monitor.h"
#include "notify.h"
#include "sandbox.h"
#include "table.h"

enum { PFD_FAST, PFD_BULK, PFD_SIGNAL, PFD_SINK, PFD_MAX };

/*
 * The fanotify queue is drained with each batch of connector events, not
 * when it becomes readable: every exec queues its notifications before its
 * connector event, so waking up for them would only double the wake-ups.
 * An idle second drains it anyway, so that it never fills.
 */
#define EXE_IDLE_DRAIN_MS	1000

/* Chunks handled in a row before looking at signals again. */
#define CHUNKS_PER_WAKEUP	16

/*
 * The rescan after a loss waits until what was queued is handled, but no
 * longer than this: a user who keeps the queues full could otherwise put
 * it off for ever.  Events still buffered then are handled after it.
 */
#define RESCAN_DEFER_MAX_NS	200000000ll

/* The event loop's real-time budget: 20 % of one CPU at most. */
#define SCHED_DL_RUNTIME_NS	2000000
#define SCHED_DL_PERIOD_NS	10000000

struct sched_attr_v1 {
	uint32_t	size, policy;
	uint64_t	flags;
	int32_t		nice;
	uint32_t	priority;
	uint64_t	runtime, deadline, period;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE	6
#endif

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
	struct sched_attr_v1 attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.policy = SCHED_OTHER;
	attr.nice = getpriority(PRIO_PROCESS, 0);
	attr.runtime = slice_ns;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return -errno;
	return 0;
}

/*
 * SCHED_DEADLINE with a small budget: runtime_ns of CPU in every
 * period_ns, at most.  Within it the event loop runs as soon as an event
 * wakes it, before any ordinary task, so a program that exits a few
 * hundred microseconds after its exec, on a machine whose CPUs are all
 * busy, is still read; beyond it the kernel throttles the loop until the
 * next period, so no storm of events can make it take more than that
 * share of one CPU, and a fork bomb cannot use it to starve the machine.
 * Needs CAP_SYS_NICE (set before privileges are dropped) and a task that
 * never forks; the event loop does not, nor does the exec gate.
 */
int
loop_sched_deadline(uint64_t runtime_ns, uint64_t period_ns)
{
	struct sched_attr_v1 attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.policy = SCHED_DEADLINE;
	attr.runtime = runtime_ns;
	attr.deadline = period_ns;
	attr.period = period_ns;
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
	uint32_t drops;
	uint64_t n = 0, syn;
	int64_t t0;
	size_t procs;
	int i;

	for (i = 0; i < NL_NPARTS; i++) {
		if (nl_drops(l->src[i].nl, &drops) < 0)
			continue;
		n += (uint32_t)(drops - l->src[i].drops);
		l->src[i].drops = drops;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_LOST;
	ev.ts_ns = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	ev.u.lost.count = n > 0 ? n : 1;	/* at least one, if uncounted */
	l->st.lost += ev.u.lost.count;
	ev.u.lost.total = l->st.lost;
	l->st.events[EV_LOST]++;
	log_warnx("the kernel dropped %llu events (%llu since start); "
	    "rescanning /proc", (unsigned long long)ev.u.lost.count,
	    (unsigned long long)ev.u.lost.total);
	if (enrich_event(l->en, &ev, &pe))
		emit(l, &pe);
	if (l->exe != NULL)
		(void)exe_drain(l->exe, l->en->t);
	t0 = clock_ns(CLOCK_MONOTONIC);
	syn = l->en->st.synthetic + l->en->st.synthetic_ids;
	procs = enrich_rescan(l->en, emit, l);
	log_info("rescan: %zu processes read in %lld ms, %llu synthetic "
	    "events", procs, (long long)(clock_ns(CLOCK_MONOTONIC) - t0) /
	    1000000, (unsigned long long)(l->en->st.synthetic +
	    l->en->st.synthetic_ids - syn));
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

/* Handle a chunk of events in order; returns what the sink's flush did. */
static enum loop_stop
handle_chunk(struct loop *l, const struct event *evs, size_t n)
{
	size_t i;

	/* The names and what vanishes of new execs first, then in order. */
	(void)enrich_prefetch(l->en, evs, n);
	for (i = 0; i < n; i++)
		handle(l, &evs[i]);
	enrich_batch_end(l->en);
	return l->sink.flush(l->sink.arg);
}

/* Read more from a socket whose buffered events are all taken. */
static int
refill(struct loop *l, struct loop_src *s, bool *loss)
{
	size_t i;
	int r;

	if (s->head < s->n || s->dry)
		return 0;
	s->head = s->n = 0;
	while ((r = nl_recv(s->nl, &s->b)) == -ENOBUFS)
		*loss = true;	/* reported once the queues are read */
	if (r < 0)
		return r;
	s->dry = s->b.n < NL_BATCH;
	for (i = 0; i < s->b.n; i++) {
		if (s->b.sender[i] != 0) {
			/* Any process with CAP_NET_ADMIN can send here. */
			l->st.forged++;
			continue;
		}
		if (s->b.trunc[i]) {
			l->st.truncated++;
			continue;
		}
		s->n += event_parse(s->b.buf[i], s->b.len[i], s->ev + s->n,
		    NL_BATCH - s->n, &l->st.rej);
	}
	return 0;
}

static enum loop_stop
failed(int err)
{
	log_warnx("receiving events: %s", strerror(-err));
	return LOOP_FAILED;
}

/*
 * Receive and handle what is queued on both sockets, merged in the
 * kernel's time order (a child's fork, read from one socket, before its
 * exec, read from the other).  An event is taken only when the other
 * socket has shown the event that follows it, or is empty.  Returns
 * LOOP_FAILED on a fatal error, or what the sink's flush returned.
 */
static enum loop_stop
receive(struct loop *l, bool *bulk_seen)
{
	struct loop_src *f = &l->src[NL_FAST], *b = &l->src[NL_BULK], *s;
	bool loss = false;
	size_t n = 0, chunks = 0;
	enum loop_stop stop;
	int r;

	f->dry = b->dry = false;
	l->backlog = false;
	for (;;) {
		/*
		 * The bulk socket first: the fast one, read after it, then
		 * holds every event older than what the bulk read gave.
		 */
		if (b->head == b->n && !b->dry) {
			if ((r = refill(l, b, &loss)) < 0)
				return failed(r);
			f->dry = false;
		}
		if ((r = refill(l, f, &loss)) < 0)
			return failed(r);
		if (f->head == f->n && b->head == b->n)
			break;
		if (b->head == b->n ||
		    (f->head < f->n && f->ev[f->head].ts_ns < b->ev[b->head].ts_ns))
			s = f;
		else {
			s = b;
			*bulk_seen = true;
		}
		l->chunk[n++] = s->ev[s->head++];
		if (n < LOOP_CHUNK)
			continue;
		if ((stop = handle_chunk(l, l->chunk, n)) != LOOP_GO_ON)
			return stop;
		n = 0;
		if (++chunks == CHUNKS_PER_WAKEUP) {
			/* Let signals in; what is buffered is handled next. */
			l->backlog = true;
			break;
		}
	}
	if (n > 0 && (stop = handle_chunk(l, l->chunk, n)) != LOOP_GO_ON)
		return stop;
	/* Catch up from /proc once what was queued is handled. */
	if (loss && !l->loss)
		l->loss_since = clock_ns(CLOCK_MONOTONIC);
	l->loss |= loss;
	if (l->loss && (!l->backlog || clock_ns(CLOCK_MONOTONIC) -
	    l->loss_since >= RESCAN_DEFER_MAX_NS)) {
		l->loss = false;
		lost(l);
		return l->sink.flush(l->sink.arg);
	}
	return LOOP_GO_ON;
}

/* SIGUSR1: the counters. */
static void
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
	    "%llu synthetic execs, %llu synthetic uid/gid changes",
	    (unsigned long long)s->lost,
	    (unsigned long long)s->events[EV_LOST],
	    (unsigned long long)es->synthetic,
	    (unsigned long long)es->synthetic_ids);
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
		    "overflows, %llu unclaimed dropped, %llu execs named "
		    "from /proc instead (a failed exec's file among them), "
		    "%llu with only a loader seen, %llu names the kernel "
		    "contradicted, %llu paths from the name cache",
		    (unsigned long long)x->notes,
		    (unsigned long long)x->overflows,
		    (unsigned long long)x->evicted,
		    (unsigned long long)x->ambiguous,
		    (unsigned long long)x->loaders,
		    (unsigned long long)es->corrected,
		    (unsigned long long)x->kept);
	}
	log_info("process table: %zu processes", table_count(l->en->t));
	if (l->sink.stats != NULL)
		l->sink.stats(l->sink.arg);
}

static enum loop_stop
signals(struct loop *l)
{
	struct signalfd_siginfo si;
	enum loop_stop stop = LOOP_GO_ON;

	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			/* The parent-death signal: the privileged part died. */
			if (l->parent > 0 && getppid() != l->parent) {
				log_warnx("the privileged part is gone; "
				    "stopping");
				return LOOP_PART_GONE;
			}
			stop = LOOP_STOP;
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

static void
discard(void *arg, const struct pevent *pe)
{
	(void)arg;
	(void)pe;
}

/*
 * Execs were left to the gate (no exec events came) and are shown again:
 * the table learns from /proc what ran meanwhile, by a rescan whose
 * findings are not events.
 */
static void
watched_again(struct loop *l)
{
	l->sink.rescan = false;
	if (l->exe != NULL)
		(void)exe_drain(l->exe, l->en->t);
	log_info("event loop: execs watched again; %zu processes read",
	    enrich_rescan(l->en, discard, NULL));
}

/* Run until a reason to stop (never LOOP_GO_ON). */
static enum loop_stop
loop_run(struct loop *l)
{
	struct pollfd pfd[PFD_MAX];
	enum loop_stop stop;
	bool bulk_seen;
	int r, n, timeout, i, due;

	for (i = 0; i < NL_NPARTS; i++) {
		l->src[i].nl = l->nl[i];
		(void)nl_drops(l->nl[i], &l->src[i].drops);
	}
	pfd[PFD_FAST].fd = nl_fd(l->nl[NL_FAST]);
	pfd[PFD_SIGNAL].fd = l->sigfd;
	pfd[PFD_SINK].fd = l->sink.fd;
	for (r = 0; r < PFD_MAX; r++)
		pfd[r].events = POLLIN;
	l->bulk_polled = true;

	for (;;) {
		if (l->sink.rescan)
			watched_again(l);
		/*
		 * Idle, a fork or exit wakes us; busy with them, they are
		 * read with the fast events, or NL_BULK_DELAY_MS later.
		 */
		pfd[PFD_BULK].fd = l->bulk_polled ? nl_fd(l->nl[NL_BULK]) : -1;
		if (l->backlog)
			timeout = 0;
		else if (!l->bulk_polled)
			timeout = NL_BULK_DELAY_MS;
		else
			timeout = l->exe != NULL ? EXE_IDLE_DRAIN_MS : -1;
		if (l->sink.due != NULL && (due = l->sink.due(l->sink.arg)) >= 0 &&
		    (timeout < 0 || due < timeout))
			timeout = due;
		if ((n = poll(pfd, PFD_MAX, timeout)) < 0) {
			if (errno == EINTR)
				continue;
			return failed(-errno);
		}
		if ((pfd[PFD_SIGNAL].revents & POLLIN) &&
		    (stop = signals(l)) != LOOP_GO_ON)
			return stop;
		if (pfd[PFD_SINK].revents & (POLLIN | POLLHUP | POLLERR) &&
		    (stop = l->sink.ready(l->sink.arg)) != LOOP_GO_ON)
			return stop;
		if (n == 0 && l->sink.due != NULL &&
		    (stop = l->sink.flush(l->sink.arg)) != LOOP_GO_ON)
			return stop;
		if (n == 0 && l->bulk_polled && !l->backlog) {
			if (l->exe != NULL)
				(void)exe_drain(l->exe, l->en->t);
			continue;
		}
		bulk_seen = false;
		if ((stop = receive(l, &bulk_seen)) != LOOP_GO_ON)
			return stop;
		l->bulk_polled = !bulk_seen;
	}
}

/*
 * The child's own process: Ctrl-C reaches only the privileged part, which
 * stops us; and with scheduler autogroups, a storm of processes in another
 * session cannot crowd us out.  False when the parent is gone already.
 */
static bool
own_session(void)
{
	signal(SIGINT, SIG_IGN);
	(void)setsid();
	return prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && getppid() != 1;
}

/* The real-time budget, while we may still set it. */
static void
take_budget(void)
{
	int r;

	if ((r = loop_sched_deadline(SCHED_DL_RUNTIME_NS,
	    SCHED_DL_PERIOD_NS)) < 0)
		log_debug("no SCHED_DEADLINE budget (%s): short slices only",
		    strerror(-r));
	else
		log_debug("event loop: SCHED_DEADLINE, %d ms of CPU every %d ms "
		    "at most", SCHED_DL_RUNTIME_NS / 1000000,
		    SCHED_DL_PERIOD_NS / 1000000);
}

/* Privileges, dropped once: a failed drop is fatal. */
static void
drop_privileges(const struct sandbox_user *u, bool fanotify)
{
	int r;

	if ((r = sandbox_drop(u)) < 0)
		fatalx(EXIT_PART, "cannot drop privileges to %s: %s", u->name,
		    strerror(-r));
	if (fanotify && (r = sandbox_seccomp()) < 0)
		fatalx(EXIT_PART, "cannot forbid fanotify marks to the event "
		    "loop: %s", strerror(-r));
	/* setresuid() cleared it; the pipe would tell us anyway. */
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* Say "ready": to the privileged part, or to the service manager. */
static void
ready(struct loop *l, int ipc)
{
	struct ipc_msg m;

	if (ipc >= 0) {
		memset(&m, 0, sizeof(m));
		m.type = IPC_READY;
		if (ipc_send(ipc, &m) < 0)
			fatalx(EXIT_PART, "cannot reach the privileged part");
	} else {
		log_info("ready: monitoring %zu processes", table_count(l->en->t));
		(void)notify_send("READY=1");
	}
}

/* The loop with its sink: the monitor's lines or the rules. */
static enum loop_stop
serve(struct loop *l, const struct loop_args *a)
{
	struct monitor mon;
	struct rulesink act;
	enum loop_stop stop;

	if (a->monitor) {
		if (monitor_init(&mon, &l->sink, l->en, a->json,
		    STDOUT_FILENO, a->ipc) < 0)
			fatalx(EXIT_PART, "out of memory");
	} else if (rulesink_init(&act, &l->sink, a->cfg, l->en, a->ipc,
	    a->dry_run) < 0)
		fatalx(EXIT_PART, "out of memory");
	ready(l, a->ipc);
	stop = loop_run(l);
	if (a->monitor)
		monitor_free(&mon);
	else
		rulesink_free(&act);
	return stop;
}

int
loop_main(const struct loop_args *a)
{
	struct loop l;
	enum loop_stop stop;

	memset(&l, 0, sizeof(l));
	memcpy(l.nl, a->nl, sizeof(l.nl));
	l.en = a->en;
	l.exe = a->exe;
	l.sigfd = a->sigfd;
	if (a->ipc >= 0) {
		l.parent = getppid();
		if (!own_session())
			return EXIT_PART;
		take_budget();
		drop_privileges(a->user, a->exe != NULL);
		enrich_mark(l.en, getpid(), P_SELF);
	}
	stop = serve(&l, a);
	if (a->ipc < 0) {
		(void)notify_send("STOPPING=1");
		(void)nl_unsubscribe(l.nl[NL_FAST]);
		(void)nl_unsubscribe(l.nl[NL_BULK]);
	}
	return stop == LOOP_STOP ? 0 : EXIT_PART;
}
