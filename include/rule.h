/*
 * rule.h - compiled rules: matching an event against them and their rates
 * (rule.c), building them from configuration values (rulebuild.c),
 * describing them for -t (ruledesc.c).
 *
 * Matching touches no file system: it reads only the event and the process
 * table.
 */
#ifndef PROCHOOK_RULE_H
#define PROCHOOK_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "event.h"
#include "table.h"

/* How a pattern is matched: most are a path or a path followed by '*'. */
enum glob_kind { GLOB_LITERAL, GLOB_PREFIX, GLOB_FNMATCH };

/* Glob alternatives; a pattern with neg set excludes. */
struct glob_list {
	size_t		 n;
	char		**pat;
	bool		*neg;
	uint8_t		*kind;		/* enum glob_kind */
	uint32_t	*lit;		/* length of the literal prefix */
};

/* Number alternatives: ranges lo-hi; neg excludes. */
struct id_range {
	uint32_t	lo, hi;
	bool		neg;
};

struct id_list {
	size_t		 n;
	struct id_range	*r;
};

/*
 * ACT_DENY and ACT_ASK are decided before the exec, by the gate (gate.c);
 * an exec the gate could not see falls back to ACT_KILL and ACT_HOLD.
 */
enum action { ACT_RUN, ACT_KILL, ACT_HOLD, ACT_LOG, ACT_DENY, ACT_ASK };

/* Is the action decided by the gate, before the exec? */
#define ACT_GATED(a)	((a) == ACT_DENY || (a) == ACT_ASK)

struct rule {
	char		*name;
	char		*file;		/* where it was defined */
	unsigned	 line;
	uint32_t	 events;	/* EV_BIT() set */
	struct glob_list exe, script, comm, cmdline, parent, ancestor, cgroup;
	struct id_list	 uid, gid, euid, egid, prev_uid, prev_euid;
	struct id_list	 exit_status, exit_signal;
	bool		 threads;
	enum action	 action;
	int		 signal;	/* for ACT_KILL */
	char		**hooks;	/* absolute paths */
	size_t		 nhooks;
	bool		 has_run_as;
	uid_t		 run_uid;
	gid_t		 run_gid;
	char		*run_user;
	unsigned	 timeout;	/* seconds; 0: hook_timeout */
	unsigned	 rate;		/* per second; 0: not set (rule_rate()) */
};

/* The keys of a rule section. */
enum rule_key {
	RK_EVENT,
	RK_EXE, RK_SCRIPT, RK_COMM, RK_CMDLINE, RK_CGROUP, RK_PARENT, RK_ANCESTOR,
	RK_UID, RK_GID, RK_EUID, RK_EGID, RK_PREV_UID, RK_PREV_EUID,
	RK_EXIT_STATUS, RK_EXIT_SIGNAL, RK_THREADS,
	RK_ACTION, RK_SIGNAL, RK_HOOK, RK_RUN_AS, RK_TIMEOUT, RK_RATE,
	RK__MAX
};

/* A set of keys, for rule_match()'s skip. */
#define RK_BIT(k)	(1u << (k))
/* The keys that walk the fork lineage. */
#define RK_LINEAGE	(RK_BIT(RK_PARENT) | RK_BIT(RK_ANCESTOR))
/*
 * Generations the ancestor key looks up (the event loop's table, and the
 * live chain lineage_read() takes from /proc).  A process deeper than
 * that matches as if every ancestor a value names were above it.
 */
#define RULE_ANCESTOR_MAX	1024

/* rule.c: a rule's rate, a token bucket. */
struct rule_rate {
	uint64_t	 tokens_ns;	/* credit, in nanoseconds */
	uint64_t	 last_ns;
	uint64_t	 dropped;
};

/* Hook runs a second of a rule with hooks that sets no rate. */
#define RULE_RATE_DEFAULT	100

/* The rule's rate: its own, else RULE_RATE_DEFAULT if it has hooks, else 0
 * (unlimited). */
unsigned	 rule_rate(const struct rule *);
/*
 * Can the rule match some event of a process that runs p->exe (and
 * p->script), whatever else is true of it?  Only the exe and script keys
 * are tested: what an exec's notifications tell before anything is read.
 */
bool		 rule_names_may_match(const struct rule *, const struct proc *);
/*
 * May the rule run its hooks or log once more at now (nanoseconds)?  The
 * bucket holds burst seconds' worth of runs.
 */
bool		 rule_rate_take(const struct rule *, struct rule_rate *,
		    uint64_t now, unsigned burst);

/*
 * Does the event match the rule?  When a key tests a value that is not
 * known (the process vanished before it could be read), the key does not
 * match and *miss is set -- only when no known key already ruled the event
 * out, so that a miss is counted only where it decided the outcome.
 * Events of hooks and their descendants (P_HOOK) and of prochookd itself
 * (P_SELF) never match.  The keys of the process in skip (an RK_BIT() set:
 * ids, exe, script, comm, cgroup, parent, cmdline, ancestor) are not
 * tested.
 */
bool		 rule_match(const struct rule *, const struct pevent *,
		    struct table *, bool *miss, uint32_t skip);

/* What one key answers for an event. */
enum rule_tri { RULE_NO, RULE_YES, RULE_UNKNOWN };

/*
 * What key k of the rule answers for the event, tested as rule_match()
 * tests it (for --explain).  A key the rule does not give, and a key that
 * says what the rule does (action, hook, ...), answers RULE_YES.  t is
 * walked for RK_ANCESTOR only.
 */
enum rule_tri	 rule_key_test(const struct rule *, enum rule_key,
		    const struct pevent *, struct table *);

/* rulebuild.c: the words of a rule section, and building rules. */
const char	*rule_action_name(enum action);
/* Frees what the rule owns (not the struct itself) and zeroes it. */
void		 rule_free(struct rule *);

/* config.c drives these, one value at a time. */
enum rule_key	 rule_key_lookup(const char *);	/* RK__MAX if unknown */
const char	*rule_key_name(enum rule_key);
/* EV_BIT() set of the event types a key can be given with. */
uint32_t	 rule_key_events(enum rule_key);
/* Does the key take a list of values (or exactly one)? */
bool		 rule_key_multi(enum rule_key);
/*
 * Add one value (a word, quotes already removed; neg for a leading '!')
 * to key k of the rule.  Names are resolved here (users, groups, signals);
 * hook names are stored as given.  Returns 0, -EINVAL with a message
 * ("unknown event 'exce'") in err, or -ENOMEM.
 */
int		 rule_add_value(struct rule *, enum rule_key, const char *,
		    bool neg, char *err, size_t errlen);
/*
 * ruledesc.c: what the rule matches and does, on one line without a newline:
 * "exec where exe in {/usr/bin/nc*, /bin/nc*} and uid not 0 -> kill KILL,
 * then hook notify-admin".  Hooks under hooks_dir print by name.
 */
void		 rule_describe(const struct rule *, const char *hooks_dir,
		    FILE *);

#endif
