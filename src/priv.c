/*
 * priv.c - users, capabilities, no_new_privs.
 *
 * The event loop reads data that any local process controls; if it is
 * ever subverted, it must hold nothing worth having.  So it keeps no
 * capability at all: CAP_SYS_PTRACE would let it attach to the privileged
 * part, CAP_KILL would let it kill anything.  The drop is done once, in
 * the order that cannot be undone (groups, gid, uid), and checked.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/capability.h>

#include "priv.h"

int
priv_user(const char *name, struct priv_user *u)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (r != 0)
		return -r;
	if (res == NULL)
		return -ENOENT;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	return 0;
}

bool
priv_is_root(void)
{
	return geteuid() == 0;
}

int
priv_drop(const struct priv_user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_value_t c;
	cap_t caps;
	int r;

	/* The bounding set can only be emptied while we hold CAP_SETPCAP. */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	if (setgroups(0, NULL) < 0 ||
	    setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	if (getresgid(&rg, &eg, &sg) < 0 || getresuid(&ru, &eu, &su) < 0)
		return -errno;
	if (rg != u->gid || eg != u->gid || sg != u->gid ||
	    ru != u->uid || eu != u->uid || su != u->uid)
		return -EPERM;
	/* Changing uid from root cleared them; make sure of it. */
	if ((caps = cap_init()) == NULL)
		return -errno;
	r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Root can no longer be regained. */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}
