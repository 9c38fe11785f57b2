/*
 * proctree.h - the process tree as /proc shows it: who descends from whom,
 * and signalling every descendant of a process.
 */
#ifndef PROCHOOK_PROCTREE_H
#define PROCHOOK_PROCTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The parent of pid, or 0 (or -errno) when it cannot be told. */
typedef pid_t (*proctree_parent_fn)(void *arg, pid_t pid);

/*
 * Is pid one of roots, or below one of them?  Walks up at most max
 * processes (pid itself first) through parent(), and never past init.
 */
bool	 proctree_below(pid_t pid, const pid_t *roots, size_t nroots,
	    size_t max, proctree_parent_fn parent, void *arg);
/* The same, reading each parent from procfd/PID/stat. */
bool	 proctree_within(int procfd, pid_t pid, const pid_t *roots,
	    size_t nroots, size_t max);
/*
 * Send sig to every process below root (not root itself); returns how
 * many were signalled.
 */
size_t	 proctree_kill(pid_t root, int sig);

#endif
