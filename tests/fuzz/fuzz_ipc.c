/*
 * fuzz_ipc.c - the messages between the two parts (ipc.c), as the
 * privileged part receives them from an event loop that may be subverted.
 *
 * Two halves, chosen by the first byte.  Received: a message made by
 * patches of the fuzzer's bytes over a zeroed one (a patch may also fill
 * a long run, so that strings lose their NUL) and a datagram size; the
 * verdict of ipc_check() must be the one the message contract of ipc.h
 * gives, restated here field by field, and an accepted request is then
 * rebuilt (ipc_to_pevent) and turned into a hook's environment and a log
 * line as the privileged part does, under the sanitizers.  Sent: an
 * event and process record made by the loop is encoded (ipc_request),
 * must be accepted, and must come back with every field equal, each
 * string cut to its field and at its first NUL.
 */
#include <errno.h>
#include <stddef.h>

#include "event.h"
#include "fuzz.h"
#include "ipc.h"
#include "output.h"
#include "table.h"

static bool
has_nul(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (s[i] == '\0')
			return true;
	return false;
}

/* The contract of ipc.h, one field at a time. */
static bool
model_valid(const struct ipc_msg *m, size_t n)
{
	const struct ipc_event *e = &m->u.ev;
	uint32_t i;

	if (n != sizeof(*m))
		return false;
	switch (m->type) {
	case IPC_READY:
	case IPC_STATS:
		return true;
	case IPC_GATE_DENY:
	case IPC_GATE_ASK:
		if (e->type != EV_EXEC)
			return false;
		/* FALLTHROUGH */
	case IPC_REQUEST:
		if (e->type == EV_ACK || e->type > EV_LOST)
			return false;
		if (e->type != EV_LOST && e->pid < 1)
			return false;
		if (e->tid < 0 || e->ppid < 0 || e->child_pid < 0 ||
		    e->tracer_pid < 0)
			return false;
		if ((e->has_prev | e->synthetic | e->thread | e->run_hooks) > 1)
			return false;
		return has_nul(e->comm, sizeof(e->comm)) &&
		    has_nul(e->exe, sizeof(e->exe)) &&
		    has_nul(e->pexe, sizeof(e->pexe)) &&
		    has_nul(e->cgroup, sizeof(e->cgroup)) &&
		    has_nul(e->script, sizeof(e->script)) &&
		    has_nul(e->loader, sizeof(e->loader)) &&
		    has_nul(e->cmdline, sizeof(e->cmdline));
	case IPC_EXE_REQ:
	case IPC_EXE:
		return m->u.exe.pid >= 1 && m->u.exe.found <= 1 &&
		    has_nul(m->u.exe.path, sizeof(m->u.exe.path)) &&
		    has_nul(m->u.exe.loader, sizeof(m->u.exe.loader));
	case IPC_IDS_REQ:
	case IPC_IDS:
		if (m->u.ids.n < 1 || m->u.ids.n > IPC_IDS_MAX)
			return false;
		for (i = 0; i < m->u.ids.n; i++)
			if (m->u.ids.id[i].pid < 1 || m->u.ids.id[i].found > 1)
				return false;
		return true;
	case IPC_GATE_VERDICT:
		return m->u.verdict.allow <= 1;
	case IPC_GATE_APPLIED:
		return m->u.applied.gen >= 1;
	case IPC_RESCAN:
		return true;
	case IPC_CONFIG:
		return m->len <= IPC_CHUNK && m->u.cfg.last <= 1 &&
		    m->u.cfg.file <= 65536 &&
		    has_nul(m->u.cfg.name, sizeof(m->u.cfg.name));
	default:
		return false;
	}
}

static const char *
no_user(void *arg, uint32_t uid)
{
	(void)arg;
	(void)uid;
	return "user";
}

/* What the privileged part does with an accepted request. */
static void
use_request(const struct ipc_event *e, uint64_t seed)
{
	/* A clock offset, as the real ones: far from INT64_MIN. */
	const int64_t off = (int64_t)(seed >> 1) - ((int64_t)1 << 62);
	struct out_ctx oc = { off, -off, no_user, NULL };
	struct event ev;
	struct proc p;
	struct pevent pe;
	struct obuf ob;
	char **env;

	ipc_to_pevent(e, &ev, &p, &pe);
	env = out_env(&pe, &oc, "rule", "kill", 9);
	MODEL_CHECK(env != NULL, "out_env failed");
	out_env_free(env);
	if (ob_init(&ob, -1, 256) < 0)
		abort();
	out_text(&ob, &pe, &oc);
	out_json(&ob, &pe, &oc, "rule", "kill");
	ob_free(&ob);
	str_unref(NULL, p.exe);
	str_unref(NULL, p.pexe);
	str_unref(NULL, p.cgroup);
	str_unref(NULL, p.script);
	str_unref(NULL, p.loader);
	str_unref(NULL, p.cmdline);
}

static void
received(struct fin *f)
{
	static struct ipc_msg m;
	unsigned char *b = (unsigned char *)&m;
	size_t n;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = fin_u8(f) % (IPC__MAX + 1);
	m.u.ev.type = fin_u8(f) % (EV__MAX + 1);
	m.u.ev.pid = (int32_t)fin_u32(f);
	n = fin_u8(f) == 0 ? fin_u32(f) % (sizeof(m) + 2) : sizeof(m);
	/* Patches: [op][offset][length][bytes], or a fill of a run. */
	while (f->n > 0) {
		uint8_t op = fin_u8(f);
		size_t off = (size_t)(fin_u8(f) << 8 | fin_u8(f)) * 7 %
		    sizeof(m), len;

		if (op & 1) {
			len = (size_t)fin_u8(f) * 64 + 1;
			if (len > sizeof(m) - off)
				len = sizeof(m) - off;
			memset(b + off, op | 1, len);
		} else {
			char tmp[255];

			len = fin_bytes(f, tmp, sizeof(tmp));
			if (len > sizeof(m) - off)
				len = sizeof(m) - off;
			memcpy(b + off, tmp, len);
		}
	}
	r = ipc_check(&m, n);
	MODEL_CHECK(r == 0 || r == -EBADMSG, "ipc_check returned %d", r);
	MODEL_CHECK((r == 0) == model_valid(&m, n), "ipc_check %s a message "
	    "of type %u (size %zu) the contract %s", r == 0 ? "accepts" :
	    "refuses", m.type, n, r == 0 ? "refuses" : "accepts");
	if (r == 0 && m.type == IPC_REQUEST)
		use_request(&m.u.ev, m.u.ev.start_ns);
}

static struct str *
fin_str(struct fin *f)
{
	char b[255];
	size_t n = fin_bytes(f, b, sizeof(b));

	return fin_u8(f) & 1 ? str_new(b, n) : NULL;
}

/* A string field after the trip: cut to size - 1, then at a NUL. */
static void
same_str(const char *what, const struct str *sent, bool known,
    const struct str *got, size_t size)
{
	size_t n;

	if (!known) {
		MODEL_CHECK(got == NULL, "%s: none sent, one came", what);
		return;
	}
	if (sent == NULL) {
		/* Known, but no string: it travels as "". */
		MODEL_CHECK(got == NULL || got->len == 0, "%s: none sent, "
		    "one came", what);
		return;
	}
	n = sent->len < size - 1 ? sent->len : size - 1;
	n = strnlen(sent->s, n);
	if ((strcmp(what, "script") == 0 || strcmp(what, "loader") == 0) &&
	    n == 0) {
		/* "" is how these say "none". */
		MODEL_CHECK(got == NULL, "%s: empty one came back", what);
		return;
	}
	MODEL_CHECK(got != NULL && got->len == n &&
	    memcmp(got->s, sent->s, n) == 0, "%s: %zu bytes sent, %zu came "
	    "back", what, n, got ? (size_t)got->len : 0);
}

static void
sent(struct fin *f)
{
	static struct ipc_msg m;
	struct event ev, ev2;
	struct proc p, p2;
	struct pevent pe, pe2;
	uint32_t gen, rule;
	size_t i;
	int r;

	memset(&ev, 0, sizeof(ev));
	memset(&p, 0, sizeof(p));
	memset(&pe, 0, sizeof(pe));
	/* What the loop makes: kernel pids are positive, types known. */
	ev.type = (enum event_type)(fin_u8(f) % (EV__MAX - 1) + 1);
	ev.pid = (pid_t)(fin_u32(f) % 4194304 + 1);
	ev.tid = (pid_t)(fin_u32(f) % 4194305);
	ev.thread = fin_u8(f) & 1;
	ev.synthetic = fin_u8(f) & 1;
	ev.ts_ns = fin_u64(f);
	for (i = 0; i < sizeof(ev.u); i++)
		((uint8_t *)&ev.u)[i] = fin_u8(f);
	if (ev.type == EV_FORK)
		ev.u.fork.child_pid = (pid_t)(fin_u32(f) % 4194305);
	if (ev.type == EV_PTRACE)
		ev.u.ptrace.tracer_pid = (pid_t)(fin_u32(f) % 4194305);
	p.pid = ev.pid;
	p.ppid = (pid_t)(fin_u32(f) % 4194305);
	p.flags = fin_u32(f);
	p.uid = fin_u32(f);
	p.euid = fin_u32(f);
	p.gid = fin_u32(f);
	p.egid = fin_u32(f);
	p.start_ns = fin_u64(f);
	for (i = 0; i < sizeof(p.comm); i++)
		p.comm[i] = (char)fin_u8(f);
	pe.has_prev = fin_u8(f) & 1;
	pe.prev_uid = fin_u32(f);
	pe.prev_euid = fin_u32(f);
	gen = fin_u32(f);
	rule = fin_u32(f);
	p.exe = fin_str(f);
	p.pexe = fin_str(f);
	p.cgroup = fin_str(f);
	p.script = fin_str(f);
	p.loader = fin_str(f);
	p.cmdline = fin_str(f);
	pe.ev = &ev;
	pe.p = &p;

	memset(&m, 0xa5, sizeof(m));
	ipc_request(&m, &pe, gen, rule);
	r = ipc_check(&m, sizeof(m));
	MODEL_CHECK(r == 0, "a request the loop made is refused: %d", r);
	MODEL_CHECK(m.u.ev.gen == gen && m.u.ev.rule == rule, "gen, rule");
	ipc_to_pevent(&m.u.ev, &ev2, &p2, &pe2);
	MODEL_CHECK(ev2.type == ev.type && ev2.pid == ev.pid &&
	    ev2.tid == ev.tid && ev2.thread == ev.thread &&
	    ev2.synthetic == ev.synthetic && ev2.ts_ns == ev.ts_ns,
	    "event header");
	MODEL_CHECK(p2.pid == p.pid && p2.ppid == p.ppid && p2.uid == p.uid &&
	    p2.euid == p.euid && p2.gid == p.gid && p2.egid == p.egid &&
	    p2.start_ns == p.start_ns, "process ids");
	MODEL_CHECK(memcmp(p2.comm, p.comm, 15) == 0 && p2.comm[15] == '\0',
	    "comm");
	MODEL_CHECK(pe2.has_prev == pe.has_prev && pe2.prev_uid == pe.prev_uid &&
	    pe2.prev_euid == pe.prev_euid, "previous uids");
	switch (ev.type) {
	case EV_FORK:
		MODEL_CHECK(ev2.u.fork.child_pid == ev.u.fork.child_pid,
		    "child");
		break;
	case EV_PTRACE:
		MODEL_CHECK(ev2.u.ptrace.tracer_pid == ev.u.ptrace.tracer_pid,
		    "tracer");
		break;
	case EV_EXIT:
		MODEL_CHECK(ev2.u.exit.code == ev.u.exit.code, "exit code");
		break;
	case EV_LOST:
		MODEL_CHECK(ev2.u.lost.total == ev.u.lost.total, "lost");
		break;
	default:
		break;
	}
	same_str("exe", p.exe, p.flags & P_EXE, p2.exe, PROC_PATH_MAX);
	same_str("pexe", p.pexe, p.flags & P_PEXE, p2.pexe, PROC_PATH_MAX);
	same_str("cgroup", p.cgroup, p.flags & P_CGROUP, p2.cgroup,
	    PROC_PATH_MAX);
	same_str("script", p.script, true, p2.script, PROC_PATH_MAX);
	same_str("loader", p.loader, true, p2.loader, PROC_PATH_MAX);
	same_str("cmdline", p.cmdline, p.flags & P_CMDLINE, p2.cmdline,
	    PROC_CMDLINE_MAX + 1);
	use_request(&m.u.ev, p.start_ns);
	str_unref(NULL, p2.exe);
	str_unref(NULL, p2.pexe);
	str_unref(NULL, p2.cgroup);
	str_unref(NULL, p2.script);
	str_unref(NULL, p2.loader);
	str_unref(NULL, p2.cmdline);
	str_unref(NULL, p.exe);
	str_unref(NULL, p.pexe);
	str_unref(NULL, p.cgroup);
	str_unref(NULL, p.script);
	str_unref(NULL, p.loader);
	str_unref(NULL, p.cmdline);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fin f = { data, size };

	if (fin_u8(&f) & 1)
		sent(&f);
	else
		received(&f);
	return 0;
}
