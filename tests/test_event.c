/*
 * test_event.c - decoding kernel messages, real and malformed.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "testutil.h"
#include "event.h"

#define W_FORK		0x00000001u
#define W_EXEC		0x00000002u
#define W_EXIT		0x80000000u

/* Read tests/data/events/NAME.bin into buf; returns its length. */
static size_t
load(const char *name, unsigned char *buf, size_t size)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), TEST_DATA "/events/%s.bin", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, size, f);
	fclose(f);
	assert_true(n > 0);
	return n;
}

/* Build one datagram: nlmsghdr, cn_msg, proc_event header, data. */
static size_t
build(unsigned char *buf, uint32_t what, const void *data, size_t dlen)
{
	struct nlmsghdr nlh;
	struct cn_msg cn;
	uint32_t hdr[4] = { what, 1, 0, 0 };	/* what, cpu, timestamp */
	size_t len = NLMSG_HDRLEN + sizeof(cn) + sizeof(hdr) + dlen;

	memset(&nlh, 0, sizeof(nlh));
	nlh.nlmsg_len = (uint32_t)len;
	nlh.nlmsg_type = NLMSG_DONE;
	memset(&cn, 0, sizeof(cn));
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.len = (uint16_t)(sizeof(hdr) + dlen);
	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(buf + NLMSG_HDRLEN + sizeof(cn), hdr, sizeof(hdr));
	memcpy(buf + NLMSG_HDRLEN + sizeof(cn) + sizeof(hdr), data, dlen);
	return len;
}

static size_t
parse1(const unsigned char *buf, size_t len, struct event *ev,
    struct event_stats *st)
{
	memset(st, 0, sizeof(*st));
	return event_parse(buf, len, ev, 1, st);
}

static void
test_real_messages(void **state)
{
	static const struct {
		const char *name;
		enum event_type type;
	} cases[] = {
		{ "ack", EV_ACK }, { "fork", EV_FORK }, { "exec", EV_EXEC },
		{ "uid", EV_UID }, { "gid", EV_GID }, { "sid", EV_SID },
		{ "comm", EV_COMM }, { "ptrace", EV_PTRACE },
		{ "coredump", EV_COREDUMP }, { "exit", EV_EXIT },
	};
	unsigned char buf[256];
	struct event_stats st;
	struct event ev;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = load(cases[i].name, buf, sizeof(buf));
		assert_int_equal(parse1(buf, len, &ev, &st), 1);
		assert_int_equal(ev.type, cases[i].type);
		if (ev.type != EV_ACK) {
			assert_true(ev.pid > 0);
			assert_true(ev.tid > 0);
			assert_true(ev.ts_ns > 0);
		}
	}
	len = load("uid", buf, sizeof(buf));
	parse1(buf, len, &ev, &st);
	assert_int_equal(ev.u.id.r, 65534);
	assert_int_equal(ev.u.id.e, 65534);
	len = load("fork", buf, sizeof(buf));
	parse1(buf, len, &ev, &st);
	assert_true(ev.u.fork.child_pid > 0);
	assert_false(ev.thread);
	len = load("comm", buf, sizeof(buf));
	parse1(buf, len, &ev, &st);
	assert_string_equal(ev.u.comm.comm, "renamed");
	len = load("exit", buf, sizeof(buf));
	parse1(buf, len, &ev, &st);
	assert_true(event_exited(&ev));
	assert_int_equal(event_exit_status(&ev), 0);
}

/* A message cut anywhere is refused, never read beyond its end. */
static void
test_truncated_everywhere(void **state)
{
	static const char *const names[] = { "ack", "fork", "exec", "uid",
	    "gid", "sid", "comm", "ptrace", "coredump", "exit" };
	unsigned char full[256], *cut;
	struct event_stats st;
	struct event ev;
	size_t i, len, n;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = load(names[i], full, sizeof(full));
		for (n = 0; n < len; n++) {
			/* Exactly n bytes on the heap: ASan sees any overread. */
			cut = malloc(n ? n : 1);
			memcpy(cut, full, n);
			assert_int_equal(parse1(cut, n, &ev, &st), 0);
			/* The same with the netlink length claiming n bytes. */
			if (n >= sizeof(uint32_t)) {
				uint32_t l = (uint32_t)n;

				memcpy(cut, &l, sizeof(l));
				assert_int_equal(parse1(cut, n, &ev, &st), 0);
			}
			free(cut);
		}
	}
}

static void
test_wrong_id_type_what(void **state)
{
	unsigned char buf[256];
	uint32_t data[2] = { 42, 42 };
	struct event_stats st;
	struct event ev;
	struct cn_msg cn;
	struct nlmsghdr nlh;
	size_t len;

	(void)state;
	len = build(buf, W_EXEC, data, sizeof(data));
	assert_int_equal(parse1(buf, len, &ev, &st), 1);
	assert_int_equal(ev.type, EV_EXEC);
	assert_int_equal(ev.pid, 42);

	memcpy(&cn, buf + NLMSG_HDRLEN, sizeof(cn));
	cn.id.idx = 2;			/* CN_IDX_CIFS */
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	assert_int_equal(parse1(buf, len, &ev, &st), 0);
	assert_int_equal(st.rejected[EVR_ID], 1);

	len = build(buf, W_EXEC, data, sizeof(data));
	memcpy(&nlh, buf, sizeof(nlh));
	nlh.nlmsg_type = NLMSG_NOOP;
	memcpy(buf, &nlh, sizeof(nlh));
	assert_int_equal(parse1(buf, len, &ev, &st), 0);
	assert_int_equal(st.rejected[EVR_TYPE], 1);

	len = build(buf, 0x00000400, data, sizeof(data));
	assert_int_equal(parse1(buf, len, &ev, &st), 0);
	assert_int_equal(st.rejected[EVR_WHAT], 1);
}

/* cn_msg.len larger than what the datagram holds. */
static void
test_cn_len_too_large(void **state)
{
	unsigned char buf[256];
	uint32_t data[2] = { 7, 7 };
	struct event_stats st;
	struct event ev;
	struct cn_msg cn;
	size_t len;

	(void)state;
	len = build(buf, W_EXEC, data, sizeof(data));
	memcpy(&cn, buf + NLMSG_HDRLEN, sizeof(cn));
	cn.len = 200;
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	assert_int_equal(parse1(buf, len, &ev, &st), 0);
	assert_int_equal(st.rejected[EVR_SHORT], 1);
}

/* Newer kernels may add fields: a longer event still decodes. */
static void
test_longer_message(void **state)
{
	unsigned char buf[256];
	uint32_t data[10] = { 5, 5, 0x0b00, 17, 4, 4, 0, 0, 0, 0 };
	struct event_stats st;
	struct event ev;
	size_t len;

	(void)state;
	len = build(buf, W_EXIT, data, sizeof(data));
	assert_int_equal(parse1(buf, len, &ev, &st), 1);
	assert_int_equal(ev.type, EV_EXIT);
	assert_int_equal(event_exit_status(&ev), 11);
	assert_int_equal(ev.u.exit.parent_pid, 4);
}

static void
test_exit_status_signal_core(void **state)
{
	unsigned char buf[256];
	uint32_t data[6] = { 9, 9, 0, 17, 1, 1 };
	struct event_stats st;
	struct event ev;
	size_t len;

	(void)state;
	data[2] = 3 << 8;
	len = build(buf, W_EXIT, data, sizeof(data));
	parse1(buf, len, &ev, &st);
	assert_true(event_exited(&ev));
	assert_int_equal(event_exit_status(&ev), 3);
	assert_int_equal(event_exit_signal(&ev), 0);

	data[2] = SIGSEGV | 0x80;
	len = build(buf, W_EXIT, data, sizeof(data));
	parse1(buf, len, &ev, &st);
	assert_false(event_exited(&ev));
	assert_int_equal(event_exit_status(&ev), -1);
	assert_int_equal(event_exit_signal(&ev), SIGSEGV);
	assert_true(event_core_dumped(&ev));

	data[2] = SIGKILL;
	len = build(buf, W_EXIT, data, sizeof(data));
	parse1(buf, len, &ev, &st);
	assert_int_equal(event_exit_signal(&ev), SIGKILL);
	assert_false(event_core_dumped(&ev));

	/* Kernels before 4.18: no parent fields. */
	len = build(buf, W_EXIT, data, 16);
	assert_int_equal(parse1(buf, len, &ev, &st), 1);
	assert_int_equal(ev.u.exit.parent_pid, 0);
}

/* A thread's fork and exit are marked as such. */
static void
test_threads(void **state)
{
	unsigned char buf[256];
	uint32_t fork_data[4] = { 100, 100, 101, 100 };
	uint32_t exit_data[6] = { 101, 100, 0, 0, 1, 1 };
	struct event_stats st;
	struct event ev;
	size_t len;

	(void)state;
	len = build(buf, W_FORK, fork_data, sizeof(fork_data));
	parse1(buf, len, &ev, &st);
	assert_true(ev.thread);
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.u.fork.child_pid, 100);
	assert_int_equal(ev.u.fork.child_tid, 101);

	fork_data[2] = fork_data[3] = 102;
	len = build(buf, W_FORK, fork_data, sizeof(fork_data));
	parse1(buf, len, &ev, &st);
	assert_false(ev.thread);

	len = build(buf, W_EXIT, exit_data, sizeof(exit_data));
	parse1(buf, len, &ev, &st);
	assert_true(ev.thread);
	assert_int_equal(ev.pid, 100);
	assert_int_equal(ev.tid, 101);
}

/* Several messages in one datagram, one of them bad; no endless loop. */
static void
test_multiple_and_zero_length(void **state)
{
	unsigned char buf[512], one[128];
	uint32_t data[2] = { 3, 3 };
	struct event_stats st;
	struct event ev[4];
	struct nlmsghdr nlh;
	size_t len, off = 0;

	(void)state;
	len = build(one, W_EXEC, data, sizeof(data));
	memcpy(buf, one, len);
	off = NLMSG_ALIGN(len);
	memcpy(buf + off, one, len);
	off += NLMSG_ALIGN(len);
	memset(&st, 0, sizeof(st));
	assert_int_equal(event_parse(buf, off, ev, 4, &st), 2);
	/* Never more than max. */
	assert_int_equal(event_parse(buf, off, ev, 1, &st), 1);

	/* nlmsg_len 0 must not spin. */
	memset(&nlh, 0, sizeof(nlh));
	memcpy(buf, &nlh, sizeof(nlh));
	memset(&st, 0, sizeof(st));
	assert_int_equal(event_parse(buf, off, ev, 4, &st), 0);
	assert_int_equal(st.rejected[EVR_SHORT], 1);
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(event_lookup("exec"), EV_EXEC);
	assert_int_equal(event_lookup("lost"), EV_LOST);
	assert_int_equal(event_lookup("ack"), EV__MAX);
	assert_int_equal(event_lookup("bogus"), EV__MAX);
	assert_string_equal(event_name(EV_COREDUMP), "coredump");
}

/* Random bytes: no crash, no overread. */
static void
test_random(void **state)
{
	unsigned char *buf;
	struct event_stats st;
	struct event ev[4];
	unsigned seed = 1;
	size_t i, j, len;

	(void)state;
	for (i = 0; i < 20000; i++) {
		len = (size_t)rand_r(&seed) % 160;
		buf = malloc(len ? len : 1);
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)rand_r(&seed);
		/* Make many of them look like connector messages. */
		if (len >= 36 && (i & 1)) {
			struct nlmsghdr nlh = { (uint32_t)len, NLMSG_DONE, 0, 0, 0 };
			uint32_t id[2] = { CN_IDX_PROC, CN_VAL_PROC };

			memcpy(buf, &nlh, sizeof(nlh));
			memcpy(buf + NLMSG_HDRLEN, id, sizeof(id));
		}
		memset(&st, 0, sizeof(st));
		(void)event_parse(buf, len, ev, 4, &st);
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_messages),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_wrong_id_type_what),
		cmocka_unit_test(test_cn_len_too_large),
		cmocka_unit_test(test_longer_message),
		cmocka_unit_test(test_exit_status_signal_core),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_multiple_and_zero_length),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
