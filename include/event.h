/*
 * event.h - kernel process events, decoded.
 *
 * event_parse() turns one datagram received on the proc connector socket
 * into struct event records; it knows nothing of sockets and trusts
 * nothing in the buffer.
 */
#ifndef PROCHOOK_EVENT_H
#define PROCHOOK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum event_type {
	EV_ACK = 0,		/* subscription acknowledgement */
	EV_FORK,
	EV_EXEC,
	EV_UID,
	EV_GID,
	EV_SID,
	EV_COMM,
	EV_PTRACE,
	EV_COREDUMP,
	EV_EXIT,
	EV_LOST,		/* ours: the kernel dropped events */
	EV__MAX
};

#define EV_BIT(t)	(1u << (t))

struct event {
	enum event_type	type;
	bool		thread;		/* fork of / exit of a thread, not a process */
	bool		synthetic;	/* rebuilt from a /proc scan after a loss */
	uint32_t	cpu;
	uint64_t	ts_ns;		/* CLOCK_MONOTONIC, as the kernel stamps it */
	pid_t		pid;		/* process (tgid) */
	pid_t		tid;		/* thread */
	union {
		struct {
			pid_t	child_pid, child_tid;
		} fork;			/* pid/tid are the parent's */
		struct {
			uint32_t r, e;	/* real and effective uid or gid */
		} id;
		struct {
			pid_t	tracer_pid, tracer_tid;
		} ptrace;
		struct {
			char	comm[16];
		} comm;
		struct {
			pid_t	parent_pid, parent_tid;
		} coredump;
		struct {
			uint32_t code;	/* raw wait status */
			uint32_t signal;	/* signal sent to the parent */
			pid_t	parent_pid, parent_tid;
		} exit;
		struct {
			uint32_t err;
			uint32_t ack;	/* cn_msg ack: our sequence number + 1 */
		} ack;
		struct {
			uint64_t count;	/* events dropped in this gap */
			uint64_t total;	/* events dropped since start */
		} lost;
	} u;
};

/* Why a datagram, or a message in it, was refused. */
enum event_reject {
	EVR_SHORT,		/* shorter than the headers it claims */
	EVR_TYPE,		/* nlmsg_type is not NLMSG_DONE */
	EVR_ID,			/* connector idx/val is not CN_IDX_PROC/CN_VAL_PROC */
	EVR_WHAT,		/* unknown proc_event.what */
	EVR__MAX
};

struct event_stats {
	uint64_t	rejected[EVR__MAX];
};

/*
 * Decode the netlink messages of one datagram into at most max events.
 * Returns the number of events written; malformed messages are skipped and
 * counted in st.  Never reads outside [buf, buf + len).
 */
size_t	event_parse(const void *buf, size_t len, struct event *out, size_t max,
	    struct event_stats *st);

const char *event_name(enum event_type);
/* Event type by name ("fork", "exec", ...), or EV__MAX if unknown. */
enum event_type event_lookup(const char *name);

/* Raw wait status helpers for exit events. */
bool	event_exited(const struct event *);	/* normal exit */
int	event_exit_status(const struct event *);	/* 0-255, or -1 */
int	event_exit_signal(const struct event *);	/* signal, or 0 */
bool	event_core_dumped(const struct event *);

#endif
