/*
 * rulesink.h - the rules sink of the event loop: match every event, log what
 * is to be logged, and ask the privileged part for the rest.
 */
#ifndef PROCHOOK_RULESINK_H
#define PROCHOOK_RULESINK_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ipc.h"
#include "loop.h"
#include "output.h"
#include "users.h"

/* Per-rule state, rebuilt with each configuration. */
struct rulesink_rule {
	bool		 spares_by_name;	/* kill/hold exec with a ! exe or script */
	uint32_t	 reads;		/* EN_* its keys read at an exec */
	uint64_t	 matches;
	uint64_t	 misses;	/* a key's value was unknown */
	struct rule_rate rate;
};

struct rulesink {
	struct config	*cfg;
	uint32_t	 gen;
	struct rulesink_rule	*rs;
	/* Rules by event type: an exec is tried only against exec rules. */
	uint32_t	*by_type[EV__MAX];
	size_t		 n_type[EV__MAX];
	struct enrich	*en;
	struct loop_sink *sink;		/* its rescan, from IPC_RESCAN */
	int		 ipc;		/* to the privileged part */
	bool		 dry_run;
	struct obuf	 line;
	struct out_ctx	 oc;
	struct users	*users;
	uint64_t	 ipc_dropped;	/* requests the privileged part could not take */
	uint64_t	 ipc_warned_ns;
	/* A configuration being received from the privileged part. */
	struct config_rx rx;
};

int	rulesink_init(struct rulesink *, struct loop_sink *, struct config *,
	    struct enrich *, int ipc, bool dry_run);
void	rulesink_free(struct rulesink *);
/* For enrich: ask the privileged part to name an executable. */
struct str *rulesink_ask_exe(void *, pid_t, uint64_t start_ns, struct exe_id *,
	    struct str **loader);

#endif
