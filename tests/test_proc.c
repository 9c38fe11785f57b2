/*
 * test_proc.c - reading /proc/PID files, against a fake tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"
#include "proc.h"

static int
open_fake(pid_t pid)
{
	int procfd = open(TEST_DATA "/proc", O_RDONLY | O_DIRECTORY);
	int fd;

	assert_true(procfd >= 0);
	fd = proc_open(procfd, pid);
	close(procfd);
	return fd;
}

static void
test_normal(void **state)
{
	char buf[PROC_CMDLINE_MAX + 1];
	struct proc_status ps;
	struct proc_stat st;
	size_t len;
	int fd = open_fake(100);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(proc_read_cmdline(fd, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "/usr/bin/sleep 100");
	assert_int_equal(len, strlen("/usr/bin/sleep 100"));
	assert_int_equal(proc_read_stat(fd, &st), 0);
	assert_string_equal(st.comm, "sleep");
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.flags, 4194304);
	assert_int_equal(st.starttime, 12345);
	assert_int_equal(proc_read_status(fd, &ps), 0);
	assert_int_equal(ps.tgid, 100);
	assert_int_equal(ps.uid, 1000);
	assert_int_equal(ps.euid, 1001);
	assert_int_equal(ps.gid, 2000);
	assert_int_equal(ps.egid, 2001);
	assert_int_equal(proc_read_cgroup(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/ssh.service");
	assert_int_equal(proc_read_exe(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/usr/bin/sleep");
	close(fd);
}

/* A kernel thread: empty cmdline, no exe, v1 and v2 cgroup lines. */
static void
test_kernel_thread(void **state)
{
	char buf[256];
	struct proc_status ps;
	struct proc_stat st;
	size_t len = 99;
	int fd = open_fake(101);

	(void)state;
	/* No arguments at all: unknown, unlike an empty argument list. */
	assert_int_equal(proc_read_cmdline(fd, buf, sizeof(buf), &len),
	    -ENODATA);
	assert_int_equal(proc_read_stat(fd, &st), 0);
	assert_string_equal(st.comm, "kworker/0:1");
	assert_int_equal(st.ppid, 2);
	assert_int_equal(proc_read_cgroup(fd, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/init.scope");
	assert_int_equal(proc_read_exe(fd, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(proc_read_status(fd, &ps), -ENOENT);
	close(fd);
}

/* A name with a newline and parentheses; NULs and a newline in argv. */
static void
test_hostile_names(void **state)
{
	char buf[256];
	struct proc_status ps;
	struct proc_stat st;
	size_t len;
	int fd = open_fake(102);

	(void)state;
	assert_int_equal(proc_read_stat(fd, &st), 0);
	assert_string_equal(st.comm, "a) b\n(c");
	assert_int_equal(st.ppid, 100);
	assert_int_equal(st.starttime, 99999);
	assert_int_equal(proc_read_cmdline(fd, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 7);
	assert_memory_equal(buf, "x y z \n", 7);
	/* Gid: has one number only: refused. */
	assert_int_equal(proc_read_status(fd, &ps), -EINVAL);
	/* Only a v1 line: no v2 path. */
	assert_int_equal(proc_read_cgroup(fd, buf, sizeof(buf)), -ENOENT);
	close(fd);
}

static void
test_missing(void **state)
{
	char buf[64];
	struct proc_stat st;
	size_t len;
	int fd = open_fake(103);
	int procfd = open(TEST_DATA "/proc", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_equal(proc_read_cmdline(fd, buf, sizeof(buf), &len), -ENOENT);
	assert_int_equal(proc_read_stat(fd, &st), -ENOENT);
	close(fd);
	assert_int_equal(proc_open(procfd, 999), -ENOENT);
	close(procfd);
}

/* By pid from /proc itself: the same values, and a gone pid says so. */
static void
test_by_pid(void **state)
{
	char buf[PROC_CMDLINE_MAX + 1];
	struct proc_stat st;
	size_t len;
	int procfd = open(TEST_DATA "/proc", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_true(procfd >= 0);
	assert_int_equal(proc_pid_cmdline(procfd, 100, buf, sizeof(buf), &len), 0);
	assert_string_equal(buf, "/usr/bin/sleep 100");
	assert_int_equal(proc_pid_stat(procfd, 100, &st), 0);
	assert_string_equal(st.comm, "sleep");
	assert_int_equal(st.starttime, 12345);
	assert_int_equal(proc_pid_cgroup(procfd, 100, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/ssh.service");
	assert_int_equal(proc_pid_cmdline(procfd, 999, buf, sizeof(buf), &len),
	    -ENOENT);
	assert_int_equal(proc_pid_stat(procfd, 999, &st), -ENOENT);
	assert_int_equal(proc_pid_cgroup(procfd, 999, buf, sizeof(buf)), -ENOENT);
	/* A directory without the file: its read fails, nothing is made up. */
	assert_int_equal(proc_pid_cmdline(procfd, 103, buf, sizeof(buf), &len),
	    -ENOENT);
	close(procfd);
}

/* 200 kB of arguments: cut at the buffer, NUL ended. */
static void
test_long_cmdline(void **state)
{
	char dir[] = "/tmp/prochook-test-XXXXXX", path[64];
	char *big = malloc(200000), buf[PROC_CMDLINE_MAX + 1];
	size_t len, i;
	int fd, dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 200000; i++)
		big[i] = (i % 10 == 9) ? '\0' : 'a';
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, big, 200000), 200000);
	close(fd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(proc_read_cmdline(dfd, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, PROC_CMDLINE_MAX);
	assert_int_equal(strlen(buf), PROC_CMDLINE_MAX);
	assert_int_equal(buf[9], ' ');
	close(dfd);
	unlink(path);
	rmdir(dir);
	free(big);
}

/* argv = { "" } reads as one NUL: a known, empty command line. */
static void
test_empty_argument_list(void **state)
{
	char dir[] = "/tmp/prochook-test-XXXXXX", path[64], buf[64];
	size_t len = 99;
	int fd, dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "", 1), 1);
	close(fd);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(proc_read_cmdline(dfd, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	close(dfd);
	unlink(path);
	rmdir(dir);
}

static void
test_stat_malformed(void **state)
{
	static const char *const bad[] = {
		"", "1 sleep S 1", "1 (sleep S 1 2 3", "1 (x) S",
		"1 (x) S notanumber 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0",
		"(", ")", "()",
	};
	struct proc_stat st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(proc_parse_stat(bad[i], strlen(bad[i]), &st),
		    -EINVAL);
}

static void
test_status_malformed(void **state)
{
	static const char *const bad[] = {
		"", "Tgid:\t1\nUid:\t0\n", "Tgid:\t1\nUid:\tx\t0\nGid:\t0\t0\n",
		"Tgid:\t1\nUid:\t99999999999\t0\nGid:\t0\t0\n",
		"Uid:\t0\t0\nGid:\t0\t0\n",
	};
	struct proc_status ps;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(proc_parse_status(bad[i], strlen(bad[i]), &ps),
		    -EINVAL);
}

static void
test_cgroup_malformed(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(proc_parse_cgroup("0::", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(proc_parse_cgroup("0::/very/long/path", 18, out,
	    sizeof(out)), -EINVAL);
	assert_int_equal(proc_parse_cgroup("0::/a", 5, out, sizeof(out)), 0);
	assert_string_equal(out, "/a");
	assert_int_equal(proc_parse_cgroup("", 0, out, sizeof(out)), -ENOENT);
}

/*
 * v1 lines before the 0:: line fill the read buffer and cut it: no path,
 * rather than the cut one (found by the fuzzer's model).
 */
static void
test_cgroup_cut(void **state)
{
	char dir[] = "/tmp/test_proc.XXXXXX", path[PROC_PATH_MAX], buf[64];
	char out[PROC_PATH_MAX];
	FILE *f;
	int fd, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cgroup", dir);
	assert_non_null(f = fopen(path, "w"));
	memset(buf, 'x', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	for (i = 12; i >= 1; i--)
		fprintf(f, "%d:memory:/%s\n", i, buf);
	fputs("0::/", f);
	for (i = 0; i < 60; i++)
		fputs(buf, f);
	fputc('\n', f);
	fclose(f);
	assert_true((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_not_equal(proc_read_cgroup(fd, out, sizeof(out)), 0);
	close(fd);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normal),
		cmocka_unit_test(test_kernel_thread),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_by_pid),
		cmocka_unit_test(test_long_cmdline),
		cmocka_unit_test(test_empty_argument_list),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_cgroup_malformed),
		cmocka_unit_test(test_cgroup_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
