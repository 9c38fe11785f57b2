/*
 * test_notify.c - the readiness message, to real sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "testutil.h"
#include "notify.h"

static void
test_parse(void **state)
{
	struct sockaddr_un sa;
	socklen_t len;
	char longp[200];

	(void)state;
	assert_int_equal(notify_parse("/run/systemd/notify", &sa, &len), 0);
	assert_string_equal(sa.sun_path, "/run/systemd/notify");
	assert_int_equal(notify_parse("@abstract", &sa, &len), 0);
	assert_int_equal(sa.sun_path[0], '\0');
	assert_memory_equal(sa.sun_path + 1, "abstract", 8);
	assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 9);
	assert_true(notify_parse("relative", &sa, &len) < 0);
	assert_true(notify_parse("", &sa, &len) < 0);
	assert_true(notify_parse("@", &sa, &len) < 0);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_true(notify_parse(longp, &sa, &len) < 0);
}

/* Bind a datagram socket at name, send READY=1 through it, read it back. */
static void
roundtrip(const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	char buf[64];
	ssize_t n;
	int fd;

	assert_int_equal(notify_parse(name, &sa, &len), 0);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify_init(), 1);
	/* Taken out of the environment, so no hook inherits it. */
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(notify_send("READY=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 7);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1");
	close(fd);
}

static void
test_path_socket(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/prochook-notify-%d", (int)getpid());
	unlink(path);
	roundtrip(path);
	unlink(path);
}

static void
test_abstract_socket(void **state)
{
	char name[64];

	(void)state;
	snprintf(name, sizeof(name), "@prochook-notify-%d", (int)getpid());
	roundtrip(name);
}

static void
test_unset(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_init(), 0);
	setenv("NOTIFY_SOCKET", "not-absolute", 1);
	assert_true(notify_init() < 0);
	assert_null(getenv("NOTIFY_SOCKET"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_unset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
