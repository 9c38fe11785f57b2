/*
 * enrich.h - keeping the process table by events, and naming each event's
 * process from it.
 */
#ifndef PROCHOOK_ENRICH_H
#define PROCHOOK_ENRICH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "exe.h"
#include "proc.h"
#include "table.h"

struct enrich_stats {
	uint64_t	vanished;	/* events of processes we could not read */
	uint64_t	exe_miss;	/* execs whose executable stayed unknown */
	uint64_t	cmdline_miss;	/* execs whose arguments stayed unknown */
	uint64_t	reused;		/* /proc showed another process by that pid */
	uint64_t	dup_ids;	/* per-thread uid/gid events folded into one */
	uint64_t	synthetic;	/* execs rebuilt after a loss */
	uint64_t	corrected;	/* notified names the kernel contradicted */
	uint64_t	synthetic_ids;	/* uid/gid changes rebuilt after a loss */
	uint64_t	rescan_nomem;	/* rescans cut short by lack of memory */
};

/* A process whose executable's identity the rescan asks for. */
struct enrich_idq {
	pid_t		 pid;
	uint64_t	 start_ns;	/* CLOCK_BOOTTIME */
	struct exe_id	 id;		/* the answer; ino 0: unknown */
};

#define ENRICH_PREFETCH	64	/* execs read ahead per batch */

/* What an exec needs read from /proc besides its name (enrich.needs). */
#define EN_CMDLINE	0x1
#define EN_STAT		0x2	/* comm; start time and parent if unknown */
#define EN_CGROUP	0x4
#define EN_ALL		(EN_CMDLINE | EN_STAT | EN_CGROUP)

/* What was read of a process right after its exec, before anything else. */
struct prefetch {
	pid_t		 pid;
	int		 dirfd;		/* -1: not opened (only for exe and ids) */
	struct str	*cmdline;	/* NULL: unreadable */
	struct str	*cgroup;	/* NULL: unreadable */
	bool		 gone;		/* a read said the process is gone */
	bool		 stat_ok;
	bool		 used;		/* taken by its exec already */
	bool		 named;		/* name holds what the notifications say */
	uint32_t	 read;		/* EN_* set read (or tried) */
	struct exe_name	 name;
	struct proc_stat st;
};

struct enrich {
	struct table	*t;
	int		 procfd;	/* /proc, or a fake tree */
	struct exe_src	*exe;		/* NULL without fanotify */
	bool		 threads;	/* report thread fork/exit/comm/ptrace */
	struct proc_clock clock;
	uint64_t	 gen;
	struct proc	 stub;		/* what is known of an unknown process */
	/*
	 * Who can name an executable we cannot read (the privileged part):
	 * its path (NULL: unknown), in *id the file, in *loader the loader
	 * that ran it as a command (NULL: none).
	 */
	struct str	*(*ask_exe)(void *, pid_t, uint64_t start_ns,
			    struct exe_id *id, struct str **loader);
	/*
	 * Does an exec's name from the notifications decide a rule, so that
	 * it must be confirmed with the kernel's (ask_exe)?  NULL: never.
	 */
	bool		 (*must_confirm)(void *, const struct pevent *);
	/*
	 * What the rules can need read at an exec of p->exe (p->script): an
	 * EN_* set, decided from the names alone (nothing else of p is set).
	 * NULL: everything (the monitor).
	 */
	uint32_t	 (*needs)(void *, const struct proc *);
	/* The same for many processes at once: the identities only. */
	void		 (*ask_ids)(void *, struct enrich_idq *, size_t n);
	void		*ask_arg;
	struct prefetch	 pf[ENRICH_PREFETCH];
	size_t		 npf;
	struct enrich_stats st;
};

typedef void (*enrich_emit_fn)(void *arg, const struct pevent *);

int	enrich_init(struct enrich *, struct table *, int procfd,
	    struct exe_src *);
/* Fill the table from /proc.  Returns the number of processes. */
size_t	enrich_scan(struct enrich *);
/*
 * Name every process that execs in this batch of events (draining the
 * fanotify queue), and read what the rules need of it (enrich.needs: the
 * arguments, stat, cgroup), before handling any event: they vanish with
 * the process.  Without needs (the monitor), the arguments and stat are
 * read first and named after.  The batch's enrich_event() calls use what
 * was read; enrich_batch_end() drops what they did not.  Returns the
 * number of execs in the batch.
 */
size_t	enrich_prefetch(struct enrich *, const struct event *, size_t n);
void	enrich_batch_end(struct enrich *);
/*
 * Apply ev to the table and describe it in *pe.  Returns false when the
 * event is not to be reported (a thread's, or a repeated per-thread id
 * change).  Call enrich_done() once the event has been handled.
 */
bool	enrich_event(struct enrich *, const struct event *, struct pevent *);
void	enrich_done(struct enrich *, const struct event *);
/*
 * Read what the last exec of p left unread (P_UNREAD), if the process is
 * still the one p records: for an event of a live process that a rule may
 * match.
 */
void	enrich_complete(struct enrich *, struct proc *);
/*
 * After a loss: rescan /proc, forget what exited, and emit a synthetic
 * exec for every process that appeared or whose executable (device and
 * inode) changed, and a synthetic uid or gid event for every process
 * whose ids changed.  Returns the number of live processes read.
 */
size_t	enrich_rescan(struct enrich *, enrich_emit_fn, void *);
/*
 * Read one thing of p from its /proc directory; what cannot be read is
 * unknown.  Paths are interned in t.  Also what the privileged part
 * checks a process against.
 */
void	enrich_read_exe(struct table *, struct proc *, int dirfd);
void	enrich_read_cmdline(struct table *, struct proc *, int dirfd);
void	enrich_read_ids(struct proc *, int dirfd);
void	enrich_read_cgroup(struct table *, struct proc *, int dirfd);
/* Mark pid (and what it forks from now on) as one of ours. */
void	enrich_mark(struct enrich *, pid_t pid, uint32_t flag);

#endif
