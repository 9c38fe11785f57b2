/*
 * hold.h - holding a process stopped in a way its owner cannot undo.
 *
 * A ptrace stop: the privileged part seizes every thread of the process
 * (PTRACE_SEIZE with PTRACE_O_EXITKILL) and interrupts it.  SIGCONT does
 * not end a ptrace stop, only the tracer can, and if the tracer dies the
 * kernel kills the tracee: a held process is never left stopped.
 */
#ifndef PROCHOOK_HOLD_H
#define PROCHOOK_HOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct hold;

struct hold	*hold_new(void);
/*
 * Seize and stop the process (pidfd: a pidfd of it, which hold keeps).
 * Returns 0, or -errno (-EPERM: it is traced already, or ptrace is not
 * allowed here); on failure the caller kills it.
 */
int		 hold_start(struct hold *, pid_t pid, int pidfd, uint64_t cookie);
/*
 * pid is held already (two rules, or a request twice): count one more
 * job that must approve it, and return its cookie; 0 if it is not held.
 */
uint64_t	 hold_join(struct hold *, pid_t pid);
/*
 * A job has decided: the first refusal kills the process; the last
 * approval releases it.  Returns what happened, or -ENOENT.
 */
enum { HOLD_WAITING, HOLD_RELEASED, HOLD_KILLED };
int		 hold_decide(struct hold *, uint64_t cookie, bool ok);
/* A waitpid() result: returns true if pid is one of our tracees. */
bool		 hold_waited(struct hold *, pid_t pid, int status);
/* Let it go on (signals it received meanwhile are delivered). */
int		 hold_release(struct hold *, uint64_t cookie);
/* SIGKILL it. */
int		 hold_kill(struct hold *, uint64_t cookie);
/* SIGKILL every held process (shutdown). */
void		 hold_kill_all(struct hold *);
void		 hold_free(struct hold *);

#endif
