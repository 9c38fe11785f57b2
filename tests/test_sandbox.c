/*
 * test_sandbox.c - the event loop's and the exec gate's seccomp filters,
 * installed for real in a child process, against the system calls a
 * subverted loop or gate would try.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testutil.h"
#include "sandbox.h"

enum outcome { ALLOWED, REFUSED, KILLED, OTHER };

/* The system call nr (64-bit ABI, or x32 with the bit set) under the filter. */
static enum outcome
under_filter(long nr)
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_seccomp() < 0)
			_exit(3);
		/* Arguments no call accepts: if let through, it fails. */
		errno = 0;
		r = syscall(nr, -1L, 0L, 0L, (long)AT_FDCWD, 0L);
		if (r < 0 && errno == EPERM)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return KILLED;
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 3);
	return WEXITSTATUS(status) == 1 ? REFUSED : ALLOWED;
}

static void
test_fanotify_refused(void **state)
{
	(void)state;
	assert_int_equal(under_filter(__NR_fanotify_mark), REFUSED);
	assert_int_equal(under_filter(__NR_fanotify_init), REFUSED);
	assert_int_equal(under_filter(__NR_getppid), ALLOWED);
}

#if defined(__x86_64__)
/*
 * x32 system calls come with the x86-64 audit architecture and the number
 * with bit 30 set: a filter that compares numbers alone lets
 * fanotify_mark() through that door, if the kernel has x32 enabled.
 */
static void
test_x32_killed(void **state)
{
	(void)state;
	assert_int_equal(under_filter(__X32_SYSCALL_BIT | __NR_fanotify_mark),
	    KILLED);
	assert_int_equal(under_filter(__X32_SYSCALL_BIT | __NR_fanotify_init),
	    KILLED);
	assert_int_equal(under_filter(__X32_SYSCALL_BIT | __NR_getppid),
	    KILLED);
}

/* An i386 system call (int $0x80), with or without the filter. */
static int
int80_child(bool filter)
{
	pid_t pid;
	int status;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		long ret, nr = 64;	/* getppid on i386 */

		if (filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_seccomp() < 0))
			_exit(3);
		__asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
		_exit(ret == getppid() ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* The other architecture this CPU runs is killed at once. */
static void
test_i386_killed(void **state)
{
	int status;

	(void)state;
	status = int80_child(false);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		skip();		/* no ia32 emulation in this kernel */
	status = int80_child(true);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}
#endif

/* What the gate may still do (0), and what it may not (EPERM). */
static void
test_gate_filter(void **state)
{
	char *const argv[] = { "/bin/true", NULL };
	pid_t pid;
	int status, fd;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_seccomp_gate() < 0)
			_exit(3);
		/* Reading: yes. */
		if ((fd = open("/proc/self/status", O_RDONLY)) < 0)
			_exit(10);
		close(fd);
		if (getppid() <= 0)
			_exit(11);
		/* Writing, creating, truncating, exec, fork, signals: no. */
		if (open("/dev/null", O_WRONLY) >= 0 || errno != EPERM)
			_exit(12);
		if (open("/dev/null", O_RDWR) >= 0 || errno != EPERM)
			_exit(13);
		if (openat(AT_FDCWD, "/tmp/prochook-gate-test", O_RDONLY |
		    O_CREAT, 0600) >= 0 || errno != EPERM)
			_exit(14);
		if (execv("/bin/true", argv) == 0 || errno != EPERM)
			_exit(15);
		if (syscall(__NR_execveat, AT_FDCWD, "/bin/true", argv, NULL,
		    0) == 0 || errno != EPERM)
			_exit(16);
		if (fork() >= 0 || errno != EPERM)
			_exit(17);
		if (kill(getppid(), 0) == 0 || errno != EPERM)
			_exit(18);
		if (syscall(__NR_ptrace, 0L, 0L, 0L, 0L) == 0 || errno != EPERM)
			_exit(19);
		if (unlink("/tmp/prochook-gate-test-none") == 0 ||
		    errno != EPERM)
			_exit(20);
		if (setuid(0) == 0 || errno != EPERM)
			_exit(21);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("gate filter: child status 0x%x (exit %d: the check "
		    "that failed)", status, WEXITSTATUS(status));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanotify_refused),
		cmocka_unit_test(test_gate_filter),
#if defined(__x86_64__)
		cmocka_unit_test(test_x32_killed),
		cmocka_unit_test(test_i386_killed),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
