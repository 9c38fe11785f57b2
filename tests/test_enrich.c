/*
 * test_enrich.c - keeping the table by events, against a fake /proc.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "enrich.h"

struct fixture {
	struct table	*t;
	struct enrich	 e;
	int		 procfd;
};

static int
setup(void **state)
{
	static struct fixture f;

	f.t = table_new();
	f.procfd = open(TEST_DATA "/proc", O_RDONLY | O_DIRECTORY);
	assert_true(f.procfd >= 0);
	enrich_init(&f.e, f.t, f.procfd, NULL);
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	table_free(f->t);
	close(f->procfd);
	return 0;
}

static void
test_scan_and_lineage(void **state)
{
	struct fixture *f = *state;
	struct proc *p;

	/* 103 has no stat: it is not a process. */
	assert_int_equal(enrich_scan(&f->e), 3);
	p = table_get(f->t, 100);
	assert_non_null(p);
	assert_string_equal(p->exe->s, "/usr/bin/sleep");
	assert_string_equal(p->cmdline->s, "/usr/bin/sleep 100");
	assert_int_equal(p->uid, 1000);
	assert_string_equal(p->cgroup->s, "/system.slice/ssh.service");
	p = table_get(f->t, 102);
	assert_int_equal(p->ppid, 100);
	assert_true(p->flags & P_PEXE);
	assert_string_equal(p->pexe->s, "/usr/bin/sleep");
	assert_false(p->flags & P_IDS);		/* its status is malformed */
	assert_false(p->flags & P_EXE);		/* no exe link */
}

static void
test_fork_exit(void **state)
{
	struct fixture *f = *state;
	uint64_t off;
	struct event ev;
	struct pevent pe;
	struct proc *c;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_FORK;
	ev.pid = ev.tid = 100;
	ev.u.fork.child_pid = ev.u.fork.child_tid = 200;
	ev.ts_ns = 5000000000ull;
	assert_true(enrich_event(&f->e, &ev, &pe));
	assert_int_equal(pe.p->pid, 100);
	enrich_done(&f->e, &ev);
	c = table_get(f->t, 200);
	assert_non_null(c);
	assert_int_equal(c->ppid, 100);
	assert_string_equal(c->exe->s, "/usr/bin/sleep");
	assert_string_equal(c->pexe->s, "/usr/bin/sleep");
	assert_int_equal(c->uid, 1000);

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXIT;
	ev.pid = ev.tid = 200;
	ev.ts_ns = 7500000000ull;
	ev.u.exit.code = 1 << 8;
	assert_true(enrich_event(&f->e, &ev, &pe));
	assert_ptr_equal(pe.p, c);
	/* Its start, from the fork, is on the boot clock. */
	off = proc_boot_ns(0);
	assert_true(pe.p->start_ns + 1000000 >= 5000000000ull + off &&
	    pe.p->start_ns <= 5000000000ull + off + 1000000);
	enrich_done(&f->e, &ev);
	assert_null(table_get(f->t, 200));
}

static void
test_threads_hidden(void **state)
{
	struct fixture *f = *state;
	struct event ev;
	struct pevent pe;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_FORK;
	ev.pid = ev.tid = 100;
	ev.u.fork.child_pid = 100;
	ev.u.fork.child_tid = 201;
	ev.thread = true;
	assert_false(enrich_event(&f->e, &ev, &pe));
	enrich_done(&f->e, &ev);
	assert_null(table_get(f->t, 201));
	f->e.threads = true;
	assert_true(enrich_event(&f->e, &ev, &pe));
	f->e.threads = false;

	ev.type = EV_EXIT;
	ev.pid = 100;
	ev.tid = 201;
	assert_false(enrich_event(&f->e, &ev, &pe));
	enrich_done(&f->e, &ev);
	/* A thread's exit is not its process's. */
	assert_non_null(table_get(f->t, 100));
}

/* One setuid() in a process of many threads: one event. */
static void
test_uid_once(void **state)
{
	struct fixture *f = *state;
	struct event ev;
	struct pevent pe;
	int i, reported = 0;

	for (i = 0; i < 4; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_UID;
		ev.pid = 100;
		ev.tid = 100 + i;
		ev.u.id.r = ev.u.id.e = 0;
		if (enrich_event(&f->e, &ev, &pe)) {
			reported++;
			assert_true(pe.has_prev);
			assert_int_equal(pe.prev_uid, 1000);
			assert_int_equal(pe.prev_euid, 1001);
		}
		enrich_done(&f->e, &ev);
	}
	assert_int_equal(reported, 1);
	assert_int_equal(table_get(f->t, 100)->euid, 0);
}

/* A process gone before it could be read: reported, counted. */
static void
test_vanished(void **state)
{
	struct fixture *f = *state;
	uint64_t before = f->e.st.vanished;
	struct event ev;
	struct pevent pe;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXEC;
	ev.pid = ev.tid = 300;
	assert_true(enrich_event(&f->e, &ev, &pe));
	assert_int_equal(pe.p->pid, 300);
	assert_false(pe.p->flags & (P_EXE | P_CMDLINE));
	assert_int_equal(f->e.st.vanished, before + 1);
	enrich_done(&f->e, &ev);

	ev.type = EV_EXIT;
	ev.pid = ev.tid = 301;
	assert_true(enrich_event(&f->e, &ev, &pe));
	assert_int_equal(pe.p->pid, 301);
	enrich_done(&f->e, &ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_and_lineage),
		cmocka_unit_test(test_fork_exit),
		cmocka_unit_test(test_threads_hidden),
		cmocka_unit_test(test_uid_once),
		cmocka_unit_test(test_vanished),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
