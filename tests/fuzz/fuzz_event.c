/*
 * fuzz_event.c - decoding connector datagrams (event.c), and the kernel
 * filters that split them between the loop's two sockets (netlink.c).
 *
 * Input: one byte (how many events the caller has room for, 1 to 8), then
 * the datagram.  Model of the decoding: the netlink walk of the kernel's
 * own NLMSG_OK/NLMSG_NEXT macros, and each event read through struct
 * proc_event of <linux/cn_proc.h> (older kernels' shorter exit and
 * coredump events included).  Model of the filters: the datagram is sent
 * to sockets carrying nl_filter()'s programs, and the kernel runs them:
 * a fork or exit event goes to the bulk part only (minus thread events
 * when threads are not asked for), everything else to the fast part.
 */
#include <errno.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "event.h"
#include "fuzz.h"
#include "netlink.h"

#define MAXEV	8

#define PE_DATA_OFF	offsetof(struct proc_event, event_data)

/* How long an event of this what must be, or 0 for an unknown type. */
static size_t
model_min_len(uint32_t what)
{
	struct proc_event pe;

	switch (what) {
	case PROC_EVENT_NONE:
		return PE_DATA_OFF + sizeof(pe.event_data.ack);
	case PROC_EVENT_FORK:
		return PE_DATA_OFF + sizeof(pe.event_data.fork);
	case PROC_EVENT_EXEC:
		return PE_DATA_OFF + sizeof(pe.event_data.exec);
	case PROC_EVENT_UID:
	case PROC_EVENT_GID:
		return PE_DATA_OFF + sizeof(pe.event_data.id);
	case PROC_EVENT_SID:
		return PE_DATA_OFF + sizeof(pe.event_data.sid);
	case PROC_EVENT_PTRACE:
		return PE_DATA_OFF + sizeof(pe.event_data.ptrace);
	case PROC_EVENT_COMM:
		return PE_DATA_OFF + sizeof(pe.event_data.comm);
	case PROC_EVENT_COREDUMP:
		/* Before 4.18: no parent. */
		return PE_DATA_OFF +
		    offsetof(__typeof__(pe.event_data.coredump), parent_pid);
	case PROC_EVENT_EXIT:
		return PE_DATA_OFF +
		    offsetof(__typeof__(pe.event_data.exit), parent_pid);
	default:
		return 0;
	}
}

/* The event the model reads from one proc_event of len bytes. */
static bool
model_event(const uint8_t *p, size_t len, uint32_t ack, struct event *ev,
    bool *unknown)
{
	struct proc_event pe;
	size_t need;

	*unknown = false;
	if (len < PE_DATA_OFF)
		return false;
	memset(&pe, 0, sizeof(pe));
	memcpy(&pe, p, len < sizeof(pe) ? len : sizeof(pe));
	if ((need = model_min_len(pe.what)) == 0) {
		*unknown = true;
		return false;
	}
	if (len < need)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->cpu = pe.cpu;
	ev->ts_ns = pe.timestamp_ns;
	switch (pe.what) {
	case PROC_EVENT_NONE:
		ev->type = EV_ACK;
		ev->u.ack.err = pe.event_data.ack.err;
		ev->u.ack.ack = ack;
		break;
	case PROC_EVENT_FORK:
		ev->type = EV_FORK;
		ev->pid = pe.event_data.fork.parent_tgid;
		ev->tid = pe.event_data.fork.parent_pid;
		ev->u.fork.child_pid = pe.event_data.fork.child_tgid;
		ev->u.fork.child_tid = pe.event_data.fork.child_pid;
		ev->thread = pe.event_data.fork.child_pid !=
		    pe.event_data.fork.child_tgid;
		break;
	case PROC_EVENT_EXEC:
		ev->type = EV_EXEC;
		ev->pid = pe.event_data.exec.process_tgid;
		ev->tid = pe.event_data.exec.process_pid;
		break;
	case PROC_EVENT_SID:
		ev->type = EV_SID;
		ev->pid = pe.event_data.sid.process_tgid;
		ev->tid = pe.event_data.sid.process_pid;
		break;
	case PROC_EVENT_UID:
	case PROC_EVENT_GID:
		ev->type = pe.what == PROC_EVENT_UID ? EV_UID : EV_GID;
		ev->pid = pe.event_data.id.process_tgid;
		ev->tid = pe.event_data.id.process_pid;
		ev->u.id.r = pe.event_data.id.r.ruid;
		ev->u.id.e = pe.event_data.id.e.euid;
		break;
	case PROC_EVENT_PTRACE:
		ev->type = EV_PTRACE;
		ev->pid = pe.event_data.ptrace.process_tgid;
		ev->tid = pe.event_data.ptrace.process_pid;
		ev->u.ptrace.tracer_pid = pe.event_data.ptrace.tracer_tgid;
		ev->u.ptrace.tracer_tid = pe.event_data.ptrace.tracer_pid;
		ev->thread = ev->tid != ev->pid;
		break;
	case PROC_EVENT_COMM:
		ev->type = EV_COMM;
		ev->pid = pe.event_data.comm.process_tgid;
		ev->tid = pe.event_data.comm.process_pid;
		memcpy(ev->u.comm.comm, pe.event_data.comm.comm, 15);
		ev->thread = ev->tid != ev->pid;
		break;
	case PROC_EVENT_COREDUMP:
		ev->type = EV_COREDUMP;
		ev->pid = pe.event_data.coredump.process_tgid;
		ev->tid = pe.event_data.coredump.process_pid;
		/* Whole, or none (a kernel before 4.18). */
		if (len < PE_DATA_OFF + sizeof(pe.event_data.coredump))
			break;
		ev->u.coredump.parent_pid = pe.event_data.coredump.parent_tgid;
		ev->u.coredump.parent_tid = pe.event_data.coredump.parent_pid;
		break;
	case PROC_EVENT_EXIT:
		ev->type = EV_EXIT;
		ev->pid = pe.event_data.exit.process_tgid;
		ev->tid = pe.event_data.exit.process_pid;
		ev->u.exit.code = pe.event_data.exit.exit_code;
		ev->u.exit.signal = pe.event_data.exit.exit_signal;
		ev->thread = ev->tid != ev->pid;
		if (len < PE_DATA_OFF + sizeof(pe.event_data.exit))
			break;
		ev->u.exit.parent_pid = pe.event_data.exit.parent_tgid;
		ev->u.exit.parent_tid = pe.event_data.exit.parent_pid;
		break;
	}
	return true;
}

/* The model's walk of a datagram: events, and refusals by reason. */
static size_t
model_parse(const uint8_t *buf, size_t size, struct event *out, size_t max,
    uint64_t *rej)
{
	const struct nlmsghdr *nlh;
	uint8_t *copy;
	size_t n = 0;
	int len = (int)size;

	/* The macros want an aligned header: walk an aligned copy. */
	if ((copy = malloc(size + 1)) == NULL)
		abort();
	memcpy(copy, buf, size);
	for (nlh = (void *)copy; n < max; nlh = NLMSG_NEXT(nlh, len)) {
		struct cn_msg cn;
		size_t pay;
		bool unknown;

		if (len < (int)sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
		    nlh->nlmsg_len > (unsigned)len) {	/* !NLMSG_OK() */
			/* A header cut short is not counted; a bad length is. */
			if (len >= (int)sizeof(*nlh))
				rej[EVR_SHORT]++;
			break;
		}
		pay = nlh->nlmsg_len - NLMSG_HDRLEN;
		if (nlh->nlmsg_type != NLMSG_DONE) {
			rej[EVR_TYPE]++;
		} else if (pay < sizeof(cn)) {
			rej[EVR_SHORT]++;
		} else {
			memcpy(&cn, NLMSG_DATA(nlh), sizeof(cn));
			if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
				rej[EVR_ID]++;
			else if (cn.len > pay - sizeof(cn))
				rej[EVR_SHORT]++;
			else if (model_event((const uint8_t *)NLMSG_DATA(nlh) +
			    sizeof(cn), cn.len, cn.ack, &out[n], &unknown))
				n++;
			else
				rej[unknown ? EVR_WHAT : EVR_SHORT]++;
		}
		/* The last message: nothing after it, aligned or not. */
		if ((int)NLMSG_ALIGN(nlh->nlmsg_len) >= len)
			break;
	}
	free(copy);
	return n;
}

static void
same_event(const struct event *a, const struct event *b, size_t i)
{
	MODEL_CHECK(a->type == b->type && a->thread == b->thread &&
	    a->cpu == b->cpu && a->ts_ns == b->ts_ns && a->pid == b->pid &&
	    a->tid == b->tid, "event %zu: type %d/%d pid %d/%d tid %d/%d "
	    "thread %d/%d", i, a->type, b->type, a->pid, b->pid, a->tid,
	    b->tid, a->thread, b->thread);
	switch (a->type) {
	case EV_COMM:
		MODEL_CHECK(memcmp(a->u.comm.comm, b->u.comm.comm, 16) == 0,
		    "event %zu: comm", i);
		break;
	case EV_ACK:
		MODEL_CHECK(a->u.ack.err == b->u.ack.err &&
		    a->u.ack.ack == b->u.ack.ack, "event %zu: ack", i);
		break;
	default:
		/* The other unions are plain numbers, zero where unused. */
		MODEL_CHECK(memcmp(&a->u, &b->u, sizeof(a->u)) == 0,
		    "event %zu: fields of %s", i, event_name(a->type));
	}
}

/* Sockets with each of nl_filter()'s programs, and one to send from. */
enum { F_FAST, F_FAST_NOEXEC, F_BULK, F_BULK_THREADS, F_N };
static struct nl *rx[F_N];
static int tx = -1;
static bool no_sockets;

static void
sockets(void)
{
	static const struct { enum nl_part part; bool threads, execs; } f[F_N] = {
		{ NL_FAST, false, true }, { NL_FAST, false, false },
		{ NL_BULK, false, true }, { NL_BULK, true, true },
	};
	struct sockaddr_nl sa;
	socklen_t sl = sizeof(sa);
	size_t got;
	bool forced;
	int i;

	if (tx >= 0 || no_sockets)
		return;
	for (i = 0; i < F_N; i++) {
		/* Binding to the connector's group needs CAP_NET_ADMIN. */
		if (nl_open(&rx[i], 1u << 20, &got, &forced) < 0) {
			no_sockets = true;
			return;
		}
		/*
		 * Out of the group again (same port): no kernel events, only
		 * ours, and no test that forges to every listener finds it.
		 */
		if (getsockname(nl_fd(rx[i]), (struct sockaddr *)&sa, &sl) < 0)
			abort();
		sa.nl_groups = 0;
		if (bind(nl_fd(rx[i]), (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    nl_filter(rx[i], f[i].part, f[i].threads, f[i].execs) < 0)
			abort();
	}
	/* Bound now, so that its port is known before it sends. */
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	if ((tx = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_CONNECTOR)) < 0 ||
	    bind(tx, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
}

/* Did socket i receive the datagram (exactly, from us)? */
static bool
received(int i, const uint8_t *data, size_t size, uint32_t from)
{
	static struct nl_batch b;
	bool got = false;
	size_t j;

	do {
		if (nl_recv(rx[i], &b) < 0)
			abort();
		for (j = 0; j < b.n; j++) {
			if (b.sender[j] != from)
				continue;
			MODEL_CHECK(!got, "one datagram received twice");
			MODEL_CHECK(b.trunc[j] == (size > NL_DGRAM_MAX),
			    "truncation flag %d for %zu bytes", b.trunc[j],
			    size);
			MODEL_CHECK(b.len[j] == (size > NL_DGRAM_MAX ?
			    NL_DGRAM_MAX : size) && memcmp(b.buf[j], data,
			    b.len[j]) == 0, "datagram changed on the way");
			got = true;
		}
	} while (b.n == NL_BATCH);
	return got;
}

static void
check_filters(const uint8_t *data, size_t size, const struct event *first)
{
	struct sockaddr_nl to, me;
	socklen_t sl = sizeof(me);
	bool in[F_N];
	int i;

	sockets();
	if (no_sockets || size == 0)
		return;
	if (getsockname(tx, (struct sockaddr *)&me, &sl) < 0)
		abort();
	for (i = 0; i < F_N; i++) {
		memset(&to, 0, sizeof(to));
		to.nl_family = AF_NETLINK;
		if (getsockname(nl_fd(rx[i]), (struct sockaddr *)&to, &sl) < 0)
			abort();
		to.nl_groups = 0;
		/* A full buffer (others' events) only loses this check. */
		if (sendto(tx, data, size, 0, (struct sockaddr *)&to,
		    sizeof(to)) != (ssize_t)size)
			return;
	}
	for (i = 0; i < F_N; i++)
		in[i] = received(i, data, size, me.nl_pid);
	MODEL_CHECK(in[F_FAST] != in[F_BULK_THREADS], "datagram in %s part",
	    in[F_FAST] ? "both" : "neither");
	MODEL_CHECK(!in[F_BULK] || in[F_BULK_THREADS], "bulk without threads "
	    "takes what bulk with threads drops");
	MODEL_CHECK(!in[F_FAST_NOEXEC] || in[F_FAST], "the fast part without "
	    "execs takes what the fast part drops");
	if (first == NULL)
		return;
	if (first->type == EV_FORK || first->type == EV_EXIT) {
		MODEL_CHECK(in[F_BULK_THREADS], "%s event not in the bulk part",
		    event_name(first->type));
		MODEL_CHECK(in[F_BULK] == !first->thread, "%s event of a %s "
		    "%s by the bulk part without threads",
		    event_name(first->type), first->thread ? "thread" :
		    "process", in[F_BULK] ? "kept" : "dropped");
	} else {
		MODEL_CHECK(in[F_FAST], "%s event not in the fast part",
		    event_name(first->type));
		MODEL_CHECK(in[F_FAST_NOEXEC] == (first->type != EV_EXEC),
		    "%s event %s by the fast part without execs",
		    event_name(first->type), in[F_FAST_NOEXEC] ? "kept" :
		    "dropped");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event got[MAXEV], want[MAXEV];
	struct event_stats st;
	uint64_t rej[EVR__MAX];
	size_t max, n, m, i;
	const struct event *first = NULL;

	if (size < 1)
		return 0;
	max = (size_t)(data[0] % MAXEV) + 1;
	data++;
	size--;
	memset(&st, 0, sizeof(st));
	memset(rej, 0, sizeof(rej));
	n = event_parse(data, size, got, max, &st);
	m = model_parse(data, size, want, max, rej);
	MODEL_CHECK(n == m, "%zu events, the model %zu", n, m);
	for (i = 0; i < n; i++)
		same_event(&got[i], &want[i], i);
	for (i = 0; i < EVR__MAX; i++)
		MODEL_CHECK(st.rejected[i] == rej[i], "refusals of kind %zu: "
		    "%llu, the model %llu", i,
		    (unsigned long long)st.rejected[i],
		    (unsigned long long)rej[i]);
	/* Only the first message decides where the datagram goes. */
	if (n > 0 && st.rejected[EVR_SHORT] + st.rejected[EVR_TYPE] +
	    st.rejected[EVR_ID] + st.rejected[EVR_WHAT] == 0)
		first = &got[0];
	check_filters(data, size, first);
	return 0;
}
