/*
 * test_netlink.c - the event types a configuration subscribes to.
 */
#include <stdbool.h>
#include <string.h>

#include "testutil.h"
#include "config.h"
#include "event.h"
#include "netlink.h"
#include "rule.h"

#define TABLE	(NL_W_FORK | NL_W_EXEC | NL_W_EXIT | NL_W_UID | NL_W_GID)

static void
test_monitor_gets_all(void **state)
{
	(void)state;
	assert_int_equal(nl_config_events(NULL), NL_W_ALL);
}

static void
test_table_only(void **state)
{
	struct rule r[1];
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(nl_config_events(&cfg), TABLE);
	/* A comm key on exec rules only: the name read at exec will do. */
	memset(r, 0, sizeof(r));
	r[0].events = EV_BIT(EV_EXEC);
	r[0].comm.n = 1;
	cfg.rules = r;
	cfg.nrules = 1;
	cfg.events = EV_BIT(EV_EXEC);
	assert_int_equal(nl_config_events(&cfg), TABLE);
}

static void
test_rules_add(void **state)
{
	struct rule r[2];
	struct config cfg;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(r, 0, sizeof(r));
	cfg.rules = r;
	cfg.nrules = 2;
	r[0].events = EV_BIT(EV_COMM);
	cfg.events = EV_BIT(EV_COMM);
	assert_int_equal(nl_config_events(&cfg), TABLE | NL_W_COMM);
	/* A comm key after which the name may have changed. */
	r[0].events = EV_BIT(EV_EXIT);
	r[1].events = EV_BIT(EV_EXEC) | EV_BIT(EV_UID);
	r[1].comm.n = 1;
	cfg.events = EV_BIT(EV_EXIT) | EV_BIT(EV_EXEC) | EV_BIT(EV_UID);
	assert_int_equal(nl_config_events(&cfg), TABLE | NL_W_COMM);
	r[1].comm.n = 0;
	cfg.events |= EV_BIT(EV_SID) | EV_BIT(EV_PTRACE) | EV_BIT(EV_COREDUMP);
	assert_int_equal(nl_config_events(&cfg), TABLE | NL_W_SID |
	    NL_W_PTRACE | NL_W_COREDUMP);
}

/* The bulk socket carries forks and exits, the fast one the rest. */
static void
test_parts(void **state)
{
	(void)state;
	assert_int_equal(nl_part_events(NL_FAST) & nl_part_events(NL_BULK), 0);
	assert_int_equal(nl_part_events(NL_FAST) | nl_part_events(NL_BULK),
	    NL_W_ALL);
	assert_true(nl_part_events(NL_BULK) & NL_W_FORK);
	assert_true(nl_part_events(NL_BULK) & NL_W_EXIT);
	assert_true(nl_part_events(NL_FAST) & NL_W_EXEC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monitor_gets_all),
		cmocka_unit_test(test_table_only),
		cmocka_unit_test(test_rules_add),
		cmocka_unit_test(test_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
