/*
 * test_gateplan.c - which files the gate marks for a configuration, and
 * the effective ids an exec of a set-user-ID or set-group-ID file gives.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "gate.h"
#include "rule.h"

#define MAXRULES	8

static struct rule rules[MAXRULES];
static struct config cfg;

/* Add a rule: action, then "key=v1 v2" words separated by ';'. */
static void
add(const char *action, const char *keys)
{
	struct rule *r = &rules[cfg.nrules++];
	char *copy = strdup(keys), *kv, *save = NULL, *w, *save2, err[256];
	enum rule_key k;

	assert_non_null(copy);
	memset(r, 0, sizeof(*r));
	r->name = strdup("r");
	assert_int_equal(rule_add_value(r, RK_EVENT, "exec", false, err,
	    sizeof(err)), 0);
	assert_int_equal(rule_add_value(r, RK_ACTION, action, false, err,
	    sizeof(err)), 0);
	for (kv = strtok_r(copy, ";", &save); kv != NULL;
	    kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');

		assert_non_null(eq);
		*eq = '\0';
		k = rule_key_lookup(kv);
		assert_int_not_equal(k, RK__MAX);
		save2 = NULL;
		for (w = strtok_r(eq + 1, " ", &save2); w != NULL;
		    w = strtok_r(NULL, " ", &save2))
			if (rule_add_value(r, k, w[0] == '!' ? w + 1 : w,
			    w[0] == '!', err, sizeof(err)) != 0)
				fail_msg("%s: %s", kv, err);
	}
	free(copy);
	cfg.rules = rules;
}

static int
reset(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < cfg.nrules; i++)
		rule_free(&rules[i]);
	memset(&cfg, 0, sizeof(cfg));
	return 0;
}

static void
plan(struct gate_plan *p)
{
	assert_int_equal(gate_plan(&cfg, p), 0);
}

/* No deny or ask rule: no gate, whatever the other rules. */
static void
test_none(void **state)
{
	struct gate_plan p;

	(void)state;
	plan(&p);
	assert_int_equal(p.mode, GATE_NONE);
	add("kill", "exe=/usr/bin/*");
	add("log", "exe=/usr/bin/nc");
	plan(&p);
	assert_int_equal(p.mode, GATE_NONE);
	assert_int_equal(p.npaths, 0);
	gate_plan_free(&p);
}

/* Plain paths in every gated rule: only those files, each once. */
static void
test_inodes(void **state)
{
	struct gate_plan p;

	(void)state;
	add("deny", "exe=/usr/bin/gcc /usr/bin/cc;uid=1000-60000");
	add("ask", "exe=/usr/bin/nc /usr/bin/gcc;hook=/bin/true");
	add("kill", "exe=/usr/*");
	plan(&p);
	assert_int_equal(p.mode, GATE_INODES);
	assert_int_equal(p.npaths, 3);
	assert_string_equal(p.paths[0], "/usr/bin/gcc");
	assert_string_equal(p.paths[1], "/usr/bin/cc");
	assert_string_equal(p.paths[2], "/usr/bin/nc");
	assert_true(p.keys & RK_BIT(RK_EXE));
	assert_true(p.keys & RK_BIT(RK_UID));
	assert_false(p.keys & RK_BIT(RK_CGROUP));
	gate_plan_free(&p);
	assert_null(p.paths);
}

/* A script key of plain paths marks the scripts, whatever exe says. */
static void
test_scripts(void **state)
{
	struct gate_plan p;

	(void)state;
	add("deny", "script=/usr/local/sbin/wipe.sh;exe=/bin/*");
	plan(&p);
	assert_int_equal(p.mode, GATE_INODES);
	assert_int_equal(p.npaths, 1);
	assert_string_equal(p.paths[0], "/usr/local/sbin/wipe.sh");
	gate_plan_free(&p);
}

/*
 * Anything but plain paths in one gated rule (a glob, a ! value, a
 * relative path, no exe or script at all) needs file system marks.
 */
static void
test_filesystems(void **state)
{
	static const char *const keys[] = {
		"exe=/usr/bin/gcc*",
		"exe=/usr/bin/gcc !/usr/bin/gcc-12",
		"exe=!/usr/*",
		"exe=/usr/bin/g?c",
		"uid=1000",
		"script=/opt/*.sh",
		"exe=/usr/bin/[gc]cc",
	};
	struct gate_plan p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		reset(NULL);
		add("deny", "exe=/usr/bin/gcc");
		add("deny", keys[i]);
		plan(&p);
		if (p.mode != GATE_FILESYSTEMS)
			fail_msg("%s: mode %d, want file systems", keys[i],
			    p.mode);
		assert_int_equal(p.npaths, 0);
		assert_null(p.paths);
		gate_plan_free(&p);
	}
}

/* The keys the gate must read for a rule. */
static void
test_keys(void **state)
{
	(void)state;
	add("deny", "exe=/x;parent=/bin/bash;cgroup=/a/*;euid=0;comm=sh");
	assert_int_equal(gate_rule_keys(&rules[0]), RK_BIT(RK_EXE) |
	    RK_BIT(RK_PARENT) | RK_BIT(RK_CGROUP) | RK_BIT(RK_EUID) |
	    RK_BIT(RK_COMM));
}

/* bprm_fill_uid(): set-user-ID, set-group-ID with group execute, nosuid. */
static void
test_setid(void **state)
{
	uint32_t eu, eg;

	(void)state;
	eu = 1000, eg = 1000;
	gate_setid(0755, 0, 0, false, &eu, &eg);
	assert_int_equal(eu, 1000);
	assert_int_equal(eg, 1000);
	gate_setid(S_ISUID | 0755, 0, 50, false, &eu, &eg);
	assert_int_equal(eu, 0);
	assert_int_equal(eg, 1000);
	eu = 1000;
	gate_setid(S_ISGID | 0755, 7, 50, false, &eu, &eg);
	assert_int_equal(eu, 1000);
	assert_int_equal(eg, 50);
	/* Set-group-ID without group execute: mandatory locking, no id. */
	eg = 1000;
	gate_setid(S_ISGID | 0745, 7, 50, false, &eu, &eg);
	assert_int_equal(eg, 1000);
	/* nosuid: nothing. */
	gate_setid(S_ISUID | S_ISGID | 0755, 0, 0, true, &eu, &eg);
	assert_int_equal(eu, 1000);
	assert_int_equal(eg, 1000);
}

static bool
quiet(void)
{
	struct gate_plan p;
	bool q;

	plan(&p);
	q = gate_plan_quiet(&cfg, &p);
	gate_plan_free(&p);
	return q;
}

/*
 * Execs left to the gate: only deny and ask rules, all on plain paths
 * whose directories only root may write (as written and as resolved).
 */
static void
test_quiet(void **state)
{
	(void)state;
	/* /usr/bin is root's, 755, everywhere; /bin is it or a link to it. */
	add("deny", "exe=/usr/bin/env /usr/bin/no-such-prochook-file");
	add("ask", "exe=/bin/env;hook=/bin/true");
	assert_true(quiet());
	/* Any other rule needs the event loop's eyes. */
	add("log", "exe=/usr/bin/env");
	assert_false(quiet());
	reset(NULL);
	/* A glob: file system marks. */
	add("deny", "exe=/usr/bin/env*");
	assert_false(quiet());
	reset(NULL);
	/* /tmp: anyone may put a file there. */
	add("deny", "exe=/usr/bin/env /tmp/prochook-no-such-file");
	assert_false(quiet());
	reset(NULL);
	/* A directory that does not exist: anyone may be able to make it. */
	add("deny", "exe=/no-such-prochook-dir/x");
	assert_false(quiet());
	reset(NULL);
	/* No rule at all: nothing for the gate (no marks, no gate). */
	assert_false(quiet());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_none, reset),
		cmocka_unit_test_teardown(test_inodes, reset),
		cmocka_unit_test_teardown(test_scripts, reset),
		cmocka_unit_test_teardown(test_filesystems, reset),
		cmocka_unit_test_teardown(test_keys, reset),
		cmocka_unit_test_teardown(test_setid, reset),
		cmocka_unit_test_teardown(test_quiet, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
