/*
 * test_exename.c - names as the host sees them, and the program a dynamic
 * loader run as a command loads.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"
#include "binfmt.h"
#include "exename.h"
#include "proc.h"

/* The program of a loader's arguments, options skipped. */
static void
test_loader_program(void **state)
{
	static const struct {
		const char	*argv;
		size_t		 len;
		const char	*want;
	} cases[] = {
		{ "ld.so\0/bin/true\0", 16, "/bin/true" },
		{ "ld.so\0--argv0\0x\0./prog\0a\0", 26, "./prog" },
		{ "ld.so\0--library-path\0/l\0--preload\0p\0--list\0y\0",
		  46, "y" },
		{ "ld.so\0--inhibit-cache\0--audit\0a\0z\0", 35, "z" },
		{ "ld.so\0", 6, NULL },
		{ "ld.so\0--argv0\0", 15, NULL },
		{ "ld.so\0\0", 7, NULL },		/* an empty name */
		{ "ld.so\0/bin/true", 15, NULL },	/* not NUL ended */
		{ "", 0, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = exename_loader_program(cases[i].argv,
		    cases[i].len);

		if (cases[i].want == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(got, cases[i].want);
		}
	}
}

/* A path is the host's name only where it resolves to that very file. */
static void
test_host_name(void **state)
{
	char buf[PATH_MAX + 32];
	struct stat sb, other;
	int fd;

	(void)state;
	assert_int_equal(stat("/bin/sh", &sb), 0);
	assert_int_equal(stat("/etc/passwd", &other), 0);
	assert_int_equal(exename_host("/bin/sh", sb.st_dev, sb.st_ino, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "/bin/sh");
	/* What a bind mount in a private namespace shows: another file. */
	assert_int_equal(exename_host("/bin/sh", other.st_dev, other.st_ino,
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, EXENAME_UNREACHABLE "/bin/sh");
	assert_int_equal(exename_host("/nonexistent/x", sb.st_dev,
	    sb.st_ino, buf, sizeof(buf)), 0);
	assert_string_equal(buf, EXENAME_UNREACHABLE "/nonexistent/x");
	/* The kernel's name of a memfd, on the memfd file system only. */
	fd = memfd_create("payload", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &other), 0);
	assert_int_equal(exename_host("/memfd:payload (deleted)",
	    other.st_dev, other.st_ino, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/memfd:payload (deleted)");
	assert_int_equal(exename_host("/memfd:payload (deleted)",
	    sb.st_dev, sb.st_ino, buf, sizeof(buf)), 0);
	assert_string_equal(buf, EXENAME_UNREACHABLE "/memfd:payload (deleted)");
	close(fd);
	assert_true(exename_host("/bin/sh", sb.st_dev, sb.st_ino, buf, 4) < 0);
}

/* ld.so PROGRAM is named PROGRAM, resolved in the process's directory. */
static void
test_proc_loader(void **state)
{
	char buf[PATH_MAX + 32], ld[PATH_MAX], path[64], want[PATH_MAX];
	struct exe_id id;
	struct stat sb;
	pid_t pid;
	int dfd, p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		char c;

		close(p[1]);
		(void)read(p[0], &c, 1);	/* until the parent has looked */
		_exit(0);
	}
	close(p[0]);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* Not a loader: the program itself, and no loader. */
	assert_int_equal(exename_proc(dfd, buf, sizeof(buf), ld, sizeof(ld),
	    &id), 0);
	assert_int_equal(stat(buf, &sb), 0);
	assert_true(sb.st_dev == id.dev && sb.st_ino == id.ino);
	assert_string_equal(ld, "");
	close(dfd);
	(void)write(p[1], "x", 1);
	close(p[1]);
	waitpid(pid, NULL, 0);

	/* The system's loader running /bin/true by a relative name. */
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		char c, interp[PATH_MAX];
		int fd = open("/proc/self/exe", O_RDONLY);

		close(p[1]);
		if (fd < 0 || chdir("/bin") < 0)
			_exit(126);
		/* Stop before the exec: the parent reads while it sleeps. */
		(void)read(p[0], &c, 1);
		if (binfmt_read_interp(fd, interp, sizeof(interp)) < 0)
			_exit(126);
		execl(interp, interp, "./sleep", "1", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	(void)write(p[1], "x", 1);
	close(p[1]);
	usleep(200000);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dfd = open(path, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(exename_proc(dfd, buf, sizeof(buf), ld, sizeof(ld),
	    &id), 0);
	assert_non_null(realpath("/bin/sleep", want));
	assert_string_equal(buf, want);
	assert_true(ld[0] == '/');
	assert_non_null(strstr(ld, "ld-"));
	close(dfd);
	waitpid(pid, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loader_program),
		cmocka_unit_test(test_host_name),
		cmocka_unit_test(test_proc_loader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
