/*
 * netlink.c - the proc connector socket: open, subscribe, receive.
 *
 * The subscription follows the kernel's drivers/connector/cn_proc.c: a
 * LISTEN is answered with a PROC_EVENT_NONE message multicast to every
 * listener, whose seq the kernel overwrites with its own counter and whose
 * ack is the ack we sent plus one: that is how ours is told from another
 * program's.  Since 6.6 an 8-byte struct proc_input also chooses event
 * types, and the acknowledgement reaches only sockets subscribed to all;
 * earlier kernels silently ignore any subscription that is not 4 bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/connector.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "clock.h"
#include "config.h"
#include "event.h"
#include "netlink.h"

#define PROC_CN_MCAST_LISTEN	1
#define PROC_CN_MCAST_IGNORE	2

#define ACK_TIMEOUT_MS		1000

/* struct proc_input of 6.6+, not in the 6.1 headers we build with. */
struct nl_proc_input {
	uint32_t	mcast_op;
	uint32_t	event_type;
};

struct nl {
	struct mnl_socket *mnl;
	int		 fd;
	uint32_t	 portid;
	uint32_t	 seq;
	enum nl_mode	 mode;
	struct mmsghdr	 msgs[NL_BATCH];
	struct iovec	 iov[NL_BATCH];
	struct sockaddr_nl from[NL_BATCH];
};

int
nl_open(struct nl **out, size_t rcvbuf, size_t *got, bool *forced)
{
	struct nl *nl;
	int size, err;
	socklen_t sl;

	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return -ENOMEM;
	nl->mnl = mnl_socket_open2(NETLINK_CONNECTOR, SOCK_CLOEXEC |
	    SOCK_NONBLOCK);
	if (nl->mnl == NULL) {
		err = -errno;
		free(nl);
		return err;
	}
	nl->fd = mnl_socket_get_fd(nl->mnl);
	if (mnl_socket_bind(nl->mnl, CN_IDX_PROC, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->mnl);
	if (getrandom(&nl->seq, sizeof(nl->seq), GRND_NONBLOCK) !=
	    sizeof(nl->seq))
		nl->seq = (uint32_t)time(NULL) ^ (uint32_t)getpid();

	/* The kernel doubles what it is given; ask for half. */
	size = rcvbuf / 2 > INT32_MAX ? INT32_MAX : (int)(rcvbuf / 2);
	*forced = setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == 0;
	if (!*forced)
		(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	sl = sizeof(size);
	if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &size, &sl) < 0)
		size = 0;
	*got = (size_t)size;
	*out = nl;
	return 0;
}

/* Send a connector message carrying a subscription of len bytes. */
static int
send_op(struct nl *nl, uint32_t op, uint32_t events, size_t len,
    uint32_t *ack)
{
	unsigned char buf[NLMSG_SPACE(sizeof(struct cn_msg) +
	    sizeof(struct nl_proc_input))];
	struct nl_proc_input in = { op, events };
	struct nlmsghdr *nlh;
	struct cn_msg *cn;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_pid = nl->portid;
	nlh->nlmsg_seq = ++nl->seq;
	cn = mnl_nlmsg_put_extra_header(nlh, sizeof(*cn) + len);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->seq = nl->seq;
	cn->ack = nl->seq;
	cn->len = (uint16_t)len;
	memcpy(cn->data, &in, len);
	*ack = nl->seq + 1;
	if (mnl_socket_sendto(nl->mnl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/*
 * Wait for the acknowledgement whose ack is want.  Other messages that
 * arrive meanwhile (events, other programs' acknowledgements) are dropped:
 * the /proc scan that follows the subscription covers them.
 */
static int
wait_ack(struct nl *nl, uint32_t want)
{
	long deadline = (long)(clock_ns(CLOCK_MONOTONIC) / 1000000) + ACK_TIMEOUT_MS;
	struct event_stats st;
	struct event ev;
	unsigned char buf[NL_DGRAM_MAX];
	struct sockaddr_nl from;
	socklen_t fl;
	ssize_t n;

	for (;;) {
		long left = deadline - (long)(clock_ns(CLOCK_MONOTONIC) / 1000000);
		struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		for (;;) {
			fl = sizeof(from);
			n = recvfrom(nl->fd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &fl);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				if (errno == ENOBUFS)
					continue;
				return -errno;
			}
			if (from.nl_pid != 0)
				continue;
			memset(&st, 0, sizeof(st));
			if (event_parse(buf, (size_t)n, &ev, 1, &st) != 1 ||
			    ev.type != EV_ACK || ev.u.ack.ack != want)
				continue;
			return ev.u.ack.err == 0 ? 0 : -(int)ev.u.ack.err;
		}
	}
}

int
nl_subscribe(struct nl *nl, enum nl_mode *mode)
{
	uint32_t ack;
	int r;

	r = send_op(nl, PROC_CN_MCAST_LISTEN, NL_W_ALL,
	    sizeof(struct nl_proc_input), &ack);
	if (r == 0)
		r = wait_ack(nl, ack);
	if (r == 0) {
		nl->mode = *mode = NL_MODE_FILTERED;
		return 0;
	}
	if (r != -ETIMEDOUT)
		return r;
	/* Before 6.6: only a 4-byte operation is understood. */
	r = send_op(nl, PROC_CN_MCAST_LISTEN, 0, sizeof(uint32_t), &ack);
	if (r == 0)
		r = wait_ack(nl, ack);
	if (r == 0)
		nl->mode = *mode = NL_MODE_LEGACY;
	return r;
}

int
nl_narrow(struct nl *nl, uint32_t what)
{
	uint32_t ack;

	if (nl->mode != NL_MODE_FILTERED || what == NL_W_ALL)
		return 0;
	/* No acknowledgement: it reaches only sockets subscribed to all. */
	return send_op(nl, PROC_CN_MCAST_LISTEN, what,
	    sizeof(struct nl_proc_input), &ack);
}

int
nl_unsubscribe(struct nl *nl)
{
	uint32_t ack;

	return send_op(nl, PROC_CN_MCAST_IGNORE, 0,
	    nl->mode == NL_MODE_FILTERED ? sizeof(struct nl_proc_input) :
	    sizeof(uint32_t), &ack);
}

uint32_t
nl_config_events(const struct config *cfg)
{
	/* The process table always needs these. */
	uint32_t w = NL_W_FORK | NL_W_EXEC | NL_W_EXIT | NL_W_UID | NL_W_GID;
	size_t i;

	if (cfg == NULL)
		return NL_W_ALL;
	/*
	 * comm events cost a process nothing to cause (a PR_SET_NAME loop
	 * makes the kernel drop hundreds of thousands a second), so only
	 * rules that need them get them: event = comm, and a comm key on
	 * events after which the name may have changed.  Otherwise the
	 * table's comm is the one read at exec (and at a rescan).
	 */
	for (i = 0; i < cfg->nrules; i++)
		if ((cfg->rules[i].events & EV_BIT(EV_COMM)) ||
		    (cfg->rules[i].comm.n > 0 &&
		    (cfg->rules[i].events & ~EV_BIT(EV_EXEC))))
			w |= NL_W_COMM;
	if (cfg->events & EV_BIT(EV_SID))
		w |= NL_W_SID;
	if (cfg->events & EV_BIT(EV_PTRACE))
		w |= NL_W_PTRACE;
	if (cfg->events & EV_BIT(EV_COREDUMP))
		w |= NL_W_COREDUMP;
	return w;
}

uint32_t
nl_part_events(enum nl_part part)
{
	const uint32_t bulk = NL_W_FORK | NL_W_EXIT | NL_W_NONZERO_EXIT;

	return part == NL_BULK ? bulk : NL_W_ALL & ~bulk;
}

#define ACCEPT	BPF_STMT(BPF_RET | BPF_K, 0xffffffff)
#define DROP	BPF_STMT(BPF_RET | BPF_K, 0)

/*
 * Classic BPF on the datagram: nlmsghdr (16) + cn_msg (20), then
 * proc_event: what at 36, event_data at 52.  fork: child pid at 60, child
 * tgid at 64; exit: pid at 52, tgid at 56.  Loads are big-endian, so
 * constants go through htonl() and fields are compared with each other.
 * Datagrams too short to be fork or exit events go to the fast part, to
 * be refused and counted there.
 */
int
nl_filter(struct nl *nl, enum nl_part part, bool threads, bool execs)
{
	struct sock_filter fast[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 40, 1, 0),
		ACCEPT,
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 36),
		/* Without execs: every exec event (no event is all ones). */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    execs ? 0xffffffffu : htonl(NL_W_EXEC), 8, 0),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 68, 1, 0),
		ACCEPT,
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(NL_W_FORK), 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(NL_W_EXIT), 1, 0),
		ACCEPT,
		DROP,
	};
	struct sock_filter bulk[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 68, 1, 0),
		DROP,
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 36),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(NL_W_FORK), 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl(NL_W_EXIT), 5, 0),
		DROP,
		/* fork: a thread if child pid != child tgid */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 60),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 4, 5),
		/* exit: a thread if pid != tgid */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 52),
		BPF_STMT(BPF_MISC | BPF_TAX, 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 56),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1),
		ACCEPT,
		DROP,
	};
	struct sock_fprog prog;

	if (part == NL_FAST) {
		prog.len = sizeof(fast) / sizeof(fast[0]);
		prog.filter = fast;
	} else {
		/* With threads, every fork and exit: stop before the checks. */
		prog.len = threads ? 7 : sizeof(bulk) / sizeof(bulk[0]);
		prog.filter = bulk;
		if (threads) {
			bulk[4] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			    BPF_K, htonl(NL_W_FORK), 1, 0);
			bulk[5] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			    BPF_K, htonl(NL_W_EXIT), 0, 1);
			bulk[6] = (struct sock_filter)ACCEPT;
			bulk[7] = (struct sock_filter)DROP;
			prog.len = 8;
		}
	}
	if (setsockopt(nl->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
	    sizeof(prog)) < 0)
		return -errno;
	return 0;
}

int
nl_recv(struct nl *nl, struct nl_batch *b)
{
	int i, n;

	for (i = 0; i < NL_BATCH; i++) {
		nl->iov[i].iov_base = b->buf[i];
		nl->iov[i].iov_len = NL_DGRAM_MAX;
		memset(&nl->msgs[i].msg_hdr, 0, sizeof(nl->msgs[i].msg_hdr));
		nl->msgs[i].msg_hdr.msg_iov = &nl->iov[i];
		nl->msgs[i].msg_hdr.msg_iovlen = 1;
		nl->msgs[i].msg_hdr.msg_name = &nl->from[i];
		nl->msgs[i].msg_hdr.msg_namelen = sizeof(nl->from[i]);
	}
	b->n = 0;
	n = recvmmsg(nl->fd, nl->msgs, NL_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		return -errno;
	}
	for (i = 0; i < n; i++) {
		b->len[i] = nl->msgs[i].msg_len;
		if (b->len[i] > NL_DGRAM_MAX)
			b->len[i] = NL_DGRAM_MAX;
		b->trunc[i] = (nl->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		b->sender[i] = nl->msgs[i].msg_hdr.msg_namelen >=
		    sizeof(struct sockaddr_nl) ? nl->from[i].nl_pid : UINT32_MAX;
	}
	b->n = (size_t)n;
	return 0;
}

int
nl_drops(struct nl *nl, uint32_t *drops)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	memset(mem, 0, sizeof(mem));
	if (getsockopt(nl->fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0)
		return -errno;
	if (len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return -ENOTSUP;
	*drops = mem[SK_MEMINFO_DROPS];
	return 0;
}

int
nl_fd(const struct nl *nl)
{
	return nl->fd;
}

void
nl_close(struct nl *nl)
{
	if (nl == NULL)
		return;
	mnl_socket_close(nl->mnl);
	free(nl);
}
