/*
 * privgate.h - the privileged part's side of the exec gate (privgate.c).
 */
#ifndef PROCHOOK_PRIVGATE_H
#define PROCHOOK_PRIVGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "privd.h"
#include "verify.h"

/*
 * Is the gate still there?  As it dies, its end of the socket is released
 * before its fanotify group (see main.c, fork_gate()): once an exec it
 * held goes on, the hang-up is already here.
 */
bool	privgate_alive(struct privd *);
/* Did the gate let this exec through on its hooks' word, just now? */
bool	privgate_approved(struct privd *, const struct request *);
/* A deny or ask rule matched an exec the gate did not see: say so. */
void	privgate_fallback(struct privd *, const struct request *,
	    const char *what);
/* A hook job has ended: if it was an ask's, answer the gate (true). */
bool	privgate_job_done(struct privd *, uint64_t cookie, bool ok);
/* Messages from the gate; -EPIPE when it is gone. */
int	privgate_read(struct privd *);

#endif
