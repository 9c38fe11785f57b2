/*
 * monitor.c - the --monitor sink: every event, one line each, to stdout.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "enrich.h"
#include "monitor.h"

static void
monitor_event(void *arg, const struct pevent *pe)
{
	struct monitor *m = arg;

	if (m->json)
		out_json(&m->out, pe, &m->oc, NULL, NULL);
	else
		out_text(&m->out, pe, &m->oc);
	m->lines++;
}

/*
 * Lines are written at most MONITOR_FLUSH_NS after the first of them was
 * buffered, or when the buffer is half full: in a storm of execs that
 * wake the loop one by one, one write() for many events, and a reader
 * still sees each within milliseconds.
 */
#define MONITOR_FLUSH_NS	5000000

static enum loop_stop
monitor_flush(void *arg)
{
	struct monitor *m = arg;
	int64_t now;

	out_ctx_clocks(&m->oc);
	if (m->out.len == 0) {
		m->since = 0;
		return LOOP_GO_ON;
	}
	now = clock_ns(CLOCK_MONOTONIC);
	if (m->since == 0)
		m->since = now;
	if (now - m->since < MONITOR_FLUSH_NS && m->out.len < m->out.cap / 2)
		return LOOP_GO_ON;
	m->since = 0;
	if (ob_flush(&m->out) == -EPIPE)
		return LOOP_STOP;	/* the reader is gone: as on SIGTERM */
	return LOOP_GO_ON;
}

static int
monitor_due(void *arg)
{
	struct monitor *m = arg;
	int64_t left;

	if (m->out.len == 0 || m->since == 0)
		return -1;
	left = MONITOR_FLUSH_NS - (clock_ns(CLOCK_MONOTONIC) - m->since);
	return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

static void
monitor_stats(void *arg)
{
	struct monitor *m = arg;

	log_info("monitor: %llu lines written", (unsigned long long)m->lines);
}

/*
 * The privileged part passes on the execs the gate refused (-m with the
 * deny rules of -c): a "deny" line, or an object with "action":"deny".
 */
static void
monitor_msg(void *arg, const struct ipc_msg *msg)
{
	struct monitor *m = arg;
	struct event ev;
	struct proc p;
	struct pevent pe;

	if (msg->type != IPC_GATE_DENY)
		return;
	ipc_to_pevent(&msg->u.ev, &ev, &p, &pe);
	if (m->json)
		out_json(&m->out, &pe, &m->oc, NULL, "deny");
	else
		out_text_as(&m->out, &pe, &m->oc, "deny");
	m->lines++;
	str_unref(NULL, p.exe);
	str_unref(NULL, p.pexe);
	str_unref(NULL, p.cmdline);
	str_unref(NULL, p.cgroup);
	str_unref(NULL, p.script);
	str_unref(NULL, p.loader);
	(void)monitor_flush(m);
}

static enum loop_stop
monitor_ready(void *arg)
{
	struct monitor *m = arg;

	return ipc_loop_read(m->ipc, monitor_msg, m) == 0 ? LOOP_GO_ON :
	    LOOP_PART_GONE;
}

/* The privileged part names what the event loop may not read. */
static struct str *
monitor_ask_exe(void *arg, pid_t pid, uint64_t start_ns, struct exe_id *id,
    struct str **loader)
{
	struct monitor *m = arg;

	return ipc_ask_exe(m->ipc, m->en->t, pid, start_ns, loader, id,
	    200, NULL, NULL);
}

static void
monitor_ask_ids(void *arg, struct enrich_idq *q, size_t n)
{
	struct monitor *m = arg;

	ipc_ask_ids(m->ipc, q, n, 1000, NULL, NULL);
}

int
monitor_init(struct monitor *m, struct loop_sink *sink, struct enrich *en,
    bool json, int fd, int ipc)
{
	memset(m, 0, sizeof(*m));
	if (ob_init(&m->out, fd, 1 << 16) < 0 ||
	    (m->users = users_new()) == NULL)
		return -ENOMEM;
	m->json = json;
	out_ctx_clocks(&m->oc);
	m->oc.user = users_lookup;
	m->oc.user_arg = m->users;
	memset(sink, 0, sizeof(*sink));
	sink->event = monitor_event;
	sink->flush = monitor_flush;
	sink->due = monitor_due;
	sink->stats = monitor_stats;
	sink->fd = ipc;
	sink->ready = monitor_ready;
	sink->arg = m;
	m->ipc = ipc;
	m->en = en;
	if (ipc >= 0) {
		en->ask_exe = monitor_ask_exe;
		en->ask_ids = monitor_ask_ids;
		en->ask_arg = m;
	}
	return 0;
}

void
monitor_free(struct monitor *m)
{
	ob_flush(&m->out);
	ob_free(&m->out);
	users_free(m->users);
}
