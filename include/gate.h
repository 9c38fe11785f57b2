/*
 * gate.h - the exec gate: decides deny and ask rules before an exec runs,
 * on fanotify permission events (gate.c), with marks chosen from the rules
 * (gateplan.c).
 */
#ifndef PROCHOOK_GATE_H
#define PROCHOOK_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "table.h"

/* What the gate marks. */
enum gate_mode {
	GATE_NONE,		/* no deny or ask rule: no gate */
	GATE_INODES,		/* only the files the rules name */
	GATE_FILESYSTEMS,	/* every file system that can hold programs */
};

struct gate_plan {
	enum gate_mode	 mode;
	char		**paths;	/* GATE_INODES: the files to mark */
	size_t		 npaths;
	uint32_t	 keys;		/* RK_BIT() set the gated rules test */
};

/*
 * gateplan.c: the marks a configuration needs.  GATE_INODES when every
 * deny and ask rule names exact paths: a script key of plain paths (the
 * script's open comes first), or else an exe key of plain paths; a rule
 * with a glob or a ! value there needs GATE_FILESYSTEMS.  Returns 0 or
 * -ENOMEM.
 */
int	gate_plan(const struct config *, struct gate_plan *);
void	gate_plan_free(struct gate_plan *);
/* The keys a rule tests, an RK_BIT() set. */
uint32_t gate_rule_keys(const struct rule *);
/*
 * Can the gate judge every rule alone, so that the event loop need not
 * see execs?  True when plan is GATE_INODES, every rule of cfg is a deny
 * or ask rule, and no one but root can put another file at any of the
 * plan's paths: each directory above it, as written and as resolved, is
 * root's and not group- or other-writable (a symlink there, root's).
 * Then the gate sees every exec that could match (its inode marks; the
 * loader's open of a marked file, ld.so PROGRAM), and whatever else runs
 * is named otherwise (a memfd, a private mount) or is a copy, which no
 * exact path matches.
 */
bool	gate_plan_quiet(const struct config *, const struct gate_plan *);
/*
 * Cut path, in place, to its parent directory ("/a/b" to "/a", "/a" to
 * "/"); false, leaving it as it is, for "/" and a path without a '/'.
 */
bool	gate_path_parent(char *path);

/*
 * The effective ids an exec of a file with mode, owner and group gives a
 * caller with euid/egid: set-user-ID and set-group-ID (with group execute)
 * apply unless the file system is mounted nosuid, as the kernel's
 * bprm_fill_uid() does.
 */
void	gate_setid(mode_t mode, uid_t fuid, gid_t fgid, bool nosuid,
	    uint32_t *euid, uint32_t *egid);

/*
 * gate.c: open the fanotify group (FAN_CLASS_CONTENT) and place the marks
 * of plan, as root: *nmarks placed, *unmarked files that exist but could
 * not be marked.  Returns the group's descriptor or -errno.
 */
int	gate_open(const struct gate_plan *, unsigned *nmarks,
	    unsigned *unmarked);

struct gate_args {
	struct config	*cfg;		/* owned */
	struct gate_plan plan;		/* the marks placed, owned */
	int		 fanfd;
	int		 ipc;		/* to the privileged part */
	bool		 dry_run;
};

/*
 * The gate's process, a child of the privileged part: confine itself,
 * then answer every permission event until the privileged part's end of
 * ipc closes.  Returns the exit status.
 */
int	gate_main(struct gate_args *);

#endif
