/*
 * supervise.h - the supervisor of one hook job, a process of its own that
 * the hook pool (spawn.c) forks per job, and the records it sends back.
 */
#ifndef PROCHOOK_SUPERVISE_H
#define PROCHOOK_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SUPERVISE_KILL_GRACE_MS	2000	/* SIGTERM, then SIGKILL this later */

/*
 * A job: the hooks of one rule for one event, run in order by one
 * supervisor.  The hook pool (spawn.h) queues them.
 */
struct spawn_job {
	char		*rule;		/* rule name, for the log */
	char		**hooks;	/* absolute paths, run in order */
	size_t		 nhooks;
	uid_t		 uid;		/* run_as */
	gid_t		 gid;
	char		*user;		/* run_as name, for HOME/USER/LOGNAME */
	gid_t		*groups;	/* run_as's supplementary groups, or NULL:
					 * looked up by the supervisor */
	size_t		 ngroups;
	char		*home;
	unsigned	 timeout;	/* seconds, per hook */
	char		**env;		/* "PROCHOOK_...=..." entries, NULL ended */
	const char	*event;		/* argv[1] */
	pid_t		 pid;		/* argv[2] */
	uint64_t	 cookie;	/* for the caller (a held process) */
};

/*
 * Supervisor to privileged part, over the job's result pipe.  Each record
 * is one write(2), smaller than PIPE_BUF, so never split.  In order: a
 * HOOK record as each hook process ends; the END record as soon as the
 * last one has ended (the job's result); then, while processes the hooks
 * left still run, a LINES record for each hook whose leftovers' output
 * was cut.  The supervisor exits when none of them is left.
 */
enum supervise_rec_type {
	SUPERVISE_REC_HOOK = 1,
	SUPERVISE_REC_END,
	SUPERVISE_REC_LINES,
};

/* How a hook ended, and what value then holds. */
enum supervise_outcome {
	SUPERVISE_EXITED = 1,		/* exit code */
	SUPERVISE_SIGNALED,		/* signal */
	SUPERVISE_TIMEOUT,		/* the timeout in seconds */
	SUPERVISE_NOEXEC,		/* errno: could not be started */
	SUPERVISE_REFUSED,		/* errno: failed the safety check */
};

struct supervise_rec {
	uint32_t	type;
	uint32_t	kind;		/* HOOK: enum supervise_outcome */
	int32_t		value;		/* HOOK: as kind says; END: 1 if ok */
	uint32_t	started;	/* HOOK: the hook was forked */
	uint64_t	lines_dropped;	/* HOOK, LINES: output lines not logged */
};

/*
 * The supervisor itself, called in the child right after fork(): runs the
 * job, writes its records to resfd and exits.  parent is the privileged
 * part, whose death stops the job.
 */
void		 supervise_job(const struct spawn_job *, int resfd,
		    pid_t parent) __attribute__((noreturn));

/* Small helpers both sides use. */
int64_t		 supervise_now_ms(void);	/* CLOCK_MONOTONIC */

#endif
