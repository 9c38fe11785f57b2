/*
 * hookrun.c - the life of one hook as a table, in the manner of
 * s6-supervise's actions[state][event]: every state, the events that move
 * it, and the action taken on the way.  The supervisor (supervise.c) does
 * the actions; this file only says which, so that the whole life of a
 * hook can be read in one place and tested without a process.
 *
 * ON_TIMER is the deadline in UP and LEFT, the time for SIGKILL in the
 * TERM states, the next SIGKILL in the KILL states; ON_GIVEUP comes
 * instead of it once SIGKILL has been sent for a grace.  A keeper is
 * reaped (ON_EMPTY) only once all below it are gone, and it never exits
 * before the hook process, so LEFT states end at ON_EMPTY.
 */
#include <stdbool.h>

#include "hookrun.h"

static const struct hookrun_step steps[RUN_NSTATES][ON_NEVENTS] = {
	[RUN_UP] = {
		[ON_EXITED] =	{ DO_OUTCOME,	RUN_LEFT },
		[ON_LOST] =	{ DO_OUTCOME,	RUN_LEFT },
		[ON_TIMER] =	{ DO_TIMEOUT,	RUN_TERM },
		[ON_STOP] =	{ DO_TERM,	RUN_TERM },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_ORPHANED },
	},
	[RUN_TERM] = {
		[ON_EXITED] =	{ DO_OUTCOME,	RUN_LEFT_TERM },
		[ON_LOST] =	{ DO_OUTCOME,	RUN_LEFT_TERM },
		[ON_TIMER] =	{ DO_KILL,	RUN_KILL },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_ORPHANED },
	},
	[RUN_KILL] = {
		[ON_EXITED] =	{ DO_OUTCOME,	RUN_LEFT_KILL },
		[ON_LOST] =	{ DO_OUTCOME,	RUN_LEFT_KILL },
		[ON_TIMER] =	{ DO_REKILL,	RUN_SAME },
		[ON_GIVEUP] =	{ DO_GIVEUP,	RUN_GONE },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_ORPHANED },
	},
	/* No keeper: nothing can be left once the hook has ended. */
	[RUN_ORPHANED] = {
		[ON_EXITED] =	{ DO_OUTCOME,	RUN_GONE },
		[ON_LOST] =	{ DO_OUTCOME,	RUN_GONE },
	},
	[RUN_LEFT] = {
		[ON_TIMER] =	{ DO_LEFTOVERS,	RUN_LEFT_TERM },
		[ON_STOP] =	{ DO_TERM,	RUN_LEFT_TERM },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_GONE },
	},
	[RUN_LEFT_TERM] = {
		[ON_TIMER] =	{ DO_KILL,	RUN_LEFT_KILL },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_GONE },
	},
	[RUN_LEFT_KILL] = {
		[ON_TIMER] =	{ DO_REKILL,	RUN_SAME },
		[ON_GIVEUP] =	{ DO_GIVEUP,	RUN_GONE },
		[ON_EMPTY] =	{ DO_NOTHING,	RUN_GONE },
	},
};

struct hookrun_step
hookrun_step(enum hookrun_state state, enum hookrun_event ev)
{
	struct hookrun_step none = { DO_NOTHING, RUN_SAME };

	if (state >= RUN_NSTATES || ev >= ON_NEVENTS)
		return none;
	return steps[state][ev];
}

bool
hookrun_hook_runs(enum hookrun_state state)
{
	return state == RUN_UP || state == RUN_TERM || state == RUN_KILL;
}
