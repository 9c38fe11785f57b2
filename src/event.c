/*
 * event.c - decoding and validating proc connector messages.
 *
 * A datagram from the connector socket is a netlink message whose payload
 * is a struct cn_msg whose payload is a struct proc_event.  Every length is
 * checked before a field is read, and the event is copied out with memcpy:
 * after the 16-byte nlmsghdr and the 20-byte cn_msg, proc_event (which
 * holds a u64) sits at offset 36, not 8-byte aligned.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "event.h"
#include "netlink.h"

/* The kernel's struct proc_event, as laid out on the wire. */
#define PE_WHAT		0
#define PE_CPU		4
#define PE_TS		8
#define PE_DATA		16

static const char *const event_names[EV__MAX] = {
	[EV_ACK] = "ack",
	[EV_FORK] = "fork",
	[EV_EXEC] = "exec",
	[EV_UID] = "uid",
	[EV_GID] = "gid",
	[EV_SID] = "sid",
	[EV_COMM] = "comm",
	[EV_PTRACE] = "ptrace",
	[EV_COREDUMP] = "coredump",
	[EV_EXIT] = "exit",
	[EV_LOST] = "lost",
};

const char *
event_name(enum event_type t)
{
	if ((unsigned)t >= EV__MAX)
		return "?";
	return event_names[t];
}

enum event_type
event_lookup(const char *name)
{
	int t;

	for (t = EV_FORK; t < EV__MAX; t++)
		if (strcmp(name, event_names[t]) == 0)
			return t;
	return EV__MAX;
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static pid_t
getpid32(const unsigned char *p)
{
	return (pid_t)get32(p);
}

/*
 * Decode one proc_event of len bytes (cn_msg.len).  Returns 0, or -EINVAL
 * when it is too short for its type, or -ENOENT for an unknown type.
 * Events from newer kernels may be longer than we know: the tail is
 * ignored.
 */
static int
decode(const unsigned char *pe, size_t len, uint32_t ack, struct event *ev)
{
	const unsigned char *d = pe + PE_DATA;
	size_t dlen;
	uint32_t what;

	if (len < PE_DATA)
		return -EINVAL;
	dlen = len - PE_DATA;
	memset(ev, 0, sizeof(*ev));
	what = get32(pe + PE_WHAT);
	ev->cpu = get32(pe + PE_CPU);
	memcpy(&ev->ts_ns, pe + PE_TS, sizeof(ev->ts_ns));

	switch (what) {
	case NL_W_NONE:
		if (dlen < 4)
			return -EINVAL;
		ev->type = EV_ACK;
		ev->u.ack.err = get32(d);
		ev->u.ack.ack = ack;
		return 0;
	case NL_W_FORK:
		if (dlen < 16)
			return -EINVAL;
		ev->type = EV_FORK;
		ev->tid = getpid32(d);
		ev->pid = getpid32(d + 4);
		ev->u.fork.child_tid = getpid32(d + 8);
		ev->u.fork.child_pid = getpid32(d + 12);
		/* clone() of a thread: the child shares the parent's tgid. */
		ev->thread = ev->u.fork.child_tid != ev->u.fork.child_pid;
		return 0;
	case NL_W_EXEC:
	case NL_W_SID:
		if (dlen < 8)
			return -EINVAL;
		ev->type = what == NL_W_EXEC ? EV_EXEC : EV_SID;
		break;
	case NL_W_UID:
	case NL_W_GID:
		if (dlen < 16)
			return -EINVAL;
		ev->type = what == NL_W_UID ? EV_UID : EV_GID;
		ev->u.id.r = get32(d + 8);
		ev->u.id.e = get32(d + 12);
		break;
	case NL_W_PTRACE:
		if (dlen < 16)
			return -EINVAL;
		ev->type = EV_PTRACE;
		ev->u.ptrace.tracer_tid = getpid32(d + 8);
		ev->u.ptrace.tracer_pid = getpid32(d + 12);
		break;
	case NL_W_COMM:
		if (dlen < 24)
			return -EINVAL;
		ev->type = EV_COMM;
		memcpy(ev->u.comm.comm, d + 8, 16);
		ev->u.comm.comm[15] = '\0';
		break;
	case NL_W_COREDUMP:
		/* Kernels before 4.18 send no parent. */
		if (dlen < 8)
			return -EINVAL;
		ev->type = EV_COREDUMP;
		if (dlen >= 16) {
			ev->u.coredump.parent_tid = getpid32(d + 8);
			ev->u.coredump.parent_pid = getpid32(d + 12);
		}
		break;
	case NL_W_EXIT:
		/* Kernels before 4.18 send no parent. */
		if (dlen < 16)
			return -EINVAL;
		ev->type = EV_EXIT;
		ev->u.exit.code = get32(d + 8);
		ev->u.exit.signal = get32(d + 12);
		if (dlen >= 24) {
			ev->u.exit.parent_tid = getpid32(d + 16);
			ev->u.exit.parent_pid = getpid32(d + 20);
		}
		break;
	default:
		return -ENOENT;
	}
	ev->tid = getpid32(d);
	ev->pid = getpid32(d + 4);
	/*
	 * A thread's exit is not its process's exit; a rename or ptrace of a
	 * thread other than the leader is the thread's own.
	 */
	if (ev->type == EV_EXIT || ev->type == EV_COMM ||
	    ev->type == EV_PTRACE)
		ev->thread = ev->tid != ev->pid;
	return 0;
}

size_t
event_parse(const void *buf, size_t len, struct event *out, size_t max,
    struct event_stats *st)
{
	const unsigned char *p = buf;
	size_t n = 0;

	/* Walk every netlink message; each iteration advances or stops. */
	while (len >= NLMSG_HDRLEN && n < max) {
		struct nlmsghdr nlh;
		struct cn_msg cn;
		size_t msglen, paylen;
		int r;

		memcpy(&nlh, p, sizeof(nlh));
		msglen = nlh.nlmsg_len;
		if (msglen < NLMSG_HDRLEN || msglen > len) {
			st->rejected[EVR_SHORT]++;
			break;
		}
		paylen = msglen - NLMSG_HDRLEN;
		if (nlh.nlmsg_type != NLMSG_DONE) {
			st->rejected[EVR_TYPE]++;
		} else if (paylen < sizeof(cn)) {
			st->rejected[EVR_SHORT]++;
		} else {
			memcpy(&cn, p + NLMSG_HDRLEN, sizeof(cn));
			if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
				st->rejected[EVR_ID]++;
			else if (cn.len > paylen - sizeof(cn))
				st->rejected[EVR_SHORT]++;
			else if ((r = decode(p + NLMSG_HDRLEN + sizeof(cn),
			    cn.len, cn.ack, &out[n])) == 0)
				n++;
			else
				st->rejected[r == -ENOENT ? EVR_WHAT :
				    EVR_SHORT]++;
		}
		msglen = NLMSG_ALIGN(msglen);
		if (msglen >= len)
			break;
		p += msglen;
		len -= msglen;
	}
	return n;
}

bool
event_exited(const struct event *ev)
{
	return ev->type == EV_EXIT && WIFEXITED((int)ev->u.exit.code);
}

int
event_exit_status(const struct event *ev)
{
	if (!event_exited(ev))
		return -1;
	return WEXITSTATUS((int)ev->u.exit.code);
}

int
event_exit_signal(const struct event *ev)
{
	if (ev->type != EV_EXIT || !WIFSIGNALED((int)ev->u.exit.code))
		return 0;
	return WTERMSIG((int)ev->u.exit.code);
}

bool
event_core_dumped(const struct event *ev)
{
	return event_exit_signal(ev) != 0 && WCOREDUMP((int)ev->u.exit.code);
}
