/*
 * proc.h - reading /proc/PID files.
 *
 * Every reader works relative to a directory fd (an open /proc/PID, or a
 * directory of a fake tree in the tests) and returns 0 or -errno.  The
 * contents are written by untrusted processes: nothing here assumes a
 * field is well formed.
 */
#ifndef PROCHOOK_PROC_H
#define PROCHOOK_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_CMDLINE_MAX	4096	/* bytes of arguments kept */
#define PROC_PATH_MAX		4096

struct proc_stat {
	char		comm[16];
	pid_t		ppid;
	uint32_t	flags;		/* the kernel's PF_* */
	uint64_t	starttime;	/* clock ticks since boot */
};

#define PROC_PF_EXITING	0x4	/* in do_exit(): its exe is gone already */

struct proc_status {
	pid_t		tgid;
	uint32_t	uid, euid, gid, egid;
};

/*
 * Start times are kept as CLOCK_BOOTTIME nanoseconds, the clock of stat's
 * start time, which goes on across a suspend.  The kernel stamps events
 * with CLOCK_MONOTONIC, which stops during one: an event's time is moved
 * to the boot clock when it is handled, moments after it happened.  A
 * start time read from stat matches one known from a fork event within a
 * tick and some.
 */
struct proc_clock {
	uint64_t	tick_ns;
};

void	 proc_clock_init(struct proc_clock *);
/* The start time of stat, CLOCK_BOOTTIME nanoseconds. */
uint64_t proc_start_ns(const struct proc_clock *, const struct proc_stat *);
/* An event's CLOCK_MONOTONIC time on the boot clock, as of now. */
uint64_t proc_boot_ns(uint64_t mono_ns);
/* Is stat's process the one that started at start_ns? */
bool	 proc_same_start(const struct proc_clock *, const struct proc_stat *,
	    uint64_t start_ns);

/* Open /proc/PID as a directory relative to procfd. */
int	proc_open(int procfd, pid_t pid);
/*
 * Arguments, NULs turned into spaces, at most size - 1 bytes, NUL ended;
 * -ENODATA when the process has no arguments at all (a zombie, a kernel
 * thread), as opposed to an empty list.
 */
int	proc_read_cmdline(int dirfd, char *buf, size_t size, size_t *len);
/* The same, NULs kept: the arguments as the process holds them. */
int	proc_read_argv(int dirfd, char *buf, size_t size, size_t *len);
int	proc_read_stat(int dirfd, struct proc_stat *);
int	proc_read_status(int dirfd, struct proc_status *);
/* The cgroup v2 path ("0::" line), NUL ended. */
int	proc_read_cgroup(int dirfd, char *buf, size_t size);
/*
 * The same three by pid, relative to /proc itself (procfd): one openat()
 * per file, and no directory to open and close.  -ENOENT or -ESRCH: the
 * process is gone.  Successive reads may meet another process that took
 * the pid meanwhile: compare its stat's start time.
 */
int	proc_pid_cmdline(int procfd, pid_t pid, char *buf, size_t size,
	    size_t *len);
int	proc_pid_stat(int procfd, pid_t pid, struct proc_stat *);
int	proc_pid_cgroup(int procfd, pid_t pid, char *buf, size_t size);
/* readlink of exe, NUL ended. */
int	proc_read_exe(int dirfd, char *buf, size_t size);
/* Device and inode of the file exe names (needs the same right as exe). */
int	proc_read_exe_id(int dirfd, dev_t *dev, ino_t *ino);

/* Parsers behind the readers, for the tests. */
int	proc_parse_stat(const char *buf, size_t len, struct proc_stat *);
int	proc_parse_status(const char *buf, size_t len, struct proc_status *);
int	proc_parse_cgroup(const char *buf, size_t len, char *out, size_t size);

#endif
