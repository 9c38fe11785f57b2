/*
 * rulebuild.c - building compiled rules one value at a time, as the
 * configuration parser hands them over: the vocabulary of a rule section
 * (keys, events, actions, signal names) and one parser per kind of value
 * (globs, id lists and ranges, signals, actions, hooks, run_as, numbers).
 *
 * Names (users, groups, signals) are resolved here, once per load, so
 * that matching, which runs for every event, never looks a name up.
 * Errors are sentences for the parser to prefix with FILE:LINE.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"
#include "signame.h"
#include "strnum.h"

/* Event types that concern a live process: every one but "lost". */
#define EVS_PROC	(EV_BIT(EV_FORK) | EV_BIT(EV_EXEC) | EV_BIT(EV_UID) | \
			 EV_BIT(EV_GID) | EV_BIT(EV_SID) | EV_BIT(EV_COMM) | \
			 EV_BIT(EV_PTRACE) | EV_BIT(EV_COREDUMP) | \
			 EV_BIT(EV_EXIT))
#define EVS_ALL		(EVS_PROC | EV_BIT(EV_LOST))

/* Largest id a uid/gid value may name; (uid_t)-1 means "no id". */
#define ID_MAX		4294967294u

static const struct {
	const char	*name;
	uint32_t	 events;
	bool		 multi;
} keys[RK__MAX] = {
	[RK_EVENT]	= { "event",		EVS_ALL,	true },
	[RK_EXE]	= { "exe",		EVS_PROC,	true },
	[RK_SCRIPT]	= { "script",		EVS_PROC,	true },
	[RK_COMM]	= { "comm",		EVS_PROC,	true },
	[RK_CMDLINE]	= { "cmdline",		EVS_PROC,	true },
	[RK_CGROUP]	= { "cgroup",		EVS_PROC,	true },
	[RK_PARENT]	= { "parent",		EVS_PROC,	true },
	[RK_ANCESTOR]	= { "ancestor",		EVS_PROC,	true },
	[RK_UID]	= { "uid",		EVS_PROC,	true },
	[RK_GID]	= { "gid",		EVS_PROC,	true },
	[RK_EUID]	= { "euid",		EVS_PROC,	true },
	[RK_EGID]	= { "egid",		EVS_PROC,	true },
	[RK_PREV_UID]	= { "prev_uid",		EV_BIT(EV_UID),	true },
	[RK_PREV_EUID]	= { "prev_euid",	EV_BIT(EV_UID),	true },
	[RK_EXIT_STATUS] = { "exit_status",	EV_BIT(EV_EXIT), true },
	[RK_EXIT_SIGNAL] = { "exit_signal",	EV_BIT(EV_EXIT), true },
	[RK_THREADS]	= { "threads",
			    EV_BIT(EV_FORK) | EV_BIT(EV_EXIT),	false },
	[RK_ACTION]	= { "action",		EVS_ALL,	false },
	[RK_SIGNAL]	= { "signal",		EVS_PROC,	false },
	[RK_HOOK]	= { "hook",		EVS_ALL,	true },
	[RK_RUN_AS]	= { "run_as",		EVS_ALL,	false },
	[RK_TIMEOUT]	= { "timeout",		EVS_ALL,	false },
	[RK_RATE]	= { "rate",		EVS_ALL,	false },
};

static const char *const action_names[] = {
	[ACT_RUN] = "run",
	[ACT_KILL] = "kill",
	[ACT_HOLD] = "hold",
	[ACT_LOG] = "log",
	[ACT_DENY] = "deny",
	[ACT_ASK] = "ask",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SIG_LAST	64	/* highest signal number on Linux */

enum rule_key
rule_key_lookup(const char *name)
{
	int k;

	for (k = 0; k < RK__MAX; k++)
		if (strcmp(name, keys[k].name) == 0)
			return k;
	return RK__MAX;
}

const char *
rule_key_name(enum rule_key k)
{
	if ((unsigned)k >= RK__MAX)
		return "?";
	return keys[k].name;
}

uint32_t
rule_key_events(enum rule_key k)
{
	if ((unsigned)k >= RK__MAX)
		return 0;
	return keys[k].events;
}

bool
rule_key_multi(enum rule_key k)
{
	return (unsigned)k < RK__MAX && keys[k].multi;
}

const char *
rule_action_name(enum action a)
{
	if ((unsigned)a >= NELEM(action_names))
		return "?";
	return action_names[a];
}

/* Make room for n elements of *p (size each); 0 or -ENOMEM. */
static int
grow(void **p, size_t n, size_t size)
{
	void *np = reallocarray(*p, n, size);

	if (np == NULL)
		return -ENOMEM;
	*p = np;
	return 0;
}

static int
glob_add(struct glob_list *g, const char *v, bool neg)
{
	size_t n = g->n + 1, lit = strcspn(v, "*?[\\");
	char *copy;

	if ((copy = strdup(v)) == NULL)
		return -ENOMEM;
	if (grow((void **)&g->pat, n, sizeof(*g->pat)) < 0 ||
	    grow((void **)&g->neg, n, sizeof(*g->neg)) < 0 ||
	    grow((void **)&g->kind, n, sizeof(*g->kind)) < 0 ||
	    grow((void **)&g->lit, n, sizeof(*g->lit)) < 0) {
		free(copy);
		return -ENOMEM;
	}
	g->pat[g->n] = copy;
	g->neg[g->n] = neg;
	g->lit[g->n] = (uint32_t)lit;
	/* Matching is per event, so classify once: fnmatch only if needed. */
	if (v[lit] == '\0')
		g->kind[g->n] = GLOB_LITERAL;
	else if (v[lit] == '*' && v[lit + 1] == '\0')
		g->kind[g->n] = GLOB_PREFIX;
	else
		g->kind[g->n] = GLOB_FNMATCH;
	g->n++;
	return 0;
}

static int
id_add(struct id_list *l, uint32_t lo, uint32_t hi, bool neg)
{
	struct id_range *r;

	r = realloc(l->r, (l->n + 1) * sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	l->r = r;
	l->r[l->n].lo = lo;
	l->r[l->n].hi = hi;
	l->r[l->n].neg = neg;
	l->n++;
	return 0;
}

/* Is s all digits and dashes, starting with a digit: a number or a range? */
static bool
numeric(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return false;
	return strspn(s, "0123456789-") == strlen(s);
}

/*
 * A number or a range "lo-hi" of numbers up to max.  Returns 0, -EINVAL
 * (not of that form), -ERANGE (above max) or -EDOM (lo > hi).
 */
static int
parse_range(const char *s, uint32_t max, uint32_t *lo, uint32_t *hi)
{
	const char *dash = strchr(s, '-');
	int r;

	if (dash == NULL) {
		if ((r = strnum_u32(s, strlen(s), max, lo)) < 0)
			return r;
		*hi = *lo;
		return 0;
	}
	if ((r = strnum_u32(s, (size_t)(dash - s), max, lo)) < 0 ||
	    (r = strnum_u32(dash + 1, strlen(dash + 1), max, hi)) < 0)
		return r;
	return *lo <= *hi ? 0 : -EDOM;
}

static int
range_error(int r, const char *what, const char *v, uint32_t max,
    uint32_t lo, uint32_t hi, char *err, size_t errlen)
{
	const char *example = max == 255 ? "1-255" : "1000-60000";

	if (r == -EDOM)
		snprintf(err, errlen, "bad %s range '%s': %u > %u", what, v,
		    lo, hi);
	else if (r == -ERANGE)
		snprintf(err, errlen, "%s '%s' out of range (0-%u)", what, v,
		    max);
	else
		snprintf(err, errlen, "bad %s '%s': expected a number or a "
		    "range such as %s", what, v, example);
	return -EINVAL;
}

/* A uid or gid value: a number, a range or a name. */
static int
add_id(struct id_list *l, bool group, const char *v, bool neg,
    char *err, size_t errlen)
{
	const char *what = group ? "group" : "user";
	struct passwd *pw;
	struct group *gr;
	uint32_t lo, hi;
	int r;

	if (numeric(v)) {
		if ((r = parse_range(v, ID_MAX, &lo, &hi)) < 0)
			return range_error(r, group ? "gid" : "uid", v, ID_MAX,
			    lo, hi, err, errlen);
		return id_add(l, lo, hi, neg);
	}
	if (group) {
		if ((gr = getgrnam(v)) == NULL)
			goto unknown;
		lo = gr->gr_gid;
	} else {
		if ((pw = getpwnam(v)) == NULL)
			goto unknown;
		lo = pw->pw_uid;
	}
	return id_add(l, lo, lo, neg);
unknown:
	snprintf(err, errlen, "unknown %s '%s'", what, v);
	return -EINVAL;
}

/* run_as = user[:group]; the group defaults to the user's primary group. */
static int
set_run_as(struct rule *r, const char *v, char *err, size_t errlen)
{
	const char *colon = strchr(v, ':');
	struct passwd *pw;
	struct group *gr;
	char *user;
	uint32_t n;

	user = strndup(v, colon ? (size_t)(colon - v) : strlen(v));
	if (user == NULL)
		return -ENOMEM;
	if (strnum_u32(user, strlen(user), ID_MAX, &n) == 0)
		pw = getpwuid(n);
	else
		pw = getpwnam(user);
	if (*user == '\0' || pw == NULL) {
		snprintf(err, errlen, "unknown user '%s' in run_as '%s'", user,
		    v);
		free(user);
		return -EINVAL;
	}
	free(user);
	free(r->run_user);
	if ((r->run_user = strdup(pw->pw_name)) == NULL)
		return -ENOMEM;
	r->run_uid = pw->pw_uid;
	r->run_gid = pw->pw_gid;
	r->has_run_as = true;
	if (colon == NULL)
		return 0;
	if (strnum_u32(colon + 1, strlen(colon + 1), ID_MAX, &n) == 0) {
		r->run_gid = n;
		return 0;
	}
	if (colon[1] == '\0' || (gr = getgrnam(colon + 1)) == NULL) {
		snprintf(err, errlen, "unknown group '%s' in run_as '%s'",
		    colon + 1, v);
		return -EINVAL;
	}
	r->run_gid = gr->gr_gid;
	return 0;
}

static struct glob_list *
glob_of(struct rule *r, enum rule_key k)
{
	switch (k) {
	case RK_EXE:		return &r->exe;
	case RK_SCRIPT:		return &r->script;
	case RK_COMM:		return &r->comm;
	case RK_CMDLINE:	return &r->cmdline;
	case RK_CGROUP:		return &r->cgroup;
	case RK_PARENT:		return &r->parent;
	case RK_ANCESTOR:	return &r->ancestor;
	default:		return NULL;
	}
}

static struct id_list *
ids_of(struct rule *r, enum rule_key k)
{
	switch (k) {
	case RK_UID:		return &r->uid;
	case RK_GID:		return &r->gid;
	case RK_EUID:		return &r->euid;
	case RK_EGID:		return &r->egid;
	case RK_PREV_UID:	return &r->prev_uid;
	case RK_PREV_EUID:	return &r->prev_euid;
	default:		return NULL;
	}
}

/* event = fork exec ... */
static int
add_event(struct rule *r, const char *v, char *err, size_t errlen)
{
	enum event_type t;

	if ((t = event_lookup(v)) == EV__MAX) {
		snprintf(err, errlen, "unknown event '%s' (one of fork exec "
		    "exit uid gid sid comm ptrace coredump lost)", v);
		return -EINVAL;
	}
	r->events |= EV_BIT(t);
	return 0;
}

/* exit_status = 1-255: a number or a range of exit statuses. */
static int
add_exit_status(struct rule *r, const char *v, bool neg, char *err,
    size_t errlen)
{
	uint32_t lo, hi;
	int rv;

	if ((rv = parse_range(v, 255, &lo, &hi)) < 0)
		return range_error(rv, "exit status", v, 255, lo, hi, err,
		    errlen);
	return id_add(&r->exit_status, lo, hi, neg);
}

/* signal = TERM (the one to kill with), exit_signal = SEGV ABRT ... */
static int
add_signal(struct rule *r, enum rule_key k, const char *v, bool neg,
    char *err, size_t errlen)
{
	int sig;

	if ((sig = signame_lookup(v)) == 0) {
		snprintf(err, errlen, "unknown signal '%s'", v);
		return -EINVAL;
	}
	if (k == RK_SIGNAL) {
		r->signal = sig;
		return 0;
	}
	return id_add(&r->exit_signal, (uint32_t)sig, (uint32_t)sig, neg);
}

static int
set_threads(struct rule *r, const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "yes") == 0)
		r->threads = true;
	else if (strcmp(v, "no") == 0)
		r->threads = false;
	else {
		snprintf(err, errlen, "bad threads '%s': expected yes or no",
		    v);
		return -EINVAL;
	}
	return 0;
}

static int
set_action(struct rule *r, const char *v, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NELEM(action_names); i++)
		if (strcmp(v, action_names[i]) == 0) {
			r->action = (enum action)i;
			return 0;
		}
	snprintf(err, errlen, "unknown action '%s' (one of run kill hold "
	    "deny ask log)", v);
	return -EINVAL;
}

/* A name in hooks_dir or an absolute path, stored as given. */
static int
add_hook(struct rule *r, const char *v, char *err, size_t errlen)
{
	char **h, *copy;

	if (v[0] != '/' && strchr(v, '/') != NULL) {
		snprintf(err, errlen, "bad hook '%s': a name in hooks_dir or "
		    "an absolute path", v);
		return -EINVAL;
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		snprintf(err, errlen, "bad hook '%s'", v);
		return -EINVAL;
	}
	if ((copy = strdup(v)) == NULL)
		return -ENOMEM;
	h = realloc(r->hooks, (r->nhooks + 1) * sizeof(*h));
	if (h == NULL) {
		free(copy);
		return -ENOMEM;
	}
	r->hooks = h;
	r->hooks[r->nhooks++] = copy;
	return 0;
}

/* timeout, rate: a count of unit from 1 to max. */
static int
set_count(unsigned *out, const char *key, const char *unit, uint32_t max,
    const char *v, char *err, size_t errlen)
{
	uint32_t n;

	if (strnum_u32(v, strlen(v), max, &n) < 0 || n < 1) {
		snprintf(err, errlen, "bad %s '%s': expected %s, 1-%u", key, v,
		    unit, max);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

/* Which keys may be negated with a leading '!'. */
static bool
negatable(struct rule *r, enum rule_key k)
{
	return glob_of(r, k) != NULL || ids_of(r, k) != NULL ||
	    k == RK_EXIT_STATUS || k == RK_EXIT_SIGNAL;
}

int
rule_add_value(struct rule *r, enum rule_key k, const char *v, bool neg,
    char *err, size_t errlen)
{
	struct glob_list *g;
	struct id_list *l;

	if ((unsigned)k >= RK__MAX) {
		snprintf(err, errlen, "unknown key");
		return -EINVAL;
	}
	if (neg && !negatable(r, k)) {
		snprintf(err, errlen, "'!' is not allowed in '%s'",
		    keys[k].name);
		return -EINVAL;
	}
	if (*v == '\0') {
		snprintf(err, errlen, "empty value for '%s'", keys[k].name);
		return -EINVAL;
	}
	if ((g = glob_of(r, k)) != NULL)
		return glob_add(g, v, neg);
	if ((l = ids_of(r, k)) != NULL)
		return add_id(l, k == RK_GID || k == RK_EGID, v, neg,
		    err, errlen);
	switch (k) {
	case RK_EVENT:		return add_event(r, v, err, errlen);
	case RK_EXIT_STATUS:	return add_exit_status(r, v, neg, err, errlen);
	case RK_EXIT_SIGNAL:
	case RK_SIGNAL:		return add_signal(r, k, v, neg, err, errlen);
	case RK_THREADS:	return set_threads(r, v, err, errlen);
	case RK_ACTION:		return set_action(r, v, err, errlen);
	case RK_HOOK:		return add_hook(r, v, err, errlen);
	case RK_RUN_AS:		return set_run_as(r, v, err, errlen);
	case RK_TIMEOUT:
		return set_count(&r->timeout, "timeout", "seconds", 86400, v,
		    err, errlen);
	case RK_RATE:
		return set_count(&r->rate, "rate", "runs per second", 1000000,
		    v, err, errlen);
	default:
		snprintf(err, errlen, "unknown key");
		return -EINVAL;
	}
}

static void
glob_free(struct glob_list *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->pat[i]);
	free(g->pat);
	free(g->neg);
	free(g->kind);
	free(g->lit);
}

void
rule_free(struct rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->name);
	free(r->file);
	glob_free(&r->exe);
	glob_free(&r->script);
	glob_free(&r->comm);
	glob_free(&r->cmdline);
	glob_free(&r->parent);
	glob_free(&r->ancestor);
	glob_free(&r->cgroup);
	free(r->uid.r);
	free(r->gid.r);
	free(r->euid.r);
	free(r->egid.r);
	free(r->prev_uid.r);
	free(r->prev_euid.r);
	free(r->exit_status.r);
	free(r->exit_signal.r);
	for (i = 0; i < r->nhooks; i++)
		free(r->hooks[i]);
	free(r->hooks);
	free(r->run_user);
	memset(r, 0, sizeof(*r));
}
