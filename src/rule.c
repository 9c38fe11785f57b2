/*
 * rule.c - the hot path: matching an event against a compiled rule, and
 * the per-rule rate of hook runs and log lines.
 *
 * Matching reads only the event and the process table, never the file
 * system; names (users, groups, signals) were resolved when the rule was
 * built (rulebuild.c).
 */
#include <fnmatch.h>
#include <string.h>

#include "rule.h"

/*
 * Matching.  Each key answers yes, no, or unknown (the value it tests was
 * never learned).
 */

/* Does pat match one of the candidates?  No FNM_PATHNAME: '*' crosses '/'. */
static bool
any_fnmatch(const struct glob_list *g, size_t i, const char *const *s,
    size_t ns)
{
	const char *pat = g->pat[i];
	size_t j, lit = g->lit[i];

	for (j = 0; j < ns; j++) {
		if (strncmp(pat, s[j], lit) != 0)
			continue;
		if (g->kind[i] == GLOB_PREFIX ||
		    (g->kind[i] == GLOB_LITERAL && s[j][lit] == '\0') ||
		    (g->kind[i] == GLOB_FNMATCH && fnmatch(pat, s[j], 0) == 0))
			return true;
	}
	return false;
}

/*
 * A key's patterns against the candidates: some positive pattern matches
 * (or there is none), and no negative one does.
 */
static bool
glob_test(const struct glob_list *g, const char *const *s, size_t ns)
{
	bool pos = false, any_pos = false;
	size_t i;

	for (i = 0; i < g->n; i++) {
		if (!g->neg[i]) {
			any_pos = true;
			if (!pos && any_fnmatch(g, i, s, ns))
				pos = true;
		} else if (any_fnmatch(g, i, s, ns))
			return false;
	}
	return pos || !any_pos;
}

static enum rule_tri
glob_key(const struct glob_list *g, bool known, const char *s)
{
	if (g->n == 0)
		return RULE_YES;
	if (!known || s == NULL)
		return RULE_UNKNOWN;
	return glob_test(g, &s, 1) ? RULE_YES : RULE_NO;
}

static bool
id_test(const struct id_list *l, uint32_t v)
{
	bool pos = false, any_pos = false;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!l->r[i].neg)
			any_pos = true;
		if (v < l->r[i].lo || v > l->r[i].hi)
			continue;
		if (l->r[i].neg)
			return false;
		pos = true;
	}
	return pos || !any_pos;
}

static enum rule_tri
id_key(const struct id_list *l, bool known, uint32_t v)
{
	if (l->n == 0)
		return RULE_YES;
	if (!known)
		return RULE_UNKNOWN;
	return id_test(l, v) ? RULE_YES : RULE_NO;
}

/*
 * The fork lineage: the parent's executable at fork (pexe), then for
 * every ancestor record in the table its executable and its own pexe.
 * The walk stops at a missing record, pid 0, a loop back to the start,
 * or after RULE_ANCESTOR_MAX steps.
 */
static enum rule_tri
ancestor_key(const struct glob_list *g, const struct proc *p,
    struct table *t)
{
	const char *cand[2];
	const struct proc *q = p, *next;
	size_t n, steps;
	bool known = false, pos = false, any_pos = false;
	size_t i;

	if (g->n == 0)
		return RULE_YES;
	for (i = 0; i < g->n; i++)
		if (!g->neg[i])
			any_pos = true;
	for (steps = 0; q != NULL && steps < RULE_ANCESTOR_MAX; steps++) {
		n = 0;
		if (steps > 0 && (q->flags & P_EXE) && q->exe != NULL)
			cand[n++] = q->exe->s;
		if ((q->flags & P_PEXE) && q->pexe != NULL &&
		    (n == 0 || strcmp(cand[0], q->pexe->s) != 0))
			cand[n++] = q->pexe->s;
		if (n > 0) {
			known = true;
			for (i = 0; i < g->n; i++) {
				if (!any_fnmatch(g, i, cand, n))
					continue;
				if (g->neg[i])
					return RULE_NO;
				pos = true;
			}
		}
		if (q->ppid <= 0 || q->ppid == q->pid || q->ppid == p->pid)
			break;
		next = table_get(t, q->ppid);
		/*
		 * Younger than its child (a start time from /proc is a tick's):
		 * a recycled pid, where the lineage ends.
		 */
		if (next != NULL && (next->flags & q->flags & P_START) &&
		    next->start_ns > q->start_ns + TABLE_START_SLACK_NS)
			break;
		q = next;
	}
	/*
	 * Deeper than the walk goes, with no excluded ancestor in reach (one
	 * would have answered no above): a chain of a user's own processes
	 * must not push the ancestor a value names out of reach, so it may be
	 * above, and the key matches.
	 */
	if (q != NULL && steps == RULE_ANCESTOR_MAX)
		return RULE_YES;
	if (!known)
		return RULE_UNKNOWN;
	return pos || !any_pos ? RULE_YES : RULE_NO;
}

/*
 * What key k of r answers for the event.  The tests of rule_match() and of
 * --explain: one place says what each key looks at.
 */
static inline enum rule_tri
key_test(const struct rule *r, enum rule_key k, const struct pevent *pe,
    struct table *t)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;
	char comm[sizeof(p->comm) + 1];
	bool ids = (p->flags & P_IDS) != 0;
	int sig;

	switch (k) {
	case RK_EVENT:
		return (unsigned)ev->type < 32 &&
		    (r->events & EV_BIT(ev->type)) ? RULE_YES : RULE_NO;
	case RK_THREADS:
		return ev->thread && !r->threads ? RULE_NO : RULE_YES;
	case RK_EXIT_STATUS:
		if (r->exit_status.n == 0)
			return RULE_YES;
		return event_exited(ev) && id_test(&r->exit_status,
		    (uint32_t)event_exit_status(ev)) ? RULE_YES : RULE_NO;
	case RK_EXIT_SIGNAL:
		if (r->exit_signal.n == 0)
			return RULE_YES;
		return (sig = event_exit_signal(ev)) != 0 &&
		    id_test(&r->exit_signal, (uint32_t)sig) ? RULE_YES : RULE_NO;
	case RK_UID:
		return id_key(&r->uid, ids, p->uid);
	case RK_EUID:
		return id_key(&r->euid, ids, p->euid);
	case RK_GID:
		return id_key(&r->gid, ids, p->gid);
	case RK_EGID:
		return id_key(&r->egid, ids, p->egid);
	case RK_PREV_UID:
		return id_key(&r->prev_uid, pe->has_prev, pe->prev_uid);
	case RK_PREV_EUID:
		return id_key(&r->prev_euid, pe->has_prev, pe->prev_euid);
	case RK_EXE:
		return glob_key(&r->exe, (p->flags & P_EXE) != 0,
		    p->exe ? p->exe->s : NULL);
	case RK_SCRIPT:
		/* Known not to run a script: an empty name, which ! values
		 * match. */
		return glob_key(&r->script, (p->flags & P_SCRIPT) != 0,
		    p->script ? p->script->s : "");
	case RK_COMM:
		if (r->comm.n == 0)
			return RULE_YES;
		memcpy(comm, p->comm, sizeof(p->comm));
		comm[sizeof(p->comm)] = '\0';
		return glob_key(&r->comm, (p->flags & P_COMM) != 0, comm);
	case RK_CGROUP:
		return glob_key(&r->cgroup, (p->flags & P_CGROUP) != 0,
		    p->cgroup ? p->cgroup->s : NULL);
	case RK_PARENT:
		return glob_key(&r->parent, (p->flags & P_PEXE) != 0,
		    p->pexe ? p->pexe->s : NULL);
	case RK_CMDLINE:
		return glob_key(&r->cmdline, (p->flags & P_CMDLINE) != 0,
		    p->cmdline ? p->cmdline->s : NULL);
	case RK_ANCESTOR:
		return ancestor_key(&r->ancestor, p, t);
	default:
		/* What the rule does, not what it tests. */
		return RULE_YES;
	}
}

enum rule_tri
rule_key_test(const struct rule *r, enum rule_key k, const struct pevent *pe,
    struct table *t)
{
	return key_test(r, k, pe, t);
}

bool
rule_match(const struct rule *r, const struct pevent *pe, struct table *t,
    bool *miss, uint32_t skip)
{
	bool unknown = false;

	if (key_test(r, RK_EVENT, pe, t) != RULE_YES ||
	    key_test(r, RK_THREADS, pe, t) != RULE_YES)
		return false;
	if (pe->ev->type != EV_LOST && (pe->p->flags & (P_HOOK | P_SELF)))
		return false;
	if (key_test(r, RK_EXIT_STATUS, pe, t) != RULE_YES ||
	    key_test(r, RK_EXIT_SIGNAL, pe, t) != RULE_YES)
		return false;

	/* Cheapest first; the first key that rules the event out ends it. */
#define KEY(k) do {							\
	if (skip & RK_BIT(k))						\
		break;							\
	switch (key_test(r, k, pe, t)) {				\
	case RULE_NO:							\
		return false;						\
	case RULE_UNKNOWN:						\
		unknown = true;						\
		break;							\
	case RULE_YES:							\
		break;							\
	}								\
} while (0)
	KEY(RK_UID);
	KEY(RK_EUID);
	KEY(RK_GID);
	KEY(RK_EGID);
	KEY(RK_PREV_UID);
	KEY(RK_PREV_EUID);
	KEY(RK_EXE);
	KEY(RK_SCRIPT);
	KEY(RK_COMM);
	KEY(RK_CGROUP);
	KEY(RK_PARENT);
	KEY(RK_CMDLINE);
	/* Last: the only key that walks the table. */
	KEY(RK_ANCESTOR);
#undef KEY
	if (unknown) {
		*miss = true;
		return false;
	}
	return true;
}

bool
rule_names_may_match(const struct rule *r, const struct proc *p)
{
	/* The name keys read only the process, never the event. */
	const struct pevent pe = { .ev = NULL, .p = p };

	return key_test(r, RK_EXE, &pe, NULL) != RULE_NO &&
	    key_test(r, RK_SCRIPT, &pe, NULL) != RULE_NO;
}

unsigned
rule_rate(const struct rule *r)
{
	if (r->rate > 0)
		return r->rate;
	return r->nhooks > 0 ? RULE_RATE_DEFAULT : 0;
}

bool
rule_rate_take(const struct rule *r, struct rule_rate *rr, uint64_t now,
    unsigned burst)
{
	const uint64_t sec = 1000000000ull;
	uint64_t cap = sec * (burst > 0 ? burst : 1), cost;
	unsigned rate = rule_rate(r);

	if (rate == 0)
		return true;
	cost = sec / rate;
	if (rr->last_ns == 0)
		rr->tokens_ns = cap;
	else if (now > rr->last_ns)
		rr->tokens_ns += now - rr->last_ns;
	if (rr->tokens_ns > cap)
		rr->tokens_ns = cap;
	rr->last_ns = now;
	if (rr->tokens_ns < cost) {
		rr->dropped++;
		return false;
	}
	rr->tokens_ns -= cost;
	return true;
}
