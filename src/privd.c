/*
 * privd.c - the privileged part: acts on requests from the event loop.
 *
 * It does only what needs root: send a signal, hold or release a process,
 * name an executable the loop cannot read, start hooks, re-read the
 * configuration.  Every request comes from a process that handles data
 * any local user controls, so each is checked again here: it must name a
 * rule of the configuration in force and one of its events, and before a
 * process is signalled or held, the process itself is checked -- not PID
 * 1, not ours, not a hook's; the very process the event named (its start
 * time, through a pidfd, so a recycled pid is never hit); and still
 * matching the rule, by what /proc says now, its parent and ancestors
 * included (lineage.c): one that /proc cannot confirm is refused.
 *
 * A request to run hooks for an event of a live process is checked the
 * same way, but for the lineage and the previous ids of a uid event: these
 * stay the loop's word, as does everything about a process that is gone
 * already (every exit).  So that a subverted loop cannot run hooks at
 * will with such words, every rule with hooks has a rate here too.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "clock.h"
#include "enrich.h"
#include "event.h"
#include "exe.h"
#include "hold.h"
#include "ipc.h"
#include "lineage.h"
#include "log.h"
#include "notify.h"
#include "output.h"
#include "privd.h"
#include "proc.h"
#include "rule.h"
#include "spawn.h"
#include "users.h"

#define EXIT_PART	4
#define LINEAGE_MAX	1024
#define FROM_LOOP_MAX	256	/* messages handled per wake-up */
#define RATE_BURST	2	/* seconds' worth: requests may arrive bunched */
#define RATE_WARN_NS	1000000000ull

struct privd_stats {
	uint64_t	 requests;
	uint64_t	 refused;	/* malformed, stale, or not allowed */
	uint64_t	 over_rate;	/* hook runs refused: over the rule's rate */
	uint64_t	 gone;		/* the process was gone already */
	uint64_t	 signals;
	uint64_t	 holds;
	uint64_t	 released;
	uint64_t	 hold_killed;	/* refused by a hook, or could not be held */
};

struct privd {
	struct privd_args *a;
	struct config	*cfg, *prev;	/* in force, and the one before */
	uint32_t	 gen;
	struct spawn	*sp;
	struct hold	*ho;
	struct users	*users;
	struct table	*t;		/* strings read from /proc */
	struct out_ctx	 oc;
	int		 procfd;
	int		 mountinfo;
	uint64_t	 cookie;
	struct rule_rate *rates[2];	/* by rule of cfg, of prev */
	uint64_t	 rate_warned_ns;
	struct proc_clock clock;
	bool		 loop_ready;
	struct privd_stats st;
};

/* Is pid prochookd itself, or a hook or anything a hook started? */
static bool
ours(struct privd *d, pid_t pid)
{
	struct proc_stat st;
	pid_t self = getpid();
	int i, fd;

	for (i = 0; i < LINEAGE_MAX && pid > 1; i++) {
		if (pid == self || pid == d->a->loop)
			return true;
		/* A hook's orphans go to its keeper, a child of ours. */
		if ((fd = proc_open(d->procfd, pid)) < 0)
			return false;
		if (proc_read_stat(fd, &st) < 0) {
			close(fd);
			return false;
		}
		close(fd);
		pid = st.ppid;
	}
	return false;
}

/*
 * Open the process the request names, and check it is that very process
 * (start_ns NULL: whichever has the pid now): returns a pidfd (with its
 * /proc directory and stat), or -errno (-ESRCH: gone, -ESTALE: another
 * process).
 */
static int
open_target(struct privd *d, pid_t pid, const uint64_t *start_ns,
    int *dirfd, struct proc_stat *st)
{
	int pidfd, fd;

	if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -errno;
	/*
	 * A pid reused before pidfd_open() would show another start time;
	 * after it, the pidfd names the process checked here, whatever
	 * happens to the number.
	 */
	if ((fd = proc_open(d->procfd, pid)) < 0 ||
	    proc_read_stat(fd, st) < 0) {
		if (fd >= 0)
			close(fd);
		close(pidfd);
		return -ESRCH;
	}
	if (start_ns != NULL && !proc_same_start(&d->clock, st, *start_ns)) {
		close(fd);
		close(pidfd);
		return -ESTALE;
	}
	*dirfd = fd;
	return pidfd;
}

/*
 * The script the loop says p runs, if the live arguments confirm it: the
 * kernel passes a script's path to its interpreter as the first argument,
 * or the second when the #! line gives the interpreter one.  Otherwise
 * unknown, and the rule does not match.
 */
static void
confirm_script(struct table *t, struct proc *p, int dirfd,
    struct str *claim)
{
	char argv[PROC_CMDLINE_MAX + 1], name[PROC_PATH_MAX];
	const char *a;
	size_t len;
	int i;

	str_set(t, &p->script, NULL);
	p->flags &= ~P_SCRIPT;
	if (claim == NULL || proc_read_argv(dirfd, argv, sizeof(argv),
	    &len) < 0)
		return;
	for (a = argv, i = 0; a < argv + len && i < 3; a += strlen(a) + 1, i++)
		if (i > 0 && exe_resolve_arg(dirfd, a, name, sizeof(name)) == 0 &&
		    strcmp(name, claim->s) == 0) {
			str_set(t, &p->script, str_ref(claim));
			p->flags |= P_SCRIPT;
			return;
		}
}

/*
 * What /proc says now, as root, of what the rule tests, into p (strings
 * new); the rest stays as the event loop described it.  Only what the rule
 * needs is read: the process is running meanwhile.
 */
static void
read_now(struct table *t, int dirfd, const struct proc_stat *st,
    const struct rule *r, struct proc *p)
{
	struct str *script = str_ref(p->script);

	if (r->exe.n > 0)
		enrich_read_exe(t, p, dirfd);
	if (r->script.n > 0)
		confirm_script(t, p, dirfd, script);
	str_unref(t, script);
	if (r->cmdline.n > 0)
		enrich_read_cmdline(t, p, dirfd);
	if (r->uid.n + r->euid.n + r->gid.n + r->egid.n > 0)
		enrich_read_ids(p, dirfd);
	memcpy(p->comm, st->comm, sizeof(p->comm));
	p->flags |= P_COMM;
	if (r->cgroup.n > 0)
		enrich_read_cgroup(t, p, dirfd);
}

static void
proc_strings_free(struct table *t, struct proc *p)
{
	str_set(t, &p->exe, NULL);
	str_set(t, &p->pexe, NULL);
	str_set(t, &p->cmdline, NULL);
	str_set(t, &p->cgroup, NULL);
	str_set(t, &p->script, NULL);
	str_set(t, &p->loader, NULL);
}

/*
 * run_as's home and supplementary groups, looked up once per user and
 * configuration: each supervisor is a new process that would load the
 * name service again, and a slow directory (LDAP) would hold up the
 * privileged part for every hook.
 */
struct runas {
	char		*user;
	gid_t		 gid;
	char		*home;
	gid_t		*groups;
	int		 ngroups;
};

#define RUNAS_MAX	32

static struct runas runas_cache[RUNAS_MAX];

static void
runas_flush(void)
{
	size_t i;

	for (i = 0; i < RUNAS_MAX; i++) {
		free(runas_cache[i].user);
		free(runas_cache[i].home);
		free(runas_cache[i].groups);
		memset(&runas_cache[i], 0, sizeof(runas_cache[i]));
	}
}

static const struct runas *
runas_get(const char *user, gid_t gid)
{
	struct runas *ra = NULL;
	struct passwd *pw;
	size_t i;
	int n = 32;
	gid_t *g;

	for (i = 0; i < RUNAS_MAX; i++) {
		if (runas_cache[i].user == NULL) {
			if (ra == NULL)
				ra = &runas_cache[i];
			continue;
		}
		if (strcmp(runas_cache[i].user, user) == 0 &&
		    runas_cache[i].gid == gid)
			return &runas_cache[i];
	}
	if (ra == NULL) {
		runas_flush();
		ra = &runas_cache[0];
	}
	pw = getpwnam(user);
	if ((ra->user = strdup(user)) == NULL ||
	    (ra->home = strdup(pw != NULL ? pw->pw_dir : "/")) == NULL)
		goto fail;
	ra->gid = gid;
	for (;;) {
		if ((g = reallocarray(ra->groups, (size_t)n, sizeof(*g))) ==
		    NULL)
			goto fail;
		ra->groups = g;
		if (getgrouplist(user, gid, g, &n) >= 0)
			break;
		if (n > 65536)
			goto fail;
	}
	ra->ngroups = n;
	return ra;
fail:
	free(ra->user);
	free(ra->home);
	free(ra->groups);
	memset(ra, 0, sizeof(*ra));
	return NULL;
}

static void	job_done(void *, uint64_t, bool);

/* Queue the rule's hooks for the event; cookie names a held process. */
static void
run_hooks(struct privd *d, const struct rule *r, const struct pevent *pe,
    uint64_t cookie, int sig)
{
	struct spawn_job *job = calloc(1, sizeof(*job));
	const char *user = r->has_run_as ? r->run_user : "root";
	const struct runas *ra;
	size_t i;

	if (job == NULL)
		goto nomem;
	job->uid = r->has_run_as ? r->run_uid : 0;
	job->gid = r->has_run_as ? r->run_gid : 0;
	if ((ra = runas_get(user, job->gid)) != NULL &&
	    (job->groups = reallocarray(NULL, (size_t)ra->ngroups,
	    sizeof(gid_t))) != NULL) {
		memcpy(job->groups, ra->groups,
		    (size_t)ra->ngroups * sizeof(gid_t));
		job->ngroups = (size_t)ra->ngroups;
	}
	job->rule = strdup(r->name);
	job->user = strdup(user);
	job->home = strdup(ra != NULL ? ra->home : "/");
	job->hooks = calloc(r->nhooks + 1, sizeof(*job->hooks));
	job->timeout = r->timeout ? r->timeout : d->cfg->hook_timeout;
	job->env = out_env(pe, &d->oc, r->name, rule_action_name(r->action),
	    sig);
	job->event = event_name(pe->ev->type);
	job->pid = pe->ev->pid;
	job->cookie = cookie;
	if (job->rule == NULL || job->user == NULL || job->home == NULL ||
	    job->hooks == NULL || job->env == NULL)
		goto nomem;
	for (i = 0; i < r->nhooks; i++, job->nhooks++)
		if ((job->hooks[i] = strdup(r->hooks[i])) == NULL)
			goto nomem;
	(void)spawn_submit(d->sp, job);
	return;
nomem:
	log_warnx("rule %s: out of memory: hooks not run", r->name);
	spawn_job_free(job);
	if (cookie != 0)
		job_done(d, cookie, false);
}

/* A job has ended: a held process goes on only if every hook said yes. */
static void
job_done(void *arg, uint64_t cookie, bool ok)
{
	struct privd *d = arg;

	if (cookie == 0)
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

/* A path fit for a log line: a process chose it. */
static const char *
esc(const struct str *s, char *buf, size_t size)
{
	if (s == NULL)
		return "?";
	out_text_escape_buf(buf, size, s->s, s->len);
	return buf;
}

/*
 * The rule's rate, counted here too: a ceiling on hook runs whatever the
 * loop asks, with a burst of RATE_BURST seconds' worth, as the loop's
 * requests may arrive bunched after a busy moment.
 */
static bool
privd_rate(struct privd *d, const struct config *cfg, uint32_t rule)
{
	struct rule_rate **rates = &d->rates[cfg == d->cfg ? 0 : 1];
	uint64_t now = (uint64_t)clock_ns(CLOCK_MONOTONIC);

	if (*rates == NULL &&
	    (*rates = calloc(cfg->nrules, sizeof(**rates))) == NULL)
		return false;
	if (rule_rate_take(&cfg->rules[rule], &(*rates)[rule], now,
	    RATE_BURST))
		return true;
	d->st.over_rate++;
	if (now - d->rate_warned_ns >= RATE_WARN_NS) {
		log_warnx("rule %s: hook runs over the rule's rate refused "
		    "(%llu so far)", cfg->rules[rule].name,
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

/* Has the process begun to exit (or been reaped) since st was read? */
static bool
exiting(int dirfd)
{
	struct proc_stat st;

	return proc_read_stat(dirfd, &st) < 0 ||
	    (st.flags & PROC_PF_EXITING) != 0;
}

/*
 * Does the live process (its /proc directory and stat) still match the
 * rule, by what /proc says now?  Returns NULL, or why not; *gone is set
 * when that is because it is exiting.  With lineage, the parent and
 * ancestor keys are tested against the live ppid chain: an ancestor the
 * loop saw that has exited since cannot be confirmed, and so it does not
 * match.
 */
static const char *
recheck(struct privd *d, int dirfd, const struct proc_stat *st,
    const struct rule *r, struct pevent *pe, struct proc *p, bool lineage,
    bool *gone)
{
	struct rule check = *r;
	bool miss = false, ok;

	read_now(d->t, dirfd, st, r, p);
	check.parent.n = check.ancestor.n = 0;
	if (!rule_match(&check, pe, NULL, &miss)) {
		/* An exiting process has no exe left to read. */
		*gone = miss && exiting(dirfd);
		return miss ? "the process could not be read" :
		    "the process does not match the rule";
	}
	if (!lineage || r->parent.n + r->ancestor.n == 0)
		return NULL;
	(void)lineage_read(d->procfd, st, d->t, p, r->ancestor.n > 0);
	ok = rule_match(r, pe, d->t, &miss);
	lineage_forget(d->t, p);
	return ok ? NULL : "its parent or ancestors in /proc do not match the "
	    "rule";
}

/* IPC_ACT: check, then signal or hold at once, then queue the hooks. */
static void
act(struct privd *d, const struct ipc_event *e)
{
	const struct config *cfg;
	const struct rule *r;
	const char *why;
	struct proc_stat st;
	struct event ev;
	struct proc p;
	struct pevent pe;
	int pidfd = -1, dirfd = -1, sig = 0;
	uint64_t cookie = 0;
	bool signals, live, gone = false;
	char name[PROC_PATH_MAX];

	d->st.requests++;
	cfg = e->gen == d->gen ? d->cfg : e->gen + 1 == d->gen ? d->prev : NULL;
	if (cfg == NULL || e->rule >= cfg->nrules) {
		refuse(d, "no such rule in the configuration in force", e);
		return;
	}
	r = &cfg->rules[e->rule];
	ipc_to_pevent(e, &ev, &p, &pe);
	if (!(r->events & EV_BIT(ev.type)) || r->action == ACT_LOG) {
		refuse(d, "the rule does not act on such an event", e);
		goto out;
	}
	signals = r->action == ACT_KILL || r->action == ACT_HOLD;
	/* Every event but an exit is of a process that may still live. */
	live = ev.type != EV_EXIT && ev.type != EV_LOST;
	if (signals && (ev.pid <= 1 || ours(d, ev.pid))) {
		refuse(d, "PID 1, prochookd and hooks are never signalled or "
		    "held", e);
		goto out;
	}
	if (ev.type == EV_EXIT && ev.pid == 1) {
		refuse(d, "PID 1 never exits", e);
		goto out;
	}
	if (signals && !(p.flags & P_START)) {
		refuse(d, "the process's start time is unknown", e);
		goto out;
	}
	if (signals || live) {
		/*
		 * The loop may not know the start time of a process it first
		 * met at its exec, after a loss: then whichever process has
		 * the pid now must match.
		 */
		pidfd = open_target(d, ev.pid, (p.flags & P_START) ?
		    &p.start_ns : NULL, &dirfd, &st);
		if (pidfd == -ESTALE && signals) {
			refuse(d, "the pid belongs to another process now", e);
			goto out;
		}
		if (pidfd >= 0 && (why = recheck(d, dirfd, &st, r, &pe, &p,
		    signals, &gone)) != NULL && (signals || !gone)) {
			refuse(d, why, e);
			goto out;
		}
		if (pidfd < 0 || gone)
			d->st.gone++;
		if (pidfd < 0 && signals)
			goto out;
		/* Gone or exiting: as for an exit, what the hooks are told
		 * is the loop's word, within the rule's rate. */
	}
	if (r->action == ACT_KILL) {
		sig = r->signal;
		if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
			log_warn("rule %s: cannot signal pid %d", r->name,
			    (int)ev.pid);
		else {
			d->st.signals++;
			log_info("rule %s: sent SIG%s to pid %d (%s)", r->name,
			    rule_signal_name(sig) ? rule_signal_name(sig) : "?",
			    (int)ev.pid, esc(p.exe, name, sizeof(name)));
		}
	} else if (r->action == ACT_HOLD &&
	    (cookie = hold_join(d->ho, ev.pid)) != 0) {
		/* Held already: these hooks must approve it as well. */
		if (!e->run_hooks) {
			job_done(d, cookie, false);
			goto out;
		}
	} else if (r->action == ACT_HOLD) {
		cookie = ++d->cookie;
		if (hold_start(d->ho, ev.pid, pidfd, cookie) < 0) {
			log_warn("rule %s: cannot hold pid %d: killing it",
			    r->name, (int)ev.pid);
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL,
			    NULL, 0);
			d->st.hold_killed++;
			cookie = 0;
		} else {
			pidfd = -1;	/* hold keeps it */
			d->st.holds++;
			log_info("rule %s: holding pid %d (%s) until its hooks "
			    "decide", r->name, (int)ev.pid,
			    esc(p.exe, name, sizeof(name)));
			if (!e->run_hooks) {
				job_done(d, cookie, false);
				goto out;
			}
		}
	}
	/*
	 * The loop keeps the rule's rate; so do we, lest a subverted loop
	 * run hooks at will.
	 */
	if (e->run_hooks && r->nhooks > 0 && !privd_rate(d, cfg, e->rule)) {
		if (cookie != 0)
			job_done(d, cookie, false);
	} else if (e->run_hooks && r->nhooks > 0)
		run_hooks(d, r, &pe, cookie, sig);
out:
	if (pidfd >= 0)
		close(pidfd);
	if (dirfd >= 0)
		close(dirfd);
	proc_strings_free(d->t, &p);
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

/* IPC_EXE_REQ: the executable of a process the loop may not read. */
static void
name_exe(struct privd *d, const struct ipc_msg *req)
{
	static struct ipc_msg m;
	struct proc_stat st;
	struct exe_id id;
	int pidfd, dirfd = -1;

	memset(&m, 0, sizeof(m));
	m.type = IPC_EXE;
	m.u.exe.pid = req->u.exe.pid;
	pidfd = open_target(d, req->u.exe.pid, &req->u.exe.start_ns, &dirfd,
	    &st);
	if (pidfd >= 0) {
		m.u.exe.found = exe_proc_name(dirfd, m.u.exe.path,
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

/* Send a configuration's texts to the loop, which parses the same. */
static int
send_config(struct privd *d, const struct config *cfg, uint32_t gen)
{
	static struct ipc_msg m;
	size_t i, off, n;
	int r, tries;

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
			/* The loop reads between events: a second is plenty. */
			for (tries = 0; (r = ipc_send(d->a->ipc, &m)) == -EAGAIN &&
			    tries < 10; tries++) {
				struct pollfd pfd = { d->a->ipc, POLLOUT, 0 };

				(void)poll(&pfd, 1, 100);
			}
			if (r < 0)
				return r;
		} while (off < cfg->files[i].len);
	}
	return 0;
}

static void
config_err(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* SIGHUP: a bad file leaves everything as it was. */
static void
reload(struct privd *d)
{
	struct config *cfg;
	int r, i;

	(void)notify_send("RELOADING=1");
	log_info("reloading %s", d->a->cfgpath);
	if ((cfg = config_load(d->a->cfgpath, config_err, NULL)) == NULL) {
		log_warnx("configuration refused; the rules in force stay");
		(void)notify_send("READY=1");
		return;
	}
	if ((r = send_config(d, cfg, d->gen + 1)) < 0) {
		log_warnx("cannot hand the configuration to the event loop: "
		    "%s; the rules in force stay", strerror(-r));
		config_free(cfg);
		(void)notify_send("READY=1");
		return;
	}
	if (strcmp(cfg->user, d->cfg->user) != 0 ||
	    cfg->rcvbuf != d->cfg->rcvbuf)
		log_warnx("user and rcvbuf take effect when prochookd is "
		    "restarted");
	config_free(d->prev);
	d->prev = d->cfg;
	d->cfg = cfg;
	d->gen++;
	runas_flush();
	free(d->rates[1]);
	d->rates[1] = d->rates[0];
	d->rates[0] = NULL;
	spawn_limits(d->sp, cfg->max_hooks, cfg->queue_size);
	for (i = 0; i < NL_NPARTS; i++) {
		if ((r = nl_narrow(d->a->nl[i], nl_config_events(cfg) &
		    nl_part_events(i))) < 0)
			log_warnx("cannot narrow the subscription: %s",
			    strerror(-r));
		if ((r = nl_filter(d->a->nl[i], i, cfg->threads)) < 0)
			log_warnx("cannot filter events: %s", strerror(-r));
	}
	log_info("configuration reloaded: %zu rules", cfg->nrules);
	(void)notify_send("READY=1");
}

static void
log_stats(struct privd *d)
{
	const struct privd_stats *s = &d->st;

	log_info("privileged part: %llu requests, %llu refused, %llu hook "
	    "runs over a rule's rate refused, %llu for processes already gone; "
	    "%llu signals sent; %llu holds, %llu released, %llu killed",
	    (unsigned long long)s->requests, (unsigned long long)s->refused,
	    (unsigned long long)s->over_rate, (unsigned long long)s->gone,
	    (unsigned long long)s->signals, (unsigned long long)s->holds,
	    (unsigned long long)s->released,
	    (unsigned long long)s->hold_killed);
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
		if (hold_waited(d->ho, pid, status))
			continue;
		if (d->sp != NULL && spawn_reaped(d->sp, pid, status))
			continue;
		/* An orphan of a hook, re-parented to us. */
	}
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
			break;
		default:
			break;
		}
	}
	return stop;
}

/* Messages from the loop; returns -EPIPE when it is gone. */
static int
from_loop(struct privd *d)
{
	static struct ipc_msg m;
	int r = 0, n = 0;

	/* A bounded number per wake-up: signals and hooks get their turn. */
	while (n++ < FROM_LOOP_MAX && (r = ipc_recv(d->a->ipc, &m)) == 1) {
		switch (m.type) {
		case IPC_READY:
			if (d->loop_ready)
				break;
			d->loop_ready = true;
			log_info("ready: privileges separated, the event loop "
			    "runs as an unprivileged user");
			(void)notify_send("READY=1");
			break;
		case IPC_ACT:
			if (d->cfg != NULL && !d->a->dry_run)
				act(d, &m.u.ev);
			else
				refuse(d, "no rules here", &m.u.ev);
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

	if (d->a->fanfd >= 0 &&
	    exe_mark_mounts_fd(d->a->fanfd, d->mountinfo, &n) == 0)
		log_debug("mounts changed: exec notifications on %u file "
		    "systems", n);
}

enum { PFD_IPC, PFD_SIG, PFD_MOUNTS, PFD_SPAWN };
#define PFD_MAX	(PFD_SPAWN + 4096)

int
privd_run(struct privd_args *a)
{
	static struct pollfd pfd[PFD_MAX];
	struct privd d;
	size_t n;
	int r, status = 0;

	memset(&d, 0, sizeof(d));
	d.a = a;
	d.cfg = a->cfg;
	d.gen = 1;
	proc_clock_init(&d.clock);
	d.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d.mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	d.ho = hold_new();
	d.users = users_new();
	d.t = table_new();
	d.oc.user = users_lookup;
	d.oc.user_arg = d.users;
	if (d.cfg != NULL)
		d.sp = spawn_new(d.cfg->max_hooks, d.cfg->queue_size, job_done,
		    &d);
	if (d.procfd < 0 || d.ho == NULL || d.users == NULL || d.t == NULL ||
	    (d.cfg != NULL && d.sp == NULL))
		fatalx(EXIT_PART, "cannot start the privileged part: %s",
		    strerror(errno));

	for (;;) {
		pfd[PFD_IPC] = (struct pollfd){ a->ipc, POLLIN, 0 };
		pfd[PFD_SIG] = (struct pollfd){ a->sigfd, POLLIN, 0 };
		pfd[PFD_MOUNTS] = (struct pollfd){ d.mountinfo, POLLPRI, 0 };
		n = d.sp != NULL ? spawn_pollfds(d.sp, pfd + PFD_SPAWN,
		    PFD_MAX - PFD_SPAWN) : 0;
		d.oc.real_off_ns = clock_real_offset();
		d.oc.boot_off_ns = clock_boot_offset();
		if (poll(pfd, PFD_SPAWN + n, n > 0 ? 100 : -1) < 0 &&
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
		if (pfd[PFD_MOUNTS].revents & POLLPRI)
			mounts_changed(&d);
		if (d.sp != NULL)
			spawn_io(d.sp, pfd + PFD_SPAWN, n);
	}

	/* Nothing held stays stopped; nothing we started lingers. */
	hold_kill_all(d.ho);
	if (d.sp != NULL)
		spawn_shutdown(d.sp);
	(void)notify_send("STOPPING=1");
	if (a->loop > 0) {
		kill(a->loop, SIGTERM);
		(void)waitpid(a->loop, NULL, 0);
	}
	(void)nl_unsubscribe(a->nl[NL_FAST]);
	(void)nl_unsubscribe(a->nl[NL_BULK]);
	if (d.sp != NULL)
		spawn_free(d.sp);
	hold_free(d.ho);
	users_free(d.users);
	table_free(d.t);
	runas_flush();
	free(d.rates[0]);
	free(d.rates[1]);
	config_free(d.cfg);
	config_free(d.prev);
	close(d.procfd);
	if (d.mountinfo >= 0)
		close(d.mountinfo);
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
