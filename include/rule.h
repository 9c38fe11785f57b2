/*
 * rule.h - compiled rules and matching an event against them.
 *
 * Matching touches no file system: it reads only the event and the process
 * table.
 */
#ifndef PROCHOOK_RULE_H
#define PROCHOOK_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "table.h"

/* Glob alternatives; a pattern with neg set excludes. */
struct glob_list {
	size_t		 n;
	char		**pat;
	bool		*neg;
};

/* Number alternatives: ranges lo-hi; neg excludes. */
struct id_range {
	uint32_t	lo, hi;
	bool		neg;
};

struct id_list {
	size_t		 n;
	struct id_range	*r;
};

enum action { ACT_RUN, ACT_KILL, ACT_HOLD, ACT_LOG };

struct rule {
	char		*name;
	char		*file;		/* where it was defined */
	unsigned	 line;
	uint32_t	 events;	/* EV_BIT() set */
	struct glob_list exe, comm, cmdline, parent, ancestor, cgroup;
	struct id_list	 uid, gid, euid, egid, prev_uid, prev_euid;
	struct id_list	 exit_status, exit_signal;
	bool		 threads;
	enum action	 action;
	int		 signal;	/* for ACT_KILL */
	char		**hooks;	/* absolute paths */
	size_t		 nhooks;
	bool		 has_run_as;
	uid_t		 run_uid;
	gid_t		 run_gid;
	char		*run_user;
	unsigned	 timeout;	/* seconds; 0: hook_timeout */
	unsigned	 rate;		/* per second; 0: unlimited */
};

/*
 * Does the event match the rule?  When a key tests a value that is not
 * known (the process vanished before it could be read), the key does not
 * match and *miss is set.
 */
bool		 rule_match(const struct rule *, const struct pevent *,
		    struct table *, bool *miss);
const char	*rule_action_name(enum action);
/* Signal by name ("KILL", "SIGKILL") or number; 0 if unknown. */
int		 rule_signal_lookup(const char *);
/* "KILL" for SIGKILL; NULL if unknown. */
const char	*rule_signal_name(int);
void		 rule_free(struct rule *);

#endif
