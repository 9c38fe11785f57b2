/*
 * test_journal.c - the journal's native protocol: the encoder, checked by
 * an independent decoder; sending to a real socket, a large entry through
 * a sealed memfd; and log.c's lines with their fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "testutil.h"
#include "journal.h"
#include "log.h"

#define NFIELDS_MAX	32

/* A field as decoded from an entry. */
struct field {
	char	 key[80];
	char	*val;
	size_t	 len;
};

/*
 * Decode an entry as journald does: KEY=VALUE\n, or KEY\n, a 64-bit
 * little-endian length, that many bytes, \n.  Returns the number of
 * fields, or -1 if the entry is malformed.
 */
static int
decode(const char *b, size_t n, struct field *f, int max)
{
	size_t i = 0, k, len;
	const char *nl, *eq;
	int nf = 0, j;

	while (i < n) {
		if (nf == max)
			return -1;
		nl = memchr(b + i, '\n', n - i);
		if (nl == NULL)
			return -1;
		eq = memchr(b + i, '=', (size_t)(nl - (b + i)));
		k = (size_t)((eq != NULL ? eq : nl) - (b + i));
		if (k == 0 || k >= sizeof(f[nf].key))
			return -1;
		memcpy(f[nf].key, b + i, k);
		f[nf].key[k] = '\0';
		if (eq != NULL) {
			f[nf].val = (char *)eq + 1;
			f[nf].len = (size_t)(nl - eq - 1);
			i = (size_t)(nl - b) + 1;
		} else {
			i = (size_t)(nl - b) + 1;
			if (n - i < 8)
				return -1;
			for (len = 0, j = 7; j >= 0; j--)
				len = len << 8 | (unsigned char)b[i + (size_t)j];
			i += 8;
			if (len > n - i || n - i - len < 1 || b[i + len] != '\n')
				return -1;
			f[nf].val = (char *)b + i;
			f[nf].len = len;
			i += len + 1;
		}
		nf++;
	}
	return nf;
}

/* The value of key in the decoded fields, or NULL. */
static const struct field *
find(const struct field *f, int n, const char *key)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return &f[i];
	return NULL;
}

static void
assert_field(const struct field *f, int n, const char *key, const char *val)
{
	const struct field *x = find(f, n, key);

	if (x == NULL)
		fail_msg("no field %s", key);
	assert_int_equal(x->len, strlen(val));
	assert_memory_equal(x->val, val, x->len);
}

static void
test_plain(void **state)
{
	struct journal_entry e = { 0 };

	(void)state;
	journal_field_str(&e, "MESSAGE", "hello world");
	journal_field_num(&e, "PRIORITY", 6);
	journal_field_num(&e, "PROCHOOK_UID", -5);
	journal_field_str(&e, "EMPTY", "");
	assert_false(e.oom);
	assert_int_equal(e.len, strlen("MESSAGE=hello world\nPRIORITY=6\n"
	    "PROCHOOK_UID=-5\nEMPTY=\n"));
	assert_memory_equal(e.b, "MESSAGE=hello world\nPRIORITY=6\n"
	    "PROCHOOK_UID=-5\nEMPTY=\n", e.len);
	/* An = in a value is the value's: only the first one splits. */
	journal_entry_reset(&e);
	journal_field_str(&e, "A", "b=c");
	assert_memory_equal(e.b, "A=b=c\n", e.len);
	journal_entry_free(&e);
}

static void
test_binary(void **state)
{
	static const char want[] = "MESSAGE\n\x05\0\0\0\0\0\0\0a\nb\0c\n";
	struct journal_entry e = { 0 };
	struct field f[NFIELDS_MAX];
	const char nul[] = { 'x', '\0', 'y' };

	(void)state;
	journal_field(&e, "MESSAGE", "a\nb\0c", 5);
	assert_int_equal(e.len, sizeof(want) - 1);
	assert_memory_equal(e.b, want, e.len);
	/* A NUL alone takes the binary form too; so does a lone newline. */
	journal_field(&e, "N", nul, sizeof(nul));
	journal_field(&e, "L", "\n", 1);
	assert_int_equal(decode(e.b, e.len, f, NFIELDS_MAX), 3);
	assert_int_equal(f[1].len, 3);
	assert_memory_equal(f[1].val, nul, 3);
	assert_int_equal(f[2].len, 1);
	assert_int_equal(f[2].val[0], '\n');
	journal_entry_free(&e);
}

/* A length past 255 sets the higher bytes, little-endian. */
static void
test_binary_long(void **state)
{
	struct journal_entry e = { 0 };
	struct field f[NFIELDS_MAX];
	size_t n = 70000;
	char *v = malloc(n);

	(void)state;
	assert_non_null(v);
	memset(v, 'q', n);
	v[100] = '\n';
	journal_field(&e, "BIG", v, n);
	assert_memory_equal(e.b, "BIG\n\x70\x11\x01\0\0\0\0\0", 12);
	assert_int_equal(decode(e.b, e.len, f, NFIELDS_MAX), 1);
	assert_int_equal(f[0].len, n);
	assert_memory_equal(f[0].val, v, n);
	free(v);
	journal_entry_free(&e);
}

static void
test_keys(void **state)
{
	struct journal_entry e = { 0 };
	char longkey[80];

	(void)state;
	assert_true(journal_key_ok("PROCHOOK_RULE"));
	assert_true(journal_key_ok("A1_"));
	assert_false(journal_key_ok(""));
	assert_false(journal_key_ok("_PID"));		/* trusted fields */
	assert_false(journal_key_ok("1A"));
	assert_false(journal_key_ok("lower"));
	assert_false(journal_key_ok("A=B"));
	assert_false(journal_key_ok("A\nB"));
	memset(longkey, 'K', 64);
	longkey[64] = '\0';
	assert_true(journal_key_ok(longkey));
	longkey[64] = 'K';
	longkey[65] = '\0';
	assert_false(journal_key_ok(longkey));
	/* A refused key writes nothing. */
	journal_field_str(&e, "_PID", "1");
	journal_field_str(&e, "bad key", "1");
	assert_int_equal(e.len, 0);
	journal_entry_free(&e);
}

/* Every value of bytes 0-255 survives the round trip. */
static void
test_roundtrip(void **state)
{
	struct journal_entry e = { 0 };
	struct field f[NFIELDS_MAX];
	char v[256], key[16];
	int i, n;

	(void)state;
	for (i = 0; i < 256; i++)
		v[i] = (char)i;
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		journal_field(&e, key, v + i * 12, (size_t)(i * 12 % 40));
	}
	n = decode(e.b, e.len, f, NFIELDS_MAX);
	assert_int_equal(n, 20);
	for (i = 0; i < 20; i++) {
		assert_int_equal(f[i].len, (size_t)(i * 12 % 40));
		assert_memory_equal(f[i].val, v + i * 12, f[i].len);
	}
	journal_entry_free(&e);
}

/* A datagram socket bound at a fresh path; its path in path. */
static int
listener(char *path, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static int seq;
	int fd;

	snprintf(path, size, "/tmp/prochook-journal-%d-%d", (int)getpid(),
	    seq++);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/*
 * Receive one entry: the datagram, or the memfd passed with it (then
 * *passed is set).  Returns its length in buf.
 */
static size_t
receive(int fd, char *buf, size_t size, bool *passed)
{
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	ssize_t n;
	int mfd, seals;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	assert_true(n >= 0);
	*passed = false;
	c = CMSG_FIRSTHDR(&mh);
	if (c == NULL)
		return (size_t)n;
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	assert_int_equal(n, 0);			/* the file is the entry */
	memcpy(&mfd, CMSG_DATA(c), sizeof(int));
	seals = fcntl(mfd, F_GET_SEALS);
	assert_true((seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL)) == (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL));
	n = pread(mfd, buf, size, 0);
	assert_true(n >= 0);
	close(mfd);
	*passed = true;
	return (size_t)n;
}

static void
test_send(void **state)
{
	struct journal_entry e = { 0 };
	struct field f[NFIELDS_MAX];
	char path[108], *buf;
	size_t n, size = 4 << 20;
	bool passed;
	int l, s;

	(void)state;
	buf = malloc(size);
	assert_non_null(buf);
	l = listener(path, sizeof(path));
	s = journal_socket();
	assert_true(s >= 0);

	journal_field_str(&e, "MESSAGE", "small");
	journal_field(&e, "PROCHOOK_EXE", "/tmp/a\nb", 8);
	assert_int_equal(journal_send(s, path, e.b, e.len), 0);
	n = receive(l, buf, size, &passed);
	assert_false(passed);
	assert_int_equal(n, e.len);
	assert_int_equal(decode(buf, n, f, NFIELDS_MAX), 2);
	assert_field(f, 2, "PROCHOOK_EXE", "/tmp/a\nb");

	/* 1 MiB is beyond any datagram's room: it goes as a memfd. */
	journal_entry_reset(&e);
	memset(buf, 'x', 1 << 20);
	journal_field(&e, "MESSAGE", buf, 1 << 20);
	journal_field_str(&e, "PROCHOOK_RULE", "big");
	assert_int_equal(journal_send(s, path, e.b, e.len), 0);
	n = receive(l, buf, size, &passed);
	assert_true(passed);
	assert_int_equal(n, e.len);
	assert_memory_equal(buf, e.b, n);
	assert_int_equal(decode(buf, n, f, NFIELDS_MAX), 2);
	assert_int_equal(f[0].len, 1 << 20);
	assert_field(f, 2, "PROCHOOK_RULE", "big");

	/* Nobody there. */
	close(l);
	unlink(path);
	assert_int_equal(journal_send(s, path, e.b, 10), -ENOENT);
	close(s);
	free(buf);
	journal_entry_free(&e);
}

/* A journal that does not keep up: the sender is told, never blocked. */
static void
test_full(void **state)
{
	char path[108];
	int l, s, i, r = 0;

	(void)state;
	l = listener(path, sizeof(path));
	s = journal_socket();
	for (i = 0; i < 100000 && r == 0; i++)
		r = journal_send(s, path, "MESSAGE=x\n", 10);
	assert_int_equal(r, -EAGAIN);
	close(s);
	close(l);
	unlink(path);
}

/* log.c: each line an entry with its fields; drops counted and said. */
static void
test_log(void **state)
{
	struct log_fields lf = LOG_FIELDS_NONE;
	struct field f[NFIELDS_MAX];
	char path[108], buf[8192];
	bool passed;
	size_t n;
	int l, nf, i;

	(void)state;
	l = listener(path, sizeof(path));
	setenv(LOG_JOURNAL_ENV, path, 1);
	log_init("prochookd-test", 0, 0);
	assert_int_equal(log_set_target(LOG_TO_JOURNAL), 0);
	assert_int_equal(log_get_target(), LOG_TO_JOURNAL);

	lf.rule = "deny-netcat";
	lf.event = "exec";
	lf.action = "kill";
	lf.pid = 4242;
	lf.uid = 1000;
	lf.exe = "/usr/bin/nc\n.openbsd";
	lf.exe_len = strlen(lf.exe);
	log_event(LOG_INFO, &lf, "rule %s: sent SIGKILL", lf.rule);
	n = receive(l, buf, sizeof(buf), &passed);
	nf = decode(buf, n, f, NFIELDS_MAX);
	assert_true(nf > 0);
	assert_field(f, nf, "MESSAGE", "rule deny-netcat: sent SIGKILL");
	assert_field(f, nf, "PRIORITY", "6");
	assert_field(f, nf, "SYSLOG_IDENTIFIER", "prochookd-test");
	assert_field(f, nf, "PROCHOOK_RULE", "deny-netcat");
	assert_field(f, nf, "PROCHOOK_EVENT", "exec");
	assert_field(f, nf, "PROCHOOK_ACTION", "kill");
	assert_field(f, nf, "PROCHOOK_PID", "4242");
	assert_field(f, nf, "PROCHOOK_UID", "1000");
	assert_field(f, nf, "PROCHOOK_EXE", "/usr/bin/nc\n.openbsd");
	assert_null(find(f, nf, "PROCHOOK_HOOK"));

	/* A plain line has no PROCHOOK_ field; an error has ERRNO. */
	errno = ENOENT;
	log_warn("cannot open %s", "x");
	n = receive(l, buf, sizeof(buf), &passed);
	nf = decode(buf, n, f, NFIELDS_MAX);
	assert_field(f, nf, "MESSAGE", "cannot open x: No such file or "
	    "directory");
	assert_field(f, nf, "PRIORITY", "4");
	assert_field(f, nf, "ERRNO", "2");
	for (i = 0; i < nf; i++)
		assert_true(strncmp(f[i].key, "PROCHOOK_", 9) != 0);
	/* Debug lines only with -v. */
	log_event(LOG_DEBUG, &lf, "not logged");
	assert_int_equal(recv(l, buf, sizeof(buf), MSG_DONTWAIT), -1);

	/* Fill the queue, drain it: the next line says what was dropped. */
	for (i = 0; i < 5000; i++)
		log_info("flood %d", i);
	while (recv(l, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	log_info("after");
	n = receive(l, buf, sizeof(buf), &passed);
	nf = decode(buf, n, f, NFIELDS_MAX);
	assert_field(f, nf, "MESSAGE", "after");
	n = receive(l, buf, sizeof(buf), &passed);
	nf = decode(buf, n, f, NFIELDS_MAX);
	assert_true(find(f, nf, "MESSAGE") != NULL);
	assert_true(strstr(find(f, nf, "MESSAGE")->val, "dropped: the "
	    "journal did not keep up") != NULL);

	/* The journal goes away: lines go to stderr, nothing breaks. */
	close(l);
	unlink(path);
	log_info("to stderr now");
	log_close();
	log_info("to stderr still");
	(void)log_set_target(LOG_TO_STDERR);
}

/* No journal at start: said once, and stderr it is. */
static void
test_absent(void **state)
{
	(void)state;
	setenv(LOG_JOURNAL_ENV, "/nonexistent/prochook-journal", 1);
	assert_int_equal(log_set_target(LOG_TO_JOURNAL), -ENOENT);
	assert_int_equal(log_get_target(), LOG_TO_STDERR);
	unsetenv(LOG_JOURNAL_ENV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_binary_long),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_send),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
