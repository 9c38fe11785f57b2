/*
 * test_hookrun.c - a hook's life as a table: each path a hook can take
 * through it, and what must hold of the whole table.
 */
#include <stdbool.h>
#include <stddef.h>

#include "testutil.h"
#include "hookrun.h"

struct move {
	enum hookrun_event	ev;
	enum hookrun_act	act;
	enum hookrun_state	to;	/* after the step */
};

static void
walk(enum hookrun_state s, const struct move *m, size_t n)
{
	struct hookrun_step t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = hookrun_step(s, m[i].ev);
		assert_int_equal(t.act, m[i].act);
		if (t.next != RUN_SAME)
			s = t.next;
		assert_int_equal(s, m[i].to);
	}
}

#define WALK(s, ...) do {						\
	const struct move m_[] = { __VA_ARGS__ };			\
	walk(s, m_, sizeof(m_) / sizeof(m_[0]));			\
} while (0)

/* Exits, what it left ends with it. */
static void
test_plain(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_EXITED, DO_OUTCOME, RUN_LEFT },
	    { ON_EMPTY, DO_NOTHING, RUN_GONE });
}

/* Hangs past its deadline and SIGTERM, ends at SIGKILL. */
static void
test_timeout(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_TIMER, DO_TIMEOUT, RUN_TERM },
	    { ON_STOP, DO_NOTHING, RUN_TERM },
	    { ON_TIMER, DO_KILL, RUN_KILL },
	    { ON_TIMER, DO_REKILL, RUN_KILL },
	    { ON_EXITED, DO_OUTCOME, RUN_LEFT_KILL },
	    { ON_TIMER, DO_REKILL, RUN_LEFT_KILL },
	    { ON_EMPTY, DO_NOTHING, RUN_GONE });
}

/* Ends in time; what it left is killed at the deadline. */
static void
test_leftovers(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_EXITED, DO_OUTCOME, RUN_LEFT },
	    { ON_TIMER, DO_LEFTOVERS, RUN_LEFT_TERM },
	    { ON_TIMER, DO_KILL, RUN_LEFT_KILL },
	    { ON_GIVEUP, DO_GIVEUP, RUN_GONE });
}

/* SIGKILL does not end the hook itself: given up, outcome sent then. */
static void
test_giveup(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_STOP, DO_TERM, RUN_TERM },
	    { ON_TIMER, DO_KILL, RUN_KILL },
	    { ON_GIVEUP, DO_GIVEUP, RUN_GONE },
	    { ON_EXITED, DO_NOTHING, RUN_GONE });
}

/* The keeper is reaped before its report is read. */
static void
test_orphaned(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_EMPTY, DO_NOTHING, RUN_ORPHANED },
	    { ON_TIMER, DO_NOTHING, RUN_ORPHANED },
	    { ON_STOP, DO_NOTHING, RUN_ORPHANED },
	    { ON_LOST, DO_OUTCOME, RUN_GONE });
	WALK(RUN_TERM,
	    { ON_EMPTY, DO_NOTHING, RUN_ORPHANED },
	    { ON_EXITED, DO_OUTCOME, RUN_GONE });
}

/* The keeper dies first: outcome unknown, then what it left runs on. */
static void
test_lost(void **state)
{
	(void)state;
	WALK(RUN_UP,
	    { ON_LOST, DO_OUTCOME, RUN_LEFT },
	    { ON_STOP, DO_TERM, RUN_LEFT_TERM },
	    { ON_STOP, DO_NOTHING, RUN_LEFT_TERM },
	    { ON_EMPTY, DO_NOTHING, RUN_GONE });
}

static bool
reaches_gone(enum hookrun_state s)
{
	bool seen[RUN_NSTATES] = { false };
	enum hookrun_state todo[RUN_NSTATES];
	struct hookrun_step t;
	size_t n = 0;
	int ev;

	todo[n++] = s;
	seen[s] = true;
	while (n > 0) {
		s = todo[--n];
		if (s == RUN_GONE)
			return true;
		for (ev = 0; ev < ON_NEVENTS; ev++) {
			t = hookrun_step(s, ev);
			if (t.next != RUN_SAME && !seen[t.next]) {
				seen[t.next] = true;
				todo[n++] = t.next;
			}
		}
	}
	return false;
}

/*
 * Of the whole table: the outcome is sent exactly while the hook runs,
 * every state can end, nothing happens once gone, and the timer always
 * means something where it keeps being set.
 */
static void
test_table(void **state)
{
	struct hookrun_step t;
	int s, ev;

	(void)state;
	for (s = RUN_UP; s < RUN_NSTATES; s++) {
		for (ev = 0; ev < ON_NEVENTS; ev++) {
			t = hookrun_step(s, ev);
			if (t.act == DO_OUTCOME)
				assert_true(hookrun_hook_runs(s) ||
				    s == RUN_ORPHANED);
			if (t.act == DO_OUTCOME || t.act == DO_GIVEUP)
				assert_false(hookrun_hook_runs(t.next));
			if (s == RUN_GONE) {
				assert_int_equal(t.act, DO_NOTHING);
				assert_int_equal(t.next, RUN_SAME);
			}
		}
		if (hookrun_hook_runs(s)) {
			assert_int_equal(hookrun_step(s, ON_EXITED).act,
			    DO_OUTCOME);
			assert_int_equal(hookrun_step(s, ON_LOST).act,
			    DO_OUTCOME);
		}
		assert_true(reaches_gone(s));
	}
	t = hookrun_step(RUN_NSTATES, ON_EXITED);
	assert_int_equal(t.act, DO_NOTHING);
	assert_int_equal(t.next, RUN_SAME);
	t = hookrun_step(RUN_UP, ON_NEVENTS);
	assert_int_equal(t.act, DO_NOTHING);
	assert_int_equal(t.next, RUN_SAME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_leftovers),
		cmocka_unit_test(test_giveup),
		cmocka_unit_test(test_orphaned),
		cmocka_unit_test(test_lost),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
