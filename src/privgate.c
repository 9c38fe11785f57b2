/*
 * privgate.c - the privileged part's side of the exec gate.
 *
 * The gate judged each exec itself; what it says is logged and its rule's
 * hooks run (within the rule's rate here too), but nothing is signalled
 * on its word.  An ask's hooks run as a hook job whose end answers the
 * gate.  Execs the gate did not see reach the privileged part as the event
 * loop's requests, and are killed or held (privd.c), except once the gate
 * is dead, and except the exec an ask just approved.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "output.h"
#include "privd.h"
#include "privgate.h"
#include "rule.h"

#define FROM_GATE_MAX	256	/* messages handled per wake-up */

bool
privgate_alive(struct privd *d)
{
	struct pollfd pfd = { d->a->gate_ipc, POLLIN, 0 };
	siginfo_t si;

	if (d->a->gate <= 0 || d->a->gate_ipc < 0)
		return false;
	if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLHUP | POLLERR)))
		return false;
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)d->a->gate, &si,
	    WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

bool
privgate_approved(struct privd *d, const struct request *q)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	struct privd_approved *a;
	size_t i;

	for (i = 0; i < APPROVED_MAX; i++) {
		a = &d->approved[i];
		if (a->pid == q->ev.pid && now - a->at < APPROVED_NS &&
		    a->exe != NULL && q->p.exe != NULL &&
		    strcmp(a->exe, q->p.exe->s) == 0) {
			a->pid = 0;
			return true;
		}
	}
	return false;
}

void
privgate_fallback(struct privd *d, const struct request *q, const char *what)
{
	char name[PROC_PATH_MAX];

	if (q->r->action == ACT_DENY)
		d->st.fallback_kills++;
	else
		d->st.fallback_holds++;
	log_warnx("rule %s: pid %d ran %s, which the gate did not see (a "
	    "memfd, an unmarked file system, a loader run as a command): "
	    "%s instead", q->r->name, (int)q->ev.pid,
	    privd_esc(q->p.exe, name, sizeof(name)), what);
}

/* The rule an event of the gate names, or NULL. */
static const struct rule *
gate_rule(struct privd *d, const struct ipc_event *e,
    const struct config **cfg)
{
	if (d->cfg == NULL)		/* -m -c */
		*cfg = e->gen == 1 ? d->a->gate_cfg : NULL;
	else
		*cfg = e->gen == d->gen ? d->cfg : e->gen + 1 == d->gen ?
		    d->prev : NULL;
	if (*cfg == NULL || e->rule >= (*cfg)->nrules ||
	    !ACT_GATED((*cfg)->rules[e->rule].action))
		return NULL;
	return &(*cfg)->rules[e->rule];
}

/* "rule NAME (deny): TIME exec PID ..." or its JSON, as the loop logs. */
static void
gate_log(struct privd *d, const struct rule *r, const struct pevent *pe,
    const char *what)
{
	struct obuf ob;

	if (ob_init(&ob, -1, 1024) < 0)
		return;
	if (d->cfg != NULL && d->cfg->log_format == LOGF_JSON)
		out_json(&ob, pe, &d->oc, r->name, what);
	else {
		ob_puts(&ob, "rule ");
		ob_puts(&ob, r->name);
		ob_puts(&ob, " (");
		ob_puts(&ob, what);
		ob_puts(&ob, "): ");
		out_text(&ob, pe, &d->oc);
	}
	if (ob.len > 0 && ob.b[ob.len - 1] == '\n')
		ob.len--;
	ob_putc(&ob, '\0');
	if (ob.b != NULL)
		log_info("%s", ob.b);
	ob_free(&ob);
}

static void
gate_verdict(struct privd *d, uint64_t gate_cookie, bool allow)
{
	static struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = IPC_GATE_VERDICT;
	m.u.verdict.cookie = gate_cookie;
	m.u.verdict.allow = allow;
	/* Unsent, the gate denies at the ask's deadline. */
	if (ipc_send(d->a->gate_ipc, &m) < 0)
		log_warnx("cannot hand a verdict to the gate: it denies the "
		    "exec at its deadline");
}

bool
privgate_job_done(struct privd *d, uint64_t cookie, bool ok)
{
	struct privd_approved *a;
	size_t i;

	for (i = 0; i < d->nasks; i++) {
		if (d->asks[i].cookie != cookie)
			continue;
		gate_verdict(d, d->asks[i].gate_cookie, ok);
		log_info("exec of pid %d %s by its hooks", (int)d->asks[i].pid,
		    ok ? "approved" : "refused");
		if (ok) {
			a = &d->approved[d->approved_next++ % APPROVED_MAX];
			free(a->exe);
			a->pid = d->asks[i].pid;
			a->at = clock_ns(CLOCK_MONOTONIC);
			a->exe = d->asks[i].exe;
		} else
			free(d->asks[i].exe);
		d->asks[i] = d->asks[--d->nasks];
		return true;
	}
	return false;
}

/* IPC_GATE_DENY and IPC_GATE_ASK. */
static void
gate_event(struct privd *d, const struct ipc_msg *m)
{
	const struct ipc_event *e = &m->u.ev;
	const struct config *cfg;
	const struct rule *r = gate_rule(d, e, &cfg);
	struct event ev;
	struct proc p;
	struct pevent pe;
	bool ask = m->type == IPC_GATE_ASK, dry = d->a->dry_run;

	if (r == NULL || (r->action == ACT_ASK) != ask) {
		d->st.refused++;
		log_warnx("message from the gate refused: no such rule");
		if (ask && e->cookie != 0)
			gate_verdict(d, e->cookie, false);
		return;
	}
	ipc_to_pevent(e, &ev, &p, &pe);
	if (ask)
		d->st.gate_asked++;
	else
		d->st.gate_denied++;
	gate_log(d, r, &pe, dry ? (ask ? "dry-run: would ask" :
	    "dry-run: would deny") : ask ? "ask" : "deny");
	/* The monitor shows what was refused; it runs no hooks. */
	if (d->cfg == NULL) {
		if (!ask)
			(void)ipc_send(d->a->ipc, m);
		else
			gate_verdict(d, e->cookie, false);
		goto out;
	}
	if (dry || !e->run_hooks)
		goto out;
	if (!ask) {
		if (r->nhooks > 0 && privd_rate(d, cfg, e->rule))
			privd_run_hooks(d, r, &pe, 0, 0);
		goto out;
	}
	if (d->nasks == ASKS_MAX || !privd_rate(d, cfg, e->rule)) {
		gate_verdict(d, e->cookie, false);
		goto out;
	}
	d->asks[d->nasks].cookie = ++d->cookie;
	d->asks[d->nasks].gate_cookie = e->cookie;
	d->asks[d->nasks].pid = e->pid;
	d->asks[d->nasks].exe = p.exe != NULL ? strdup(p.exe->s) : NULL;
	d->nasks++;
	privd_run_hooks(d, r, &pe, d->cookie, 0);
out:
	str_unref(NULL, p.exe);
	str_unref(NULL, p.pexe);
	str_unref(NULL, p.cmdline);
	str_unref(NULL, p.cgroup);
	str_unref(NULL, p.script);
	str_unref(NULL, p.loader);
}

int
privgate_read(struct privd *d)
{
	static struct ipc_msg m;
	int r = 0, n = 0;

	while (n++ < FROM_GATE_MAX && (r = ipc_recv(d->a->gate_ipc, &m)) == 1) {
		switch (m.type) {
		case IPC_GATE_DENY:
		case IPC_GATE_ASK:
			gate_event(d, &m);
			break;
		case IPC_GATE_APPLIED:
			privd_gate_applied(d, &m);
			break;
		default:
			d->st.refused++;
			break;
		}
	}
	if (r == -EBADMSG) {
		d->st.refused++;
		log_warnx("malformed message from the gate refused");
		return 0;
	}
	return r == -EPIPE ? -EPIPE : 0;
}
