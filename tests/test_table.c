/*
 * test_table.c - the process table and its strings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "table.h"

static void
test_add_get_del(void **state)
{
	struct table *t = table_new();
	struct proc *p, *q;
	pid_t pid;

	(void)state;
	assert_non_null(t);
	for (pid = 1; pid <= 50000; pid++) {
		p = table_add(t, pid);
		assert_non_null(p);
		p->ppid = pid - 1;
	}
	assert_int_equal(table_count(t), 50000);
	/* Pointers stay valid while others come and go. */
	q = table_get(t, 777);
	for (pid = 1; pid <= 50000; pid += 2)
		if (pid != 777)
			table_del(t, pid);
	assert_ptr_equal(table_get(t, 777), q);
	assert_int_equal(q->ppid, 776);
	for (pid = 1; pid <= 50000; pid++) {
		p = table_get(t, pid);
		if (pid % 2 == 0 || pid == 777) {
			assert_non_null(p);
			assert_int_equal(p->ppid, pid - 1);
		} else
			assert_null(p);
	}
	/* Adding an existing pid replaces its record. */
	p = table_add(t, 778);
	assert_int_equal(p->ppid, 0);
	assert_int_equal(table_count(t), 25001);
	table_free(t);
}

/* Random churn against a plain array model. */
static void
test_churn(void **state)
{
	static unsigned char model[4096];
	struct table *t = table_new();
	unsigned seed = 3;
	int i;

	(void)state;
	memset(model, 0, sizeof(model));
	for (i = 0; i < 200000; i++) {
		pid_t pid = 1 + rand_r(&seed) % 4095;

		if (rand_r(&seed) % 3 == 0) {
			table_del(t, pid);
			model[pid] = 0;
		} else {
			assert_non_null(table_add(t, pid));
			model[pid] = 1;
		}
		if (i % 1000 == 0) {
			size_t n = 0;
			int j;

			for (j = 1; j < 4096; j++) {
				assert_int_equal(table_get(t, j) != NULL,
				    model[j] != 0);
				n += model[j];
			}
			assert_int_equal(table_count(t), n);
		}
	}
	table_free(t);
}

static bool
keep_even(struct proc *p, void *arg)
{
	(void)arg;
	return p->pid % 2 == 0;
}

static void
test_prune(void **state)
{
	struct table *t = table_new();
	pid_t pid;

	(void)state;
	for (pid = 1; pid <= 1000; pid++)
		table_add(t, pid);
	table_prune(t, keep_even, NULL);
	assert_int_equal(table_count(t), 500);
	assert_null(table_get(t, 3));
	assert_non_null(table_get(t, 4));
	table_free(t);
}

static void
test_strings(void **state)
{
	struct table *t = table_new();
	struct str *a, *b, *c;
	struct proc *p;

	(void)state;
	a = str_intern(t, "/usr/bin/bash", 13);
	b = str_intern(t, "/usr/bin/bash", 13);
	assert_ptr_equal(a, b);
	assert_int_equal(a->ref, 2);
	c = str_intern(t, "/usr/bin/dash", 13);
	assert_ptr_not_equal(a, c);
	p = table_add(t, 10);
	p->exe = a;		/* the record owns one reference */
	str_unref(t, b);
	str_unref(t, c);
	/* Deleting the record frees the string and its interned slot. */
	table_del(t, 10);
	a = str_intern(t, "/usr/bin/bash", 13);
	assert_int_equal(a->ref, 1);
	str_unref(t, a);
	table_free(t);
}

/* Many interned strings, freed in another order than made. */
static void
test_intern_many(void **state)
{
	struct table *t = table_new();
	struct str **s = calloc(5000, sizeof(*s));
	char buf[32];
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "/bin/p%d", i);

		s[i] = str_intern(t, buf, (size_t)n);
	}
	for (i = 0; i < 5000; i += 2)
		str_unref(t, s[i]);
	for (i = 1; i < 5000; i += 2) {
		int n = snprintf(buf, sizeof(buf), "/bin/p%d", i);
		struct str *x = str_intern(t, buf, (size_t)n);

		assert_ptr_equal(x, s[i]);
		str_unref(t, x);
		str_unref(t, s[i]);
	}
	free(s);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_get_del),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_prune),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_intern_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
