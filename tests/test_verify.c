/*
 * test_verify.c - the privileged part's check of a request, every verdict,
 * against the fake /proc tree in tests/data/verify:
 *
 *   10 env (uid 0) - 20 bash - 30 cat, 31 cat (uid 0), 50 cat (exiting,
 *                              no exe), 51 cat (no exe)
 *             \- 70 bash (started after 61)
 *   40 prochookd - 41 its event loop, 42 a hook's keeper - 43 cat
 *   60 cat (re-parented to init), 61 cat (parent 70: a recycled pid)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "verify.h"

#define GEN	7
#define LIVE	1000	/* a pidfd for the checks: never used as one */

enum {
	R_KILL, R_HOLD, R_RUN, R_LOG, R_KILL_LINEAGE, R_RUN_LINEAGE,
	R_KILL_UID, R_RATE, R_MAX
};

static struct rule rules[R_MAX];
static struct config cfg = { .rules = rules, .nrules = R_MAX };
static struct proc_clock clk;
static struct verify_ctx ctx;
static struct ipc_event e;

/* Set key k from space-separated words. */
static void
set(struct rule *r, enum rule_key k, const char *values)
{
	char *copy = strdup(values), *w, *save = NULL, err[256];

	assert_non_null(copy);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		if (rule_add_value(r, k, w, false, err, sizeof(err)) != 0)
			fail_msg("%s = %s: %s", rule_key_name(k), w, err);
	free(copy);
}

static void
rule(int i, const char *events, const char *action, const char *hook)
{
	struct rule *r = &rules[i];

	set(r, RK_EVENT, events);
	set(r, RK_ACTION, action);
	if (strcmp(action, "kill") == 0)
		set(r, RK_SIGNAL, "KILL");
	if (hook != NULL)
		set(r, RK_HOOK, hook);
	if (strcmp(action, "log") != 0)
		set(r, RK_EXE, "/usr/bin/cat");
}

static int
setup(void **state)
{
	(void)state;
	rule(R_KILL, "exec", "kill", NULL);
	rule(R_HOLD, "exec", "hold", "/bin/true");
	rule(R_RUN, "exec exit", "run", "/bin/true");
	rule(R_LOG, "exec", "log", NULL);
	rule(R_KILL_LINEAGE, "exec", "kill", NULL);
	set(&rules[R_KILL_LINEAGE], RK_PARENT, "/usr/bin/bash");
	set(&rules[R_KILL_LINEAGE], RK_ANCESTOR, "/usr/bin/env");
	rule(R_RUN_LINEAGE, "exec", "run", "/bin/true");
	set(&rules[R_RUN_LINEAGE], RK_PARENT, "/usr/bin/bash");
	rule(R_KILL_UID, "exec", "kill", NULL);
	set(&rules[R_KILL_UID], RK_UID, "1000");
	rule(R_RATE, "exit", "run", "/bin/true");
	set(&rules[R_RATE], RK_RATE, "1");
	proc_clock_init(&clk);
	ctx.cfg = &cfg;
	ctx.gen = GEN;
	ctx.procfd = open(TEST_DATA "/verify", O_RDONLY | O_DIRECTORY);
	ctx.self = 40;
	ctx.loop = 41;
	ctx.clock = &clk;
	ctx.t = table_new();
	return ctx.procfd < 0 || ctx.t == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < R_MAX; i++)
		rule_free(&rules[i]);
	close(ctx.procfd);
	assert_int_equal(table_count(ctx.t), 0);
	table_free(ctx.t);
	return 0;
}

/*
 * A request as the loop would send it: of rule i, for an event of pid
 * that the loop says started at start (clock ticks; 0: not known), of
 * whose executable the loop says exe.
 */
static struct ipc_event *
req(int i, enum event_type type, pid_t pid, uint64_t start)
{
	memset(&e, 0, sizeof(e));
	e.gen = GEN;
	e.rule = (uint32_t)i;
	e.type = type;
	e.pid = e.tid = pid;
	e.run_hooks = 1;
	e.known = P_EXE | P_PEXE | P_IDS;
	snprintf(e.exe, sizeof(e.exe), "/usr/bin/cat");
	snprintf(e.pexe, sizeof(e.pexe), "/usr/bin/bash");
	e.uid = e.euid = e.gid = e.egid = 1000;
	if (start > 0) {
		e.known |= P_START;
		e.start_ns = start * clk.tick_ns;
	}
	return &e;
}

static enum verdict
check(const struct ipc_event *r, int pidfd)
{
	struct request q;
	enum verdict v = verify_request(&ctx, r, pidfd, &q);

	verify_release(ctx.t, &q);
	return v;
}

static void
test_ok(void **state)
{
	struct request q;

	(void)state;
	assert_int_equal(verify_request(&ctx, req(R_KILL, EV_EXEC, 30, 300),
	    LIVE, &q), V_OK);
	assert_true(q.signals);
	assert_ptr_equal(q.r, &rules[R_KILL]);
	assert_ptr_equal(q.cfg, &cfg);
	assert_string_equal(q.p.exe->s, "/usr/bin/cat");
	verify_release(ctx.t, &q);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 30, 300), LIVE), V_OK);
	assert_int_equal(check(req(R_KILL_UID, EV_EXEC, 30, 300), LIVE), V_OK);
	/* Parent and ancestor confirmed by the live chain. */
	assert_int_equal(check(req(R_KILL_LINEAGE, EV_EXEC, 30, 300), LIVE),
	    V_OK);
	/* Hooks only: no start time needed, whichever process has the pid. */
	assert_int_equal(verify_request(&ctx, req(R_RUN, EV_EXEC, 30, 0),
	    LIVE, &q), V_OK);
	assert_false(q.signals);
	verify_release(ctx.t, &q);
	/* An exit is the loop's word: /proc is not asked. */
	assert_int_equal(check(req(R_RUN, EV_EXIT, 999, 0), -ESRCH), V_OK);
}

/* A rule index out of range, or of a configuration not in force. */
static void
test_no_rule(void **state)
{
	struct ipc_event *r;

	(void)state;
	assert_int_equal(check(req(R_MAX, EV_EXEC, 30, 300), LIVE),
	    V_NO_RULE);
	assert_int_equal(check(req(-1, EV_EXEC, 30, 300), LIVE), V_NO_RULE);
	r = req(R_KILL, EV_EXEC, 30, 300);
	r->gen = GEN + 1;
	assert_int_equal(check(r, LIVE), V_NO_RULE);
	/* The generation before: only while its configuration is kept. */
	r->gen = GEN - 1;
	assert_int_equal(check(r, LIVE), V_NO_RULE);
	ctx.prev = &cfg;
	assert_int_equal(check(r, LIVE), V_OK);
	r->gen = GEN - 2;
	assert_int_equal(check(r, LIVE), V_NO_RULE);
	ctx.prev = NULL;
	ctx.cfg = NULL;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 30, 300), LIVE),
	    V_NO_RULE);
	ctx.cfg = &cfg;
}

/* An event type the rule is not for; a rule that only logs. */
static void
test_not_acted(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_FORK, 30, 300), LIVE),
	    V_NOT_ACTED);
	assert_int_equal(check(req(R_KILL, EV_EXIT, 30, 300), LIVE),
	    V_NOT_ACTED);
	assert_int_equal(check(req(R_LOG, EV_EXEC, 30, 300), LIVE),
	    V_NOT_ACTED);
}

/* PID 1, prochookd's two parts, a hook's process: never signalled. */
static void
test_protected(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 1, 1), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 0, 1), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_KILL, EV_EXEC, -5, 1), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_KILL, EV_EXEC, 40, 40), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 41, 41), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_KILL, EV_EXEC, 42, 42), LIVE),
	    V_PROTECTED);
	/* Started by a hook, it runs what the rule names. */
	assert_int_equal(check(req(R_KILL, EV_EXEC, 43, 430), LIVE),
	    V_PROTECTED);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 43, 430), LIVE),
	    V_PROTECTED);
}

static void
test_pid1_exit(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_RUN, EV_EXIT, 1, 0), -ESRCH),
	    V_PID1_EXIT);
	assert_int_equal(check(req(R_RATE, EV_EXIT, 1, 1), LIVE),
	    V_PID1_EXIT);
}

/* A kill or hold must name the very process: by its start time. */
static void
test_start_time(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 30, 0), LIVE),
	    V_NO_START);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 30, 0), LIVE),
	    V_NO_START);
	assert_int_equal(check(req(R_KILL, EV_EXEC, 30, 5000), LIVE),
	    V_STALE);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 30, 250), LIVE),
	    V_STALE);
	/* Within a tick: the fork event's time and stat's may differ so. */
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 30, 299), LIVE), V_OK);
	/* For hooks, another process is as good as gone. */
	assert_int_equal(check(req(R_RUN, EV_EXEC, 30, 5000), LIVE),
	    V_GONE);
}

/* No pidfd, no /proc directory, an exiting process. */
static void
test_gone(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 30, 300), -ESRCH),
	    V_GONE);
	assert_int_equal(check(req(R_HOLD, EV_EXEC, 99, 300), LIVE),
	    V_GONE);
	assert_int_equal(check(req(R_RUN, EV_EXEC, 30, 300), -ESRCH),
	    V_GONE);
	assert_int_equal(check(req(R_RUN, EV_EXEC, 99, 0), LIVE), V_GONE);
	/* Exiting: its exe cannot be read; hooks have the loop's word. */
	assert_int_equal(check(req(R_RUN, EV_EXEC, 50, 500), LIVE), V_GONE);
}

/* What the rule tests cannot be read of a live process. */
static void
test_unreadable(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 51, 510), LIVE),
	    V_UNREADABLE);
	assert_int_equal(check(req(R_RUN, EV_EXEC, 51, 510), LIVE),
	    V_UNREADABLE);
	/* Exiting, for a kill: refused, not gone. */
	assert_int_equal(check(req(R_KILL, EV_EXEC, 50, 500), LIVE),
	    V_UNREADABLE);
}

/* The loop's word against /proc's: exe, uid. */
static void
test_no_match(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_KILL, EV_EXEC, 20, 200), LIVE),
	    V_NO_MATCH);
	assert_int_equal(check(req(R_RUN, EV_EXEC, 20, 200), LIVE),
	    V_NO_MATCH);
	assert_int_equal(check(req(R_KILL_UID, EV_EXEC, 31, 310), LIVE),
	    V_NO_MATCH);
	/* The rule's other keys hold for 31. */
	assert_int_equal(check(req(R_KILL, EV_EXEC, 31, 310), LIVE), V_OK);
}

/* Parent and ancestors the loop claims, /proc cannot confirm. */
static void
test_lineage(void **state)
{
	(void)state;
	/* Re-parented to init: the shell is gone. */
	assert_int_equal(check(req(R_KILL_LINEAGE, EV_EXEC, 60, 600), LIVE),
	    V_LINEAGE);
	/* The parent's pid is another, younger process's. */
	assert_int_equal(check(req(R_KILL_LINEAGE, EV_EXEC, 61, 610), LIVE),
	    V_LINEAGE);
	/* For hooks, the lineage stays the loop's word. */
	assert_int_equal(check(req(R_RUN_LINEAGE, EV_EXEC, 60, 600), LIVE),
	    V_OK);
	assert_int_equal(table_count(ctx.t), 0);
}

static void
test_malformed(void **state)
{
	(void)state;
	assert_int_equal(check(req(R_RUN, EV__MAX, 30, 300), LIVE),
	    V_MALFORMED);
	assert_int_equal(check(req(R_RUN, 1u << 31, 30, 300), LIVE),
	    V_MALFORMED);
}

/* rate = 1 with a burst of two seconds' worth. */
static void
test_rate(void **state)
{
	struct rule_rate *rates = NULL;
	const uint64_t now = 1000000000000ull, sec = 1000000000ull;
	int i;

	(void)state;
	for (i = 0; i < VERIFY_RATE_BURST; i++)
		assert_int_equal(verify_rate(&rates, &cfg, R_RATE, now), V_OK);
	assert_int_equal(verify_rate(&rates, &cfg, R_RATE, now),
	    V_OVER_RATE);
	assert_int_equal(verify_rate(&rates, &cfg, R_RATE, now + sec / 2),
	    V_OVER_RATE);
	assert_int_equal(verify_rate(&rates, &cfg, R_RATE, now + sec), V_OK);
	assert_int_equal(verify_rate(&rates, &cfg, R_RATE, now + sec),
	    V_OVER_RATE);
	/* Each rule its own bucket; without hooks or rate, no limit. */
	for (i = 0; i < 500; i++)
		assert_int_equal(verify_rate(&rates, &cfg, R_KILL, now), V_OK);
	for (i = 0; i < 200; i++)
		assert_int_equal(verify_rate(&rates, &cfg, R_RUN, now), V_OK);
	assert_int_equal(verify_rate(&rates, &cfg, R_RUN, now), V_OVER_RATE);
	assert_int_equal(verify_rate(&rates, &cfg, R_MAX, now), V_NO_RULE);
	free(rates);
}

/* Every verdict has its own words for the log. */
static void
test_reasons(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < V__MAX; i++) {
		assert_non_null(verify_reason((enum verdict)i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(verify_reason((enum verdict)i),
			    verify_reason((enum verdict)j));
	}
	assert_string_equal(verify_reason(V_NO_MATCH),
	    "the process does not match the rule");
	assert_string_equal(verify_reason(V__MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_not_acted),
		cmocka_unit_test(test_protected),
		cmocka_unit_test(test_pid1_exit),
		cmocka_unit_test(test_start_time),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_lineage),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
