/*
 * spawn.h - running hooks: a bounded queue, at most max_hooks at once, and
 * a supervisor process per job (supervise.h).
 *
 * Runs in the privileged part.  A job is the list of hooks of one rule for
 * one event, run in order, each as soon as the previous hook process ended.
 * The job's result is known when the last one has ended; processes a hook
 * left behind may run on, supervised, until that hook's deadline, and keep
 * the job's place among the max_hooks until then.
 */
#ifndef PROCHOOK_SPAWN_H
#define PROCHOOK_SPAWN_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervise.h"

struct spawn_stats {
	uint64_t	started;	/* hooks started */
	uint64_t	failed;		/* exited non-zero, died by signal, could not run */
	uint64_t	timed_out;
	uint64_t	dropped;	/* jobs dropped: queue full */
	uint64_t	lines_dropped;	/* output lines not logged */
};

/*
 * Called once per job, when its last hook process has ended (or the job
 * was dropped or failed): ok is true if every hook exited 0.
 */
typedef void (*spawn_done_fn)(void *arg, uint64_t cookie, bool ok);

struct spawn;

struct spawn	*spawn_new(unsigned max_hooks, unsigned queue_size,
		    spawn_done_fn done, void *arg);
/*
 * Queue a job (spawn takes ownership of it and its strings).  Jobs start
 * one rule after the other, a rule with nothing waiting first.  Returns
 * 0, or -ENOSPC when the queue is full and no rule (by name) has more jobs
 * waiting than the job's own: the job is freed, counted as dropped, and
 * done(cookie, false) is called.  If one has more, its newest job is
 * dropped that way instead.
 */
int		 spawn_submit(struct spawn *, struct spawn_job *);
/* Change the limits (on reload); running jobs are not touched. */
void		 spawn_limits(struct spawn *, unsigned max_hooks,
		    unsigned queue_size);
/* Descriptors to poll, and what to do when they are readable. */
size_t		 spawn_pollfds(struct spawn *, struct pollfd *, size_t max);
void		 spawn_io(struct spawn *, const struct pollfd *, size_t n);
/* A child has exited (from the SIGCHLD waitpid loop): is it ours? */
bool		 spawn_reaped(struct spawn *, pid_t, int status);
/* Stop everything: hooks and what they left get SIGTERM, then SIGKILL. */
void		 spawn_shutdown(struct spawn *);
const struct spawn_stats *spawn_stats(const struct spawn *);
/* Is pid the supervisor of a job not yet reaped? */
bool		 spawn_owns(const struct spawn *, pid_t);
/* Jobs whose supervisor has not exited, done() called or not. */
size_t		 spawn_running(const struct spawn *);
void		 spawn_free(struct spawn *);
void		 spawn_job_free(struct spawn_job *);

#endif
