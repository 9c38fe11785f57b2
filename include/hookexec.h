/*
 * hookexec.h - the child side of running a hook: the keeper process, and
 * the hook's own set-up up to execveat() of the checked file.
 */
#ifndef PROCHOOK_HOOKEXEC_H
#define PROCHOOK_HOOKEXEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervise.h"

/* The step of the hook's set-up that failed, in the report. */
enum hookexec_step {
	HOOKEXEC_SETSID, HOOKEXEC_SIGNALS, HOOKEXEC_STDIO, HOOKEXEC_CHDIR,
	HOOKEXEC_GROUPS, HOOKEXEC_GID, HOOKEXEC_UID, HOOKEXEC_FDS,
	HOOKEXEC_EXEC
};

/* Hook child to supervisor, on the report pipe, when a step fails. */
struct hookexec_fail {
	int32_t		step;		/* enum hookexec_step */
	int32_t		err;		/* errno */
};

/* What every hook of a job runs with, made ready before any fork. */
struct hookexec {
	uid_t		 uid;
	gid_t		 gid;
	gid_t		*groups;
	size_t		 ngroups;
	char		**envp;
	pid_t		 supervisor;	/* the keepers' parent */
};

/* Groups and environment for job's hooks run as user; -errno. */
int		 hookexec_prepare(struct hookexec *, const struct spawn_job *,
		    const char *user, pid_t supervisor);
const char	*hookexec_step_name(int step);

/*
 * Both run in a child just forked (or vforked) and never return.  argv is
 * the hook's, hfd its checked O_PATH descriptor, out its stdout and
 * stderr, rep the close-on-exec report pipe.  The keeper also writes the
 * hook's pid (or -errno), then its wait status, to kfd.
 */
void		 hookexec_child(const struct hookexec *, char *const argv[],
		    int hfd, int out, int rep) __attribute__((noreturn));
void		 hookexec_keeper(const struct hookexec *, char *const argv[],
		    int hfd, int out, int rep, int kfd) __attribute__((noreturn));

#endif
