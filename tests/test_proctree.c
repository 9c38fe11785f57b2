/*
 * test_proctree.c - who is below whom: the walk up through a fake parent
 * table and a fake /proc, and the kill of a real process tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "testutil.h"
#include "proctree.h"

/* A tree by parent: 10 <- 11 <- 12 <- 13, 20 <- 21; 30 <-> 31 a cycle. */
static pid_t
fake_parent(void *arg, pid_t pid)
{
	int *calls = arg;

	(*calls)++;
	switch (pid) {
	case 10: case 20: return 1;
	case 11: return 10;
	case 12: return 11;
	case 13: return 12;
	case 21: return 20;
	case 30: return 31;
	case 31: return 30;
	default: return -ESRCH;
	}
}

static bool
below(pid_t pid, pid_t root, size_t max)
{
	int calls = 0;

	return proctree_below(pid, &root, 1, max, fake_parent, &calls);
}

static void
test_below(void **state)
{
	pid_t roots[] = { 20, 11 };
	int calls = 0;

	(void)state;
	assert_true(below(13, 10, 8));
	assert_true(below(13, 12, 8));
	assert_true(below(10, 10, 8));		/* the root itself */
	assert_false(below(21, 10, 8));
	assert_false(below(10, 11, 8));		/* not upwards */
	assert_false(below(99, 10, 8));		/* parent unknown */
	assert_false(below(13, 1, 8));		/* never past init */
	/* max bounds the walk: 13 is 3 hops below 10. */
	assert_true(below(13, 10, 4));
	assert_false(below(13, 10, 3));
	/* A cycle in a snapshot ends at max. */
	assert_false(proctree_below(30, roots, 2, 5, fake_parent, &calls));
	assert_int_equal(calls, 5);
	assert_true(proctree_below(21, roots, 2, 8, fake_parent, &calls));
	assert_true(proctree_below(12, roots, 2, 8, fake_parent, &calls));
}

/* tests/data/proc: 100 (parent 1), 101 (parent 2), 102 (parent 100). */
static void
test_within(void **state)
{
	int procfd = open(TEST_DATA "/proc", O_RDONLY | O_DIRECTORY);
	pid_t r100 = 100, r101 = 101;

	(void)state;
	assert_true(procfd >= 0);
	assert_true(proctree_within(procfd, 102, &r100, 1, 8));
	assert_true(proctree_within(procfd, 100, &r100, 1, 8));
	assert_false(proctree_within(procfd, 101, &r100, 1, 8));
	assert_false(proctree_within(procfd, 102, &r101, 1, 8));
	assert_false(proctree_within(procfd, 104, &r100, 1, 8));
	close(procfd);
}

/*
 * A child with a grandchild: the grandchild is signalled, the child (the
 * root) is not; it reports how its own child ended.
 */
static void
test_kill(void **state)
{
	pid_t child, grandchild;
	int p[2], st;
	char c;

	(void)state;
	assert_int_equal(pipe(p), 0);
	if ((child = fork()) == 0) {
		if ((grandchild = fork()) == 0) {
			(void)!write(p[1], "x", 1);
			for (;;)
				pause();
		}
		if (waitpid(grandchild, &st, 0) < 0 || !WIFSIGNALED(st))
			_exit(100);
		_exit(WTERMSIG(st));
	}
	assert_true(child > 0);
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(proctree_kill(child, SIGUSR1), 1);
	assert_int_equal(waitpid(child, &st, 0), child);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), SIGUSR1);
	assert_int_equal(proctree_kill(child, SIGUSR1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below),
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_kill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
