/*
 * test_exe.c - mountinfo lines, and (as root) naming real execs from
 * fanotify notifications.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "testutil.h"
#include "binfmt.h"
#include "exe.h"

static void
test_mountinfo(void **state)
{
	char line[] = "36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime "
	    "master:1 - ext3 /dev/root rw,errors=continue\n";
	char bad[] = "36 35 98:0 /mnt1\n";
	char *mnt, *type;

	(void)state;
	assert_int_equal(exe_parse_mountinfo(line, &mnt, &type), 0);
	assert_string_equal(mnt, "/mnt with space");
	assert_string_equal(type, "ext3");
	assert_true(exe_parse_mountinfo(bad, &mnt, &type) < 0);
}

/* Run path with argv0 and wait; returns its pid. */
static pid_t
run(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	assert_true(waitpid(pid, &st, 0) == pid);
	return pid;
}

static void
test_fanotify_real(void **state)
{
	char script[] = "/tmp/prochook-exe-XXXXXX";
	struct table *t;
	struct exe_src *x;
	struct exe_name en;
	struct stat sb;
	struct str *s;
	unsigned n;
	pid_t pid;
	int fd;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: test_fanotify_real needs root "
		    "(fanotify marks whole file systems)\n");
		skip();
	}
	t = table_new();
	assert_int_equal(exe_open(&x), 0);
	fd = open("/proc/self/mountinfo", O_RDONLY);
	assert_int_equal(exe_mark_mounts(x, fd, &n), 0);
	close(fd);
	assert_true(n > 0);

	/* A dynamic executable: named, not its loader. */
	pid = run("/bin/true");
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_take(x, pid, 1, t, &en));
	s = en.path;
	assert_true(strcmp(s->s, "/usr/bin/true") == 0 ||
	    strcmp(s->s, "/bin/true") == 0);
	assert_false(en.setid);
	/* The file itself, as stat names it. */
	assert_int_equal(stat(s->s, &sb), 0);
	assert_true(en.id.dev == sb.st_dev && en.id.ino == sb.st_ino);
	exe_name_clear(t, &en);
	/* Taken once. */
	assert_false(exe_take(x, pid, 1, t, &en));

	/* A script: the interpreter, as /proc/PID/exe would say. */
	fd = mkstemp(script);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\nexit 0\n", 17), 17);
	fchmod(fd, 0755);
	close(fd);
	pid = run(script);
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_take(x, pid, 1, t, &en));
	s = en.path;
	assert_true(strstr(s->s, "sh") != NULL);
	assert_null(strstr(s->s, "ld-linux"));
	/* ... and the script itself. */
	assert_non_null(en.script);
	assert_string_equal(en.script->s, script);
	exe_name_clear(t, &en);

	/* Two execs of one pid read at once: each gets its own name. */
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec /bin/true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_take(x, pid, 2, t, &en));
	s = en.path;
	assert_true(strstr(s->s, "sh") != NULL || strstr(s->s, "dash") != NULL);
	exe_name_clear(t, &en);
	assert_true(exe_take(x, pid, 1, t, &en));
	s = en.path;
	assert_non_null(strstr(s->s, "/true"));
	exe_name_clear(t, &en);
	assert_false(exe_take(x, pid, 1, t, &en));

	/*
	 * A failed exec's file before the real one: no name from the
	 * notifications (a process could hide behind it); the caller reads
	 * /proc instead.  The same when the files of a second exec are there
	 * but only one exec is to be named.
	 */
	fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_int_equal(write(fd, "not a program\n", 14), 14);
	close(fd);
	pid = fork();
	if (pid == 0) {
		execl(script, script, (char *)NULL);	/* ENOEXEC */
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	assert_int_equal(exe_drain(x, t), 0);
	assert_false(exe_take(x, pid, 1, t, &en));
	assert_int_equal(exe_stats(x)->ambiguous, 1);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec /bin/true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	assert_int_equal(exe_drain(x, t), 0);
	assert_false(exe_take(x, pid, 1, t, &en));
	unlink(script);

	/* A set-user-ID program says so. */
	if (access("/usr/bin/passwd", X_OK) == 0) {
		pid = fork();
		if (pid == 0) {
			int dn = open("/dev/null", O_RDWR);

			dup2(dn, 0);
			dup2(dn, 1);
			dup2(dn, 2);
			execl("/usr/bin/passwd", "passwd", "--help", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
		assert_int_equal(exe_drain(x, t), 0);
		assert_true(exe_take(x, pid, 1, t, &en));
		assert_true(en.setid);
		exe_name_clear(t, &en);
	}
	/*
	 * "#!/bin/sh" and nothing else: the kernel zero-pads a short file,
	 * so the interpreter is /bin/sh, not "/bin/s".
	 */
	fd = open(script, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_int_equal(write(fd, "#!/bin/sh", 9), 9);
	close(fd);
	pid = run(script);
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_take(x, pid, 1, t, &en));
	{
		char sh[PATH_MAX];

		assert_non_null(realpath("/bin/sh", sh));
		assert_string_equal(en.path->s, sh);
	}
	assert_string_equal(en.script->s, script);
	exe_name_clear(t, &en);
	unlink(script);

	/*
	 * A program run from a memfd: only its loader is seen.  The loader
	 * is not the name; the caller reads /proc (/memfd:NAME (deleted)).
	 */
	pid = fork();
	if (pid == 0) {
		static char *const av[] = { "payload", NULL };
		char buf[65536];
		int in = open("/bin/true", O_RDONLY), mfd;
		ssize_t k;

		mfd = memfd_create("payload", 0);
		while ((k = read(in, buf, sizeof(buf))) > 0)
			if (write(mfd, buf, (size_t)k) != k)
				_exit(126);
		fexecve(mfd, av, environ);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	assert_int_equal(exe_drain(x, t), 0);
	assert_false(exe_take(x, pid, 1, t, &en));
	assert_true(en.loader);
	assert_null(en.path);

	/* The loader run as a command: not named after the loader either. */
	pid = fork();
	if (pid == 0) {
		char ld[PATH_MAX];
		int efd = open("/bin/true", O_RDONLY);
		ssize_t k;
		unsigned char hdr[4096];
		uint64_t off, size;

		k = pread(efd, hdr, sizeof(hdr), 0);
		if (k <= 0 || binfmt_elf_interp(hdr, (size_t)k, &off, &size) < 0 ||
		    pread(efd, ld, size, (off_t)off) != (ssize_t)size)
			_exit(126);
		ld[size] = '\0';
		execl(ld, ld, "/bin/true", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	assert_int_equal(exe_drain(x, t), 0);
	assert_false(exe_take(x, pid, 1, t, &en));
	assert_true(en.loader);
	exe_close(x, t);
	table_free(t);
}

/*
 * More pids with unclaimed notes than the table holds (failed execs by
 * the thousand): what was dropped is counted, a pid whose notes were
 * dropped gets no name from what is left at its next exec (the caller
 * reads /proc), and a pid that came after is named as before.
 */
static void
test_fanotify_overflow(void **state)
{
	char bad[] = "/tmp/prochook-bad-XXXXXX";
	struct table *t;
	struct exe_src *x;
	struct exe_name en;
	unsigned n, i;
	pid_t first, pid;
	int fd;

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: test_fanotify_overflow needs root\n");
		skip();
	}
	t = table_new();
	assert_int_equal(exe_open(&x), 0);
	fd = open("/proc/self/mountinfo", O_RDONLY);
	assert_int_equal(exe_mark_mounts(x, fd, &n), 0);
	close(fd);
	fd = mkstemp(bad);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a program\n", 14), 14);
	fchmod(fd, 0755);
	close(fd);

	first = run("/bin/true");
	assert_int_equal(exe_drain(x, t), 0);
	for (i = 0; i < 1100; i++) {
		(void)run(bad);		/* ENOEXEC */
		if (i % 256 == 0)
			assert_int_equal(exe_drain(x, t), 0);
	}
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_stats(x)->evicted >= 1000);
	assert_false(exe_take(x, first, 1, t, &en));
	assert_int_equal(en.id.ino, 0);
	pid = run("/bin/true");
	assert_int_equal(exe_drain(x, t), 0);
	assert_true(exe_take(x, pid, 1, t, &en));
	assert_non_null(strstr(en.path->s, "/true"));
	assert_true(en.id.ino != 0);
	exe_name_clear(t, &en);
	unlink(bad);
	exe_close(x, t);
	table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_fanotify_real),
		cmocka_unit_test(test_fanotify_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
