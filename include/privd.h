/*
 * privd.h - the privileged part: acts on requests from the event loop.
 */
#ifndef PROCHOOK_PRIVD_H
#define PROCHOOK_PRIVD_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "exitcode.h"
#include "netlink.h"
#include "output.h"
#include "proc.h"
#include "rule.h"
#include "verify.h"

struct privd_args {
	struct config	*cfg;		/* NULL for --monitor */
	const char	*cfgpath;
	int		 ipc;		/* to the event loop */
	pid_t		 loop;		/* the event loop's pid */
	struct nl	*nl[NL_NPARTS];	/* the connector sockets, shared */
	int		 fanfd;		/* fanotify group, shared; -1: none */
	pid_t		 gate;		/* the exec gate's pid; 0: none */
	int		 gate_ipc;	/* to the gate; -1: none */
	struct config	*gate_cfg;	/* -m -c: the gate's rules; owned */
	int		 sigfd;
	bool		 dry_run;
	bool		 quiet;		/* the loop sees no execs: privd_execs() */
};

/*
 * The privileged part's process, from the fork of the event loop on:
 * serve it, then close the connector sockets; returns the exit status.
 * Takes ownership of args->cfg, args->ipc and args->nl.
 */
int	privd_main(struct privd_args *);

/*
 * Whether the event loop is told of execs: the connector's exec events and
 * the exec notifications of its fanotify group fanfd (-1: none), marked
 * again from mountinfo.  Not when the gate judges every rule alone
 * (gate_plan_quiet()): an exec storm then never wakes the loop.
 */
void	privd_execs(struct nl *nl[NL_NPARTS], const struct config *,
	    int fanfd, int mountinfo, bool execs);
#define PRIVD_UNMARKED_MSG "the gate could not mark %u of the files of " \
	"the deny and ask rules: the event loop watches execs"
#define PRIVD_QUIET_MSG	"execs left to the gate: every rule is a deny or " \
	"ask rule on files only root may replace"

/*
 * Between privd.c and privgate.c (the gate's side of the privileged
 * part) only.
 */
#define ASKS_MAX	256	/* the gate's asks whose hooks run */
#define APPROVED_MAX	64	/* asks approved lately, for the loop's word */
#define APPROVED_NS	10000000000ll

struct privd_stats {
	uint64_t	 requests;
	uint64_t	 refused;	/* malformed, stale, or not allowed */
	uint64_t	 over_rate;	/* hook runs refused: over the rule's rate */
	uint64_t	 gone;		/* the process was gone already */
	uint64_t	 signals;
	uint64_t	 holds;
	uint64_t	 released;
	uint64_t	 hold_killed;	/* refused by a hook, or could not be held */
	uint64_t	 orphans;	/* left by a killed supervisor, killed */
	uint64_t	 reloads;
	uint64_t	 reloads_refused;
	uint64_t	 gate_denied;	/* execs the gate refused */
	uint64_t	 gate_asked;
	uint64_t	 fallback_kills;	/* deny rules: execs the gate did not see */
	uint64_t	 fallback_holds;	/* ask rules: the same */
};

/* An exec the gate holds while its rule's hooks run. */
struct privd_ask {
	uint64_t	 cookie;	/* ours, the hook job's */
	uint64_t	 gate_cookie;	/* the gate's */
	pid_t		 pid;
	char		*exe;
};

/* An ask approved lately: the exec the event loop will see next. */
struct privd_approved {
	pid_t		 pid;
	int64_t		 at;
	char		*exe;
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
	bool		 quiet;		/* the loop sees no execs */
	int64_t		 unmarked_warned_ns;
	bool		 rescan_due;	/* IPC_RESCAN not sent yet */
	bool		 sweep;		/* orphans of hooks may be ours now */
	uint64_t	 born_ns;	/* CLOCK_BOOTTIME when serving began */
	struct privd_ask asks[ASKS_MAX];
	size_t		 nasks;
	struct privd_approved approved[APPROVED_MAX];
	unsigned	 approved_next;
	struct privd_stats st;
};

/* Queue the rule's hooks for the event; cookie names a held process or an
 * ask (0: neither), sig a kill's signal. */
void	 privd_run_hooks(struct privd *, const struct rule *,
	    const struct pevent *, uint64_t cookie, int sig);
/*
 * The rule's rate, counted here too: a ceiling on hook runs whatever the
 * loop asks, lest a subverted loop run hooks at will.
 */
bool	 privd_rate(struct privd *, const struct config *, uint32_t rule);
/*
 * IPC_GATE_APPLIED: what the gate has marked of the configuration in
 * force.  Execs are left to it when every file that exists is marked and
 * the configuration allows (gate_plan_quiet()), and shown to the event
 * loop again when a file is not.
 */
void	 privd_gate_applied(struct privd *, const struct ipc_msg *);
/* A path fit for a log line: a process chose it. */
const char *privd_esc(const struct str *, char *buf, size_t size);

#endif
