/*
 * supervise.c - the supervisor of one hook job: a process forked by the
 * privileged part (spawn.c) for the job, still root.
 *
 * It runs the job's hooks one after the other, logs their output line by
 * line and their outcome, and writes a record to the result pipe as each
 * hook process ends, then the job's result as soon as the last one has
 * ended: a held process never waits for what a hook left running.
 *
 * What a hook leaves behind stays supervised until that hook's deadline
 * (its start plus the timeout), then gets SIGTERM, then SIGKILL.  To tell
 * whose a process is, each hook runs under a keeper: a child of the
 * supervisor that is a child subreaper, forks the hook, reports its pid and
 * wait status, and reaps every orphan below it.  The kernel re-parents an
 * orphan to its nearest subreaper ancestor, so a hook's processes are
 * exactly its keeper's descendants in /proc, setsid() or not; with one
 * subreaper for the whole job, the orphans of every hook would all become
 * its children and could no longer be told apart.  A keeper exits when it
 * has no child left; the supervisor exits when no keeper is left.  A job
 * of one hook, the common case, needs no keeper: the supervisor is its
 * subreaper, and exits when it has no child left.
 */
#include <sys/types.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
#include <sys/syscall.h>

#include "config.h"
#include "log.h"
#include "proc.h"
#include "spawn.h"
#include "supervise.h"

#define SUP_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SUP_REKILL_MS	200	/* after SIGKILL, look again for stragglers */
#define SUP_READS	16	/* output reads per wake-up: keep the clock */
#define SUP_DRAIN	256	/* reads once the hook process has ended */
#define SUP_RESFD	3	/* the result pipe, in supervisor and keepers */
#define SUP_HOOKFD	3	/* the hook file, in the hook child */

/* Hook child to supervisor when a step before or at execve fails. */
enum { STEP_SETSID, STEP_SIGNALS, STEP_STDIO, STEP_CHDIR, STEP_GROUPS,
	STEP_GID, STEP_UID, STEP_FDS, STEP_EXEC };
static const char *const step_names[] = {
	"setsid", "signals", "stdin/stdout/stderr", "chdir /", "setgroups",
	"setresgid", "setresuid", "close_range", "execve"
};

struct sup_fail {
	int32_t		step;
	int32_t		err;
};

/* One hook and what it left, from its start until its keeper is gone. */
struct sup_run {
	const char	*name;
	bool		 direct;	/* the only hook: no keeper, we are one */
	pid_t		 keeper;	/* 0 once reaped */
	int		 kstatus;	/* the keeper's wait status */
	int		 kfd;		/* keeper's report: hook pid, status */
	int32_t		 kmsg[2];
	size_t		 khave;		/* bytes of kmsg read */
	int		 repfd;		/* exec report, close-on-exec */
	int		 outfd;		/* stdout and stderr, one pipe */
	bool		 ended;		/* the hook process ended, or given up */
	bool		 noexec;
	struct sup_fail	 fail;
	bool		 timedout;
	bool		 leftovers;	/* killed at the deadline, after the hook */
	bool		 abandoned;	/* SIGKILL did not end them */
	int		 phase;		/* 0 running, 1 SIGTERM sent, 2 SIGKILL */
	int64_t		 deadline;
	int64_t		 next;		/* next SIGKILL round */
	int64_t		 giveup;
	unsigned	 nlines;
	uint64_t	 dropped;
	uint64_t	 dropped_sent;	/* in the hook's record */
	size_t		 len;
	bool		 partial;	/* bytes since the last newline */
	bool		 skip;		/* line cut: skip to its end */
	char		 line[SPAWN_LINE_MAX];
};

struct sup {
	const struct spawn_job *job;
	int		 sigfd;
	pid_t		 self;
	char		**envp;
	gid_t		*groups;
	size_t		 ngroups;
	struct sup_run	**runs;		/* by hook; NULL when not running */
	struct pollfd	*pfd;
	size_t		 next;		/* the next hook to start */
	struct sup_run	*cur;		/* the hook whose process runs now */
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

const char *
supervise_sig_name(int sig, char *buf, size_t size)
{
	const char *s = sigabbrev_np(sig);

	if (s != NULL)
		return s;
	snprintf(buf, size, "%d", sig);
	return buf;
}

static void
sup_write(const struct supervise_rec *rec)
{
	ssize_t n;

	do
		n = write(SUP_RESFD, rec, sizeof(*rec));
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
 * Signal every descendant of root (a keeper): every process whose parent
 * chain in /proc reaches it.  A pidfd taken before checking the start
 * time again makes sure a recycled pid is never signalled.
 */
static size_t
sup_kill_tree(pid_t root, int sig)
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
		for (hops = 0; key.ppid > 1 && key.ppid != root && hops < n;
		    hops++) {
			key.pid = key.ppid;
			t = bsearch(&key, tab, n, sizeof(*tab), pent_cmp);
			key.ppid = t != NULL ? t->ppid : 0;
		}
		if (key.ppid != root)
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

/* Signal a hook and what it left; none once its keeper is gone. */
static size_t
sup_kill(const struct sup_run *r, int sig)
{
	return r->keeper > 0 ? sup_kill_tree(r->keeper, sig) : 0;
}

/* Log one line of a hook's output, or count it past the limit. */
static void
sup_line(const struct sup *s, struct sup_run *r, bool cut)
{
	if (r->nlines >= SPAWN_LINES_MAX) {
		r->dropped++;
		return;
	}
	r->nlines++;
	log_info("hook %s (rule %s, pid %d): %.*s%s", r->name, s->job->rule,
	    (int)s->job->pid, (int)r->len, r->line, cut ? " [cut]" : "");
}

/*
 * Add one byte to the current line.  Control characters and backslash
 * become \xNN so that one output line is one log line whatever the hook
 * writes; a line whose escaped form does not fit is cut.
 */
static void
sup_byte(const struct sup *s, struct sup_run *r, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;

	if (c == '\n') {
		if (!r->skip)
			sup_line(s, r, false);
		r->len = 0;
		r->skip = false;
		r->partial = false;
		return;
	}
	r->partial = true;
	if (r->skip)
		return;
	if (r->len + need > sizeof(r->line)) {
		sup_line(s, r, true);
		r->skip = true;
		return;
	}
	if (need == 1) {
		r->line[r->len++] = (char)c;
		return;
	}
	r->line[r->len++] = '\\';
	r->line[r->len++] = 'x';
	r->line[r->len++] = hex[c >> 4];
	r->line[r->len++] = hex[c & 15];
}

static void
sup_chunk(const struct sup *s, struct sup_run *r, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end && r->nlines < SPAWN_LINES_MAX)
		sup_byte(s, r, (unsigned char)*p++);
	/* Past the limit only lines are counted. */
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!r->skip)
			r->dropped++;
		r->skip = false;
		r->partial = false;
		r->len = 0;
		p = nl + 1;
	}
	if (p < end)
		r->partial = true;
}

/* Log a last line without newline, and stop reading. */
static void
sup_output_close(const struct sup *s, struct sup_run *r)
{
	if (r->partial && !r->skip)
		sup_line(s, r, false);
	r->partial = false;
	close(r->outfd);
	r->outfd = -1;
}

/*
 * Read what the hook and what it left wrote; bounded, so endless output
 * cannot starve the clock.
 */
static void
sup_output(const struct sup *s, struct sup_run *r, bool drain)
{
	char buf[4096];
	ssize_t n;
	int reads;

	for (reads = 0; reads < (drain ? SUP_DRAIN : SUP_READS); reads++) {
		n = read(r->outfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			sup_output_close(s, r);
			return;
		}
		sup_chunk(s, r, buf, (size_t)n);
	}
}

/* The exec report: EOF means execve succeeded. */
static void
sup_report(struct sup_run *r)
{
	ssize_t n;

	do
		n = read(r->repfd, &r->fail, sizeof(r->fail));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n == (ssize_t)sizeof(r->fail) && r->fail.step >= 0 &&
	    r->fail.step <= STEP_EXEC)
		r->noexec = true;
	close(r->repfd);
	r->repfd = -1;
}

/*
 * The keeper's report: the hook's pid (or -errno), then its wait status.
 * EOF before the status means the keeper died.
 */
static void
sup_keeper_read(const struct sup *s, struct sup_run *r)
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
	if (had < sizeof(int32_t) && r->khave >= sizeof(int32_t) &&
	    r->kmsg[0] > 0)
		log_debug("hook %s: started as pid %d (rule %s, pid %d)",
		    r->name, (int)r->kmsg[0], s->job->rule, (int)s->job->pid);
	if (eof || r->khave == sizeof(r->kmsg)) {
		close(r->kfd);
		r->kfd = -1;
	}
}

/* Reap every child that ended: keepers, and orphans of a dead keeper. */
static void
sup_reap(struct sup *s)
{
	size_t i;
	pid_t p;
	int st;

	struct sup_run *r;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		for (i = 0; i < s->job->nhooks; i++) {
			if ((r = s->runs[i]) == NULL)
				continue;
			if (r->keeper == p) {
				r->keeper = 0;
				r->kstatus = st;
				break;
			}
			/* Our own hook, with no keeper: its status. */
			if (r->direct && r->khave < sizeof(r->kmsg) &&
			    r->kmsg[0] == p) {
				r->kmsg[1] = st;
				r->khave = sizeof(r->kmsg);
				break;
			}
		}
	/* No child left: what a keeperless hook left is gone too. */
	if (p < 0 && errno == ECHILD)
		for (i = 0; i < s->job->nhooks; i++)
			if ((r = s->runs[i]) != NULL && r->direct &&
			    r->khave == sizeof(r->kmsg))
				r->keeper = 0;
}

/*
 * SIGTERM (or the parent's death): end every hook and everything they
 * left, and run no more.
 */
static void
sup_signals(struct sup *s, int64_t now)
{
	struct signalfd_siginfo si;
	struct sup_run *r;
	char sb[16];
	size_t i;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD || s->stopping)
			continue;
		s->stopping = true;
		log_debug("hook supervisor for rule %s (pid %d): stopping on "
		    "SIG%s", s->job->rule, (int)s->job->pid,
		    supervise_sig_name((int)si.ssi_signo, sb, sizeof(sb)));
		for (i = 0; i < s->job->nhooks; i++) {
			if ((r = s->runs[i]) == NULL || r->phase != 0)
				continue;
			sup_kill(r, SIGTERM);
			r->phase = 1;
			r->next = now + SPAWN_KILL_GRACE_MS;
		}
	}
}

/*
 * Step a hook's clock: at its deadline SIGTERM to the hook, or to what it
 * left, SIGKILL a grace later.  False once SIGKILL has not helped.
 */
static bool
sup_clock(const struct sup *s, struct sup_run *r, int64_t now)
{
	switch (r->phase) {
	case 0:
		if (now < r->deadline)
			break;
		if (sup_kill(r, SIGTERM) > 0 && r->ended)
			r->leftovers = true;
		if (!r->ended)
			r->timedout = true;
		r->phase = 1;
		r->next = now + SPAWN_KILL_GRACE_MS;
		break;
	case 1:
		if (now < r->next)
			break;
		if (sup_kill(r, SIGKILL) > 0)
			log_debug("hook %s (rule %s, pid %d): SIGKILL after "
			    "%d ms", r->name, s->job->rule, (int)s->job->pid,
			    SPAWN_KILL_GRACE_MS);
		r->phase = 2;
		r->next = now + SUP_REKILL_MS;
		r->giveup = now + SPAWN_KILL_GRACE_MS;
		break;
	case 2:
		if (now < r->next)
			break;
		if (now >= r->giveup) {
			log_warnx("hook %s (rule %s, pid %d): processes left "
			    "that SIGKILL does not end", r->name, s->job->rule,
			    (int)s->job->pid);
			return false;
		}
		sup_kill(r, SIGKILL);
		r->next = now + SUP_REKILL_MS;
		break;
	}
	return true;
}

/*
 * Default dispositions for the hook.  execve() resets caught signals by
 * itself; only ignored ones carry over, so those are the ones to reset,
 * as /proc says (one read instead of a call per signal).  The system call
 * is used because glibc keeps the signals it uses for threads (32 and 33)
 * out of sigaction()'s reach, and one ignored when prochookd was started
 * would stay ignored in every hook.
 */
static int
default_signals(void)
{
	struct {
		void		(*handler)(int);
		unsigned long	flags;
		void		(*restorer)(void);
		uint64_t	mask;
	} ksa;
	char buf[2048], *p;
	unsigned long long ign;
	ssize_t n;
	int fd, sig;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nSigIgn:")) == NULL ||
	    sscanf(p + 9, "%llx", &ign) != 1)
		return -EIO;
	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++)
		if ((ign & (1ull << (sig - 1))) != 0 &&
		    syscall(SYS_rt_sigaction, sig, &ksa, NULL,
		    sizeof(ksa.mask)) < 0)
			return -errno;
	return 0;
}

/*
 * The hook child: its own session, stdin /dev/null, stdout and stderr to
 * the pipe, /, run_as, default signals, no descriptor beyond 2 (but see
 * below), exactly the environment built by the supervisor.  It executes
 * the file checked, from its descriptor hfd.  A failed step is written to
 * the close-on-exec report pipe.
 */
static void __attribute__((noreturn))
sup_child(const struct sup *s, char *const argv[], int hfd, int out,
    int rep)
{
	const struct spawn_job *job = s->job;
	struct sup_fail f;
	sigset_t none;
	int step, fd;

	step = STEP_SETSID;
	if (setsid() < 0)
		goto fail;
	step = STEP_SIGNALS;
	if (default_signals() < 0)
		goto fail;
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
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ||
	    (hfd != SUP_HOOKFD && dup3(hfd, SUP_HOOKFD, O_CLOEXEC) < 0))
		goto fail;
	step = STEP_EXEC;
	execveat(SUP_HOOKFD, "", argv, s->envp, AT_EMPTY_PATH);
	/*
	 * A script executed from a descriptor is handed to its interpreter
	 * as /dev/fd/3, which the kernel refuses (ENOENT, in binfmt_script
	 * and binfmt_misc) while that descriptor would be closed by the
	 * exec.  Only then is it left open: a script's interpreter gets the
	 * O_PATH descriptor of the script as 3, a binary never has it.
	 */
	if (errno == ENOENT && fcntl(SUP_HOOKFD, F_SETFD, 0) == 0)
		execveat(SUP_HOOKFD, "", argv, s->envp, AT_EMPTY_PATH);
fail:
	f.step = step;
	f.err = errno;
	(void)!write(rep, &f, sizeof(f));
	_exit(127);
}

/*
 * The keeper: a child subreaper with every signal blocked that forks the
 * hook, writes its pid (or -errno) and later its wait status to kfd, and
 * reaps until it has no child left.  It dies with the supervisor, so that
 * the processes of a killed supervisor's job go up to the next subreaper,
 * as they would without keepers.
 */
static void __attribute__((noreturn))
sup_keeper(const struct sup *s, char *const argv[], int hfd, int out,
    int rep, int kfd)
{
	sigset_t all;
	int32_t msg;
	pid_t pid, p;
	int st;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		pid = -1;
	else if (getppid() != s->self)
		_exit(1);
	/*
	 * vfork(): the hook's set-up is system calls only, on memory made
	 * ready before (sup_child), and copying this process's page tables
	 * for a child that execs at once is most of what a hook costs.
	 */
	else if ((pid = vfork()) == 0)
		sup_child(s, argv, hfd, out, rep);
	msg = pid < 0 ? -errno : (int32_t)pid;
	if (kfd != SUP_RESFD && dup2(kfd, SUP_RESFD) < 0)
		_exit(1);
	close_range(SUP_RESFD + 1, ~0U, 0);
	(void)!write(SUP_RESFD, &msg, sizeof(msg));
	if (pid < 0)
		_exit(1);
	for (;;) {
		if ((p = waitpid(-1, &st, __WALL)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p == pid) {
			msg = st;
			(void)!write(SUP_RESFD, &msg, sizeof(msg));
			close(SUP_RESFD);
		}
	}
	_exit(0);
}

/* Log how a hook ended and fill its record. */
static void
sup_outcome(const struct sup *s, const struct sup_run *r,
    struct supervise_rec *rec)
{
	const char *rule = s->job->rule;
	int pid = (int)s->job->pid;
	bool forked = r->khave >= sizeof(int32_t);
	bool waited = r->khave == sizeof(r->kmsg);
	char sb[16];

	rec->started = forked && r->kmsg[0] > 0;
	if (forked && r->kmsg[0] < 0) {
		rec->kind = SUPERVISE_NOEXEC;
		rec->value = -r->kmsg[0];
		errno = rec->value;
		log_warn("hook %s: cannot run (rule %s, pid %d)", r->name,
		    rule, pid);
	} else if (r->noexec) {
		rec->kind = SUPERVISE_NOEXEC;
		rec->value = r->fail.err;
		if (r->fail.step == STEP_EXEC)
			log_warnx("hook %s: cannot execute: %s (rule %s, "
			    "pid %d)", r->name, strerror(r->fail.err), rule,
			    pid);
		else
			log_warnx("hook %s: cannot run: %s: %s (rule %s, "
			    "pid %d)", r->name, step_names[r->fail.step],
			    strerror(r->fail.err), rule, pid);
	} else if (r->timedout) {
		rec->kind = SUPERVISE_TIMEOUT;
		rec->value = (int32_t)s->job->timeout;
		log_warnx("hook %s: timed out after %u s, killed (rule %s, "
		    "pid %d)", r->name, s->job->timeout, rule, pid);
	} else if (!waited && r->abandoned) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = SIGKILL;
		log_warnx("hook %s: still there after SIGKILL, given up "
		    "(rule %s, pid %d)", r->name, rule, pid);
	} else if (!waited) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = SIGKILL;
		log_warnx("hook %s: its keeper process died, outcome unknown "
		    "(rule %s, pid %d)", r->name, rule, pid);
	} else if (WIFSIGNALED(r->kmsg[1])) {
		rec->kind = SUPERVISE_SIGNALED;
		rec->value = WTERMSIG(r->kmsg[1]);
		log_warnx("hook %s: killed by signal %s (rule %s, pid %d)",
		    r->name, supervise_sig_name(rec->value, sb, sizeof(sb)),
		    rule, pid);
	} else {
		rec->kind = SUPERVISE_EXITED;
		rec->value = WEXITSTATUS(r->kmsg[1]);
		if (rec->value != 0)
			log_warnx("hook %s: exited %d (rule %s, pid %d)",
			    r->name, rec->value, rule, pid);
		else
			log_debug("hook %s: exited 0 (rule %s, pid %d)",
			    r->name, rule, pid);
	}
	rec->lines_dropped = r->dropped;
}

/*
 * The hook process has ended (or was given up on): its outcome is
 * decided now, whatever it left still runs.
 */
static void
sup_ended(struct sup *s, struct sup_run *r)
{
	struct supervise_rec rec = { .type = SUPERVISE_REC_HOOK };

	r->ended = true;
	if (r->repfd >= 0)
		sup_report(r);
	if (r->repfd >= 0) {
		close(r->repfd);
		r->repfd = -1;
	}
	if (r->outfd >= 0)
		sup_output(s, r, true);
	sup_outcome(s, r, &rec);
	r->dropped_sent = r->dropped;
	sup_write(&rec);
	if (rec.kind != SUPERVISE_EXITED || rec.value != 0)
		s->ok = false;
	if (s->cur == r)
		s->cur = NULL;
}

/* The hook and everything it left are gone: last lines, then forget it. */
static void
sup_finish(const struct sup *s, struct sup_run *r)
{
	struct supervise_rec rec = { .type = SUPERVISE_REC_LINES };
	const char *rule = s->job->rule;
	int pid = (int)s->job->pid;
	char sb[16];

	if (r->outfd >= 0)
		sup_output(s, r, true);
	if (r->outfd >= 0)
		sup_output_close(s, r);
	if (r->kfd >= 0)
		close(r->kfd);
	if (r->leftovers)
		log_warnx("hook %s: processes it left still ran after %u s, "
		    "killed (rule %s, pid %d)", r->name, s->job->timeout, rule,
		    pid);
	if (r->keeper == 0 && WIFSIGNALED(r->kstatus))
		log_warnx("hook %s: its keeper process was killed by signal "
		    "%s: what the hook left is no longer supervised (rule %s, "
		    "pid %d)", r->name, supervise_sig_name(
		    WTERMSIG(r->kstatus), sb, sizeof(sb)), rule, pid);
	if (r->dropped > 0)
		log_info("hook %s (rule %s, pid %d): %llu more line%s not "
		    "logged", r->name, rule, pid,
		    (unsigned long long)r->dropped, r->dropped == 1 ? "" : "s");
	if (r->dropped > r->dropped_sent) {
		rec.lines_dropped = r->dropped - r->dropped_sent;
		sup_write(&rec);
	}
	free(r);
}

/* Start hook i under its keeper; a hook that cannot start ends here. */
static void
sup_start(struct sup *s, size_t i)
{
	struct supervise_rec rec = { .type = SUPERVISE_REC_HOOK };
	const char *path = s->job->hooks[i], *slash;
	char why[PATH_MAX + 128], pidbuf[16], *argv[4];
	int out[2] = { -1, -1 }, rep[2] = { -1, -1 }, k[2] = { -1, -1 };
	struct sup_run *r;
	pid_t pid;
	int e, hfd;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rec.kind = SUPERVISE_NOEXEC;
		rec.value = ENOMEM;
		sup_write(&rec);
		s->ok = false;
		return;
	}
	slash = strrchr(path, '/');
	r->name = slash != NULL ? slash + 1 : path;
	r->kfd = r->repfd = r->outfd = -1;
	/* Checked again before each run, and run from what was checked. */
	if ((hfd = config_hook_open(path, why, sizeof(why))) < 0) {
		log_warnx("hook %s: refused: %s (rule %s, pid %d)", r->name,
		    why, s->job->rule, (int)s->job->pid);
		rec.kind = SUPERVISE_REFUSED;
		rec.value = -hfd;
		goto out;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    pipe2(k, O_CLOEXEC) < 0 ||
	    fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(rep[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(k[0], F_SETFL, O_NONBLOCK) < 0)
		goto noexec;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)s->job->pid);
	argv[0] = (char *)path;
	argv[1] = (char *)s->job->event;
	argv[2] = pidbuf;
	argv[3] = NULL;
	r->deadline = supervise_now_ms() + (int64_t)s->job->timeout * 1000;
	if (s->job->nhooks == 1) {
		/*
		 * The only hook of the job: what it leaves is all the
		 * supervisor's, so the supervisor is its keeper, and a
		 * process is saved on the path of every hook run.
		 */
		close(k[0]);
		close(k[1]);
		k[0] = k[1] = -1;
		if ((pid = vfork()) < 0)
			goto noexec;
		if (pid == 0)
			sup_child(s, argv, hfd, out[1], rep[1]);
		r->direct = true;
		r->keeper = s->self;
		r->kmsg[0] = (int32_t)pid;
		r->khave = sizeof(int32_t);
	} else {
		if ((pid = fork()) < 0)
			goto noexec;
		if (pid == 0)
			sup_keeper(s, argv, hfd, out[1], rep[1], k[1]);
		close(k[1]);
		r->keeper = pid;
		r->kfd = k[0];
	}
	close(hfd);
	close(out[1]);
	close(rep[1]);
	r->outfd = out[0];
	r->repfd = rep[0];
	s->runs[i] = r;
	s->cur = r;
	return;

noexec:
	rec.kind = SUPERVISE_NOEXEC;
	rec.value = errno;
	log_warn("hook %s: cannot run (rule %s, pid %d)", r->name,
	    s->job->rule, (int)s->job->pid);
	close(hfd);
	for (e = 0; e < 2; e++) {
		if (out[e] >= 0)
			close(out[e]);
		if (rep[e] >= 0)
			close(rep[e]);
		if (k[e] >= 0)
			close(k[e]);
	}
out:
	sup_write(&rec);
	s->ok = false;
	free(r);
}

/*
 * Read, decide and time one hook.  True while it or what it left still
 * runs; false once it has been finished and freed.
 */
static bool
sup_step(struct sup *s, size_t i, int64_t now)
{
	struct sup_run *r = s->runs[i];

	if (r->outfd >= 0)
		sup_output(s, r, false);
	if (r->repfd >= 0)
		sup_report(r);
	if (r->kfd >= 0)
		sup_keeper_read(s, r);
	if (!r->ended && (r->khave == sizeof(r->kmsg) ||
	    (r->kfd < 0 && !r->direct)))
		sup_ended(s, r);
	if (r->keeper != 0 && !r->abandoned && !sup_clock(s, r, now)) {
		r->abandoned = true;
		if (!r->ended)
			sup_ended(s, r);
	}
	if (!r->ended || (r->keeper != 0 && !r->abandoned))
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
		if (r->outfd >= 0) {
			s->pfd[n].fd = r->outfd;
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
	const struct sup_run *r;
	int64_t now, wake, t;
	size_t i, live;

	for (;;) {
		now = supervise_now_ms();
		sup_signals(s, now);
		sup_reap(s);
		live = 0;
		wake = now + 60000;
		for (i = 0; i < s->job->nhooks; i++) {
			if (s->runs[i] == NULL || !sup_step(s, i, now))
				continue;
			r = s->runs[i];
			live++;
			t = r->phase == 0 ? r->deadline : r->next;
			if (t < wake)
				wake = t;
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
		    (int)(wake > now ? wake - now : 0));
	}
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
	envp[i++] = (char *)SUP_PATH;
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

	/* The privileged part, whose name service is loaded, looked them up. */
	if (s->job->groups != NULL && s->job->ngroups > 0) {
		if ((s->groups = reallocarray(NULL, s->job->ngroups,
		    sizeof(*s->groups))) == NULL)
			return -ENOMEM;
		memcpy(s->groups, s->job->groups,
		    s->job->ngroups * sizeof(*s->groups));
		s->ngroups = s->job->ngroups;
		return 0;
	}
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

	/*
	 * closelog() first: glibc's syslog(), finding its socket gone, would
	 * close whatever descriptor took its number.
	 */
	closelog();
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
	if ((r = sup_groups(&s, user)) < 0 ||
	    (s.envp = sup_envp(job, user)) == NULL) {
		errno = r < 0 ? -r : ENOMEM;
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
