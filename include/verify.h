/*
 * verify.h - the privileged part's check of a request from the event loop.
 *
 * Nothing here acts: a request is checked against the configuration in
 * force and against /proc (a directory fd, a fake tree in the tests), and
 * the answer is a verdict; privd.c signals, holds and queues hooks.
 */
#ifndef PROCHOOK_VERIFY_H
#define PROCHOOK_VERIFY_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "ipc.h"
#include "proc.h"
#include "rule.h"
#include "table.h"

enum verdict {
	V_OK,
	V_GONE,		/* not refused: the process is gone or exiting */
	V_MALFORMED,
	V_NO_RULE,	/* no such rule, or not of a generation in force */
	V_NOT_ACTED,	/* the rule does not act on the event type */
	V_PROTECTED,	/* PID 1, prochookd, a hook or what a hook started */
	V_PID1_EXIT,
	V_NO_START,	/* a kill or hold without the start time */
	V_STALE,	/* the pid is another process's now */
	V_UNREADABLE,	/* what the rule tests could not be read */
	V_NO_MATCH,	/* the live process does not match the rule */
	V_LINEAGE,	/* nor does its live parent or ancestor chain */
	V_OVER_RATE,	/* hook runs over the rule's rate */
	V_NOMEM,
	V__MAX
};

/* What a request is checked against. */
struct verify_ctx {
	const struct config *cfg;	/* in force: generation gen */
	const struct config *prev;	/* the one before, or NULL */
	uint32_t	 gen;
	int		 procfd;	/* /proc */
	pid_t		 self, loop;	/* prochookd's two parts */
	const struct proc_clock *clock;
	struct table	*t;		/* for strings read from /proc */
};

/* A request as it was checked. */
struct request {
	const struct config *cfg;	/* of the request's generation */
	const struct rule *r;		/* NULL: no such rule */
	struct event	 ev;
	struct proc	 p;		/* the loop's word, and /proc's */
	struct pevent	 pe;		/* ev and p */
	bool		 signals;	/* kill or hold: acts on the process */
};

/*
 * Check an IPC_REQUEST against the rules and the process /proc shows now.
 * pidfd is a pidfd the caller opened for e->pid before (or -errno): what
 * is read of /proc after it is of the process the pidfd names, or the
 * start time tells it is not.  Returns V_OK; V_GONE if the process is
 * gone (a kill or hold does nothing then; hooks run on the loop's word);
 * or why the request is refused.  The request is filled in any case:
 * verify_release() it.
 */
enum verdict	 verify_request(const struct verify_ctx *,
		    const struct ipc_event *e, int pidfd, struct request *);
void		 verify_release(struct table *, struct request *);
/*
 * May the rule of cfg run its hooks once more at now (CLOCK_MONOTONIC
 * nanoseconds)?  Its rate here allows a burst of VERIFY_RATE_BURST
 * seconds' worth.  *rates holds a bucket per rule of cfg (allocated on
 * first use; free() it).  Returns V_OK, V_OVER_RATE or V_NOMEM.
 */
enum verdict	 verify_rate(struct rule_rate **rates,
		    const struct config *cfg, uint32_t rule, uint64_t now);
/* Why, for a log line: "the process does not match the rule". */
const char	*verify_reason(enum verdict);

/* Seconds' worth: the loop's requests may arrive bunched. */
#define VERIFY_RATE_BURST	2

#endif
