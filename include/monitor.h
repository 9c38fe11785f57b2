/*
 * monitor.h - the --monitor sink: every event, one line each, to stdout.
 */
#ifndef PROCHOOK_MONITOR_H
#define PROCHOOK_MONITOR_H

#include <stdbool.h>

#include "loop.h"
#include "output.h"
#include "users.h"

struct monitor {
	struct obuf	 out;
	struct out_ctx	 oc;
	struct users	*users;
	bool		 json;
	int		 ipc;		/* to the privileged part, or -1 */
	struct enrich	*en;
	uint64_t	 lines;
	int64_t		 since;		/* CLOCK_MONOTONIC: first line not written; 0: none */
};

/*
 * Output to fd; ipc: the privileged part, which names what we cannot read
 * and whose end stops us (or -1).
 */
int	monitor_init(struct monitor *, struct loop_sink *, struct enrich *,
	    bool json, int fd, int ipc);
void	monitor_free(struct monitor *);

#endif
