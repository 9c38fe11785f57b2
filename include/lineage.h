/*
 * lineage.h - the fork lineage of a live process as /proc shows it now.
 *
 * For the privileged part's re-check of the parent and ancestor keys: the
 * event loop's table is the loop's word, /proc is the kernel's.
 */
#ifndef PROCHOOK_LINEAGE_H
#define PROCHOOK_LINEAGE_H

#include <stdbool.h>

#include "proc.h"
#include "table.h"

/*
 * Set p's ppid and parent executable (P_PEXE) from /proc (procfd), st
 * being p's own stat, read through its pidfd-checked directory.  With
 * ancestors, also add to t one record (pid, ppid, exe) for every live
 * ancestor up the ppid chain, as rule_match() walks them.  A process that
 * started after its child is a recycled pid: the chain ends before it, and
 * so it does at an unreadable process.  Returns 0, or -errno if the parent
 * could not be read (p's P_PEXE is then clear).
 */
int	lineage_read(int procfd, const struct proc_stat *st, struct table *t,
	    struct proc *p, bool ancestors);
/* Delete the records lineage_read() added for p. */
void	lineage_forget(struct table *t, const struct proc *p);

#endif
