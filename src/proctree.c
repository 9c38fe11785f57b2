/*
 * proctree.c - the process tree as /proc shows it.
 *
 * The kernel keeps no list of a process's descendants that user space can
 * read; only each process's parent, in /proc/PID/stat.  So "below" is
 * found by walking parents up, and "every process below" by reading all
 * of /proc once and walking each entry up through that snapshot.  The
 * walk is bounded: a snapshot taken while processes die and pids are
 * reused can hold a cycle.
 *
 * A pid read from /proc may be reused before it is signalled: a pidfd is
 * opened first, and the start time checked again through /proc after, so
 * the signal reaches the very process that was found, or none.
 */
#include <sys/types.h>
#include <sys/pidfd.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "proctree.h"

struct pent {
	pid_t		 pid;
	pid_t		 ppid;
	uint64_t	 start;
};

/* A snapshot of /proc, by pid. */
struct ptable {
	struct pent	*tab;
	size_t		 n;
};

bool
proctree_below(pid_t pid, const pid_t *roots, size_t nroots, size_t max,
    proctree_parent_fn parent, void *arg)
{
	size_t hops, i;

	for (hops = 0; pid > 1 && hops < max; hops++) {
		for (i = 0; i < nroots; i++)
			if (pid == roots[i])
				return true;
		if ((pid = parent(arg, pid)) <= 0)
			return false;
	}
	return false;
}

static pid_t
proc_parent(void *arg, pid_t pid)
{
	struct proc_stat st;
	int fd, r;

	if ((fd = proc_open(*(const int *)arg, pid)) < 0)
		return fd;
	r = proc_read_stat(fd, &st);
	close(fd);
	return r < 0 ? r : st.ppid;
}

bool
proctree_within(int procfd, pid_t pid, const pid_t *roots, size_t nroots,
    size_t max)
{
	return proctree_below(pid, roots, nroots, max, proc_parent, &procfd);
}

static int
pent_cmp(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static pid_t
table_parent(void *arg, pid_t pid)
{
	const struct ptable *pt = arg;
	struct pent key = { .pid = pid }, *t;

	t = bsearch(&key, pt->tab, pt->n, sizeof(*pt->tab), pent_cmp);
	return t != NULL ? t->ppid : 0;
}

/* Every process in /proc with its parent and start time, by pid. */
static void
ptable_read(int procfd, DIR *d, struct ptable *pt)
{
	struct pent *t;
	struct proc_stat st;
	struct dirent *de;
	size_t cap = 0;
	char *end;
	long v;
	int dfd;

	pt->tab = NULL;
	pt->n = 0;
	while ((de = readdir(d)) != NULL) {
		v = strtol(de->d_name, &end, 10);
		if (*end != '\0' || v <= 0 || v > INT_MAX)
			continue;
		if ((dfd = proc_open(procfd, (pid_t)v)) < 0)
			continue;
		if (proc_read_stat(dfd, &st) == 0) {
			if (pt->n == cap) {
				cap = cap ? cap * 2 : 256;
				t = reallocarray(pt->tab, cap, sizeof(*t));
				if (t == NULL) {
					close(dfd);
					break;
				}
				pt->tab = t;
			}
			pt->tab[pt->n].pid = (pid_t)v;
			pt->tab[pt->n].ppid = st.ppid;
			pt->tab[pt->n].start = st.starttime;
			pt->n++;
		}
		close(dfd);
	}
	if (pt->n > 0)
		qsort(pt->tab, pt->n, sizeof(*pt->tab), pent_cmp);
}

/* Signal one process found in the snapshot, if it is still that one. */
static bool
pent_signal(int procfd, const struct pent *p, int sig)
{
	struct proc_stat st;
	bool sent = false;
	int dfd, pfd;

	if ((pfd = pidfd_open(p->pid, 0)) < 0)
		return false;
	if ((dfd = proc_open(procfd, p->pid)) >= 0) {
		sent = proc_read_stat(dfd, &st) == 0 &&
		    st.starttime == p->start &&
		    pidfd_send_signal(pfd, sig, NULL, 0) == 0;
		close(dfd);
	}
	close(pfd);
	return sent;
}

size_t
proctree_kill(pid_t root, int sig)
{
	struct ptable pt;
	size_t i, killed = 0;
	DIR *d;
	int procfd;

	if ((d = opendir("/proc")) == NULL) {
		log_warn("hook supervisor: /proc");
		return 0;
	}
	procfd = dirfd(d);
	ptable_read(procfd, d, &pt);
	for (i = 0; i < pt.n; i++)
		if (proctree_below(pt.tab[i].ppid, &root, 1, pt.n + 1,
		    table_parent, &pt) &&
		    pent_signal(procfd, &pt.tab[i], sig))
			killed++;
	free(pt.tab);
	closedir(d);
	return killed;
}
