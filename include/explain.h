/*
 * explain.h - prochookd --explain PID: every rule of the configuration
 * against a live process, key by key, as if it had just exec'd or exited.
 *
 * Nothing here opens a socket or acts.  The process is read from /proc by
 * the readers the event loop uses; the keys are tested by rule.c.
 */
#ifndef PROCHOOK_EXPLAIN_H
#define PROCHOOK_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "output.h"
#include "rule.h"
#include "table.h"

/* Exit statuses of --explain, as grep's. */
#define EXPLAIN_MATCH	0	/* some rule matches */
#define EXPLAIN_NONE	1	/* no rule matches */
#define EXPLAIN_ERROR	2	/* usage, configuration or process error */

/* What --explain was asked. */
struct explain_args {
	const char	*config;
	pid_t		 pid;
	bool		 exit;		/* explain an exit, not an exec */
	uint32_t	 wstatus;	/* for an exit: a raw wait status */
};

/*
 * The options of --explain: PID, and --event, --status, --signal when given
 * (NULL if not).  --status or --signal alone mean --event exit; an exit
 * needs one of them, an exec neither.  Returns 0, or -EINVAL with a message
 * in err.
 */
int	explain_args_parse(struct explain_args *, const char *pid,
	    const char *event, const char *status, const char *signal,
	    char *err, size_t errlen);
/*
 * Read the live process pid from /proc (procfd) into p, a record of t, as
 * the event loop would know it right after its exec: what cannot be read
 * is unknown.  Its fork lineage, as /proc shows it now, goes into t for
 * the ancestor key.  Returns 0, or -errno (-ESRCH: no such process).
 */
int	explain_read(int procfd, pid_t pid, struct table *t, struct proc **p);
/*
 * Print rule r against the event: its description, one line per key it
 * gives (KEY, matched / not matched / unknown, the value seen), then what
 * would be done.  Returns what rule_match() says: RULE_YES (it matches),
 * RULE_NO, or RULE_UNKNOWN (no match because a value is unknown).
 */
enum rule_tri	explain_rule(FILE *, const struct rule *, const char *hooks_dir,
		    const struct pevent *, struct table *,
		    const struct out_ctx *);
/* The whole of --explain; returns its exit status. */
int	explain_main(const struct explain_args *);

#endif
