/*
 * verify.c - the privileged part's check of a request from the event loop.
 *
 * Every request comes from a process that handles data any local user
 * controls, so each is checked again here: it must name a rule of the
 * configuration in force (or of the one before: requests in flight across
 * a reload) and one of its events, and before a process is signalled or
 * held, the process itself is checked -- not PID 1, not ours, not a
 * hook's; the very process the event named (its start time, read after
 * the caller opened a pidfd, so a recycled pid is never hit); and still
 * matching the rule, by what /proc says now, its parent and ancestors
 * included (lineage.c): one that /proc cannot confirm is refused.
 *
 * A request to run hooks for an event of a live process is checked the
 * same way, but for the lineage and the previous ids of a uid event: these
 * stay the loop's word, as does everything about a process that is gone
 * already (every exit).  So that a subverted loop cannot run hooks at
 * will with such words, every rule with hooks has a rate here too.
 *
 * Nothing here acts; /proc is a directory fd, so the tests point every
 * check at a fake tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enrich.h"
#include "exe.h"
#include "exename.h"
#include "lineage.h"
#include "proctree.h"
#include "verify.h"

#define OURS_MAX	1024	/* steps up the ppid chain */

static const char *const reasons[V__MAX] = {
	[V_OK]		= "accepted",
	[V_GONE]	= "the process is gone",
	[V_MALFORMED]	= "malformed request",
	[V_NO_RULE]	= "no such rule in the configuration in force",
	[V_NOT_ACTED]	= "the rule does not act on such an event",
	[V_PROTECTED]	= "PID 1, prochookd and hooks are never signalled or "
			  "held",
	[V_PID1_EXIT]	= "PID 1 never exits",
	[V_NO_START]	= "the process's start time is unknown",
	[V_STALE]	= "the pid belongs to another process now",
	[V_UNREADABLE]	= "the process could not be read",
	[V_NO_MATCH]	= "the process does not match the rule",
	[V_LINEAGE]	= "its parent or ancestors in /proc do not match the "
			  "rule",
	[V_OVER_RATE]	= "over the rule's rate",
	[V_NOMEM]	= "out of memory",
};

const char *
verify_reason(enum verdict v)
{
	return (unsigned)v < V__MAX ? reasons[v] : "?";
}

/* Is pid prochookd itself, or a hook or anything a hook started? */
static bool
ours(const struct verify_ctx *c, pid_t pid)
{
	/* A hook's orphans go to its keeper, a child of ours. */
	pid_t roots[] = { c->self, c->loop };

	return proctree_within(c->procfd, pid, roots, 2, OURS_MAX);
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
		if (i > 0 && exename_resolve(dirfd, a, name, sizeof(name)) == 0 &&
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
 * rule, by what /proc says now?  For a kill or hold, the parent and
 * ancestor keys are tested against the live ppid chain: an ancestor the
 * loop saw that has exited since cannot be confirmed, and so it does not
 * match.  A process that cannot be read because it is exiting is gone
 * (for hooks, which then have the loop's word).
 */
static enum verdict
recheck(const struct verify_ctx *c, int dirfd, const struct proc_stat *st,
    struct request *q)
{
	const struct rule *r = q->r;
	bool miss = false, ok;

	read_now(c->t, dirfd, st, r, &q->p);
	if (!rule_match(r, &q->pe, NULL, &miss, RK_LINEAGE)) {
		/* An exiting process has no exe left to read. */
		if (miss && !q->signals && exiting(dirfd))
			return V_GONE;
		return miss ? V_UNREADABLE : V_NO_MATCH;
	}
	if (!q->signals || r->parent.n + r->ancestor.n == 0)
		return V_OK;
	(void)lineage_read(c->procfd, st, c->t, &q->p, r->ancestor.n > 0);
	ok = rule_match(r, &q->pe, c->t, &miss, 0);
	lineage_forget(c->t, &q->p);
	return ok ? V_OK : V_LINEAGE;
}

/*
 * The process the request names, as /proc shows it now.  The loop may not
 * know the start time of a process it first met at its exec, after a
 * loss: then whichever process has the pid now must match.
 */
static enum verdict
check_target(const struct verify_ctx *c, struct request *q, int pidfd)
{
	struct proc_stat st;
	enum verdict v;
	int dirfd;

	if (pidfd < 0 || (dirfd = proc_open(c->procfd, q->ev.pid)) < 0)
		return V_GONE;
	if (proc_read_stat(dirfd, &st) < 0)
		v = V_GONE;
	else if ((q->p.flags & P_START) &&
	    !proc_same_start(c->clock, &st, q->p.start_ns))
		v = q->signals ? V_STALE : V_GONE;
	else
		v = recheck(c, dirfd, &st, q);
	close(dirfd);
	return v;
}

/* The checks that need no more of /proc than the ppid chain. */
static enum verdict
check_event(const struct verify_ctx *c, struct request *q)
{
	const struct rule *r = q->r;
	pid_t pid = q->ev.pid;

	if (!(r->events & EV_BIT(q->ev.type)) || r->action == ACT_LOG)
		return V_NOT_ACTED;
	q->signals = r->action == ACT_KILL || r->action == ACT_HOLD ||
	    ACT_GATED(r->action);
	if (q->signals && (pid <= 1 || ours(c, pid)))
		return V_PROTECTED;
	if (q->ev.type == EV_EXIT && pid == 1)
		return V_PID1_EXIT;
	if (q->signals && !(q->p.flags & P_START))
		return V_NO_START;
	return V_OK;
}

enum verdict
verify_request(const struct verify_ctx *c, const struct ipc_event *e,
    int pidfd, struct request *q)
{
	enum verdict v;

	memset(q, 0, sizeof(*q));
	if (e->type >= EV__MAX)
		return V_MALFORMED;
	ipc_to_pevent(e, &q->ev, &q->p, &q->pe);
	q->cfg = e->gen == c->gen ? c->cfg :
	    e->gen + 1 == c->gen ? c->prev : NULL;
	if (q->cfg == NULL || e->rule >= q->cfg->nrules)
		return V_NO_RULE;
	q->r = &q->cfg->rules[e->rule];
	if ((v = check_event(c, q)) != V_OK)
		return v;
	/* Every event but an exit is of a process that may still live. */
	if (!q->signals && (q->ev.type == EV_EXIT || q->ev.type == EV_LOST))
		return V_OK;
	return check_target(c, q, pidfd);
}

void
verify_release(struct table *t, struct request *q)
{
	str_set(t, &q->p.exe, NULL);
	str_set(t, &q->p.pexe, NULL);
	str_set(t, &q->p.cmdline, NULL);
	str_set(t, &q->p.cgroup, NULL);
	str_set(t, &q->p.script, NULL);
	str_set(t, &q->p.loader, NULL);
}

enum verdict
verify_rate(struct rule_rate **rates, const struct config *cfg,
    uint32_t rule, uint64_t now)
{
	if (rule >= cfg->nrules)
		return V_NO_RULE;
	if (*rates == NULL &&
	    (*rates = calloc(cfg->nrules, sizeof(**rates))) == NULL)
		return V_NOMEM;
	return rule_rate_take(&cfg->rules[rule], &(*rates)[rule], now,
	    VERIFY_RATE_BURST) ? V_OK : V_OVER_RATE;
}
