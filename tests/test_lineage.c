/*
 * test_lineage.c - the live fork lineage, against a fake /proc tree, and
 * the parent and ancestor keys matched against it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "lineage.h"
#include "rule.h"

static int procfd;

/* Read pid's stat from the fake tree, then its lineage into p. */
static int
read_lineage(struct table *t, pid_t pid, struct proc *p, bool ancestors)
{
	struct proc_stat st;
	int fd = proc_open(procfd, pid);

	assert_true(fd >= 0);
	assert_int_equal(proc_read_stat(fd, &st), 0);
	close(fd);
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return lineage_read(procfd, &st, t, p, ancestors);
}

/* Does an exec of p match a rule of one lineage key? */
static bool
matches(struct table *t, struct proc *p, enum rule_key k, const char *v)
{
	struct rule r = { 0 };
	struct event ev = { .type = EV_EXEC, .pid = p->pid };
	struct pevent pe = { .ev = &ev, .p = p };
	char err[256];
	bool miss = false, ok;

	assert_int_equal(rule_add_value(&r, RK_EVENT, "exec", false, err,
	    sizeof(err)), 0);
	assert_int_equal(rule_add_value(&r, k, v + (v[0] == '!'), v[0] == '!',
	    err, sizeof(err)), 0);
	ok = rule_match(&r, &pe, t, &miss, 0);
	rule_free(&r);
	return ok;
}

static void
test_chain(void **state)
{
	struct table *t = table_new();
	struct proc p;

	(void)state;
	assert_int_equal(read_lineage(t, 40, &p, true), 0);
	assert_int_equal(p.ppid, 30);
	assert_true(p.flags & P_PEXE);
	assert_string_equal(p.pexe->s, "/usr/bin/bash");
	assert_int_equal(table_count(t), 3);
	assert_string_equal(table_get(t, 20)->exe->s, "/usr/sbin/nginx");
	assert_true(matches(t, &p, RK_PARENT, "/usr/bin/bash"));
	assert_false(matches(t, &p, RK_PARENT, "/usr/sbin/nginx"));
	assert_true(matches(t, &p, RK_ANCESTOR, "/usr/sbin/nginx"));
	assert_true(matches(t, &p, RK_ANCESTOR, "/sbin/init"));
	assert_false(matches(t, &p, RK_ANCESTOR, "/usr/sbin/sshd"));
	assert_false(matches(t, &p, RK_ANCESTOR, "!/usr/sbin/nginx"));
	assert_true(matches(t, &p, RK_ANCESTOR, "!/usr/sbin/sshd"));
	lineage_forget(t, &p);
	assert_int_equal(table_count(t), 0);
	str_set(t, &p.pexe, NULL);

	/* Only the parent: no records. */
	assert_int_equal(read_lineage(t, 40, &p, false), 0);
	assert_string_equal(p.pexe->s, "/usr/bin/bash");
	assert_int_equal(table_count(t), 0);
	str_set(t, &p.pexe, NULL);
	table_free(t);
}

/* A parent that cannot be confirmed leaves the keys unknown: no match. */
static void
test_unconfirmed(void **state)
{
	struct table *t = table_new();
	struct proc p;

	(void)state;
	/* The parent is gone. */
	assert_true(read_lineage(t, 50, &p, true) < 0);
	assert_false(p.flags & P_PEXE);
	assert_int_equal(table_count(t), 0);
	assert_false(matches(t, &p, RK_PARENT, "*"));
	assert_false(matches(t, &p, RK_ANCESTOR, "!/usr/sbin/nginx"));
	/* Its pid was recycled by a younger process. */
	assert_int_equal(read_lineage(t, 70, &p, true), -ESTALE);
	assert_false(p.flags & P_PEXE);
	assert_false(matches(t, &p, RK_ANCESTOR, "/usr/sbin/nginx"));
	/* No executable (a kernel thread), a malformed stat. */
	assert_true(read_lineage(t, 90, &p, true) < 0);
	assert_false(p.flags & P_PEXE);
	assert_true(read_lineage(t, 93, &p, true) < 0);
	assert_false(p.flags & P_PEXE);
	assert_int_equal(table_count(t), 0);
	table_free(t);
}

/* Two processes that name each other as parent: the walk ends. */
static void
test_loop(void **state)
{
	struct table *t = table_new();
	struct proc p;

	(void)state;
	assert_int_equal(read_lineage(t, 94, &p, true), 0);
	assert_string_equal(p.pexe->s, "/usr/bin/b");
	assert_int_equal(table_count(t), 1);
	assert_true(matches(t, &p, RK_ANCESTOR, "/usr/bin/b"));
	lineage_forget(t, &p);
	assert_int_equal(table_count(t), 0);
	str_set(t, &p.pexe, NULL);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_unconfirmed),
		cmocka_unit_test(test_loop),
	};

	procfd = open(TEST_DATA "/lineage", O_RDONLY | O_DIRECTORY);
	if (procfd < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
