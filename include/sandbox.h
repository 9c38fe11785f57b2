/*
 * sandbox.h - the event loop's confinement: user, capabilities,
 * no_new_privs, seccomp.
 */
#ifndef PROCHOOK_SANDBOX_H
#define PROCHOOK_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sandbox_user {
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];
};

/* Look a user up by name: 0, -ENOENT if there is none, or -errno. */
int	sandbox_user(const char *name, struct sandbox_user *);
/*
 * Become user for good: no supplementary groups, real, effective and
 * saved ids, an empty capability bounding set and no capabilities of any
 * kind, and no_new_privs.  Returns 0 or -errno; the caller treats a
 * failure as fatal.
 */
int	sandbox_drop(const struct sandbox_user *);
/*
 * Forbid fanotify_mark() and fanotify_init() from now on (seccomp); a
 * system call of another ABI (i386, x32) kills the process.
 */
int	sandbox_seccomp(void);
/*
 * The gate's confinement (it stays uid 0): keep only the n capabilities
 * in caps, in the bounding set too, and set no_new_privs.
 */
int	sandbox_keep_caps(const int *caps, size_t n);
/*
 * The gate's seccomp filter: no exec, no fork, no signal, no ptrace, no
 * change to any file (opening for writing included), no mount or
 * namespace change; such a call fails with EPERM.  Another ABI kills.
 */
int	sandbox_seccomp_gate(void);
/* Are we root (or do we hold every capability we need)? */
bool	sandbox_is_root(void);

#endif
