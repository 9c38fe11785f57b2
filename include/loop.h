/*
 * loop.h - the event loop: receive, validate, enrich, hand to a sink.
 */
#ifndef PROCHOOK_LOOP_H
#define PROCHOOK_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "enrich.h"
#include "event.h"
#include "exe.h"
#include "netlink.h"

struct loop_sink {
	/* One event, enriched. */
	void	(*event)(void *arg, const struct pevent *);
	/* The end of a batch: write out what was buffered.  Non-zero stops
	 * the loop (a closed output). */
	int	(*flush)(void *arg);
	/* SIGUSR1: log the sink's own counters. */
	void	(*stats)(void *arg);
	/* SIGHUP. */
	void	(*reload)(void *arg);
	/* Another descriptor to watch (-1: none), and what to do when it is
	 * readable; returning non-zero stops the loop with that status. */
	int	  fd;
	int	(*ready)(void *arg);
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

/* Short scheduler slices for low wake-up latency (not a priority). */
int	loop_sched_latency(uint64_t slice_ns);
/* A bounded real-time budget: runtime_ns in every period_ns, no more. */
int	loop_sched_deadline(uint64_t runtime_ns, uint64_t period_ns);
/* Block the signals the loop handles and open a signalfd for them. */
int	loop_signals(void);
/*
 * Run until SIGINT or SIGTERM (returns 0), a fatal receive error (-errno),
 * or a sink asks to stop (1: as on SIGTERM; other values: that status).
 */
int	loop_run(struct loop *);
void	loop_log_stats(struct loop *);

#endif
