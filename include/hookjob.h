/*
 * hookjob.h - a rule's hooks for one event, as a job for spawn.c.
 */
#ifndef PROCHOOK_HOOKJOB_H
#define PROCHOOK_HOOKJOB_H

#include <stdint.h>

#include "output.h"
#include "rule.h"
#include "spawn.h"

/*
 * The job that runs the rule's hooks for the event, as run_as (its
 * groups and home looked up once), with the event's environment; timeout
 * is the default for a rule that sets none, cookie names a held process,
 * sig the signal sent.  NULL when out of memory.
 */
struct spawn_job *hookjob_new(const struct rule *, const struct pevent *,
		    const struct out_ctx *, unsigned timeout, uint64_t cookie,
		    int sig);
/* Forget the users looked up (a new configuration). */
void		 hookjob_flush(void);

#endif
