/*
 * test_hookfile.c - the hook-file check: what makes a hook unsafe to run
 * as root (its owner, mode and type, and those of every directory on its
 * path, symlinks followed), the messages that say why, and that the
 * descriptor returned is the file checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "hookfile.h"

static char tmpdir[] = "/tmp/prochook-test.XXXXXX";

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/*
 * A new directory for the tree, under /run (root's, mode 755) so that the
 * checks pass wherever the checkout is (a clone under /tmp, writable by
 * others, would refuse every hook); under build/ where /run is missing.
 */
static char *
root_tmpdir(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "/run/test-%s.XXXXXX", name);
	if (mkdtemp(buf) != NULL)
		return buf;
	if (mkdir("build", 0755) < 0 && errno != EEXIST)
		return NULL;
	snprintf(buf, size, "build/%s.XXXXXX", name);
	return mkdtemp(buf);
}

static void
test_hook_safe(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX], link[PATH_MAX], sub[PATH_MAX];
	char why[PATH_MAX + 128], want[PATH_MAX + 64], *real;
	int r;

	(void)state;
	assert_int_equal(config_hook_safe("/bin/true", why, sizeof(why)), 0);
	assert_int_equal(config_hook_safe("/usr/bin/env", why, sizeof(why)), 0);
	r = config_hook_safe("/no/such/hook", why, sizeof(why));
	assert_int_equal(r, -ENOENT);
	assert_string_equal(why, "/no/such/hook: No such file or directory");
	assert_int_not_equal(config_hook_safe("/tmp", why, sizeof(why)), 0);
	assert_string_equal(why, "/tmp: not a regular file");
	assert_int_not_equal(config_hook_safe("/etc/passwd", why, sizeof(why)),
	    0);
	assert_string_equal(why, "/etc/passwd: not executable");

	/* under /tmp: world-writable even with the sticky bit */
	snprintf(path, sizeof(path), "%s/hook", tmpdir);
	write_file(path, "#!/bin/sh\n");
	chmod(path, 0755);
	chmod(tmpdir, 0755);
	assert_int_equal(config_hook_safe(path, why, sizeof(why)), -EPERM);
	assert_string_equal(why, "/tmp: directory writable by others");
	unlink(path);

	/* the rest needs root and a build tree no one else can write */
	if (geteuid() != 0)
		skip();
	assert_non_null(root_tmpdir(dir, sizeof(dir), "hooksafe"));
	chmod(dir, 0755);
	real = realpath(dir, NULL);
	assert_non_null(real);
	snprintf(path, sizeof(path), "%s/hook", real);
	write_file(path, "#!/bin/sh\n");
	chmod(path, 0755);
	r = config_hook_safe(path, why, sizeof(why));
	if (r != 0 && strstr(why, "directory") != NULL) {
		print_message("skipped: %s\n", why);
		unlink(path);
		rmdir(real);
		free(real);
		skip();
	}
	assert_int_equal(r, 0);

	/* a symlink to a safe file is judged by the file */
	snprintf(link, sizeof(link), "%s/link", real);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(config_hook_safe(link, why, sizeof(why)), 0);
	unlink(link);
	assert_int_equal(symlink("/tmp", link), 0);
	assert_int_not_equal(config_hook_safe(link, why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "/tmp: not a regular file (through the "
	    "symlink %s)", link);
	assert_string_equal(why, want);
	unlink(link);

	chmod(path, 0775);
	assert_int_equal(config_hook_safe(path, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "/hook: writable by group"));
	chmod(path, 0757);
	assert_int_equal(config_hook_safe(path, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "/hook: writable by others"));
	chmod(path, 0644);
	assert_int_not_equal(config_hook_safe(path, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "/hook: not executable"));
	chmod(path, 0755);
	assert_int_equal(chown(path, 65534, 0), 0);
	assert_int_equal(config_hook_safe(path, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "/hook: owned by uid 65534, not root"));
	assert_int_equal(chown(path, 0, 0), 0);

	/* a directory on the way that others can write */
	snprintf(sub, sizeof(sub), "%s/sub", real);
	assert_int_equal(mkdir(sub, 0775), 0);
	chmod(sub, 0775);
	snprintf(link, sizeof(link), "%s/sub/hook", real);
	write_file(link, "#!/bin/sh\n");
	chmod(link, 0755);
	assert_int_equal(config_hook_safe(link, why, sizeof(why)), -EPERM);
	snprintf(want, sizeof(want), "%s: directory writable by group", sub);
	assert_string_equal(why, want);
	chmod(sub, 0757);
	assert_int_equal(config_hook_safe(link, why, sizeof(why)), -EPERM);
	snprintf(want, sizeof(want), "%s: directory writable by others", sub);
	assert_string_equal(why, want);
	chmod(sub, 01777);
	assert_int_equal(config_hook_safe(link, why, sizeof(why)), -EPERM);
	assert_string_equal(why, want);
	unlink(link);
	rmdir(sub);
	snprintf(path, sizeof(path), "%s/hook", real);
	unlink(path);
	rmdir(real);
	free(real);
}

/* Refused with -e and a message that starts with start, then has rest. */
static void
assert_refused(const char *path, int e, const char *start, const char *rest)
{
	char why[PATH_MAX + 256];

	why[0] = '\0';
	if (config_hook_safe(path, why, sizeof(why)) != e ||
	    strncmp(why, start, strlen(start)) != 0 ||
	    strcmp(why + strlen(start), rest) != 0)
		fail_msg("%s: got \"%s\", want %d \"%s%s\"", path, why, e,
		    start, rest);
}

/*
 * Symlinks on a hook's path, in a tree the test makes (as root, in a
 * build directory no one else can write): every directory in which a name
 * is looked up must be root's alone, and the descriptor returned is the
 * file checked, whatever happens to the path afterwards.
 */
static void
test_hook_symlinks(void **state)
{
	char top[PATH_MAX], *r, p[PATH_MAX], q[PATH_MAX], why[PATH_MAX + 256];
	char v[PATH_MAX], name[NAME_MAX + 2];
	struct stat st, st2;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_non_null(root_tmpdir(top, sizeof(top), "hooklinks"));
	chmod(top, 0755);
	r = realpath(top, NULL);
	assert_non_null(r);
#define P(...)	(snprintf(p, sizeof(p), __VA_ARGS__), p)
#define Q(...)	(snprintf(q, sizeof(q), __VA_ARGS__), q)
#define V(...)	(snprintf(v, sizeof(v), __VA_ARGS__), v)
	write_file(P("%s/hook", r), "#!/bin/sh\n");
	chmod(p, 0755);
	if (config_hook_safe(p, why, sizeof(why)) != 0) {
		print_message("skipped: %s\n", why);
		unlink(p);
		rmdir(r);
		free(r);
		skip();
	}

	/* A symlink in a directory another user owns, directly or not. */
	assert_int_equal(mkdir(P("%s/u", r), 0755), 0);
	assert_int_equal(chown(p, 65534, 65534), 0);
	assert_int_equal(symlink(Q("%s/hook", r), P("%s/u/link", r)), 0);
	assert_refused(p, -EPERM, Q("%s/u: directory owned by uid 65534, "
	    "not root", r), "");
	assert_int_equal(symlink(Q("%s/u/link", r), P("%s/tt", r)), 0);
	assert_refused(p, -EPERM, Q("%s/u: directory owned by uid 65534, "
	    "not root", r), V(" (through the symlink %s/tt)", r));
	/* ... or reached through a symlinked directory */
	assert_int_equal(symlink("u", P("%s/ud", r)), 0);
	assert_refused(P("%s/ud/link", r), -EPERM, Q("%s/u: directory owned "
	    "by uid 65534, not root", r), V(" (through the symlink %s/ud)",
	    r));

	/* A symlink in a root directory a group or everyone can write. */
	assert_int_equal(mkdir(P("%s/g", r), 0775), 0);
	chmod(p, 0775);
	assert_int_equal(symlink("../hook", P("%s/g/link", r)), 0);
	assert_refused(p, -EPERM, Q("%s/g: directory writable by group", r),
	    "");
	chmod(Q("%s/g", r), 01777);
	assert_refused(p, -EPERM, Q("%s/g: directory writable by others", r),
	    "");

	/* Symlinks that stay within root's directories are fine. */
	assert_int_equal(mkdir(P("%s/ok", r), 0755), 0);
	assert_int_equal(symlink("../hook", P("%s/ok/link", r)), 0);
	assert_int_equal(config_hook_safe(p, why, sizeof(why)), 0);
	assert_int_equal(symlink("ok", P("%s/okd", r)), 0);
	assert_int_equal(config_hook_safe(P("%s/okd/link", r), why,
	    sizeof(why)), 0);
	assert_int_equal(symlink(Q("%s/okd/./link", r), P("%s/abs", r)), 0);
	assert_int_equal(config_hook_safe(p, why, sizeof(why)), 0);
	assert_int_equal(config_hook_safe(P("%s//ok/../ok/link", r), why,
	    sizeof(why)), 0);

	/* The descriptor is the file checked, the path may change after. */
	fd = config_hook_open(P("%s/abs", r), why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(unlink(P("%s/ok/link", r)), 0);
	assert_int_equal(symlink("/bin/true", p), 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(stat(P("%s/hook", r), &st2), 0);
	assert_true(st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	close(fd);

	/* Not a hook file, or no path to one. */
	assert_int_equal(mkfifo(P("%s/fifo", r), 0755), 0);
	assert_refused(p, -EPERM, Q("%s/fifo: not a regular file", r), "");
	assert_refused(P("%s/okd", r), -EPERM, Q("%s/ok: not a regular file",
	    r), V(" (through the symlink %s/okd)", r));
	assert_refused("/", -EPERM, "/: not a regular file", "");
	assert_refused(P("%s/hook/", r), -ENOTDIR, Q("%s/hook: not a "
	    "directory", r), "");
	assert_refused(P("%s/hook/x", r), -ENOTDIR, Q("%s/hook: not a "
	    "directory", r), "");
	assert_refused("hook", -EINVAL, "hook: not an absolute path", "");
	assert_refused("", -EINVAL, ": not an absolute path", "");
	assert_int_equal(symlink("l2", P("%s/l1", r)), 0);
	assert_int_equal(symlink("l1", P("%s/l2", r)), 0);
	assert_refused(p, -ELOOP, p, ": Too many levels of symbolic links");
	assert_int_equal(symlink("nowhere", P("%s/dangling", r)), 0);
	assert_refused(p, -ENOENT, p, ": No such file or directory");
	memset(name, 'x', NAME_MAX + 1);
	name[NAME_MAX + 1] = '\0';
	snprintf(q, sizeof(q), "/%s", name);
	assert_refused(q, -ENAMETOOLONG, q, ": File name too long");

	assert_int_equal(system(Q("rm -rf '%s'", r)), 0);
	free(r);
#undef P
#undef Q
#undef V
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_safe),
		cmocka_unit_test(test_hook_symlinks),
	};
	int r;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(tmpdir);
	return r;
}
