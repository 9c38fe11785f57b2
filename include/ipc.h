/*
 * ipc.h - the messages between the event loop and the privileged part.
 *
 * Every message has the same fixed size and travels alone in one
 * SOCK_SEQPACKET datagram; the receiver refuses a datagram of any other
 * size, an unknown type, a string without its NUL, or a number out of
 * range.  The privileged part trusts nothing else about what it receives.
 */
#ifndef PROCHOOK_IPC_H
#define PROCHOOK_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "enrich.h"
#include "proc.h"
#include "table.h"

enum ipc_type {
	IPC_READY = 1,		/* loop: subscribed, scanned, unprivileged */
	IPC_REQUEST,		/* loop: a rule matched; act and run its hooks */
	IPC_EXE_REQ,		/* loop: name the executable of this process */
	IPC_EXE,		/* privd: the answer */
	IPC_CONFIG,		/* privd: one chunk of configuration text */
	IPC_STATS,		/* privd: log your counters (SIGUSR1) */
	IPC_IDS_REQ,		/* loop: which files do these processes run */
	IPC_IDS,		/* privd: the answer */
	IPC_GATE_DENY,		/* gate: an exec was refused; run the hooks */
	IPC_GATE_ASK,		/* gate: an exec waits; run the hooks, answer */
	IPC_GATE_VERDICT,	/* privd: the answer to an IPC_GATE_ASK */
	IPC_GATE_APPLIED,	/* gate: a configuration is in force, marked */
	IPC_RESCAN,		/* privd: execs are shown again: read /proc */
	IPC__MAX
};

#define IPC_CHUNK	8192
#define IPC_IDS_MAX	512	/* processes per IPC_IDS_REQ */

/* One process of an IPC_IDS_REQ, and of its answer. */
struct ipc_id {
	int32_t		pid;
	uint32_t	found;		/* answer: dev and ino are known */
	uint64_t	start_ns;	/* CLOCK_BOOTTIME */
	uint64_t	dev, ino;
};

/* An event as a hook's environment describes it. */
struct ipc_event {
	uint32_t	gen;		/* configuration generation */
	uint32_t	rule;		/* index of the matching rule */
	uint32_t	type;		/* enum event_type */
	uint32_t	known;		/* P_* flags: what is known */
	int32_t		pid, tid, ppid;
	int32_t		child_pid, tracer_pid;
	uint32_t	uid, euid, gid, egid;
	uint32_t	prev_uid, prev_euid;
	uint32_t	has_prev, synthetic, thread;
	uint32_t	run_hooks;	/* 0: over the rule's rate, no hooks */
	uint32_t	exit_code;	/* raw wait status */
	uint64_t	ts_ns;		/* CLOCK_MONOTONIC */
	uint64_t	start_ns;	/* CLOCK_BOOTTIME */
	uint64_t	lost;		/* lost events: total since start */
	uint64_t	cookie;		/* IPC_GATE_ASK: the gate's name for it */
	char		comm[16];
	char		exe[PROC_PATH_MAX];
	char		pexe[PROC_PATH_MAX];
	char		cgroup[PROC_PATH_MAX];
	char		script[PROC_PATH_MAX];	/* "": none */
	char		loader[PROC_PATH_MAX];	/* "": none */
	char		cmdline[PROC_CMDLINE_MAX + 1];
};

struct ipc_msg {
	uint32_t	type;
	uint32_t	len;		/* IPC_CONFIG: bytes of data used */
	union {
		struct ipc_event ev;
		struct {
			int32_t	 pid;
			uint32_t found;
			uint64_t start_ns;
			uint64_t dev, ino;	/* answer: the file */
			char	 path[PROC_PATH_MAX];
			char	 loader[PROC_PATH_MAX];	/* "": none */
		} exe;
		struct {
			uint32_t n;
			uint32_t pad;
			struct ipc_id id[IPC_IDS_MAX];
		} ids;
		struct {
			uint64_t cookie;	/* of the IPC_GATE_ASK */
			uint32_t allow;		/* 1: every hook exited 0 */
			uint32_t pad;
		} verdict;
		struct {
			uint32_t gen;		/* the configuration in force */
			uint32_t unmarked;	/* its files that exist, not
						   marked */
		} applied;
		struct {
			uint32_t gen;
			uint32_t file;	/* index; 0 is the main file */
			uint32_t last;	/* the last chunk of the last file */
			uint32_t pad;
			char	 name[PROC_PATH_MAX];
			char	 data[IPC_CHUNK];
		} cfg;
	} u;
};

/* Asking for identities in bulk does not make every message larger. */
_Static_assert(sizeof(((struct ipc_msg *)0)->u.ids) <= sizeof(struct ipc_event),
    "IPC_IDS_MAX too large");

/* Fill an IPC_REQUEST message from an enriched event. */
void	ipc_request(struct ipc_msg *, const struct pevent *, uint32_t gen,
	    uint32_t rule);
/*
 * Check a received datagram of n bytes.  Returns 0 if it is a
 * well-formed message, -EBADMSG if not.
 */
int	ipc_check(const struct ipc_msg *, size_t n);
/*
 * Rebuild, from an IPC_REQUEST, the event and the process record it
 * describes; the record's strings are new (str_unref them).
 */
void	ipc_to_pevent(const struct ipc_event *, struct event *,
	    struct proc *, struct pevent *);
/*
 * Ask the privileged part for the executable of pid (the event loop may
 * not read /proc/PID/exe of another user's process), waiting at most
 * timeout_ms; messages of other types that arrive meanwhile go to other().
 * Returns its path and in *id the file (and in *loader the loader, when
 * the program was run by its loader as a command), interned in t as
 * references, or NULL if it is not known.
 */
struct str *ipc_ask_exe(int fd, struct table *t, pid_t pid,
	    uint64_t start_ns, struct str **loader, struct exe_id *id,
	    int timeout_ms, void (*other)(void *, const struct ipc_msg *),
	    void *arg);
/*
 * The same for the identities of n processes, IPC_IDS_MAX a request, each
 * request waiting at most timeout_ms; what is not answered stays unknown.
 */
void	ipc_ask_ids(int fd, struct enrich_idq *, size_t n, int timeout_ms,
	    void (*other)(void *, const struct ipc_msg *), void *arg);
/*
 * The event loop's end: hand every queued message from the privileged part
 * to fn (NULL: drop them).  Returns 0, or EXIT_PART (exitcode.h) when
 * the privileged part is gone, having said so.
 */
int	ipc_loop_read(int fd, void (*fn)(void *, const struct ipc_msg *),
	    void *arg);
/* Room for a burst of messages on a socketpair end. */
void	ipc_buffers(int fd);
/* Send one message without blocking: 0, -EAGAIN, or -errno. */
int	ipc_send(int fd, const struct ipc_msg *);
/* Receive one message: 1, 0 when nothing is queued, -EBADMSG, -EPIPE
 * when the other end is gone, or -errno. */
int	ipc_recv(int fd, struct ipc_msg *);

#endif
