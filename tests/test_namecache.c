/*
 * test_namecache.c - what the name cache keeps, and the file-system
 * behaviour it stands on: a rename or a new link changes the file's ctime.
 * The tree is made under a directory of root's (mode 755) when run as
 * root; otherwise every path is someone else's, and only the refusals are
 * tested (loudly said).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "testutil.h"
#include "namecache.h"

static char top[] = "/run/test-namecache.XXXXXX";
static char alt[] = "/tmp/test-namecache.XXXXXX";
static const char *base;

static int
setup(void **state)
{
	(void)state;
	base = mkdtemp(top) != NULL ? top : mkdtemp(alt);
	if (base == NULL)
		return -1;
	chmod(base, 0755);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static bool
root_only(const char *path)
{
	return namecache_root_only(path, strlen(path));
}

/* Make file (a copy of nothing: an empty regular file) and open it. */
static int
make_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	assert_true(fd >= 0);
	return fd;
}

static void
test_paths_refused(void **state)
{
	(void)state;
	/* Not a path d_path() writes. */
	assert_false(namecache_root_only("", 0));
	assert_false(root_only("bin/true"));
	assert_false(root_only("/usr//bin/true"));
	assert_false(root_only("/usr/./bin/true"));
	assert_false(root_only("/usr/../usr/bin/true"));
	assert_false(root_only("/usr/bin/"));
	assert_false(root_only("/usr/bin/."));
	assert_false(namecache_root_only("/usr/bin/tr\0ue", 14));
	/* A directory that does not exist, or is a file. */
	assert_false(root_only("/nonexistent-dir-of-test/true"));
	assert_false(root_only("/etc/passwd/true"));
}

static void
test_directories(void **state)
{
	char p[256], f[300];

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED test_directories: needs root (root's "
		    "directories to test)\n");
		skip();
	}
	/* Root's, mode 755 all the way: kept. */
	snprintf(p, sizeof(p), "%s/bin", base);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(f, sizeof(f), "%s/prog", p);
	assert_true(root_only(f));
	/* Writable by the group or others, not sticky: refused. */
	assert_int_equal(chmod(p, 0775), 0);
	assert_false(root_only(f));
	assert_int_equal(chmod(p, 0757), 0);
	assert_false(root_only(f));
	/* Sticky (as /tmp): others rename only their own entries. */
	assert_int_equal(chmod(p, 01777), 0);
	assert_true(root_only(f));
	/* Someone else's directory below it: refused. */
	snprintf(p, sizeof(p), "%s/bin/user", base);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(chown(p, 65534, 65534), 0);
	snprintf(f, sizeof(f), "%s/prog", p);
	assert_false(root_only(f));
	/* A symbolic link on the way (d_path() never gives one): refused. */
	snprintf(p, sizeof(p), "%s/link", base);
	snprintf(f, sizeof(f), "%s/bin", base);
	assert_int_equal(symlink(f, p), 0);
	snprintf(f, sizeof(f), "%s/link/prog", base);
	assert_false(root_only(f));
}

/* What the cache stands on: a rename, a link, change the ctime. */
static void
test_rename_and_link_change_key(void **state)
{
	struct namecache_key k0, k1;
	struct stat sb;
	char a[300], b[300];
	int fd;

	(void)state;
	snprintf(a, sizeof(a), "%s/a", base);
	snprintf(b, sizeof(b), "%s/b", base);
	fd = make_file(a);
	assert_int_equal(namecache_stat(fd, &k0, &sb), 0);
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(namecache_stat(fd, &k1, &sb), 0);
	assert_true(k0.ctime_sec != k1.ctime_sec ||
	    k0.ctime_nsec != k1.ctime_nsec);
	assert_int_equal(link(b, a), 0);
	k0 = k1;
	assert_int_equal(namecache_stat(fd, &k1, &sb), 0);
	assert_true(k0.ctime_sec != k1.ctime_sec ||
	    k0.ctime_nsec != k1.ctime_nsec);
	assert_int_equal(sb.st_nlink, 2);
	close(fd);
	unlink(a);
	unlink(b);
}

static void
test_put_get(void **state)
{
	struct namecache *c = namecache_new();
	struct namecache_key k, k2;
	struct stat sb;
	char a[300], l[300];
	const char *got;
	size_t len = 0;
	int fd;

	(void)state;
	assert_non_null(c);
	snprintf(a, sizeof(a), "%s/prog", base);
	fd = make_file(a);
	assert_int_equal(namecache_stat(fd, &k, &sb), 0);
	assert_null(namecache_get(c, &k, &len));
	if (geteuid() == 0) {
		assert_true(namecache_put(c, fd, &k, &sb, a, strlen(a)));
		got = namecache_get(c, &k, &len);
		assert_non_null(got);
		assert_string_equal(got, a);
		assert_int_equal(len, strlen(a));
		/* Another ctime is another key. */
		k2 = k;
		k2.ctime_nsec ^= 1;
		assert_null(namecache_get(c, &k2, &len));
		/* A path that names another file is not kept. */
		snprintf(l, sizeof(l), "%s/other", base);
		close(make_file(l));
		assert_false(namecache_put(c, fd, &k, &sb, l, strlen(l)));
		/* Two links: not kept. */
		unlink(l);
		assert_int_equal(link(a, l), 0);
		assert_int_equal(namecache_stat(fd, &k2, &sb), 0);
		assert_false(namecache_put(c, fd, &k2, &sb, a, strlen(a)));
		unlink(l);
		/* Kept for a second, not longer. */
		assert_int_equal(namecache_stat(fd, &k, &sb), 0);
		assert_true(namecache_put(c, fd, &k, &sb, a, strlen(a)));
		assert_non_null(namecache_get(c, &k, &len));
		usleep(NAMECACHE_TTL_NS / 1000 + 50000);
		assert_null(namecache_get(c, &k, &len));
	} else {
		fprintf(stderr, "SKIPPED part of test_put_get: needs root\n");
		assert_false(namecache_put(c, fd, &k, &sb, a, strlen(a)));
	}
	/* Not a regular file: a directory. */
	close(fd);
	fd = open(base, O_RDONLY | O_DIRECTORY);
	assert_int_equal(namecache_stat(fd, &k, &sb), 0);
	assert_false(namecache_put(c, fd, &k, &sb, base, strlen(base)));
	close(fd);
	unlink(a);
	namecache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_refused),
		cmocka_unit_test(test_directories),
		cmocka_unit_test(test_rename_and_link_change_key),
		cmocka_unit_test(test_put_get),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
