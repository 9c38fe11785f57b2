/*
 * ipc.c - the messages between the event loop and the privileged part.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "event.h"
#include "exitcode.h"
#include "ipc.h"
#include "log.h"

/* Copy a table string into a fixed field, cut at its size. */
static void
put_str(char *dst, size_t size, const struct str *s, bool known)
{
	size_t n = 0;

	if (known && s != NULL) {
		n = s->len < size - 1 ? s->len : size - 1;
		memcpy(dst, s->s, n);
	}
	memset(dst + n, 0, size - n);
}

void
ipc_request(struct ipc_msg *m, const struct pevent *pe, uint32_t gen,
    uint32_t rule)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;
	struct ipc_event *e = &m->u.ev;

	memset(m, 0, offsetof(struct ipc_msg, u) + offsetof(struct ipc_event,
	    exe));
	m->type = IPC_REQUEST;
	e->gen = gen;
	e->rule = rule;
	e->type = ev->type;
	e->known = p->flags;
	e->pid = ev->pid;
	e->tid = ev->tid;
	e->ppid = p->ppid;
	if (ev->type == EV_FORK)
		e->child_pid = ev->u.fork.child_pid;
	if (ev->type == EV_PTRACE)
		e->tracer_pid = ev->u.ptrace.tracer_pid;
	e->uid = p->uid;
	e->euid = p->euid;
	e->gid = p->gid;
	e->egid = p->egid;
	e->has_prev = pe->has_prev;
	e->prev_uid = pe->prev_uid;
	e->prev_euid = pe->prev_euid;
	e->synthetic = ev->synthetic;
	e->thread = ev->thread;
	if (ev->type == EV_EXIT)
		e->exit_code = ev->u.exit.code;
	e->ts_ns = ev->ts_ns;
	e->start_ns = p->start_ns;
	if (ev->type == EV_LOST)
		e->lost = ev->u.lost.total;
	memcpy(e->comm, p->comm, sizeof(e->comm));
	e->comm[sizeof(e->comm) - 1] = '\0';
	put_str(e->exe, sizeof(e->exe), p->exe, p->flags & P_EXE);
	put_str(e->pexe, sizeof(e->pexe), p->pexe, p->flags & P_PEXE);
	put_str(e->cgroup, sizeof(e->cgroup), p->cgroup, p->flags & P_CGROUP);
	put_str(e->script, sizeof(e->script), p->script, p->script != NULL);
	put_str(e->loader, sizeof(e->loader), p->loader, p->loader != NULL);
	put_str(e->cmdline, sizeof(e->cmdline), p->cmdline,
	    p->flags & P_CMDLINE);
}

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

int
ipc_check(const struct ipc_msg *m, size_t n)
{
	const struct ipc_event *e = &m->u.ev;
	uint32_t i;

	if (n != sizeof(*m))
		return -EBADMSG;
	switch (m->type) {
	case IPC_READY:
	case IPC_STATS:
		return 0;
	case IPC_GATE_DENY:
	case IPC_GATE_ASK:
		if (e->type != EV_EXEC)
			return -EBADMSG;
		/* FALLTHROUGH */
	case IPC_REQUEST:
		if (e->type >= EV__MAX || e->type == EV_ACK ||
		    (e->pid <= 0 && e->type != EV_LOST) || e->tid < 0 ||
		    e->ppid < 0 || e->child_pid < 0 || e->tracer_pid < 0 ||
		    e->has_prev > 1 || e->synthetic > 1 || e->thread > 1 ||
		    e->run_hooks > 1 ||
		    !terminated(e->comm, sizeof(e->comm)) ||
		    !terminated(e->exe, sizeof(e->exe)) ||
		    !terminated(e->pexe, sizeof(e->pexe)) ||
		    !terminated(e->cgroup, sizeof(e->cgroup)) ||
		    !terminated(e->script, sizeof(e->script)) ||
		    !terminated(e->loader, sizeof(e->loader)) ||
		    !terminated(e->cmdline, sizeof(e->cmdline)))
			return -EBADMSG;
		return 0;
	case IPC_EXE_REQ:
	case IPC_EXE:
		if (m->u.exe.pid <= 0 || m->u.exe.found > 1 ||
		    !terminated(m->u.exe.path, sizeof(m->u.exe.path)) ||
		    !terminated(m->u.exe.loader, sizeof(m->u.exe.loader)))
			return -EBADMSG;
		return 0;
	case IPC_IDS_REQ:
	case IPC_IDS:
		if (m->u.ids.n == 0 || m->u.ids.n > IPC_IDS_MAX)
			return -EBADMSG;
		for (i = 0; i < m->u.ids.n; i++)
			if (m->u.ids.id[i].pid <= 0 || m->u.ids.id[i].found > 1)
				return -EBADMSG;
		return 0;
	case IPC_GATE_VERDICT:
		if (m->u.verdict.allow > 1)
			return -EBADMSG;
		return 0;
	case IPC_GATE_APPLIED:
		return m->u.applied.gen == 0 ? -EBADMSG : 0;
	case IPC_RESCAN:
		return 0;
	case IPC_CONFIG:
		if (m->len > IPC_CHUNK || m->u.cfg.last > 1 ||
		    m->u.cfg.file > 65536 ||
		    !terminated(m->u.cfg.name, sizeof(m->u.cfg.name)))
			return -EBADMSG;
		return 0;
	default:
		return -EBADMSG;
	}
}

static struct str *
get_str(const char *s, bool known)
{
	return known ? str_new(s, strlen(s)) : NULL;
}

void
ipc_to_pevent(const struct ipc_event *e, struct event *ev, struct proc *p,
    struct pevent *pe)
{
	memset(ev, 0, sizeof(*ev));
	memset(p, 0, sizeof(*p));
	memset(pe, 0, sizeof(*pe));
	ev->type = (enum event_type)e->type;
	ev->pid = e->pid;
	ev->tid = e->tid;
	ev->ts_ns = e->ts_ns;
	ev->synthetic = e->synthetic;
	ev->thread = e->thread;
	switch (ev->type) {
	case EV_FORK:
		ev->u.fork.child_pid = ev->u.fork.child_tid = e->child_pid;
		break;
	case EV_PTRACE:
		ev->u.ptrace.tracer_pid = e->tracer_pid;
		break;
	case EV_EXIT:
		ev->u.exit.code = e->exit_code;
		break;
	case EV_UID:
		ev->u.id.r = e->uid;
		ev->u.id.e = e->euid;
		break;
	case EV_GID:
		ev->u.id.r = e->gid;
		ev->u.id.e = e->egid;
		break;
	case EV_LOST:
		ev->u.lost.total = e->lost;
		break;
	default:
		break;
	}
	p->pid = e->pid;
	p->ppid = e->ppid;
	p->flags = e->known & (P_EXE | P_CMDLINE | P_IDS | P_COMM | P_CGROUP |
	    P_PEXE | P_START | P_SCRIPT);
	p->uid = e->uid;
	p->euid = e->euid;
	p->gid = e->gid;
	p->egid = e->egid;
	p->start_ns = e->start_ns;
	memcpy(p->comm, e->comm, sizeof(p->comm));
	p->exe = get_str(e->exe, p->flags & P_EXE);
	p->pexe = get_str(e->pexe, p->flags & P_PEXE);
	p->cgroup = get_str(e->cgroup, p->flags & P_CGROUP);
	p->script = get_str(e->script, e->script[0] != '\0');
	p->loader = get_str(e->loader, e->loader[0] != '\0');
	p->cmdline = get_str(e->cmdline, p->flags & P_CMDLINE);
	pe->ev = ev;
	pe->p = p;
	pe->has_prev = e->has_prev;
	pe->prev_uid = e->prev_uid;
	pe->prev_euid = e->prev_euid;
}

void
ipc_buffers(int fd)
{
	/* About 1000 requests in flight before the loop has to drop any. */
	int size = 16 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int
ipc_send(int fd, const struct ipc_msg *m)
{
	ssize_t n;

	do
		n = send(fd, m, sizeof(*m), MSG_DONTWAIT | MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n == (ssize_t)sizeof(*m) ? 0 : -EMSGSIZE;
}

int
ipc_recv(int fd, struct ipc_msg *m)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), MSG_DONTWAIT | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return errno == ECONNRESET ? -EPIPE : -errno;
	}
	if (n == 0)
		return -EPIPE;
	if (ipc_check(m, (size_t)n) < 0)
		return -EBADMSG;
	return 1;
}

/*
 * Send req and wait for the answer of type want that accept() takes,
 * handing other messages to other().  Returns 1, or 0 on timeout or error.
 */
static int
ask(int fd, const struct ipc_msg *req, uint32_t want, struct ipc_msg *m,
    bool (*accept)(const struct ipc_msg *, const struct ipc_msg *),
    int timeout_ms, void (*other)(void *, const struct ipc_msg *), void *arg)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + timeout_ms * 1000000ll;
	int r;

	if (ipc_send(fd, req) < 0)
		return 0;
	for (;;) {
		int64_t left = deadline - clock_ns(CLOCK_MONOTONIC);

		if (left <= 0 || poll(&pfd, 1, (int)(left / 1000000) + 1) <= 0)
			return 0;
		while ((r = ipc_recv(fd, m)) == 1) {
			if (m->type != want) {
				if (other != NULL)
					other(arg, m);
				continue;
			}
			/* Else an answer that came too late. */
			if (accept(req, m))
				return 1;
		}
		if (r < 0)
			return 0;
	}
}

static bool
same_exe(const struct ipc_msg *req, const struct ipc_msg *m)
{
	return m->u.exe.pid == req->u.exe.pid;
}

struct str *
ipc_ask_exe(int fd, struct table *t, pid_t pid, uint64_t start_ns,
    struct str **loader, struct exe_id *id, int timeout_ms,
    void (*other)(void *, const struct ipc_msg *), void *arg)
{
	static struct ipc_msg req, m;

	memset(id, 0, sizeof(*id));
	*loader = NULL;
	memset(&req, 0, sizeof(req));
	req.type = IPC_EXE_REQ;
	req.u.exe.pid = pid;
	req.u.exe.start_ns = start_ns;
	if (!ask(fd, &req, IPC_EXE, &m, same_exe, timeout_ms, other, arg) ||
	    !m.u.exe.found)
		return NULL;
	id->dev = (dev_t)m.u.exe.dev;
	id->ino = (ino_t)m.u.exe.ino;
	if (m.u.exe.loader[0] != '\0')
		*loader = str_intern(t, m.u.exe.loader,
		    strlen(m.u.exe.loader));
	return str_intern(t, m.u.exe.path, strlen(m.u.exe.path));
}

static bool
same_ids(const struct ipc_msg *req, const struct ipc_msg *m)
{
	uint32_t i;

	if (m->u.ids.n != req->u.ids.n)
		return false;
	for (i = 0; i < m->u.ids.n; i++)
		if (m->u.ids.id[i].pid != req->u.ids.id[i].pid)
			return false;
	return true;
}

void
ipc_ask_ids(int fd, struct enrich_idq *q, size_t n, int timeout_ms,
    void (*other)(void *, const struct ipc_msg *), void *arg)
{
	static struct ipc_msg req, m;
	size_t done, i, k;

	for (done = 0; done < n; done += k) {
		k = n - done < IPC_IDS_MAX ? n - done : IPC_IDS_MAX;
		memset(&req, 0, sizeof(req));
		req.type = IPC_IDS_REQ;
		req.u.ids.n = (uint32_t)k;
		for (i = 0; i < k; i++) {
			req.u.ids.id[i].pid = q[done + i].pid;
			req.u.ids.id[i].start_ns = q[done + i].start_ns;
		}
		if (!ask(fd, &req, IPC_IDS, &m, same_ids, timeout_ms, other,
		    arg))
			return;
		for (i = 0; i < k; i++) {
			if (!m.u.ids.id[i].found)
				continue;
			q[done + i].id.dev = (dev_t)m.u.ids.id[i].dev;
			q[done + i].id.ino = (ino_t)m.u.ids.id[i].ino;
		}
	}
}

int
ipc_loop_read(int fd, void (*fn)(void *, const struct ipc_msg *), void *arg)
{
	static struct ipc_msg m;
	int r;

	while ((r = ipc_recv(fd, &m)) == 1)
		if (fn != NULL)
			fn(arg, &m);
	if (r == -EPIPE) {
		log_warnx("the privileged part is gone; stopping");
		return EXIT_PART;
	}
	if (r < 0)
		log_warnx("message from the privileged part refused: %s",
		    strerror(-r));
	return 0;
}
