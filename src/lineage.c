/*
 * lineage.c - the fork lineage of a live process as /proc shows it now.
 *
 * The kernel's ppid of a process is its parent while that parent lives;
 * when the parent exits, the process is re-parented to the nearest child
 * subreaper above it, or to init.  Either is an ancestor in the fork
 * lineage too, so the chain of ppids in /proc is always a part of the fork
 * lineage: every process in it is a real ancestor, but an ancestor that
 * has exited is missing from it, and a process whose parent exited shows
 * the subreaper or init as its parent.  What that costs is decided by the
 * caller (privd.c) and written down in prochookd(8).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lineage.h"
#include "rule.h"

/*
 * Read the live process pid, which must not have started after child
 * (clock ticks): a parent is never younger than its child, a recycled pid
 * always is.  Fills st and exe (empty if it cannot be read: a kernel
 * thread).
 */
static int
read_parent(int procfd, pid_t pid, uint64_t child_start,
    struct proc_stat *st, char *exe, size_t size)
{
	int fd, r;

	if ((fd = proc_open(procfd, pid)) < 0)
		return fd;
	if ((r = proc_read_stat(fd, st)) == 0 && st->starttime > child_start)
		r = -ESTALE;
	if (r == 0 && proc_read_exe(fd, exe, size) < 0)
		exe[0] = '\0';
	close(fd);
	return r;
}

int
lineage_read(int procfd, const struct proc_stat *st, struct table *t,
    struct proc *p, bool ancestors)
{
	char exe[PROC_PATH_MAX];
	struct proc_stat pst, cur = *st;
	struct proc *q;
	pid_t pid = st->ppid;
	int i, r;

	p->ppid = st->ppid;
	str_set(t, &p->pexe, NULL);
	p->flags &= ~P_PEXE;
	if (pid <= 0)
		return -ESRCH;
	for (i = 0; i < RULE_ANCESTOR_MAX && pid > 0 && pid != p->pid; i++) {
		if ((r = read_parent(procfd, pid, cur.starttime, &pst, exe,
		    sizeof(exe))) < 0)
			return i == 0 ? r : 0;
		if (i == 0 && exe[0] != '\0') {
			str_set(t, &p->pexe, str_intern(t, exe, strlen(exe)));
			if (p->pexe != NULL)
				p->flags |= P_PEXE;
		}
		if (i == 0 && !(p->flags & P_PEXE))
			return -ENOENT;
		if (!ancestors || table_get(t, pid) != NULL ||
		    (q = table_add(t, pid)) == NULL)
			break;
		q->ppid = pst.ppid;
		if (exe[0] != '\0') {
			str_set(t, &q->exe, str_intern(t, exe, strlen(exe)));
			if (q->exe != NULL)
				q->flags |= P_EXE;
		}
		cur = pst;
		pid = pst.ppid;
	}
	return 0;
}

void
lineage_forget(struct table *t, const struct proc *p)
{
	struct proc *q;
	pid_t pid = p->ppid, next;

	while (pid > 0 && (q = table_get(t, pid)) != NULL) {
		next = q->ppid;
		table_del(t, pid);
		pid = next;
	}
}
