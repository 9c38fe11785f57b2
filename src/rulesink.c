/*
 * rulesink.c - the rules sink of the event loop: match every event, log what
 * is to be logged, and ask the privileged part for the rest.
 *
 * The loop holds no privilege, so it acts only by asking: one IPC_REQUEST per
 * match, sent without blocking.  Signals are never rate-limited; hook
 * runs and log lines are, per rule, by a token bucket.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "rulesink.h"
#include "clock.h"
#include "log.h"
#include "rule.h"
#include "signame.h"

#define EXE_ASK_TIMEOUT_MS	200
/* A few hundred processes read by the privileged part per answer. */
#define IDS_ASK_TIMEOUT_MS	1000
#define WARN_INTERVAL_NS	1000000000ull

static void
log_match(struct rulesink *a, const struct rule *r, const struct pevent *pe,
    const char *what)
{
	struct log_fields f;

	out_log_fields(&f, pe, r->name, rule_action_name(r->action));
	a->line.len = 0;
	if (a->cfg->log_format == LOGF_JSON) {
		out_json(&a->line, pe, &a->oc, r->name, what);
		a->line.len--;		/* the newline */
	} else {
		ob_puts(&a->line, "rule ");
		ob_puts(&a->line, r->name);
		ob_puts(&a->line, " (");
		ob_puts(&a->line, what);
		ob_puts(&a->line, "): ");
		out_text(&a->line, pe, &a->oc);
		a->line.len--;
	}
	ob_putc(&a->line, '\0');
	log_event(LOG_INFO, &f, "%s", a->line.b);
}

/* What a match would do, for --dry-run. */
static void
log_dry(struct rulesink *a, const struct rule *r, const struct pevent *pe,
    bool hooks)
{
	char what[512];
	size_t i, n;

	n = (size_t)snprintf(what, sizeof(what), "dry-run: would %s",
	    r->action == ACT_KILL ? "kill with " : r->action == ACT_HOLD ?
	    "hold, then release or kill, " : r->action == ACT_DENY ?
	    "kill (the gate did not see this exec)" : r->action == ACT_ASK ?
	    "hold (the gate did not see this exec), then release or kill, " :
	    "run");
	if (r->action == ACT_DENY && r->nhooks && n < sizeof(what))
		n += (size_t)snprintf(what + n, sizeof(what) - n, ", then run");
	if (r->action == ACT_KILL && n < sizeof(what)) {
		const char *s = signame(r->signal);

		n += (size_t)snprintf(what + n, sizeof(what) - n, "SIG%s%s",
		    s ? s : "?", r->nhooks ? ", then run" : "");
	}
	for (i = 0; hooks && i < r->nhooks && n < sizeof(what); i++)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s",
		    i ? ", " : " hooks ", r->hooks[i]);
	if (!hooks && n < sizeof(what))
		snprintf(what + n, sizeof(what) - n, " (hooks rate-limited)");
	log_match(a, r, pe, what);
}

static void
request(struct rulesink *a, const struct rule *r, size_t idx,
    const struct pevent *pe, bool hooks)
{
	static struct ipc_msg m;
	int64_t now;
	int err;

	ipc_request(&m, pe, a->gen, (uint32_t)idx);
	m.u.ev.run_hooks = hooks;
	if ((err = ipc_send(a->ipc, &m)) == 0)
		return;
	a->ipc_dropped++;
	now = clock_ns(CLOCK_MONOTONIC);
	if ((uint64_t)(now - (int64_t)a->ipc_warned_ns) >= WARN_INTERVAL_NS) {
		a->ipc_warned_ns = (uint64_t)now;
		log_warnx("rule %s: cannot reach the privileged part (%s): "
		    "%llu requests dropped so far", r->name, strerror(-err),
		    (unsigned long long)a->ipc_dropped);
	}
}

/*
 * An event of a live process whose last exec left things unread: if a rule
 * may match it but for those, read them now, for the match and its output.
 */
static void
complete(struct rulesink *a, const struct pevent *pe)
{
	const uint32_t unread = RK_BIT(RK_CMDLINE) | RK_BIT(RK_COMM) |
	    RK_BIT(RK_CGROUP);
	size_t k, t = pe->ev->type;
	struct proc *p;
	bool miss;

	for (k = 0; k < a->n_type[t]; k++) {
		if (!rule_match(&a->cfg->rules[a->by_type[t][k]], pe, a->en->t,
		    &miss, unread))
			continue;
		if ((p = table_get(a->en->t, pe->p->pid)) == pe->p)
			enrich_complete(a->en, p);
		return;
	}
}

static void
rulesink_event(void *arg, const struct pevent *pe)
{
	struct rulesink *a = arg;
	const struct rule *r;
	struct rulesink_rule *ar;
	size_t i, k, t = pe->ev->type;
	bool miss, go;

	/* An exec or exit that a rule may match was read in full at its exec. */
	if ((pe->p->flags & P_UNREAD) && t != EV_EXEC && t != EV_EXIT)
		complete(a, pe);
	for (k = 0; k < a->n_type[t]; k++) {
		i = a->by_type[t][k];
		r = &a->cfg->rules[i];
		ar = &a->rs[i];
		miss = false;
		if (!rule_match(r, pe, a->en->t, &miss, 0)) {
			ar->misses += miss;
			continue;
		}
		ar->matches++;
		go = rule_rate_take(r, &ar->rate, pe->ev->ts_ns, 1);
		if (a->dry_run) {
			if (go || r->action == ACT_KILL ||
			    r->action == ACT_DENY)
				log_dry(a, r, pe, go);
			continue;
		}
		switch (r->action) {
		case ACT_LOG:
			if (go)
				log_match(a, r, pe, "log");
			break;
		case ACT_RUN:
			if (go)
				request(a, r, i, pe, true);
			break;
		case ACT_KILL:
		case ACT_HOLD:
		case ACT_DENY:
		case ACT_ASK:
			/*
			 * Never rate-limited; a hold without hooks ends
			 * killed.  A deny or ask rule matching an exec that
			 * happened: the gate did not see it (a memfd, an
			 * unmarked file system, a loader run as a command),
			 * so the privileged part kills or holds it instead.
			 */
			request(a, r, i, pe, go);
			break;
		}
	}
}

static enum loop_stop
rulesink_flush(void *arg)
{
	struct rulesink *a = arg;

	out_ctx_clocks(&a->oc);
	return LOOP_GO_ON;
}

static void
rulesink_stats(void *arg)
{
	struct rulesink *a = arg;
	struct log_fields f = LOG_FIELDS_NONE;
	size_t i;

	for (i = 0; i < a->cfg->nrules; i++) {
		f.rule = a->cfg->rules[i].name;
		log_event(LOG_INFO, &f, "rule %s: %llu matches, %llu unknown "
		    "values, %llu hook runs or log lines over its rate",
		    a->cfg->rules[i].name,
		    (unsigned long long)a->rs[i].matches,
		    (unsigned long long)a->rs[i].misses,
		    (unsigned long long)a->rs[i].rate.dropped);
	}
	if (a->ipc_dropped > 0)
		log_info("requests to the privileged part dropped: %llu",
		    (unsigned long long)a->ipc_dropped);
}

static void
free_index(struct rulesink *a)
{
	int t;

	for (t = 0; t < EV__MAX; t++) {
		free(a->by_type[t]);
		a->by_type[t] = NULL;
		a->n_type[t] = 0;
	}
}

/* Switch to a new configuration, all at once, between two events. */
/*
 * Does the kill or hold rule spare execs by their name (a ! value of exe or
 * script: an allowlist)?  Then a name from the notifications that decides
 * it is confirmed with the kernel's: a failed exec's file followed by a
 * program the notifications cannot see (a memfd, an unmarked file system)
 * looks exactly like one exec of the failed file, and would be spared.
 */
static bool
spares_by_name(const struct rule *r)
{
	size_t j;

	if ((r->action != ACT_KILL && r->action != ACT_HOLD &&
	    !ACT_GATED(r->action)) ||
	    !(r->events & EV_BIT(EV_EXEC)))
		return false;
	for (j = 0; j < r->exe.n; j++)
		if (r->exe.neg[j])
			return true;
	for (j = 0; j < r->script.n; j++)
		if (r->script.neg[j])
			return true;
	return false;
}

/* enrich.must_confirm: would such a rule match this exec but for its name? */
static bool
rulesink_must_confirm(void *arg, const struct pevent *pe)
{
	const uint32_t names = RK_BIT(RK_EXE) | RK_BIT(RK_SCRIPT);
	struct rulesink *a = arg;
	size_t i;
	bool miss;

	for (i = 0; i < a->n_type[EV_EXEC]; i++) {
		uint32_t k = a->by_type[EV_EXEC][i];

		if (a->rs[k].spares_by_name && rule_match(&a->cfg->rules[k], pe,
		    a->en->t, &miss, names))
			return true;
	}
	return false;
}

/*
 * enrich.needs: what must be read at an exec of p->exe for the rules that
 * may match the process by that name.  An exec or exit rule needs all (its
 * log line or hooks tell everything, and at an exit the process is gone);
 * a rule of other events only what its keys test at the exec, the rest is
 * read at its event (complete()).  A rule that spares execs by name needs
 * all whatever the name: the name is what the kernel must confirm.
 */
static uint32_t
rulesink_needs(void *arg, const struct proc *p)
{
	const uint32_t gone = EV_BIT(EV_EXEC) | EV_BIT(EV_EXIT);
	struct rulesink *a = arg;
	const struct rule *r;
	uint32_t need = 0;
	size_t i;

	for (i = 0; i < a->cfg->nrules; i++) {
		r = &a->cfg->rules[i];
		if (!a->rs[i].spares_by_name && !rule_names_may_match(r, p))
			continue;
		if (r->events & gone)
			return EN_ALL;
		need |= a->rs[i].reads;
	}
	return need;
}

static int
set_config(struct rulesink *a, struct config *cfg, uint32_t gen)
{
	struct rulesink_rule *rs = calloc(cfg->nrules + 1, sizeof(*rs));
	uint32_t *by[EV__MAX];
	size_t n[EV__MAX], i;
	int t;

	memset(by, 0, sizeof(by));
	memset(n, 0, sizeof(n));
	for (t = 0; t < EV__MAX && rs != NULL; t++) {
		if ((by[t] = calloc(cfg->nrules + 1, sizeof(*by[t]))) == NULL)
			break;
		for (i = 0; i < cfg->nrules; i++)
			if (cfg->rules[i].events & EV_BIT(t))
				by[t][n[t]++] = (uint32_t)i;
	}
	if (rs == NULL || t < EV__MAX) {
		while (t-- > 0)
			free(by[t]);
		free(rs);
		return -ENOMEM;
	}
	config_free(a->cfg);
	free(a->rs);
	free_index(a);
	memcpy(a->by_type, by, sizeof(by));
	memcpy(a->n_type, n, sizeof(n));
	a->cfg = cfg;
	a->rs = rs;
	a->gen = gen;
	a->en->threads = cfg->threads;
	for (i = 0; i < cfg->nrules; i++) {
		const struct rule *r = &cfg->rules[i];

		rs[i].spares_by_name = spares_by_name(r);
		rs[i].reads = (r->cmdline.n > 0 ? EN_CMDLINE : 0) |
		    (r->comm.n > 0 ? EN_STAT : 0) |
		    (r->cgroup.n > 0 ? EN_CGROUP : 0);
	}
	return 0;
}

/* A chunk of a new configuration; the last one applies it. */
static void
config_chunk(struct rulesink *a, const struct ipc_msg *m)
{
	struct config *cfg;
	int r;

	r = config_rx_add(&a->rx, m->u.cfg.gen, m->u.cfg.file, m->u.cfg.name,
	    m->u.cfg.data, m->len, m->u.cfg.last, &cfg);
	if (r == 0)
		return;
	if (r < 0) {
		log_warnx("configuration from the privileged part: %s",
		    strerror(-r));
		return;
	}
	if (cfg == NULL || set_config(a, cfg, m->u.cfg.gen) < 0) {
		config_free(cfg);
		log_warnx("the event loop could not apply the new configuration; "
		    "the old rules stay");
		return;
	}
	log_info("configuration %u in force: %zu rules", a->gen, cfg->nrules);
}

/* Handle one message from the privileged part. */
static void
rulesink_msg(struct rulesink *a, const struct ipc_msg *m)
{
	switch (m->type) {
	case IPC_CONFIG:
		config_chunk(a, m);
		break;
	case IPC_RESCAN:
		a->sink->rescan = true;
		break;
	case IPC_STATS:
		/* SIGUSR1 reaches the privileged part; it passes it on. */
		break;
	default:
		break;
	}
}

static void
rulesink_other(void *arg, const struct ipc_msg *m)
{
	rulesink_msg(arg, m);
}

/* The privileged part wrote, or is gone. */
static enum loop_stop
rulesink_ready(void *arg)
{
	struct rulesink *a = arg;

	return ipc_loop_read(a->ipc, rulesink_other, a) == 0 ? LOOP_GO_ON :
	    LOOP_PART_GONE;
}

struct str *
rulesink_ask_exe(void *arg, pid_t pid, uint64_t start_ns, struct exe_id *id,
    struct str **loader)
{
	struct rulesink *a = arg;

	return ipc_ask_exe(a->ipc, a->en->t, pid, start_ns, loader, id,
	    EXE_ASK_TIMEOUT_MS, rulesink_other, a);
}

static void
rulesink_ask_ids(void *arg, struct enrich_idq *q, size_t n)
{
	struct rulesink *a = arg;

	ipc_ask_ids(a->ipc, q, n, IDS_ASK_TIMEOUT_MS, rulesink_other, a);
}

int
rulesink_init(struct rulesink *a, struct loop_sink *sink, struct config *cfg,
    struct enrich *en, int ipc, bool dry_run)
{
	memset(a, 0, sizeof(*a));
	a->en = en;
	a->sink = sink;
	a->ipc = ipc;
	a->dry_run = dry_run;
	if (ob_init(&a->line, -1, 1024) < 0 || (a->users = users_new()) == NULL ||
	    set_config(a, cfg, 1) < 0)
		return -ENOMEM;
	out_ctx_clocks(&a->oc);
	a->oc.user = users_lookup;
	a->oc.user_arg = a->users;
	en->ask_exe = rulesink_ask_exe;
	en->ask_ids = rulesink_ask_ids;
	en->must_confirm = rulesink_must_confirm;
	en->needs = rulesink_needs;
	en->ask_arg = a;
	memset(sink, 0, sizeof(*sink));
	sink->event = rulesink_event;
	sink->flush = rulesink_flush;
	sink->stats = rulesink_stats;
	sink->fd = ipc;
	sink->ready = rulesink_ready;
	sink->arg = a;
	return 0;
}

void
rulesink_free(struct rulesink *a)
{
	config_free(a->cfg);
	free(a->rs);
	free_index(a);
	config_rx_free(&a->rx);
	ob_free(&a->line);
	users_free(a->users);
}
