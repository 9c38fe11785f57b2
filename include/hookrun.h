/*
 * hookrun.h - the life of one hook under its supervisor, as a state
 * machine: its states, the events that move it, and what each step does.
 */
#ifndef PROCHOOK_HOOKRUN_H
#define PROCHOOK_HOOKRUN_H

#include <stdbool.h>

/*
 * While the hook process runs: UP, then TERM once it got SIGTERM (its
 * deadline came, or the supervisor was told to stop), KILL once it got
 * SIGKILL.  When it ends its outcome is sent, and what it left runs on
 * under the keeper: LEFT, LEFT_TERM, LEFT_KILL, the same way.  ORPHANED:
 * the keeper died before its report of the hook's end was read.
 */
enum hookrun_state {
	RUN_SAME,		/* in a step: the state does not change */
	RUN_UP,
	RUN_TERM,
	RUN_KILL,
	RUN_ORPHANED,
	RUN_LEFT,
	RUN_LEFT_TERM,
	RUN_LEFT_KILL,
	RUN_GONE,		/* nothing left: finish and forget it */
	RUN_NSTATES
};

enum hookrun_event {
	ON_EXITED,		/* the hook's wait status is known */
	ON_LOST,		/* the keeper's report ended without it */
	ON_TIMER,		/* the run's timer is due */
	ON_GIVEUP,		/* ... and SIGKILL was sent a grace ago */
	ON_STOP,		/* the supervisor was told to stop */
	ON_EMPTY,		/* the keeper was reaped; keeperless: no child */
	ON_NEVENTS
};

/* What the supervisor does on a step. */
enum hookrun_act {
	DO_NOTHING,
	DO_OUTCOME,		/* log and send how the hook ended */
	DO_TERM,		/* SIGTERM to everything, on stop */
	DO_TIMEOUT,		/* SIGTERM at the deadline: the hook timed out */
	DO_LEFTOVERS,		/* SIGTERM at the deadline to what it left */
	DO_KILL,		/* first SIGKILL, a grace after SIGTERM */
	DO_REKILL,		/* SIGKILL to stragglers */
	DO_GIVEUP,		/* stop supervising; the outcome if not sent */
};

struct hookrun_step {
	enum hookrun_act	act;
	enum hookrun_state	next;	/* RUN_SAME: stays */
};

/* The step for event in state; {DO_NOTHING, RUN_SAME} if it means nothing. */
struct hookrun_step	hookrun_step(enum hookrun_state, enum hookrun_event);
/* Does the hook process itself still run in this state? */
bool			hookrun_hook_runs(enum hookrun_state);

#endif
