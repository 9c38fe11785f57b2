/*
 * privd.h - the privileged part: acts on requests from the event loop.
 */
#ifndef PROCHOOK_PRIVD_H
#define PROCHOOK_PRIVD_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "exitcode.h"
#include "netlink.h"

struct privd_args {
	struct config	*cfg;		/* NULL for --monitor */
	const char	*cfgpath;
	int		 ipc;		/* to the event loop */
	pid_t		 loop;		/* the event loop's pid */
	struct nl	*nl[NL_NPARTS];	/* the connector sockets, shared */
	int		 fanfd;		/* fanotify group, shared; -1: none */
	pid_t		 gate;		/* the exec gate's pid; 0: none */
	int		 gate_ipc;	/* to the gate; -1: none */
	struct config	*gate_cfg;	/* -m -c: the gate's rules; owned */
	int		 sigfd;
	bool		 dry_run;
};

/*
 * The privileged part's process, from the fork of the event loop on:
 * serve it, then close the connector sockets; returns the exit status.
 * Takes ownership of args->cfg, args->ipc and args->nl.
 */
int	privd_main(struct privd_args *);

#endif
