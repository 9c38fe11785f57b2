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
};

/* Needs CAP_SYS_ADMIN.  Returns 0 or -errno. */
int	exe_open(struct exe_src **);
/* Mark every mounted file system of mountinfo (an open file); count in *n. */
int	exe_mark_mounts(struct exe_src *, int mountinfo_fd, unsigned *n);
/* The same on a fanotify group fd shared with the privileged part. */
int	exe_mark_mounts_fd(int fanfd, int mountinfo_fd, unsigned *n);
int	exe_fd(const struct exe_src *);
/* Read every queued notification. */
int	exe_drain(struct exe_src *, struct table *);
/*
 * The executable the next exec of pid ran, as an interned string
 * reference, or NULL when the notifications do not name it for sure.
 * execs is how many execs of pid, this one first, are waiting to be named
 * (the queue may already hold the files of the next).  *setid tells
 * whether the file is set-user-ID or set-group-ID, *id which file it is
 * (ino 0 when no name is given).  A pid some of whose notes were dropped
 * with a full table is given no name at its next exec.
 */
struct str *exe_take(struct exe_src *, pid_t, unsigned execs,
	    struct table *, bool *setid, struct exe_id *id);
/* Are notifications waiting for pid (has it exec'd unseen)? */
bool	exe_pending(struct exe_src *, pid_t);
const struct exe_stats *exe_stats(const struct exe_src *);
void	exe_close(struct exe_src *, struct table *);

/*
 * The PT_INTERP path of the ELF image whose first len bytes are in buf
 * (program headers included), or -ENOENT if it has none, -EINVAL if buf
 * is not a well-formed ELF header.  On success *off and *size locate the
 * path in the file.
 */
int	exe_elf_interp(const unsigned char *buf, size_t len, uint64_t *off,
	    uint64_t *size);
/* One line of /proc/self/mountinfo: mount point (unescaped) and fs type. */
int	exe_parse_mountinfo(char *line, char **mnt, char **fstype);

#endif
