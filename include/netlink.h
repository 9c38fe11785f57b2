/*
 * netlink.h - the proc connector socket: open, subscribe, receive.
 *
 * I/O only: payloads are handed to event_parse() untouched, with the
 * sender's port id so that the caller can refuse what the kernel did not
 * send.
 */
#ifndef PROCHOOK_NETLINK_H
#define PROCHOOK_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * proc_event.what values (linux/cn_proc.h): the types event_parse()
 * decodes, and the bits of the 6.6+ per-socket event filter.
 */
#define NL_W_NONE	0x00000000u	/* an acknowledgement */
#define NL_W_FORK	0x00000001u
#define NL_W_EXEC	0x00000002u
#define NL_W_UID	0x00000004u
#define NL_W_GID	0x00000040u
#define NL_W_SID	0x00000080u
#define NL_W_PTRACE	0x00000100u
#define NL_W_COMM	0x00000200u
#define NL_W_NONZERO_EXIT 0x20000000u
#define NL_W_COREDUMP	0x40000000u
#define NL_W_EXIT	0x80000000u
#define NL_W_ALL	(NL_W_FORK | NL_W_EXEC | NL_W_UID | NL_W_GID | \
			 NL_W_SID | NL_W_PTRACE | NL_W_COMM | \
			 NL_W_NONZERO_EXIT | NL_W_COREDUMP | NL_W_EXIT)

/*
 * The connector is read through two sockets.  Forks and exits, the bulk
 * of any storm, go to one that does not wake the event loop by itself: it
 * is read along with the other, or at most NL_BULK_DELAY_MS later.  Every
 * other event (exec above all: its arguments must be read before the
 * process is gone) goes to one that does.  A socket filter splits them
 * on every kernel; 6.6+ also filters by type before queueing.
 */
enum nl_part { NL_FAST, NL_BULK, NL_NPARTS };
#define NL_BULK_DELAY_MS	10

enum nl_mode {
	NL_MODE_FILTERED,	/* 6.6+: 8-byte subscription, events filtered by type */
	NL_MODE_LEGACY,		/* before 6.6: 4-byte subscription, every event */
};

#define NL_BATCH	64	/* datagrams per receive call */
#define NL_DGRAM_MAX	1024	/* larger datagrams are truncated and refused */

struct nl_batch {
	size_t		n;
	size_t		len[NL_BATCH];
	uint32_t	sender[NL_BATCH];	/* port id: 0 is the kernel */
	bool		trunc[NL_BATCH];
	unsigned char	buf[NL_BATCH][NL_DGRAM_MAX];
};

struct nl;
struct config;

/*
 * Open and bind the socket and size its receive buffer: SO_RCVBUFFORCE,
 * else SO_RCVBUF; *got is the size obtained.  Returns 0 or -errno.
 */
int	nl_open(struct nl **, size_t rcvbuf, size_t *got, bool *forced);
/*
 * Subscribe to every event and wait for the kernel's acknowledgement.
 * Returns 0, -ETIMEDOUT when no acknowledgement came (not in the initial
 * pid/user namespace), or -errno (the kernel's answer included).
 */
int	nl_subscribe(struct nl *, enum nl_mode *);
/* 6.6+: receive only these proc_event.what bits. */
int	nl_narrow(struct nl *, uint32_t what);
/*
 * The proc_event.what bits a configuration needs, the process table's
 * included (NULL, for --monitor: all).
 */
uint32_t nl_config_events(const struct config *);
/* The proc_event.what bits a part carries. */
uint32_t nl_part_events(enum nl_part);
/*
 * Keep only the part's events in the kernel (classic BPF), and drop thread
 * fork/exit events there unless threads, and exec events unless execs
 * (before Linux 6.6, where nl_narrow() cannot).
 */
int	nl_filter(struct nl *, enum nl_part, bool threads, bool execs);
int	nl_unsubscribe(struct nl *);
/* Receive what is queued, without waiting; n = 0 when nothing is. */
int	nl_recv(struct nl *, struct nl_batch *);
/* The socket's drop counter (events the kernel could not queue). */
int	nl_drops(struct nl *, uint32_t *);
int	nl_fd(const struct nl *);
void	nl_close(struct nl *);

#endif
