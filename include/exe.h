/*
 * exe.h - naming executables from fanotify exec notifications.
 *
 * For every exec the kernel queues a FAN_OPEN_EXEC notification carrying
 * an open file of the executable (and one of its ELF interpreter, and for
 * a script one of the script), and the pid.  The file outlives the
 * process, so a program that exits within microseconds is still named,
 * and reading it needs no right over the process.  Notification only:
 * nothing here can block an exec.
 */
#ifndef PROCHOOK_EXE_H
#define PROCHOOK_EXE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "table.h"

struct exe_src;

struct exe_stats {
	uint64_t	notes;		/* notifications read */
	uint64_t	overflows;	/* the kernel's queue overflowed */
	uint64_t	evicted;	/* pids whose pending names were dropped, table full */
	uint64_t	ambiguous;	/* execs named from /proc instead */
	uint64_t	loaders;	/* execs where only a loader was seen */
	uint64_t	kept;		/* paths taken from the name cache */
};

/*
 * What the notifications say an exec ran.  path is the file executed, as
 * the host's mount namespace names it (see exename_host()); script the
 * script given to execve when path is its interpreter.  loader: only the
 * dynamic loader was seen, so path is NULL: the program is on a file system
 * without notifications (a memfd) or the loader itself was run.
 */
struct exe_name {
	struct str	*path;
	struct str	*script;
	struct exe_id	 id;		/* of path */
	bool		 setid;		/* set-user-ID or set-group-ID */
	bool		 loader;
};

/* Needs CAP_SYS_ADMIN.  Returns 0 or -errno. */
int	exe_open(struct exe_src **);
/* Mark every mounted file system of mountinfo (an open file); count in *n. */
int	exe_mark_mounts(struct exe_src *, int mountinfo_fd, unsigned *n);
/* The same on a fanotify group fd shared with the privileged part. */
int	exe_mark_mounts_fd(int fanfd, int mountinfo_fd, unsigned *n);
/*
 * The same with another event mask (the gate's FAN_OPEN_EXEC_PERM); a
 * file system that refuses a file system mark gets a mount mark.
 */
int	exe_mark_mounts_mask(int fanfd, int mountinfo_fd, uint64_t mask,
	    unsigned *n);
/* Remove every file system and mount mark of fanfd. */
int	exe_unmark_mounts(int fanfd);
int	exe_fd(const struct exe_src *);
/* Read every queued notification. */
int	exe_drain(struct exe_src *, struct table *);
/*
 * What the next exec of pid ran, in *out (references in t; release them
 * with exe_name_clear()).  Returns whether out->path names it for sure.
 * execs is how many execs of pid, this one first, are waiting to be named
 * (the queue may already hold the files of the next).  A pid some of
 * whose notes were dropped with a full table is given no name at its next
 * exec.
 */
bool	exe_take(struct exe_src *, pid_t, unsigned execs, struct table *,
	    struct exe_name *out);
void	exe_name_clear(struct table *, struct exe_name *);
/* Are notifications waiting for pid (has it exec'd unseen)? */
bool	exe_pending(struct exe_src *, pid_t);
const struct exe_stats *exe_stats(const struct exe_src *);
void	exe_close(struct exe_src *, struct table *);

/* One line of /proc/self/mountinfo: mount point (unescaped) and fs type. */
int	exe_parse_mountinfo(char *line, char **mnt, char **fstype);

#endif
