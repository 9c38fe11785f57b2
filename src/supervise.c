/*
 * supervise.c - the supervisor of one hook job: a process forked by the
 * privileged part (spawn.c) for the job, still root.
 *
 * It runs the job's hooks one after the other, logs their output
 * (hookout.c) and their outcome, and writes a record to the result pipe
 * as each hook process ends, then the job's result as soon as the last one
 * has ended: a held process never waits for what a hook left running.
 *
 * What a hook leaves behind stays supervised until that hook's deadline
 * (its start plus the timeout), then gets SIGTERM, then SIGKILL.  To tell
 * whose a process is, each hook runs under a keeper (hookexec.c): a child
 * of the supervisor that is a child subreaper, forks the hook, reports its
 * pid and wait status, and reaps every orphan below it.  The kernel
 * re-parents an orphan to its nearest subreaper ancestor, so a hook's
 * processes are exactly its keeper's descendants in /proc (proctree.c),
 * setsid() or not; with one subreaper for the whole job, the orphans of
 * every hook would all become its children and could no longer be told
 * apart.  A keeper exits when it has no child left; the supervisor exits
 * when no keeper is left.  A job of one hook, the common case, needs no
 * keeper: the supervisor is its subreaper, waits for the hook itself, and
 * exits when it has no child left.
 *
 * Each hook's life is a state machine: its states and the events that
 * move between them are listed once, in hookrun.c; this file does the
 * actions.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "hookexec.h"
#include "hookout.h"
#include "hookrun.h"
#include "log.h"
#include "proctree.h"
#include "signame.h"
#include "supervise.h"

#define SUP_REKILL_MS	200	/* after SIGKILL, look again for stragglers */
#define SUP_RESFD	3	/* the result pipe */

/* One hook and what it left. */
struct sup_run {
	const char	*name;
	enum hookrun_state state;
	pid_t		 keeper;	/* 0: none, the supervisor is one */
	int		 kstatus;	/* the keeper's wait status, once reaped */
	pid_t		 pid;		/* the hook's: 0 until the keeper says;
					 * -errno: the keeper could not fork */
	int		 status;	/* the hook's wait status, on ON_EXITED */
	int		 kfd;		/* keeper's report: hook pid, status */
	int32_t		 kmsg[2];	/* that report, as read so far */
	size_t		 khave;
	int		 repfd;		/* exec report, close-on-exec */
	struct hookexec_fail fail;	/* step -1: none reported */
	bool		 timedout;	/* SIGTERM at the deadline to the hook */
	bool		 leftovers;	/* ... to what it left, and some got it */
	int64_t		 timer;		/* ON_TIMER: the deadline in UP and
					 * LEFT, the next signal after */
	int64_t		 giveup;	/* in KILL states: SIGKILL failed */
	uint64_t	 dropped_sent;	/* in the hook's record */
	struct hookout	 out;
};

struct sup {
	const struct spawn_job *job;
	int		 sigfd;
	pid_t		 self;
	struct hookexec	 x;		/* what every hook runs with */
	struct sup_run	**runs;		/* by hook; NULL when not running */
	struct pollfd	*pfd;
	size_t		 next;		/* the next hook to start */
	struct sup_run	*cur;		/* the hook whose process runs now */
	int64_t		 now;
	bool		 ok;		/* every hook so far exited 0 */
	bool		 ended;		/* the END record is written */
	bool		 stopping;	/* told to stop: no further hook */
};

int64_t
supervise_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sup_write(const struct supervise_rec *rec)
{
	ssize_t n;

	do
		n = write(SUP_RESFD, rec, sizeof(*rec));
	while (n < 0 && errno == EINTR);
}

/* Signal what runs below the hook's keeper (or below us, keeperless). */
static size_t
sup_kill(const struct sup *s, const struct sup_run *r, int sig)
{
	return proctree_kill(r->keeper != 0 ? r->keeper : s->self, sig);
}

/* The exec report: EOF means execve succeeded. */
static void
sup_report(struct sup_run *r)
{
	struct hookexec_fail f;
	ssize_t n;

	do
		n = read(r->repfd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(f) && hookexec_step_name(f.step) != NULL)
		r->fail = f;
	close(r->repfd);
	r->repfd = -1;
}

/*
 * Log how a hook ended and fill its record.  how: ON_EXITED (its status
 * is known), ON_LOST (its keeper died), ON_GIVEUP (SIGKILL did not end it).
 */
static void
sup_outcome(const struct sup *s, const struct sup_run *r,
    enum hookrun_event how, struct supervise_rec *rec)
{
	const char *rule = s->job->rule;
	int pid = (int)s->job->pid;
	struct log_fields f = LOG_FIELDS_NONE;
	char sb[16];

	f.rule = rule;
	f.hook = r->name;
	f.event = s->job->event;
	f.pid = pid;

	rec->started = r->pid > 0;
	if (r->pid < 0) {
		rec->kind = SUPERVISE_NOEXEC;
		rec->value = -r->pid;
		log_event(LOG_WARNING, &f, "hook %s: cannot run (rule %s, "
		    "pid %d): %s", r->name, rule, pid, strerror(rec->value));
	} else if (r->fail.step >= 0) {
		rec->kind = SUPERVISE_NOEXEC;
		rec->value = r->fail.err;
		if (r->fail.step == HOOKEXEC_EXEC)
			log_event(LOG_WARNING, &f, "hook %s: cannot execute: "
			    "%s (rule %s, pid %d)", r->name,
			    strerror(r->fail.err), rule, pid);
		else
			log_event(LOG_WARNING, &f, "hook %s: cannot run: %s: "
			    "%s (rule %s, pid %d)", r->name,
			    hookexec_step_name(r->fail.step),
			    strerror(r->fail.err), rule, pid);
	} else if (r->timedout) {
		rec->kind = SUPERVISE_TIMEOUT;
		rec->value = (int32_t)s->job->timeout;
		log_event(LOG_WARNING, &f, "hook %s: timed out after %u s, "
		    "killed (rule %s, pid %d)", r->name, s->job->timeout,
		    rule, pid);
	} else if (how == ON_GIVEUP) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = SIGKILL;
		log_event(LOG_WARNING, &f, "hook %s: still there after "
		    "SIGKILL, given up (rule %s, pid %d)", r->name, rule, pid);
	} else if (how == ON_LOST) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = SIGKILL;
		log_event(LOG_WARNING, &f, "hook %s: its keeper process died, "
		    "outcome unknown (rule %s, pid %d)", r->name, rule, pid);
	} else if (WIFSIGNALED(r->status)) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = WTERMSIG(r->status);
		log_event(LOG_WARNING, &f, "hook %s: killed by signal %s "
		    "(rule %s, pid %d)", r->name,
		    signame_or_number(rec->value, sb, sizeof(sb)), rule, pid);
	} else {
		rec->kind = SUPERVISE_EXITED;
		rec->value = WEXITSTATUS(r->status);
		log_event(rec->value != 0 ? LOG_WARNING : LOG_DEBUG, &f,
		    "hook %s: exited %d (rule %s, pid %d)", r->name,
		    rec->value, rule, pid);
	}
	rec->lines_dropped = r->out.dropped;
}

/*
 * The hook process has ended (or was given up on): its outcome is
 * decided now, whatever it left still runs.
 */
static void
sup_ended(struct sup *s, struct sup_run *r, enum hookrun_event how)
{
	struct supervise_rec rec = { .type = SUPERVISE_REC_HOOK };

	if (r->repfd >= 0)
		sup_report(r);
	if (r->repfd >= 0) {
		close(r->repfd);
		r->repfd = -1;
	}
	hookout_read(&r->out, true);
	sup_outcome(s, r, how, &rec);
	r->dropped_sent = r->out.dropped;
	sup_write(&rec);
	if (rec.kind != SUPERVISE_EXITED || rec.value != 0)
		s->ok = false;
	if (s->cur == r)
		s->cur = NULL;
}

/* SIGTERM on stop, to the hook or to what it left. */
static void
sup_term(struct sup *s, struct sup_run *r)
{
	sup_kill(s, r, SIGTERM);
	r->timer = s->now + SUPERVISE_KILL_GRACE_MS;
}

/* SIGTERM at the deadline to what the hook left, if anything. */
static void
sup_term_leftovers(struct sup *s, struct sup_run *r)
{
	if (sup_kill(s, r, SIGTERM) > 0)
		r->leftovers = true;
	r->timer = s->now + SUPERVISE_KILL_GRACE_MS;
}

/* SIGKILL a grace after SIGTERM; again until a grace more has passed. */
static void
sup_first_kill(struct sup *s, struct sup_run *r)
{
	if (sup_kill(s, r, SIGKILL) > 0)
		log_debug("hook %s (rule %s, pid %d): SIGKILL after %d ms",
		    r->name, s->job->rule, (int)s->job->pid,
		    SUPERVISE_KILL_GRACE_MS);
	r->timer = s->now + SUP_REKILL_MS;
	r->giveup = s->now + SUPERVISE_KILL_GRACE_MS;
}

/* Move a hook's life on by one event (hookrun.c says how). */
static void
sup_fire(struct sup *s, struct sup_run *r, enum hookrun_event ev)
{
	struct hookrun_step t = hookrun_step(r->state, ev);

	switch (t.act) {
	case DO_NOTHING:
		break;
	case DO_OUTCOME:
		sup_ended(s, r, ev);
		break;
	case DO_TERM:
		sup_term(s, r);
		break;
	case DO_TIMEOUT:
		sup_term(s, r);
		r->timedout = true;
		break;
	case DO_LEFTOVERS:
		sup_term_leftovers(s, r);
		break;
	case DO_KILL:
		sup_first_kill(s, r);
		break;
	case DO_REKILL:
		sup_kill(s, r, SIGKILL);
		r->timer = s->now + SUP_REKILL_MS;
		break;
	case DO_GIVEUP:
		log_warnx("hook %s (rule %s, pid %d): processes left that "
		    "SIGKILL does not end", r->name, s->job->rule,
		    (int)s->job->pid);
		if (hookrun_hook_runs(r->state))
			sup_ended(s, r, ev);
		break;
	}
	if (t.next != RUN_SAME)
		r->state = t.next;
}

/*
 * The keeper's report: the hook's pid (or -errno), then its wait status.
 * EOF before the status means the keeper died.
 */
static void
sup_keeper_read(struct sup *s, struct sup_run *r)
{
	size_t had = r->khave;
	bool eof = false;
	ssize_t n;

	while (r->khave < sizeof(r->kmsg)) {
		n = read(r->kfd, (char *)r->kmsg + r->khave,
		    sizeof(r->kmsg) - r->khave);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			eof = true;
			break;
		}
		r->khave += (size_t)n;
	}
	if (had < sizeof(int32_t) && r->khave >= sizeof(int32_t)) {
		r->pid = r->kmsg[0];
		if (r->pid > 0)
			log_debug("hook %s: started as pid %d (rule %s, pid "
			    "%d)", r->name, (int)r->pid, s->job->rule,
			    (int)s->job->pid);
	}
	if (r->khave == sizeof(r->kmsg)) {
		close(r->kfd);
		r->kfd = -1;
		r->status = r->kmsg[1];
		sup_fire(s, r, ON_EXITED);
	} else if (eof) {
		close(r->kfd);
		r->kfd = -1;
		sup_fire(s, r, ON_LOST);
	}
}

/* Reap every child that ended: keepers, keeperless hooks, orphans. */
static void
sup_reap(struct sup *s)
{
	struct sup_run *r;
	size_t i;
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		for (i = 0; i < s->job->nhooks; i++) {
			if ((r = s->runs[i]) == NULL)
				continue;
			if (r->keeper == p) {
				r->kstatus = st;
				sup_fire(s, r, ON_EMPTY);
				break;
			}
			/* Our own hook, with no keeper: its status. */
			if (r->keeper == 0 && r->pid == p && hookrun_hook_runs(r->state)) {
				r->status = st;
				sup_fire(s, r, ON_EXITED);
				break;
			}
		}
	/* No child left: what a keeperless hook left is gone too. */
	if (p < 0 && errno == ECHILD)
		for (i = 0; i < s->job->nhooks; i++)
			if ((r = s->runs[i]) != NULL && r->keeper == 0)
				sup_fire(s, r, ON_EMPTY);
}

/*
 * SIGTERM (or the parent's death): end every hook and everything they
 * left, and run no more.
 */
static void
sup_signals(struct sup *s)
{
	struct signalfd_siginfo si;
	char sb[16];
	size_t i;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD || s->stopping)
			continue;
		s->stopping = true;
		log_debug("hook supervisor for rule %s (pid %d): stopping on "
		    "SIG%s", s->job->rule, (int)s->job->pid,
		    signame_or_number((int)si.ssi_signo, sb, sizeof(sb)));
		for (i = 0; i < s->job->nhooks; i++)
			if (s->runs[i] != NULL)
				sup_fire(s, s->runs[i], ON_STOP);
	}
}

/* The hook and everything it left are gone: last lines, then forget it. */
static void
sup_finish(const struct sup *s, struct sup_run *r)
{
	struct supervise_rec rec = { .type = SUPERVISE_REC_LINES };
	const char *rule = s->job->rule;
	int pid = (int)s->job->pid;
	char sb[16];

	hookout_read(&r->out, true);
	hookout_close(&r->out);
	if (r->kfd >= 0)
		close(r->kfd);
	if (r->leftovers)
		log_warnx("hook %s: processes it left still ran after %u s, "
		    "killed (rule %s, pid %d)", r->name, s->job->timeout, rule,
		    pid);
	if (WIFSIGNALED(r->kstatus))
		log_warnx("hook %s: its keeper process was killed by signal "
		    "%s: what the hook left is no longer supervised (rule %s, "
		    "pid %d)", r->name, signame_or_number(
		    WTERMSIG(r->kstatus), sb, sizeof(sb)), rule, pid);
	hookout_log_dropped(&r->out);
	if (r->out.dropped > r->dropped_sent) {
		rec.lines_dropped = r->out.dropped - r->dropped_sent;
		sup_write(&rec);
	}
	free(r);
}

/* A hook that could not be started: its record; the job is not ok. */
static void
sup_not_started(struct sup *s, enum supervise_outcome kind, int err)
{
	struct supervise_rec rec = {
		.type = SUPERVISE_REC_HOOK,
		.kind = kind,
		.value = err,
	};

	sup_write(&rec);
	s->ok = false;
}

static void
close_pair(const int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/*
 * Fork the hook's process: under a keeper, or, for the only hook of the
 * job, itself.  Then what it leaves is all the supervisor's, so the
 * supervisor is its subreaper, and a process is saved on the path of
 * every hook run.  Returns 0 or -errno.
 */
static int
sup_fork(struct sup *s, struct sup_run *r, char *const argv[], int hfd,
    int out, int rep)
{
	int k[2], e;
	pid_t pid;

	if (s->job->nhooks == 1) {
		if ((pid = vfork()) < 0)
			return -errno;
		if (pid == 0)
			hookexec_child(&s->x, argv, hfd, out, rep);
		r->pid = pid;
		return 0;
	}
	if (pipe2(k, O_CLOEXEC) < 0)
		return -errno;
	if (fcntl(k[0], F_SETFL, O_NONBLOCK) < 0 || (pid = fork()) < 0) {
		e = errno;
		close_pair(k);
		return -e;
	}
	if (pid == 0)
		hookexec_keeper(&s->x, argv, hfd, out, rep, k[1]);
	close(k[1]);
	r->keeper = pid;
	r->kfd = k[0];
	return 0;
}

/* Start hook i; a hook that cannot start ends here. */
static void
sup_start(struct sup *s, size_t i)
{
	const char *path = s->job->hooks[i], *slash;
	char why[PATH_MAX + 128], pidbuf[16], *argv[4];
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 };
	struct sup_run *r;
	int e = 0, hfd;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		sup_not_started(s, SUPERVISE_NOEXEC, ENOMEM);
		return;
	}
	slash = strrchr(path, '/');
	r->name = slash != NULL ? slash + 1 : path;
	r->kfd = -1;
	r->fail.step = -1;
	/* Checked again before each run, and run from what was checked. */
	if ((hfd = config_hook_open(path, why, sizeof(why))) < 0) {
		log_warnx("hook %s: refused: %s (rule %s, pid %d)", r->name,
		    why, s->job->rule, (int)s->job->pid);
		sup_not_started(s, SUPERVISE_REFUSED, -hfd);
		free(r);
		return;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)s->job->pid);
	argv[0] = (char *)path;
	argv[1] = (char *)s->job->event;
	argv[2] = pidbuf;
	argv[3] = NULL;
	r->timer = supervise_now_ms() + (int64_t)s->job->timeout * 1000;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(rep[0], F_SETFL, O_NONBLOCK) < 0 ||
	    (e = sup_fork(s, r, argv, hfd, out[1], rep[1])) < 0) {
		e = e < 0 ? -e : errno;
		errno = e;
		log_warn("hook %s: cannot run (rule %s, pid %d)", r->name,
		    s->job->rule, (int)s->job->pid);
		sup_not_started(s, SUPERVISE_NOEXEC, e);
		close(hfd);
		close_pair(out);
		close_pair(rep);
		free(r);
		return;
	}
	close(hfd);
	close(out[1]);
	close(rep[1]);
	hookout_init(&r->out, out[0], r->name, s->job->rule, s->job->pid);
	r->repfd = rep[0];
	r->state = RUN_UP;
	s->runs[i] = r;
	s->cur = r;
}

/*
 * Read, decide and time one hook.  True while it or what it left still
 * runs; false once it has been finished and freed.
 */
static bool
sup_step(struct sup *s, size_t i)
{
	struct sup_run *r = s->runs[i];

	hookout_read(&r->out, false);
	if (r->repfd >= 0)
		sup_report(r);
	if (r->kfd >= 0)
		sup_keeper_read(s, r);
	if (s->now >= r->timer)
		sup_fire(s, r, r->giveup != 0 && s->now >= r->giveup ?
		    ON_GIVEUP : ON_TIMER);
	if (r->state != RUN_GONE)
		return true;
	sup_finish(s, r);
	s->runs[i] = NULL;
	return false;
}

/* What to wait for: signals, and every pipe of every hook still there. */
static nfds_t
sup_pollfds(const struct sup *s)
{
	const struct sup_run *r;
	nfds_t n = 0;
	size_t i;

	s->pfd[n].fd = s->sigfd;
	s->pfd[n++].events = POLLIN;
	for (i = 0; i < s->job->nhooks; i++) {
		if ((r = s->runs[i]) == NULL)
			continue;
		if (r->out.fd >= 0) {
			s->pfd[n].fd = r->out.fd;
			s->pfd[n++].events = POLLIN;
		}
		if (r->kfd >= 0) {
			s->pfd[n].fd = r->kfd;
			s->pfd[n++].events = POLLIN;
		}
		if (r->repfd >= 0) {
			s->pfd[n].fd = r->repfd;
			s->pfd[n++].events = POLLIN;
		}
	}
	return n;
}

/*
 * Run the hooks in order, each as soon as the previous hook process has
 * ended; send the result when the last has; return when every hook and
 * everything they left are gone.
 */
static void
sup_loop(struct sup *s)
{
	struct supervise_rec end = { .type = SUPERVISE_REC_END };
	int64_t wake;
	size_t i, live;

	for (;;) {
		s->now = supervise_now_ms();
		sup_signals(s);
		sup_reap(s);
		live = 0;
		wake = s->now + 60000;
		for (i = 0; i < s->job->nhooks; i++) {
			if (s->runs[i] == NULL || !sup_step(s, i))
				continue;
			live++;
			if (s->runs[i]->timer < wake)
				wake = s->runs[i]->timer;
		}
		if (s->cur == NULL && !s->ended) {
			if (!s->stopping && s->next < s->job->nhooks) {
				sup_start(s, s->next++);
				continue;
			}
			if (s->next < s->job->nhooks)
				s->ok = false;
			end.value = s->ok ? 1 : 0;
			sup_write(&end);
			s->ended = true;
		}
		if (s->ended && live == 0)
			return;
		(void)poll(s->pfd, sup_pollfds(s),
		    (int)(wake > s->now ? wake - s->now : 0));
	}
}

/*
 * Set the process up from whatever the privileged part left: keep only
 * stdin/stdout/stderr and the result pipe (as descriptor 3), default
 * signals but SIGPIPE, and the stopping signals read through a signalfd.
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

	/* The log's sockets first: they are opened again for the next line. */
	log_close();
	if ((fd = fcntl(resfd, F_DUPFD_CLOEXEC, SUP_RESFD)) < 0)
		return -errno;
	close(resfd);
	resfd = fd;
	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	if (resfd != SUP_RESFD) {
		if (dup3(resfd, SUP_RESFD, O_CLOEXEC) < 0)
			return -errno;
		close(resfd);
	}
	close_range(SUP_RESFD + 1, ~0U, 0);

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

void
supervise_job(const struct spawn_job *job, int resfd, pid_t parent)
{
	struct sup s = { .job = job, .sigfd = -1, .ok = true };
	const char *user;
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
	if ((r = hookexec_prepare(&s.x, job, user, s.self)) < 0) {
		errno = -r;
		log_warn("hook supervisor for rule %s (pid %d): groups of %s",
		    job->rule, (int)job->pid, user != NULL ? user : "?");
		_exit(1);
	}
	if ((s.runs = calloc(job->nhooks, sizeof(*s.runs))) == NULL ||
	    (s.pfd = calloc(1 + 3 * job->nhooks, sizeof(*s.pfd))) == NULL) {
		log_warn("hook supervisor for rule %s (pid %d)", job->rule,
		    (int)job->pid);
		_exit(1);
	}
	sup_loop(&s);
	_exit(0);
}
