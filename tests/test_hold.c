/*
 * test_hold.c - holding real child processes, and refusing to hold the
 * wrong one when a pid changed hands between the check and the seize.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testutil.h"
#include "hold.h"

static pid_t
child(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static int
pidfd_of(pid_t pid)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	assert_true(fd >= 0);
	return fd;
}

/* A field of /proc/PID/status ("TracerPid", "State"), as a string. */
static void
status_field(pid_t pid, const char *name, char *out, size_t len)
{
	char path[64], line[256];
	size_t n = strlen(name);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	assert_non_null(f = fopen(path, "r"));
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(out, len, "%s", line + n + 1 +
			    strspn(line + n + 1, " \t"));
			out[strcspn(out, " \t\n")] = '\0';
		}
	fclose(f);
}

static int
tracer(pid_t pid)
{
	char v[32];

	status_field(pid, "TracerPid", v, sizeof(v));
	return atoi(v);
}

static void
reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Held, the process is traced by us and stopped; released, it is free. */
static void
test_hold_release(void **state)
{
	struct hold *ho = hold_new();
	pid_t pid = child();
	int status;
	char st[8];

	(void)state;
	assert_int_equal(hold_start(ho, pid, pidfd_of(pid), 7), 0);
	assert_int_equal(tracer(pid), getpid());
	assert_int_equal(waitpid(pid, &status, __WALL), pid);
	/* On failure, the status shows. */
	assert_int_equal(WIFSTOPPED(status) ? 0 : status, 0);
	assert_true(hold_waited(ho, pid, status));
	status_field(pid, "State", st, sizeof(st));
	assert_string_equal(st, "t");
	assert_int_equal(hold_release(ho, 7), 0);
	assert_int_equal(tracer(pid), 0);
	reap(pid);
	hold_free(ho);
}

/* Released before its stop is reported: let go all the same, at the stop. */
static void
test_hold_release_early(void **state)
{
	struct hold *ho = hold_new();
	pid_t pid = child();
	int status;
	char st[8];

	(void)state;
	assert_int_equal(hold_start(ho, pid, pidfd_of(pid), 5), 0);
	assert_int_equal(hold_release(ho, 5), 0);
	assert_int_equal(hold_release(ho, 5), -ENOENT);
	if (tracer(pid) != 0) {
		assert_int_equal(waitpid(pid, &status, __WALL), pid);
		assert_true(hold_waited(ho, pid, status));
	}
	assert_int_equal(tracer(pid), 0);
	status_field(pid, "State", st, sizeof(st));
	assert_string_not_equal(st, "t");
	reap(pid);
	hold_free(ho);
}

/*
 * The pidfd names a process that is gone, and its number is another's
 * now (what a pid reused between the privileged part's check and the
 * seize looks like): the other is neither held nor left traced.
 */
static void
test_hold_not_another(void **state)
{
	struct hold *ho = hold_new();
	pid_t gone = child(), other;
	int fd = pidfd_of(gone), fd2, status;
	char st[8];

	(void)state;
	reap(gone);
	other = child();
	assert_true(hold_start(ho, other, fd, 8) < 0);
	assert_int_equal(hold_release(ho, 8), -ENOENT);
	assert_int_equal(hold_join(ho, other), 0);
	/* Seized by mistake, it is let go at its first stop. */
	if (tracer(other) != 0) {
		assert_int_equal(waitpid(other, &status, __WALL), other);
		assert_true(hold_waited(ho, other, status));
	}
	assert_int_equal(tracer(other), 0);
	status_field(other, "State", st, sizeof(st));
	assert_string_not_equal(st, "t");
	/* Its slot is free: holding it for real works. */
	assert_false(hold_waited(ho, other, 0));
	assert_int_equal(hold_start(ho, other, fd2 = pidfd_of(other), 9), 0);
	assert_int_equal(tracer(other), getpid());
	assert_int_equal(hold_kill(ho, 9), 0);
	close(fd);
	reap(other);
	hold_free(ho);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_release),
		cmocka_unit_test(test_hold_release_early),
		cmocka_unit_test(test_hold_not_another),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
