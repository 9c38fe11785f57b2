/*
 * privd.c - the privileged part: acts on requests from the event loop.
 *
 * It does only what needs root: send a signal, hold or release a process,
 * name an executable the loop cannot read, start hooks, re-read the
 * configuration.  Each request from the loop is one named function, as in
 * ntpd's dispatch_imsg; an IPC_REQUEST is first checked by verify.c, which
 * trusts nothing the loop says, then acted on: do_kill(), do_hold(),
 * queue_hooks().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "clock.h"
#include "event.h"
#include "exe.h"
#include "gate.h"
#include "exename.h"
#include "hold.h"
#include "hookjob.h"
#include "ipc.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "privd.h"
#include "privgate.h"
#include "proc.h"
#include "rule.h"
#include "signame.h"
#include "spawn.h"
#include "users.h"
#include "verify.h"

#define FROM_LOOP_MAX	256	/* messages handled per wake-up */
#define RATE_WARN_NS	1000000000ull

/* A pidfd for pid, or -errno. */
static int
pidfd_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	return fd < 0 ? -errno : fd;
}

static void	job_done(void *, uint64_t, bool);

void
privd_run_hooks(struct privd *d, const struct rule *r, const struct pevent *pe,
    uint64_t cookie, int sig)
{
	struct spawn_job *job;

	job = hookjob_new(r, pe, &d->oc, d->cfg->hook_timeout, cookie, sig);
	if (job != NULL) {
		(void)spawn_submit(d->sp, job);
		return;
	}
	log_warnx("rule %s: out of memory: hooks not run", r->name);
	if (cookie != 0)
		job_done(d, cookie, false);
}

/* A job has ended: a held process goes on only if every hook said yes. */
static void
job_done(void *arg, uint64_t cookie, bool ok)
{
	struct privd *d = arg;

	if (cookie == 0 || privgate_job_done(d, cookie, ok))
		return;
	switch (hold_decide(d->ho, cookie, ok)) {
	case HOLD_RELEASED:
		d->st.released++;
		log_info("held process released: every hook approved");
		break;
	case HOLD_KILLED:
		d->st.hold_killed++;
		log_info("held process killed: a hook refused, failed, timed "
		    "out or was dropped");
		break;
	default:
		break;
	}
}

const char *
privd_esc(const struct str *s, char *buf, size_t size)
{
	if (s == NULL)
		return "?";
	out_text_escape_buf(buf, size, s->s, s->len);
	return buf;
}

bool
privd_rate(struct privd *d, const struct config *cfg, uint32_t rule)
{
	uint64_t now = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	struct log_fields f = LOG_FIELDS_NONE;
	enum verdict v;

	v = verify_rate(&d->rates[cfg == d->cfg ? 0 : 1], cfg, rule, now);
	if (v != V_OVER_RATE)
		return v == V_OK;
	d->st.over_rate++;
	if (now - d->rate_warned_ns >= RATE_WARN_NS) {
		f.rule = cfg->rules[rule].name;
		log_event(LOG_WARNING, &f, "rule %s: hook runs over the rule's "
		    "rate refused (%llu so far)", cfg->rules[rule].name,
		    (unsigned long long)d->st.over_rate);
		d->rate_warned_ns = now;
	}
	return false;
}

static void
refuse(struct privd *d, const char *why, const struct ipc_event *e)
{
	d->st.refused++;
	log_warnx("request from the event loop refused: %s (pid %d)", why,
	    (int)e->pid);
}

/* Signal the process at once; returns the signal, for the hooks. */
static int
do_kill(struct privd *d, const struct request *q, int pidfd)
{
	const struct rule *r = q->r;
	char name[PROC_PATH_MAX];
	struct log_fields f;
	int sig = r->action == ACT_KILL ? r->signal : SIGKILL;

	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
		log_warn("rule %s: cannot signal pid %d", r->name,
		    (int)q->ev.pid);
		return sig;
	}
	d->st.signals++;
	out_log_fields(&f, &q->pe, r->name, rule_action_name(r->action));
	log_event(LOG_INFO, &f, "rule %s: sent SIG%s to pid %d (%s)", r->name,
	    signame(sig) ? signame(sig) : "?",
	    (int)q->ev.pid, privd_esc(q->p.exe, name, sizeof(name)));
	return sig;
}

/*
 * Stop the process until its hooks decide (the hold takes *pidfd), or
 * join a hold in force: these hooks must approve it as well.  Returns the
 * hold's cookie, or 0 if it could not be held (then it is killed).
 */
static uint64_t
do_hold(struct privd *d, const struct request *q, int *pidfd)
{
	const struct rule *r = q->r;
	char name[PROC_PATH_MAX];
	struct log_fields f;
	uint64_t cookie;

	if ((cookie = hold_join(d->ho, q->ev.pid)) != 0)
		return cookie;
	cookie = ++d->cookie;
	if (hold_start(d->ho, q->ev.pid, *pidfd, cookie) < 0) {
		log_warn("rule %s: cannot hold pid %d: killing it", r->name,
		    (int)q->ev.pid);
		(void)syscall(SYS_pidfd_send_signal, *pidfd, SIGKILL, NULL, 0);
		d->st.hold_killed++;
		return 0;
	}
	*pidfd = -1;
	d->st.holds++;
	out_log_fields(&f, &q->pe, r->name, rule_action_name(r->action));
	log_event(LOG_INFO, &f, "rule %s: holding pid %d (%s) until its "
	    "hooks decide", r->name, (int)q->ev.pid,
	    privd_esc(q->p.exe, name, sizeof(name)));
	return cookie;
}

/*
 * The rule's hooks, within its rate here; a held process (cookie) whose
 * hooks do not run is killed.
 */
static void
queue_hooks(struct privd *d, const struct request *q, uint32_t rule,
    bool run, uint64_t cookie, int sig)
{
	if (run && q->r->nhooks == 0)
		return;
	if (run && privd_rate(d, q->cfg, rule))
		privd_run_hooks(d, q->r, &q->pe, cookie, sig);
	else if (cookie != 0)
		job_done(d, cookie, false);
}

/* IPC_REQUEST: check, then signal or hold at once, then queue the hooks. */
static void
handle_request(struct privd *d, const struct ipc_event *e)
{
	const struct verify_ctx c = { d->cfg, d->prev, d->gen, d->procfd,
	    getpid(), d->a->loop, &d->clock, d->t };
	struct request q;
	enum verdict v;
	uint64_t cookie = 0;
	int sig = 0, pidfd;

	if (d->cfg == NULL || d->a->dry_run) {
		refuse(d, "no rules here", e);
		return;
	}
	d->st.requests++;
	/*
	 * A pid reused before pidfd_open() shows another start time in
	 * /proc; after it, the pidfd names the process checked, whatever
	 * happens to the number.
	 */
	pidfd = pidfd_of(e->pid);
	v = verify_request(&c, e, pidfd, &q);
	if (v == V_GONE)
		d->st.gone++;
	/*
	 * An exec its ask's hooks approved: the gate let it through.  And
	 * once the gate is dead the kernel lets every exec through, and
	 * prochookd is about to stop: the loop's word acts on none.
	 */
	if (v == V_OK && ACT_GATED(q.r->action) && (!privgate_alive(d) ||
	    (q.r->action == ACT_ASK && privgate_approved(d, &q)))) {
		if (pidfd >= 0)
			close(pidfd);
		verify_release(d->t, &q);
		return;
	}
	/* Gone: nothing to signal or hold; hooks have the loop's word. */
	if (v == V_OK || (v == V_GONE && !q.signals)) {
		if (q.r->action == ACT_DENY)
			privgate_fallback(d, &q, "killed");
		else if (q.r->action == ACT_ASK)
			privgate_fallback(d, &q, "held");
		if (q.r->action == ACT_KILL || q.r->action == ACT_DENY)
			sig = do_kill(d, &q, pidfd);
		else if (q.r->action == ACT_HOLD || q.r->action == ACT_ASK)
			cookie = do_hold(d, &q, &pidfd);
		queue_hooks(d, &q, e->rule, e->run_hooks, cookie, sig);
	} else if (v != V_GONE)
		refuse(d, verify_reason(v), e);
	if (pidfd >= 0)
		close(pidfd);
	verify_release(d->t, &q);
}

/* The device and inode of the file /proc/PID/exe names, as numbers. */
static int
exe_id_at(int dirfd, uint64_t *dev, uint64_t *ino)
{
	dev_t dv;
	ino_t in;
	int r;

	if ((r = proc_read_exe_id(dirfd, &dv, &in)) < 0)
		return r;
	*dev = dv;
	*ino = in;
	return 0;
}

/*
 * Open the process pid that started at start_ns, as handle_request() does: returns a
 * pidfd and its /proc directory, or -errno.
 */
static int
open_target(struct privd *d, pid_t pid, uint64_t start_ns, int *dirfd)
{
	struct proc_stat st;
	int pidfd, fd;

	if ((pidfd = pidfd_of(pid)) < 0)
		return pidfd;
	if ((fd = proc_open(d->procfd, pid)) >= 0 &&
	    proc_read_stat(fd, &st) == 0 &&
	    proc_same_start(&d->clock, &st, start_ns)) {
		*dirfd = fd;
		return pidfd;
	}
	if (fd >= 0)
		close(fd);
	close(pidfd);
	return -ESRCH;
}

/* IPC_EXE_REQ: the executable of a process the loop may not read. */
static void
name_exe(struct privd *d, const struct ipc_msg *req)
{
	static struct ipc_msg m;
	struct exe_id id;
	int pidfd, dirfd = -1;

	memset(&m, 0, sizeof(m));
	m.type = IPC_EXE;
	m.u.exe.pid = req->u.exe.pid;
	pidfd = open_target(d, req->u.exe.pid, req->u.exe.start_ns, &dirfd);
	if (pidfd >= 0) {
		m.u.exe.found = exename_proc(dirfd, m.u.exe.path,
		    sizeof(m.u.exe.path), m.u.exe.loader,
		    sizeof(m.u.exe.loader), &id) == 0;
		m.u.exe.dev = id.dev;
		m.u.exe.ino = id.ino;
		close(dirfd);
		close(pidfd);
	}
	(void)ipc_send(d->a->ipc, &m);
}

/*
 * IPC_IDS_REQ: which files these processes run (device and inode only),
 * for the rescan after a loss.  The start time is checked; an open
 * /proc/PID then names that process whatever happens to the number.
 */
static void
name_ids(struct privd *d, const struct ipc_msg *req)
{
	static struct ipc_msg m;
	struct proc_stat st;
	struct ipc_id *id;
	uint32_t i;
	int dirfd;

	m = *req;
	m.type = IPC_IDS;
	for (i = 0; i < m.u.ids.n; i++) {
		id = &m.u.ids.id[i];
		id->found = 0;
		id->dev = id->ino = 0;
		if ((dirfd = proc_open(d->procfd, id->pid)) < 0)
			continue;
		if (proc_read_stat(dirfd, &st) == 0 &&
		    proc_same_start(&d->clock, &st, id->start_ns))
			id->found = exe_id_at(dirfd, &id->dev, &id->ino) == 0;
		close(dirfd);
	}
	(void)ipc_send(d->a->ipc, &m);
}

/* Send m, waiting for room at most a second: the loop reads between events. */
static int
send_wait(int fd, const struct ipc_msg *m)
{
	int r, tries;

	for (tries = 0; (r = ipc_send(fd, m)) == -EAGAIN && tries < 10;
	    tries++) {
		struct pollfd pfd = { fd, POLLOUT, 0 };

		(void)poll(&pfd, 1, 100);
	}
	return r;
}

/*
 * Send a configuration's texts to the loop or the gate, which parse the
 * same.
 */
static int
send_config(int fd, const struct config *cfg, uint32_t gen)
{
	static struct ipc_msg m;
	size_t i, off, n;
	int r;

	for (i = 0; i < cfg->nfiles; i++) {
		off = 0;
		do {
			n = cfg->files[i].len - off;
			if (n > IPC_CHUNK)
				n = IPC_CHUNK;
			memset(&m, 0, sizeof(m));
			m.type = IPC_CONFIG;
			m.len = (uint32_t)n;
			m.u.cfg.gen = gen;
			m.u.cfg.file = (uint32_t)i;
			snprintf(m.u.cfg.name, sizeof(m.u.cfg.name), "%s",
			    cfg->files[i].path);
			memcpy(m.u.cfg.data, cfg->files[i].text + off, n);
			off += n;
			m.u.cfg.last = i + 1 == cfg->nfiles &&
			    off == cfg->files[i].len;
			if ((r = send_wait(fd, &m)) < 0)
				return r;
		} while (off < cfg->files[i].len);
	}
	return 0;
}

/*
 * Each running hook job holds a descriptor here (its result pipe, two
 * while it is forked); the rest of the work (requests, holds, /proc) needs
 * some too.  Under a low RLIMIT_NOFILE, hooks beyond what fits wait in the
 * queue instead of failing, and exec names keep being read.
 */
#define PRIVD_FD_RESERVE	32

static unsigned
hooks_cap(unsigned max_hooks)
{
	struct rlimit rl;
	rlim_t cap;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return max_hooks;
	cap = rl.rlim_cur >= PRIVD_FD_RESERVE + 2 ?
	    (rl.rlim_cur - PRIVD_FD_RESERVE) / 2 : 1;
	if (max_hooks <= cap)
		return max_hooks;
	log_warnx("max_hooks %u: RLIMIT_NOFILE %llu leaves descriptors for %u "
	    "hook jobs at once; the others wait in the queue", max_hooks,
	    (unsigned long long)rl.rlim_cur, (unsigned)cap);
	return (unsigned)cap;
}

void
privd_execs(struct nl *nl[NL_NPARTS], const struct config *cfg, int fanfd,
    int mountinfo, bool execs)
{
	uint32_t what = nl_config_events(cfg) & ~(execs ? 0 : NL_W_EXEC);
	unsigned n;
	int r, i;

	for (i = 0; i < NL_NPARTS; i++) {
		if ((r = nl_narrow(nl[i], what & nl_part_events(i))) < 0)
			log_warnx("cannot narrow the subscription: %s",
			    strerror(-r));
		if ((r = nl_filter(nl[i], i, cfg->threads, execs)) < 0)
			log_warnx("cannot filter events: %s", strerror(-r));
	}
	if (fanfd < 0)
		return;
	r = execs ? (mountinfo < 0 ? -EBADF :
	    exe_mark_mounts_fd(fanfd, mountinfo, &n)) :
	    exe_unmark_mounts(fanfd);
	if (r < 0)
		log_warnx("cannot %s the exec notifications: %s", execs ?
		    "restore" : "stop", strerror(-r));
}

/*
 * Can the gate judge every rule alone?  Then the event loop need not see
 * execs.  Not with --dry-run, where the gate allows what it would deny,
 * nor without a gate.
 */
static bool
quiet(const struct privd *d, const struct config *cfg)
{
	struct gate_plan plan;
	bool q;

	if (d->a->gate <= 0 || d->a->dry_run || gate_plan(cfg, &plan) < 0)
		return false;
	q = gate_plan_quiet(cfg, &plan);
	gate_plan_free(&plan);
	return q;
}

/*
 * Leave execs to the gate (on), or show them to the event loop again, which
 * then reads /proc for what ran meanwhile (IPC_RESCAN, sent by
 * send_rescan()).
 */
static void
set_quiet(struct privd *d, const struct config *cfg, bool on)
{
	privd_execs(d->a->nl, cfg, d->a->fanfd, d->mountinfo, !on);
	d->quiet = on;
	d->rescan_due = !on;
	log_info("%s", on ? PRIVD_QUIET_MSG : "the event loop sees execs again");
}

/* IPC_RESCAN, tried again from the poll loop until it goes. */
static void
send_rescan(struct privd *d)
{
	static struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = IPC_RESCAN;
	if (ipc_send(d->a->ipc, &m) == 0)
		d->rescan_due = false;
}

void
privd_gate_applied(struct privd *d, const struct ipc_msg *m)
{
	const unsigned unmarked = m->u.applied.unmarked;
	int64_t now;

	/*
	 * Of a configuration replaced since, or one the gate did not take;
	 * or the monitor's gate (-m -c), which never takes execs from it.
	 */
	if (m->u.applied.gen != d->gen || d->cfg == NULL)
		return;
	if (unmarked > 0) {
		now = clock_ns(CLOCK_MONOTONIC);
		if (now - d->unmarked_warned_ns >= 1000000000ll) {
			d->unmarked_warned_ns = now;
			log_warnx(PRIVD_UNMARKED_MSG, unmarked);
		}
		if (d->quiet)
			set_quiet(d, d->cfg, false);
	} else if (!d->quiet && quiet(d, d->cfg))
		set_quiet(d, d->cfg, true);
}

/* SIGHUP: a bad file leaves everything as it was. */
static void
reload(struct privd *d)
{
	struct config *cfg;
	bool shown;
	int r;

	(void)notify_send("RELOADING=1");
	log_info("reloading %s", d->a->cfgpath);
	d->st.reloads++;
	if ((cfg = config_load(d->a->cfgpath, config_err, NULL)) == NULL) {
		log_warnx("configuration refused; the rules in force stay");
		goto refused;
	}
	/*
	 * A rules_dir that does not exist is no drop-ins, but one that
	 * vanished since the last load is more likely being replaced (rm,
	 * then mv) than emptied on purpose: its rules stay until it is back.
	 */
	if (cfg->nfiles == 1 && d->cfg->nfiles > 1 &&
	    strcmp(cfg->rules_dir, d->cfg->rules_dir) == 0 &&
	    access(cfg->rules_dir, F_OK) < 0 && errno == ENOENT) {
		log_warnx("%s: gone, but %zu files of the rules in force were "
		    "there: configuration refused; the rules in force stay",
		    cfg->rules_dir, d->cfg->nfiles - 1);
		config_free(cfg);
		goto refused;
	}
	/*
	 * Execs are shown to the loop before it needs them, and left to the
	 * gate again only once the gate says it marked the new configuration's
	 * files (privd_gate_applied()).
	 */
	if ((shown = d->quiet))
		set_quiet(d, cfg, false);
	if ((r = send_config(d->a->ipc, cfg, d->gen + 1)) < 0) {
		log_warnx("cannot hand the configuration to the event loop: "
		    "%s; the rules in force stay", strerror(-r));
		if (shown)
			set_quiet(d, d->cfg, true);
		config_free(cfg);
		goto refused;
	}
	/*
	 * The loop has it: the gate must follow, or the two disagree.  If it
	 * does not, its word on its marks is of its old generation, and
	 * execs are never left to it: the loop catches the new rules.
	 */
	if (d->a->gate_ipc >= 0 &&
	    (r = send_config(d->a->gate_ipc, cfg, d->gen + 1)) < 0)
		log_warnx("cannot hand the configuration to the gate: %s; it "
		    "keeps the deny and ask rules it has", strerror(-r));
	if (strcmp(cfg->user, d->cfg->user) != 0 ||
	    cfg->rcvbuf != d->cfg->rcvbuf ||
	    cfg->log_target != d->cfg->log_target)
		log_warnx("user, rcvbuf and log_target take effect when "
		    "prochookd is restarted");
	config_free(d->prev);
	d->prev = d->cfg;
	d->cfg = cfg;
	d->gen++;
	hookjob_flush();
	free(d->rates[1]);
	d->rates[1] = d->rates[0];
	d->rates[0] = NULL;
	spawn_limits(d->sp, hooks_cap(cfg->max_hooks), cfg->queue_size);
	/* The events the new rules need (set above if execs were shown). */
	if (!shown)
		privd_execs(d->a->nl, cfg, -1, d->mountinfo, true);
	/* The loop reads /proc under the new rules. */
	if (d->rescan_due)
		send_rescan(d);
	log_info("configuration reloaded: %zu rules", cfg->nrules);
	(void)notify_send("READY=1");
	return;
refused:
	d->st.reloads_refused++;
	(void)notify_send("READY=1");
}

static void
log_stats(struct privd *d)
{
	const struct privd_stats *s = &d->st;

	log_info("privileged part: %llu requests, %llu refused, %llu hook "
	    "runs over a rule's rate refused, %llu for processes already gone; "
	    "%llu signals sent; %llu holds, %llu released, %llu killed; "
	    "%llu processes of hooks whose supervisor was killed, killed; "
	    "%llu reloads, %llu refused",
	    (unsigned long long)s->requests, (unsigned long long)s->refused,
	    (unsigned long long)s->over_rate, (unsigned long long)s->gone,
	    (unsigned long long)s->signals, (unsigned long long)s->holds,
	    (unsigned long long)s->released,
	    (unsigned long long)s->hold_killed,
	    (unsigned long long)s->orphans,
	    (unsigned long long)s->reloads,
	    (unsigned long long)s->reloads_refused);
	log_info("exec gate: %llu execs denied, %llu asked; execs it did not "
	    "see: %llu killed (deny rules), %llu held (ask rules)",
	    (unsigned long long)s->gate_denied,
	    (unsigned long long)s->gate_asked,
	    (unsigned long long)s->fallback_kills,
	    (unsigned long long)s->fallback_holds);
	if (d->sp != NULL) {
		const struct spawn_stats *ss = spawn_stats(d->sp);

		log_info("hooks: %llu started, %llu failed, %llu timed out, "
		    "%llu dropped (queue full), %llu output lines not logged; "
		    "%zu running", (unsigned long long)ss->started,
		    (unsigned long long)ss->failed,
		    (unsigned long long)ss->timed_out,
		    (unsigned long long)ss->dropped,
		    (unsigned long long)ss->lines_dropped,
		    spawn_running(d->sp));
	}
}

/*
 * The privileged part is a child subreaper: when a hook's supervisor is
 * killed (SIGKILL cannot be caught), the kernel re-parents what its hooks
 * were running to us instead of init, and we kill it.  Our children that
 * we did not fork as supervisors, and that started after we began serving
 * (so not the event loop or any other part forked at start-up), are such
 * orphans; each one killed sends its own children up to us in turn, and
 * its reaping calls for the next sweep.  A child of ours cannot be reaped
 * by anyone else, so its pid is not reused before we kill it.
 */
static void
sweep_orphans(struct privd *d)
{
	struct proc_stat st;
	struct dirent *de;
	unsigned n = 0;
	pid_t self = getpid(), pid;
	DIR *dir;
	int fd;

	d->sweep = false;
	if ((fd = openat(d->procfd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0 || (dir = fdopendir(fd)) == NULL) {
		log_warn("cannot look for the processes of killed hooks");
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if ((pid = (pid_t)strtol(de->d_name, NULL, 10)) <= 0 ||
		    pid == d->a->loop || pid == d->a->gate ||
		    (d->sp != NULL && spawn_owns(d->sp, pid)))
			continue;
		if ((fd = proc_open(d->procfd, pid)) < 0)
			continue;
		if (proc_read_stat(fd, &st) == 0 && st.ppid == self &&
		    proc_start_ns(&d->clock, &st) > d->born_ns &&
		    kill(pid, SIGKILL) == 0)
			n++;
		close(fd);
	}
	closedir(dir);
	if (n > 0) {
		d->st.orphans += n;
		log_warnx("killed %u process%s that hooks left when their "
		    "supervisor was killed", n, n == 1 ? "" : "es");
	}
}

/* Returns 1 to stop, or an exit status + 16 when the loop died. */
static int
reap(struct privd *d)
{
	int status, ret = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		if (pid == d->a->loop) {
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				log_info("the event loop stopped");
			else if (WIFEXITED(status))
				log_warnx("the event loop exited with status %d",
				    WEXITSTATUS(status));
			else
				log_warnx("the event loop was killed by signal "
				    "%d", WIFSIGNALED(status) ?
				    WTERMSIG(status) : 0);
			d->a->loop = -1;
			ret = WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
			    1 : 16 + EXIT_PART;
			continue;
		}
		if (pid == d->a->gate) {
			log_warnx("the exec gate %s: execs are no longer "
			    "checked; stopping", WIFSIGNALED(status) ?
			    "was killed" : "exited");
			d->a->gate = 0;
			ret = 16 + EXIT_PART;
			continue;
		}
		if (hold_waited(d->ho, pid, status))
			continue;
		if (d->sp != NULL && spawn_reaped(d->sp, pid, status)) {
			if (WIFSIGNALED(status))
				d->sweep = true;
			continue;
		}
		/* An orphan of a hook, re-parented to us: its own may follow. */
		d->sweep = true;
	}
	if (d->sweep)
		sweep_orphans(d);
	return ret;
}

/* Returns 1 to stop cleanly, 0 to go on. */
static int
signals(struct privd *d)
{
	struct signalfd_siginfo si;
	int stop = 0;

	while (read(d->a->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			stop = 1;
			break;
		case SIGHUP:
			if (d->cfg != NULL)
				reload(d);
			break;
		case SIGUSR1:
			log_stats(d);
			if (d->a->loop > 0)
				kill(d->a->loop, SIGUSR1);
			if (d->a->gate_ipc >= 0) {
				static struct ipc_msg m;

				memset(&m, 0, sizeof(m));
				m.type = IPC_STATS;
				(void)ipc_send(d->a->gate_ipc, &m);
			}
			break;
		default:
			break;
		}
	}
	return stop;
}

/* IPC_READY: the loop has subscribed, scanned and dropped privileges. */
static void
loop_ready(struct privd *d)
{
	if (d->loop_ready)
		return;
	d->loop_ready = true;
	log_info("ready: privileges separated, the event loop runs as an "
	    "unprivileged user");
	(void)notify_send("READY=1");
}

/*
 * Messages from the loop, one named function each; ipc_recv() has checked
 * each one's size and fields.  Returns -EPIPE when the loop is gone.
 */
static int
from_loop(struct privd *d)
{
	static struct ipc_msg m;
	int r = 0, n = 0;

	/* A bounded number per wake-up: signals and hooks get their turn. */
	while (n++ < FROM_LOOP_MAX && (r = ipc_recv(d->a->ipc, &m)) == 1) {
		switch (m.type) {
		case IPC_READY:
			loop_ready(d);
			break;
		case IPC_REQUEST:
			handle_request(d, &m.u.ev);
			break;
		case IPC_EXE_REQ:
			name_exe(d, &m);
			break;
		case IPC_IDS_REQ:
			name_ids(d, &m);
			break;
		default:
			d->st.refused++;
			break;
		}
	}
	if (r == -EBADMSG) {
		d->st.refused++;
		log_warnx("malformed message from the event loop refused");
		return 0;
	}
	return r == -EPIPE ? -EPIPE : 0;
}

/* New mounts: mark them for exec notifications too. */
static void
mounts_changed(struct privd *d)
{
	unsigned n;

	if (d->a->fanfd >= 0 && !d->quiet &&
	    exe_mark_mounts_fd(d->a->fanfd, d->mountinfo, &n) == 0)
		log_debug("mounts changed: exec notifications on %u file "
		    "systems", n);
}

/* Nothing held stays stopped; nothing we started lingers. */
static void
shut_down(struct privd *d)
{
	size_t i;

	hold_kill_all(d->ho);
	if (d->sp != NULL)
		spawn_shutdown(d->sp);
	(void)notify_send("STOPPING=1");
	if (d->a->loop > 0) {
		kill(d->a->loop, SIGTERM);
		(void)waitpid(d->a->loop, NULL, 0);
	}
	if (d->a->gate_ipc >= 0) {
		/* Its end closed, the gate answers what waits and exits. */
		close(d->a->gate_ipc);
		d->a->gate_ipc = -1;
		if (d->a->gate > 0)
			(void)waitpid(d->a->gate, NULL, 0);
	}
	while (d->nasks > 0)
		free(d->asks[--d->nasks].exe);
	for (i = 0; i < APPROVED_MAX; i++)
		free(d->approved[i].exe);
	(void)nl_unsubscribe(d->a->nl[NL_FAST]);
	(void)nl_unsubscribe(d->a->nl[NL_BULK]);
	if (d->sp != NULL)
		spawn_free(d->sp);
	hold_free(d->ho);
	users_free(d->users);
	table_free(d->t);
	hookjob_flush();
	free(d->rates[0]);
	free(d->rates[1]);
	config_free(d->cfg);
	config_free(d->prev);
	config_free(d->a->gate_cfg);
	close(d->procfd);
	if (d->mountinfo >= 0)
		close(d->mountinfo);
}

enum { PFD_IPC, PFD_SIG, PFD_MOUNTS, PFD_GATE, PFD_SPAWN };
#define PFD_MAX	(PFD_SPAWN + 4096)

/*
 * Serve the event loop until SIGTERM/SIGINT (returns 0) or until it dies
 * (returns EXIT_PART).  Takes ownership of args->cfg.
 */
static int
privd_run(struct privd_args *a)
{
	static struct pollfd pfd[PFD_MAX];
	struct privd d;
	size_t n;
	int r, timeout, status = 0;

	memset(&d, 0, sizeof(d));
	d.a = a;
	d.cfg = a->cfg;
	d.gen = 1;
	d.quiet = a->quiet;
	proc_clock_init(&d.clock);
	d.born_ns = (uint64_t)clock_ns(CLOCK_BOOTTIME);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_warn("cannot become a child subreaper: the processes of a "
		    "killed hook supervisor's hooks would go to init");
	d.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d.mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	d.ho = hold_new();
	d.users = users_new();
	d.t = table_new();
	d.oc.user = users_lookup;
	d.oc.user_arg = d.users;
	if (d.cfg != NULL)
		d.sp = spawn_new(hooks_cap(d.cfg->max_hooks),
		    d.cfg->queue_size, job_done, &d);
	if (d.procfd < 0 || d.ho == NULL || d.users == NULL || d.t == NULL ||
	    (d.cfg != NULL && d.sp == NULL))
		fatalx(EXIT_PART, "cannot start the privileged part: %s",
		    strerror(errno));

	for (;;) {
		pfd[PFD_IPC] = (struct pollfd){ a->ipc, POLLIN, 0 };
		pfd[PFD_SIG] = (struct pollfd){ a->sigfd, POLLIN, 0 };
		pfd[PFD_MOUNTS] = (struct pollfd){ d.mountinfo, POLLPRI, 0 };
		pfd[PFD_GATE] = (struct pollfd){ a->gate_ipc, POLLIN, 0 };
		n = d.sp != NULL ? spawn_pollfds(d.sp, pfd + PFD_SPAWN,
		    PFD_MAX - PFD_SPAWN) : 0;
		out_ctx_clocks(&d.oc);
		if (d.rescan_due)
			send_rescan(&d);
		timeout = n > 0 || d.rescan_due ? 100 : -1;
		if (poll(pfd, PFD_SPAWN + n, timeout) < 0 &&
		    errno != EINTR)
			fatal(EXIT_PART, "poll");
		if ((pfd[PFD_SIG].revents & POLLIN) && signals(&d))
			break;
		if ((r = reap(&d)) != 0) {
			status = r == 1 ? 0 : r - 16;
			break;
		}
		if (pfd[PFD_IPC].revents & (POLLIN | POLLHUP | POLLERR) &&
		    from_loop(&d) == -EPIPE) {
			if ((r = reap(&d)) == 1)
				break;
			log_warnx("the event loop is gone");
			status = EXIT_PART;
			break;
		}
		if (pfd[PFD_GATE].revents & (POLLIN | POLLHUP | POLLERR) &&
		    privgate_read(&d) == -EPIPE) {
			close(a->gate_ipc);
			a->gate_ipc = -1;
			if ((r = reap(&d)) != 0) {
				status = r == 1 ? 0 : r - 16;
				break;
			}
		}
		if (pfd[PFD_MOUNTS].revents & POLLPRI)
			mounts_changed(&d);
		if (d.sp != NULL)
			spawn_io(d.sp, pfd + PFD_SPAWN, n);
	}

	shut_down(&d);
	return status;
}

int
privd_main(struct privd_args *a)
{
	int status, i;

	status = privd_run(a);
	for (i = 0; i < NL_NPARTS; i++)
		nl_close(a->nl[i]);
	close(a->ipc);
	return status;
}
