/*
 * rule.c - compiled rules: building them one value at a time, matching an
 * event against them, describing them.
 *
 * Matching reads only the event and the process table; names (users,
 * groups, signals) are resolved once, when the rule is built.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rule.h"

/* Event types that concern a live process: every one but "lost". */
#define EVS_PROC	(EV_BIT(EV_FORK) | EV_BIT(EV_EXEC) | EV_BIT(EV_UID) | \
			 EV_BIT(EV_GID) | EV_BIT(EV_SID) | EV_BIT(EV_COMM) | \
			 EV_BIT(EV_PTRACE) | EV_BIT(EV_COREDUMP) | \
			 EV_BIT(EV_EXIT))
#define EVS_ALL		(EVS_PROC | EV_BIT(EV_LOST))

/* Longest lineage the ancestor key walks. */
#define ANCESTOR_MAX	1024

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
};

/* Canonical names first: rule_signal_name() returns the first match. */
static const struct {
	const char	*name;
	int		 sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
	{ "IOT", SIGABRT }, { "POLL", SIGIO }, { "CLD", SIGCHLD },
};

static const char *const rt_names[] = {
	"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3", "RTMIN+4", "RTMIN+5",
	"RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9", "RTMIN+10", "RTMIN+11",
	"RTMIN+12", "RTMIN+13", "RTMIN+14", "RTMIN+15", "RTMIN+16",
	"RTMIN+17", "RTMIN+18", "RTMIN+19", "RTMIN+20", "RTMIN+21",
	"RTMIN+22", "RTMIN+23", "RTMIN+24", "RTMIN+25", "RTMIN+26",
	"RTMIN+27", "RTMIN+28", "RTMIN+29", "RTMIN+30", "RTMIN+31",
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

/* Parse a decimal number of digits only (no sign, no spaces) up to max. */
static int
parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

int
rule_signal_lookup(const char *s)
{
	uint32_t n;
	size_t i;
	int base, off;
	char *end;

	if (parse_u32(s, strlen(s), SIG_LAST, &n) == 0)
		return n >= 1 ? (int)n : 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < NELEM(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = SIGRTMIN;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = SIGRTMAX;
	else
		return 0;
	s += 5;
	if (*s == '\0')
		return base;
	if ((*s != '+' && *s != '-') || !isdigit((unsigned char)s[1]))
		return 0;
	errno = 0;
	off = (int)strtol(s + 1, &end, 10);
	if (*end != '\0' || errno != 0 || off > SIG_LAST)
		return 0;
	base = *s == '+' ? base + off : base - off;
	if (base < SIGRTMIN || base > SIGRTMAX)
		return 0;
	return base;
}

const char *
rule_signal_name(int sig)
{
	size_t i;

	for (i = 0; i < NELEM(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	if (sig == SIGRTMAX)
		return "RTMAX";
	if (sig >= SIGRTMIN && sig < SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < NELEM(rt_names))
		return rt_names[sig - SIGRTMIN];
	return NULL;
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
		if ((r = parse_u32(s, strlen(s), max, lo)) < 0)
			return r;
		*hi = *lo;
		return 0;
	}
	if ((r = parse_u32(s, (size_t)(dash - s), max, lo)) < 0 ||
	    (r = parse_u32(dash + 1, strlen(dash + 1), max, hi)) < 0)
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
	if (parse_u32(user, strlen(user), ID_MAX, &n) == 0)
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
	if (parse_u32(colon + 1, strlen(colon + 1), ID_MAX, &n) == 0) {
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

static int
add_hook(struct rule *r, const char *v)
{
	char **h, *copy;

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

int
rule_add_value(struct rule *r, enum rule_key k, const char *v, bool neg,
    char *err, size_t errlen)
{
	struct glob_list *g;
	struct id_list *l;
	enum event_type t;
	uint32_t lo, hi;
	size_t i;
	int sig, rv;

	if ((unsigned)k >= RK__MAX) {
		snprintf(err, errlen, "unknown key");
		return -EINVAL;
	}
	if (neg && !(glob_of(r, k) || ids_of(r, k) ||
	    k == RK_EXIT_STATUS || k == RK_EXIT_SIGNAL)) {
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
	case RK_EVENT:
		if ((t = event_lookup(v)) == EV__MAX) {
			snprintf(err, errlen, "unknown event '%s' (one of fork "
			    "exec exit uid gid sid comm ptrace coredump lost)",
			    v);
			return -EINVAL;
		}
		r->events |= EV_BIT(t);
		return 0;
	case RK_EXIT_STATUS:
		if ((rv = parse_range(v, 255, &lo, &hi)) < 0)
			return range_error(rv, "exit status", v, 255, lo, hi,
			    err, errlen);
		return id_add(&r->exit_status, lo, hi, neg);
	case RK_EXIT_SIGNAL:
	case RK_SIGNAL:
		if ((sig = rule_signal_lookup(v)) == 0) {
			snprintf(err, errlen, "unknown signal '%s'", v);
			return -EINVAL;
		}
		if (k == RK_SIGNAL) {
			r->signal = sig;
			return 0;
		}
		return id_add(&r->exit_signal, (uint32_t)sig, (uint32_t)sig,
		    neg);
	case RK_THREADS:
		if (strcmp(v, "yes") == 0)
			r->threads = true;
		else if (strcmp(v, "no") == 0)
			r->threads = false;
		else {
			snprintf(err, errlen, "bad threads '%s': expected yes "
			    "or no", v);
			return -EINVAL;
		}
		return 0;
	case RK_ACTION:
		for (i = 0; i < NELEM(action_names); i++)
			if (strcmp(v, action_names[i]) == 0) {
				r->action = (enum action)i;
				return 0;
			}
		snprintf(err, errlen, "unknown action '%s' (one of run kill "
		    "hold log)", v);
		return -EINVAL;
	case RK_HOOK:
		if (v[0] != '/' && strchr(v, '/') != NULL) {
			snprintf(err, errlen, "bad hook '%s': a name in "
			    "hooks_dir or an absolute path", v);
			return -EINVAL;
		}
		if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
			snprintf(err, errlen, "bad hook '%s'", v);
			return -EINVAL;
		}
		return add_hook(r, v);
	case RK_RUN_AS:
		return set_run_as(r, v, err, errlen);
	case RK_TIMEOUT:
		if ((rv = parse_u32(v, strlen(v), 86400, &lo)) < 0 || lo < 1) {
			snprintf(err, errlen, "bad timeout '%s': expected "
			    "seconds, 1-86400", v);
			return -EINVAL;
		}
		r->timeout = lo;
		return 0;
	case RK_RATE:
		rv = parse_u32(v, strlen(v), 1000000, &lo);
		if (rv < 0 || lo < 1) {
			snprintf(err, errlen, "bad rate '%s': expected runs "
			    "per second, 1-1000000", v);
			return -EINVAL;
		}
		r->rate = lo;
		return 0;
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

/*
 * Matching.  Each key answers yes, no, or unknown (the value it tests was
 * never learned).
 */
enum tri { T_NO, T_YES, T_UNKNOWN };

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

static enum tri
glob_key(const struct glob_list *g, bool known, const char *s)
{
	if (g->n == 0)
		return T_YES;
	if (!known || s == NULL)
		return T_UNKNOWN;
	return glob_test(g, &s, 1) ? T_YES : T_NO;
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

static enum tri
id_key(const struct id_list *l, bool known, uint32_t v)
{
	if (l->n == 0)
		return T_YES;
	if (!known)
		return T_UNKNOWN;
	return id_test(l, v) ? T_YES : T_NO;
}

/*
 * The fork lineage: the parent's executable at fork (pexe), then for
 * every ancestor record in the table its executable and its own pexe.
 * The walk stops at a missing record, pid 0, a loop back to the start,
 * or after ANCESTOR_MAX steps.
 */
static enum tri
ancestor_key(const struct glob_list *g, const struct proc *p,
    struct table *t)
{
	const char *cand[2];
	const struct proc *q = p;
	size_t n, steps;
	bool known = false, pos = false, any_pos = false;
	size_t i;

	if (g->n == 0)
		return T_YES;
	for (i = 0; i < g->n; i++)
		if (!g->neg[i])
			any_pos = true;
	for (steps = 0; q != NULL && steps < ANCESTOR_MAX; steps++) {
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
					return T_NO;
				pos = true;
			}
		}
		if (q->ppid <= 0 || q->ppid == q->pid || q->ppid == p->pid)
			break;
		q = table_get(t, q->ppid);
	}
	if (!known)
		return T_UNKNOWN;
	return pos || !any_pos ? T_YES : T_NO;
}

bool
rule_match(const struct rule *r, const struct pevent *pe, struct table *t,
    bool *miss, uint32_t skip)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;
	char comm[sizeof(p->comm) + 1];
	bool ids, unknown = false;
	int sig;

	if ((unsigned)ev->type >= 32 || !(r->events & EV_BIT(ev->type)))
		return false;
	if (ev->thread && !r->threads)
		return false;
	if (ev->type != EV_LOST && (p->flags & (P_HOOK | P_SELF)))
		return false;
	if (r->exit_status.n > 0 &&
	    (!event_exited(ev) ||
	    !id_test(&r->exit_status, (uint32_t)event_exit_status(ev))))
		return false;
	if (r->exit_signal.n > 0 &&
	    ((sig = event_exit_signal(ev)) == 0 ||
	    !id_test(&r->exit_signal, (uint32_t)sig)))
		return false;

	/* Cheapest first; the first key that rules the event out ends it. */
	ids = (p->flags & P_IDS) != 0;
#define KEY(k, expr) do {						\
	if (skip & RK_BIT(k))						\
		break;							\
	switch (expr) {							\
	case T_NO:							\
		return false;						\
	case T_UNKNOWN:							\
		unknown = true;						\
		break;							\
	case T_YES:							\
		break;							\
	}								\
} while (0)
	KEY(RK_UID, id_key(&r->uid, ids, p->uid));
	KEY(RK_EUID, id_key(&r->euid, ids, p->euid));
	KEY(RK_GID, id_key(&r->gid, ids, p->gid));
	KEY(RK_EGID, id_key(&r->egid, ids, p->egid));
	KEY(RK_PREV_UID, id_key(&r->prev_uid, pe->has_prev, pe->prev_uid));
	KEY(RK_PREV_EUID, id_key(&r->prev_euid, pe->has_prev, pe->prev_euid));
	KEY(RK_EXE, glob_key(&r->exe, (p->flags & P_EXE) != 0,
	    p->exe ? p->exe->s : NULL));
	/* Known not to run a script: an empty name, which ! values match. */
	KEY(RK_SCRIPT, glob_key(&r->script, (p->flags & P_SCRIPT) != 0,
	    p->script ? p->script->s : ""));
	if (r->comm.n > 0) {
		memcpy(comm, p->comm, sizeof(p->comm));
		comm[sizeof(p->comm)] = '\0';
		KEY(RK_COMM, glob_key(&r->comm, (p->flags & P_COMM) != 0,
		    comm));
	}
	KEY(RK_CGROUP, glob_key(&r->cgroup, (p->flags & P_CGROUP) != 0,
	    p->cgroup ? p->cgroup->s : NULL));
	KEY(RK_PARENT, glob_key(&r->parent, (p->flags & P_PEXE) != 0,
	    p->pexe ? p->pexe->s : NULL));
	KEY(RK_CMDLINE, glob_key(&r->cmdline, (p->flags & P_CMDLINE) != 0,
	    p->cmdline ? p->cmdline->s : NULL));
	/* Last: the only key that walks the table. */
	KEY(RK_ANCESTOR, ancestor_key(&r->ancestor, p, t));
#undef KEY
	if (unknown) {
		*miss = true;
		return false;
	}
	return true;
}

/*
 * Describing.
 */

/* A value as the config file would spell it, quoted when it must be. */
static void
put_value(FILE *fp, const char *v)
{
	const char *s;

	if (*v != '\0' && *v != '!' && *v != '#' &&
	    strpbrk(v, " \t\n\v\f\r\"{},;") == NULL) {
		fputs(v, fp);
		return;
	}
	fputc('"', fp);
	for (s = v; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
put_range(FILE *fp, const struct id_range *r, bool sig)
{
	const char *name = sig ? rule_signal_name((int)r->lo) : NULL;

	if (name != NULL)
		fputs(name, fp);
	else if (r->lo == r->hi)
		fprintf(fp, "%u", r->lo);
	else
		fprintf(fp, "%u-%u", r->lo, r->hi);
}

/* "KEY v", "KEY in {a, b}", "KEY not v", "KEY a and not in {b, c}" */
static void
put_glob(FILE *fp, bool *first, const char *key, const struct glob_list *g)
{
	size_t i, n, k;
	int pass;

	if (g->n == 0)
		return;
	fprintf(fp, "%s%s", *first ? " where " : " and ", key);
	*first = false;
	for (pass = 0; pass < 2; pass++) {
		for (i = n = 0; i < g->n; i++)
			n += g->neg[i] == (pass == 1);
		if (n == 0)
			continue;
		if (pass == 1)
			fputs(n < g->n ? " and not" : " not", fp);
		fputs(n > 1 ? " in {" : " ", fp);
		for (i = k = 0; i < g->n; i++) {
			if (g->neg[i] != (pass == 1))
				continue;
			if (k++ > 0)
				fputs(", ", fp);
			put_value(fp, g->pat[i]);
		}
		if (n > 1)
			fputc('}', fp);
	}
}

static void
put_ids(FILE *fp, bool *first, const char *key, const struct id_list *l,
    bool sig)
{
	size_t i, n, k;
	int pass;

	if (l->n == 0)
		return;
	fprintf(fp, "%s%s", *first ? " where " : " and ", key);
	*first = false;
	for (pass = 0; pass < 2; pass++) {
		for (i = n = 0; i < l->n; i++)
			n += l->r[i].neg == (pass == 1);
		if (n == 0)
			continue;
		if (pass == 1)
			fputs(n < l->n ? " and not" : " not", fp);
		fputs(n > 1 ? " in {" : " ", fp);
		for (i = k = 0; i < l->n; i++) {
			if (l->r[i].neg != (pass == 1))
				continue;
			if (k++ > 0)
				fputs(", ", fp);
			put_range(fp, &l->r[i], sig);
		}
		if (n > 1)
			fputc('}', fp);
	}
}

/* "hooks a, b as nobody (uid 65534, gid 65534), timeout 5s" */
static void
put_hooks(FILE *fp, const struct rule *r, const char *hooks_dir)
{
	size_t i, dl = hooks_dir ? strlen(hooks_dir) : 0;
	const char *h;

	fputs(r->nhooks > 1 ? "hooks " : "hook ", fp);
	for (i = 0; i < r->nhooks; i++) {
		h = r->hooks[i];
		if (dl > 0 && strncmp(h, hooks_dir, dl) == 0 && h[dl] == '/' &&
		    strchr(h + dl + 1, '/') == NULL)
			h += dl + 1;
		fprintf(fp, "%s%s", i > 0 ? ", " : "", h);
	}
	if (r->has_run_as)
		fprintf(fp, " as %s (uid %u, gid %u)",
		    r->run_user ? r->run_user : "?", (unsigned)r->run_uid,
		    (unsigned)r->run_gid);
	if (r->timeout > 0)
		fprintf(fp, ", timeout %us", r->timeout);
}

void
rule_describe(const struct rule *r, const char *hooks_dir, FILE *fp)
{
	const char *sig;
	bool first = true;
	int t, k = 0;

	for (t = 0; t < EV__MAX && t < 32; t++)
		if (r->events & EV_BIT(t))
			fprintf(fp, "%s%s", k++ > 0 ? "|" : "", event_name(t));
	if (r->threads)
		fputs(" (with threads)", fp);
	put_glob(fp, &first, "exe", &r->exe);
	put_glob(fp, &first, "script", &r->script);
	put_glob(fp, &first, "comm", &r->comm);
	put_glob(fp, &first, "cmdline", &r->cmdline);
	put_glob(fp, &first, "cgroup", &r->cgroup);
	put_glob(fp, &first, "parent", &r->parent);
	put_glob(fp, &first, "ancestor", &r->ancestor);
	put_ids(fp, &first, "uid", &r->uid, false);
	put_ids(fp, &first, "gid", &r->gid, false);
	put_ids(fp, &first, "euid", &r->euid, false);
	put_ids(fp, &first, "egid", &r->egid, false);
	put_ids(fp, &first, "prev_uid", &r->prev_uid, false);
	put_ids(fp, &first, "prev_euid", &r->prev_euid, false);
	put_ids(fp, &first, "exit_status", &r->exit_status, false);
	put_ids(fp, &first, "exit_signal", &r->exit_signal, true);

	fputs(" -> ", fp);
	switch (r->action) {
	case ACT_KILL:
		sig = rule_signal_name(r->signal);
		if (sig != NULL)
			fprintf(fp, "kill %s", sig);
		else
			fprintf(fp, "kill %d", r->signal);
		if (r->nhooks > 0) {
			fputs(", then ", fp);
			put_hooks(fp, r, hooks_dir);
		}
		break;
	case ACT_HOLD:
		fputs("hold, run ", fp);
		put_hooks(fp, r, hooks_dir);
		fputs(", then release if all exit 0, else kill", fp);
		break;
	case ACT_LOG:
		fputs("log", fp);
		break;
	case ACT_RUN:
		fputs("run ", fp);
		put_hooks(fp, r, hooks_dir);
		break;
	}
	if (r->rate > 0)
		fprintf(fp, ", rate %u/s", r->rate);
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
