/*
 * test_enrich.c - keeping the table by events, against a fake /proc.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

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

/* What a rescan emitted. */
struct seen_ev {
	enum event_type	type;
	pid_t		pid;
	bool		synthetic, has_prev;
	uint32_t	uid, euid, prev_euid;
	struct exe_id	id;
	char		exe[64];
};

struct seen {
	struct seen_ev	ev[64];
	size_t		n;
};

static void
collect(void *arg, const struct pevent *pe)
{
	struct seen *s = arg;
	struct seen_ev *e;

	if (s->n == 64)
		return;
	e = &s->ev[s->n++];
	e->type = pe->ev->type;
	e->pid = pe->ev->pid;
	e->synthetic = pe->ev->synthetic;
	e->has_prev = pe->has_prev;
	e->uid = pe->ev->u.id.r;
	e->euid = pe->ev->u.id.e;
	e->prev_euid = pe->prev_euid;
	e->id = pe->p->exe_id;
	snprintf(e->exe, sizeof(e->exe), "%s",
	    (pe->p->flags & P_EXE) ? pe->p->exe->s : "");
}

static const struct seen_ev *
find(const struct seen *s, pid_t pid, enum event_type type)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->ev[i].pid == pid && s->ev[i].type == type)
			return &s->ev[i];
	return NULL;
}

/* A child that waits for a byte on fd, then runs fn. */
static pid_t
child(int fd[2], void (*fn)(void))
{
	pid_t pid = fork();
	char c;

	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[1]);
		if (read(fd[0], &c, 1) != 1)
			_exit(1);
		fn();
		_exit(0);
	}
	close(fd[0]);
	return pid;
}

static void
run_sleep(void)
{
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
}

static void
become_nobody(void)
{
	if (setresgid(65534, 65534, 65534) == 0 &&
	    setresuid(65534, 65534, 65534) == 0)
		pause();
}

/*
 * After a loss, against the real /proc: an exec that no event and no
 * notification told of is found by the executable's inode, and a uid
 * change by the ids; a process that changed neither is left alone.
 */
static void
test_rescan_real(void **state)
{
	static struct seen s;
	struct table *t = table_new();
	struct enrich e;
	const struct seen_ev *ev;
	struct stat sb;
	char link[64], buf[256];
	int procfd, a[2], b[2], i;
	pid_t pa, pb = 0;
	bool root = geteuid() == 0;

	(void)state;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY);
	assert_true(procfd >= 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	pa = child(a, run_sleep);
	if (root)
		pb = child(b, become_nobody);
	enrich_init(&e, t, procfd, NULL);
	assert_true(enrich_scan(&e) > 0);
	assert_non_null(table_get(t, pa));
	assert_true(table_get(t, pa)->exe_id.ino != 0);

	/* During the "loss": one execs, the other changes its uid. */
	assert_int_equal(write(a[1], "x", 1), 1);
	if (root)
		assert_int_equal(write(b[1], "x", 1), 1);
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pa);
	for (i = 0; i < 200; i++) {
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);

		if (n > 0 && (buf[n] = '\0', strstr(buf, "sleep") != NULL))
			break;
		usleep(10000);
	}
	usleep(100000);

	s.n = 0;
	assert_true(enrich_rescan(&e, collect, &s) > 0);
	ev = find(&s, pa, EV_EXEC);
	assert_non_null(ev);
	assert_true(ev->synthetic);
	assert_non_null(strstr(ev->exe, "sleep"));
	assert_int_equal(stat("/bin/sleep", &sb), 0);
	assert_true(ev->id.ino == sb.st_ino && ev->id.dev == sb.st_dev);
	assert_null(find(&s, getpid(), EV_EXEC));
	if (root) {
		assert_null(find(&s, pb, EV_EXEC));
		ev = find(&s, pb, EV_UID);
		assert_non_null(ev);
		assert_true(ev->synthetic && ev->has_prev);
		assert_int_equal(ev->euid, 65534);
		assert_int_equal(ev->prev_euid, 0);
		assert_non_null(find(&s, pb, EV_GID));
	}
	/* Nothing changed since: nothing to say. */
	s.n = 0;
	(void)enrich_rescan(&e, collect, &s);
	assert_null(find(&s, pa, EV_EXEC));
	assert_null(find(&s, pb, EV_UID));

	kill(pa, SIGKILL);
	waitpid(pa, NULL, 0);
	if (root) {
		kill(pb, SIGKILL);
		waitpid(pb, NULL, 0);
	}
	close(a[1]);
	close(b[1]);
	table_free(t);
	close(procfd);
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
		cmocka_unit_test(test_rescan_real),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
