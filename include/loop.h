/*
 * loop.h - the event loop: receive, validate, enrich, hand to a sink; and
 * its process (loop_main).
 */
#ifndef PROCHOOK_LOOP_H
#define PROCHOOK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "enrich.h"
#include "event.h"
#include "exe.h"
#include "netlink.h"

struct config;
struct sandbox_user;

/* Why the event loop stops; LOOP_GO_ON: it does not. */
enum loop_stop {
	LOOP_GO_ON,
	LOOP_STOP,		/* SIGINT, SIGTERM, or the output's reader gone */
	LOOP_PART_GONE,		/* the privileged part died */
	LOOP_FAILED,		/* receiving events failed (logged) */
};

struct loop_sink {
	/* One event, enriched. */
	void	(*event)(void *arg, const struct pevent *);
	/* The end of a batch: write out what was buffered.  LOOP_STOP when
	 * the output is closed. */
	enum loop_stop (*flush)(void *arg);
	/* Milliseconds until flush() is due though no event comes (-1, or
	 * NULL: never). */
	int	(*due)(void *arg);
	/* SIGUSR1: log the sink's own counters. */
	void	(*stats)(void *arg);
	/* SIGHUP. */
	void	(*reload)(void *arg);
	/* Execs were left to the gate and are shown again: read /proc for
	 * what ran meanwhile (set by the sink on IPC_RESCAN, cleared by the
	 * loop). */
	bool	  rescan;
	/* Another descriptor to watch (-1: none), and what to do when it is
	 * readable: anything but LOOP_GO_ON stops the loop. */
	int	  fd;
	enum loop_stop (*ready)(void *arg);
	void	 *arg;
};

struct loop_stats {
	uint64_t	events[EV__MAX];	/* received, by type */
	uint64_t	threads;		/* thread events not reported */
	uint64_t	forged;			/* not sent by the kernel */
	uint64_t	truncated;
	uint64_t	lost;			/* dropped by the kernel */
	uint64_t	acks;			/* other programs' acknowledgements */
	struct event_stats rej;
};

/* One connector socket being read: what it gave that is not handled yet. */
struct loop_src {
	struct nl	*nl;
	struct nl_batch	 b;
	struct event	 ev[NL_BATCH];
	size_t		 head, n;
	bool		 dry;		/* the last receive found the queue empty */
	uint32_t	 drops;		/* its drop counter, last read */
};

#define LOOP_CHUNK	256	/* events handled together */

struct loop {
	struct nl	*nl[NL_NPARTS];	/* fast and bulk: see netlink.h */
	struct enrich	*en;
	struct exe_src	*exe;		/* NULL without fanotify */
	int		 sigfd;
	pid_t		 parent;	/* the privileged part, or 0 */
	struct loop_sink sink;
	struct loop_src	 src[NL_NPARTS];
	struct event	 chunk[LOOP_CHUNK];
	bool		 bulk_polled;	/* idle: a fork or exit may wake us */
	bool		 backlog;	/* events read and not handled yet */
	bool		 loss;		/* the kernel dropped events: catch up */
	int64_t		 loss_since;	/* CLOCK_MONOTONIC: when loss was set */
	struct loop_stats st;
};

/* What the privileged start-up hands to the event loop's process. */
struct loop_args {
	struct nl	*nl[NL_NPARTS];
	struct enrich	*en;		/* the table, scanned */
	struct exe_src	*exe;		/* NULL without fanotify */
	int		 sigfd;		/* from loop_signals() */
	struct config	*cfg;		/* the rules; NULL for --monitor */
	bool		 monitor, json, dry_run;
	int		 ipc;		/* to the privileged part; -1: none */
	const struct sandbox_user *user;	/* with ipc: the user to become */
};

/*
 * The event loop's process: with a privileged part, a child of it that
 * makes itself a session of its own and drops privileges; alone, an
 * unprivileged --monitor.  Runs until it stops; returns the exit status.
 */
int	loop_main(const struct loop_args *);
/* Short scheduler slices for low wake-up latency (not a priority). */
int	loop_sched_latency(uint64_t slice_ns);
/*
 * SCHED_DEADLINE: at most runtime_ns of CPU every period_ns, and within
 * it ahead of every ordinary task (loop.c says why).  0 or -errno.
 */
int	loop_sched_deadline(uint64_t runtime_ns, uint64_t period_ns);
/* Block the signals the loop handles and open a signalfd for them. */
int	loop_signals(void);

#endif
