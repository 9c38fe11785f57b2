/*
 * test_ipc.c - the messages between the two parts: what the privileged
 * part accepts, and what it refuses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "testutil.h"
#include "event.h"
#include "ipc.h"

static struct ipc_msg m;

/* A well-formed IPC_REQUEST from an enriched event. */
static void
make_act(void)
{
	struct event ev;
	struct proc p;
	struct pevent pe = { &ev, &p, 1000, 1000, true };

	memset(&ev, 0, sizeof(ev));
	memset(&p, 0, sizeof(p));
	ev.type = EV_UID;
	ev.pid = ev.tid = 42;
	ev.u.id.r = ev.u.id.e = 0;
	p.pid = 42;
	p.ppid = 1;
	p.flags = P_EXE | P_CMDLINE | P_IDS | P_START;
	p.exe = str_new("/usr/bin/x", 10);
	p.cmdline = str_new("x --flag", 8);
	p.start_ns = 123456789;
	ipc_request(&m, &pe, 7, 3);
	free(p.exe);
	free(p.cmdline);
}

static void
test_act_roundtrip(void **state)
{
	struct event ev;
	struct proc p;
	struct pevent pe;

	(void)state;
	make_act();
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	assert_int_equal(m.u.ev.gen, 7);
	assert_int_equal(m.u.ev.rule, 3);
	ipc_to_pevent(&m.u.ev, &ev, &p, &pe);
	assert_int_equal(ev.type, EV_UID);
	assert_int_equal(ev.pid, 42);
	assert_int_equal(p.start_ns, 123456789);
	assert_string_equal(p.exe->s, "/usr/bin/x");
	assert_string_equal(p.cmdline->s, "x --flag");
	assert_null(p.cgroup);		/* not known, not invented */
	assert_true(pe.has_prev);
	assert_int_equal(pe.prev_euid, 1000);
	free(p.exe);
	free(p.cmdline);
}

static void
test_sizes(void **state)
{
	size_t n;

	(void)state;
	make_act();
	for (n = 0; n < sizeof(m) + 8; n += 97)
		if (n != sizeof(m))
			assert_int_equal(ipc_check(&m, n), -EBADMSG);
	assert_int_equal(ipc_check(&m, sizeof(m) - 1), -EBADMSG);
	assert_int_equal(ipc_check(&m, sizeof(m) + 1), -EBADMSG);
}

static void
test_out_of_range(void **state)
{
	(void)state;
	make_act();
	m.type = 0;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	m.type = IPC__MAX;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.type = EV__MAX;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.type = EV_ACK;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.pid = 0;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.pid = -5;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.run_hooks = 2;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	m.u.ev.child_pid = -1;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
}

/* A string field without its NUL would make the reader run off its end. */
static void
test_unterminated(void **state)
{
	(void)state;
	make_act();
	memset(m.u.ev.exe, 'a', sizeof(m.u.ev.exe));
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	memset(m.u.ev.cmdline, 'a', sizeof(m.u.ev.cmdline));
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	make_act();
	memset(m.u.ev.comm, 'a', sizeof(m.u.ev.comm));
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	memset(&m, 0, sizeof(m));
	m.type = IPC_EXE;
	m.u.exe.pid = 3;
	memset(m.u.exe.path, 'a', sizeof(m.u.exe.path));
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	memset(&m, 0, sizeof(m));
	m.type = IPC_CONFIG;
	m.len = IPC_CHUNK + 1;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	/* IPC_RESCAN says nothing more. */
	memset(&m, 0, sizeof(m));
	m.type = IPC_RESCAN;
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	assert_int_equal(ipc_check(&m, sizeof(m) - 1), -EBADMSG);
}

/* Random messages: never accepted unless well-formed, never a crash. */
static void
test_random(void **state)
{
	unsigned char *b = (unsigned char *)&m;
	unsigned seed = 11;
	size_t i, j;

	(void)state;
	for (i = 0; i < 2000; i++) {
		for (j = 0; j < sizeof(m); j++)
			b[j] = (unsigned char)rand_r(&seed);
		m.type = 1 + (uint32_t)rand_r(&seed) % (IPC__MAX + 1);
		if (ipc_check(&m, sizeof(m)) == 0)
			assert_true(m.type == IPC_READY || m.type == IPC_STATS ||
			    m.type == IPC_RESCAN || m.type == IPC_GATE_APPLIED);
	}
}

/* Over a real socketpair: one message per datagram, others refused. */
static void
test_socketpair(void **state)
{
	static struct ipc_msg in;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ipc_buffers(sv[0]);
	assert_int_equal(ipc_recv(sv[1], &in), 0);	/* nothing yet */
	make_act();
	assert_int_equal(ipc_send(sv[0], &m), 0);
	assert_int_equal(ipc_recv(sv[1], &in), 1);
	assert_int_equal(in.u.ev.pid, 42);
	assert_int_equal(send(sv[0], &m, 100, 0), 100);
	assert_int_equal(ipc_recv(sv[1], &in), -EBADMSG);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], &in), -EPIPE);
	close(sv[1]);
}

/* The gate's messages: exec events only; a verdict is 0 or 1. */
static void
test_gate_messages(void **state)
{
	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = IPC_GATE_DENY;
	m.u.ev.type = EV_EXEC;
	m.u.ev.pid = 42;
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	m.type = IPC_GATE_ASK;
	m.u.ev.cookie = 7;
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	m.u.ev.type = EV_FORK;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	m.type = IPC_GATE_DENY;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	m.u.ev.type = EV_EXEC;
	m.u.ev.pid = 0;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	m.u.ev.pid = 42;
	memset(m.u.ev.exe, 'x', sizeof(m.u.ev.exe));
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);

	memset(&m, 0, sizeof(m));
	m.type = IPC_GATE_VERDICT;
	m.u.verdict.cookie = 7;
	m.u.verdict.allow = 1;
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	m.u.verdict.allow = 2;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
	m.u.verdict.allow = 0;
	assert_int_equal(ipc_check(&m, sizeof(m) - 1), -EBADMSG);

	/* What the gate marked, for a configuration (generations from 1). */
	memset(&m, 0, sizeof(m));
	m.type = IPC_GATE_APPLIED;
	m.u.applied.gen = 2;
	m.u.applied.unmarked = 1;
	assert_int_equal(ipc_check(&m, sizeof(m)), 0);
	assert_int_equal(ipc_check(&m, sizeof(m) - 1), -EBADMSG);
	m.u.applied.gen = 0;
	assert_int_equal(ipc_check(&m, sizeof(m)), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_act_roundtrip),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_socketpair),
		cmocka_unit_test(test_gate_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
