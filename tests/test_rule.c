/*
 * test_rule.c - matching events against rules, on synthetic events and
 * process tables; building rules value by value; signal names.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "rule.h"
#include "signame.h"

static struct table *t;

static int
setup(void **state)
{
	(void)state;
	t = table_new();
	return t == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	table_free(t);
	t = NULL;
	return 0;
}

static struct str *
S(const char *s)
{
	return str_intern(t, s, strlen(s));
}

/* A process everything is known of. */
static struct proc *
mkproc(pid_t pid, pid_t ppid, const char *exe, const char *pexe,
    uint32_t uid)
{
	struct proc *p = table_add(t, pid);
	const char *slash;

	assert_non_null(p);
	p->ppid = ppid;
	p->uid = p->euid = uid;
	p->gid = p->egid = uid;
	p->flags = P_EXE | P_CMDLINE | P_IDS | P_COMM | P_CGROUP | P_START;
	if (exe != NULL) {
		str_set(t, &p->exe, S(exe));
		str_set(t, &p->cmdline, S(exe));
		slash = strrchr(exe, '/');
		snprintf(p->comm, sizeof(p->comm), "%s",
		    slash ? slash + 1 : exe);
	}
	if (pexe != NULL) {
		str_set(t, &p->pexe, S(pexe));
		p->flags |= P_PEXE;
	}
	str_set(t, &p->cgroup, S("/user.slice/user-1000.slice/s-1.scope"));
	return p;
}

/* Set key k from space-separated words; "!x" excludes. */
static void
set(struct rule *r, enum rule_key k, const char *values)
{
	char *copy = strdup(values), *w, *save = NULL, err[256];

	assert_non_null(copy);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if (rule_add_value(r, k, w[0] == '!' ? w + 1 : w, w[0] == '!',
		    err, sizeof(err)) != 0)
			fail_msg("%s = %s: %s", rule_key_name(k), w, err);
	}
	free(copy);
}

static bool
match_ev(const struct rule *r, const struct event *ev, const struct proc *p,
    bool *miss)
{
	struct pevent pe = { .ev = ev, .p = p };

	*miss = false;
	return rule_match(r, &pe, t, miss, 0);
}

static bool
match(const struct rule *r, enum event_type type, const struct proc *p,
    bool *miss)
{
	struct event ev = { .type = type, .pid = p->pid, .tid = p->pid };

	return match_ev(r, &ev, p, miss);
}

#define MATCHES(r, type, p) do {					\
	bool miss_;							\
	assert_true(match((r), (type), (p), &miss_));			\
	assert_false(miss_);						\
} while (0)

#define NO_MATCH(r, type, p) do {					\
	bool miss_;							\
	assert_false(match((r), (type), (p), &miss_));			\
	assert_false(miss_);						\
} while (0)

#define MISS(r, type, p) do {						\
	bool miss_;							\
	assert_false(match((r), (type), (p), &miss_));			\
	assert_true(miss_);						\
} while (0)

static void
test_event_type(void **state)
{
	struct rule r = { 0 };
	struct proc *p = mkproc(100, 1, "/usr/bin/nc", "/bin/bash", 1000);

	(void)state;
	set(&r, RK_EVENT, "exec fork");
	MATCHES(&r, EV_EXEC, p);
	MATCHES(&r, EV_FORK, p);
	NO_MATCH(&r, EV_EXIT, p);
	NO_MATCH(&r, EV_UID, p);
	rule_free(&r);
	table_del(t, 100);
}

static void
test_globs(void **state)
{
	struct rule r = { 0 };
	struct proc *p = mkproc(100, 1, "/usr/bin/nc.openbsd", NULL, 1000);

	(void)state;
	set(&r, RK_EVENT, "exec");
	/* '*' crosses '/': no FNM_PATHNAME */
	set(&r, RK_EXE, "/usr/*");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);

	/* OR within a key */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/bin/nc* /usr/bin/nc*");
	MATCHES(&r, EV_EXEC, p);
	/* AND across keys */
	set(&r, RK_COMM, "bash");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* an exclusion beats a match */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/usr/* !/usr/bin/nc.*");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* only exclusions: everything else matches */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "!/usr/bin/env !/bin/*");
	MATCHES(&r, EV_EXEC, p);
	set(&r, RK_COMM, "!nc.*");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* cmdline with spaces, cgroup, comm patterns */
	str_set(t, &p->cmdline, S("nc -l -p 4444"));
	set(&r, RK_EVENT, "exec");
	rule_add_value(&r, RK_CMDLINE, "nc -l *", false, NULL, 0);
	set(&r, RK_CGROUP, "/user.slice/*");
	set(&r, RK_COMM, "nc.*");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_CGROUP, "/system.slice/*");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* a backslash escapes in a pattern */
	str_set(t, &p->exe, S("/opt/a*b"));
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/opt/a\\*b");
	MATCHES(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/axxb"));
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* Literal, prefix and general patterns take different paths. */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/opt/ab");
	assert_int_equal(r.exe.kind[0], GLOB_LITERAL);
	str_set(t, &p->exe, S("/opt/ab"));
	MATCHES(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/abc"));
	NO_MATCH(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/a"));
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/opt/ab*");
	assert_int_equal(r.exe.kind[0], GLOB_PREFIX);
	str_set(t, &p->exe, S("/opt/ab"));
	MATCHES(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/ab/c/d"));
	MATCHES(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/a"));
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/opt/*/bin/x?");
	assert_int_equal(r.exe.kind[0], GLOB_FNMATCH);
	str_set(t, &p->exe, S("/opt/a/b/bin/xy"));
	MATCHES(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/opt/a/bin/xyz"));
	NO_MATCH(&r, EV_EXEC, p);
	str_set(t, &p->exe, S("/usr/a/bin/xy"));
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "*");
	assert_int_equal(r.exe.kind[0], GLOB_PREFIX);
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	table_del(t, 100);
}

static void
test_ids(void **state)
{
	struct rule r = { 0 };
	struct proc *p = mkproc(100, 1, "/bin/sh", NULL, 1500);
	struct event ev = { .type = EV_UID, .pid = 100, .tid = 100 };
	struct pevent pe = { .ev = &ev, .p = p };
	bool miss;

	(void)state;
	set(&r, RK_EVENT, "exec uid");
	set(&r, RK_UID, "1000-60000 !1501");
	MATCHES(&r, EV_EXEC, p);
	p->uid = 1501;
	NO_MATCH(&r, EV_EXEC, p);
	p->uid = 999;
	NO_MATCH(&r, EV_EXEC, p);
	p->uid = 1500;
	rule_free(&r);

	set(&r, RK_EVENT, "exec");
	set(&r, RK_EUID, "root");
	NO_MATCH(&r, EV_EXEC, p);
	p->euid = 0;
	MATCHES(&r, EV_EXEC, p);
	set(&r, RK_GID, "!0");
	MATCHES(&r, EV_EXEC, p);
	set(&r, RK_EGID, "1500");
	MATCHES(&r, EV_EXEC, p);
	p->egid = 0;
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* "became root": uid event, previous euid not 0 */
	set(&r, RK_EVENT, "uid");
	set(&r, RK_EUID, "0");
	set(&r, RK_PREV_EUID, "!0");
	set(&r, RK_PREV_UID, "1000-2000");
	pe.has_prev = true;
	pe.prev_uid = 1500;
	pe.prev_euid = 1500;
	miss = false;
	assert_true(rule_match(&r, &pe, t, &miss, 0));
	assert_false(miss);
	pe.prev_euid = 0;
	assert_false(rule_match(&r, &pe, t, &miss, 0));
	assert_false(miss);
	/* previous ids unknown: a miss */
	pe.has_prev = false;
	assert_false(rule_match(&r, &pe, t, &miss, 0));
	assert_true(miss);
	rule_free(&r);
	table_del(t, 100);
}

/* Unknown values: the key matches neither way, and it is a miss. */
static void
test_unknown(void **state)
{
	struct rule r = { 0 };
	struct proc *p = mkproc(100, 1, "/usr/bin/nc", "/bin/bash", 1000);
	static const struct {
		enum rule_key	 k;
		uint32_t	 flag;
	} keys[] = {
		{ RK_EXE, P_EXE }, { RK_COMM, P_COMM },
		{ RK_CMDLINE, P_CMDLINE }, { RK_CGROUP, P_CGROUP },
		{ RK_PARENT, P_PEXE }, { RK_UID, P_IDS }, { RK_GID, P_IDS },
		{ RK_EUID, P_IDS }, { RK_EGID, P_IDS },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		/* a positive value */
		set(&r, RK_EVENT, "exec");
		set(&r, keys[i].k, keys[i].k >= RK_UID ? "1000" : "*");
		MATCHES(&r, EV_EXEC, p);
		p->flags &= ~keys[i].flag;
		MISS(&r, EV_EXEC, p);
		p->flags |= keys[i].flag;
		rule_free(&r);
		/* only an exclusion, that would not exclude */
		set(&r, RK_EVENT, "exec");
		set(&r, keys[i].k, keys[i].k >= RK_UID ? "!5" : "!/nothing");
		MATCHES(&r, EV_EXEC, p);
		p->flags &= ~keys[i].flag;
		MISS(&r, EV_EXEC, p);
		p->flags |= keys[i].flag;
		rule_free(&r);
	}

	/* a key that is known and fails decides: no miss counted */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/usr/bin/nc");
	set(&r, RK_UID, "0");
	p->flags &= ~P_EXE;
	NO_MATCH(&r, EV_EXEC, p);
	p->flags |= P_EXE;
	rule_free(&r);

	/* a rule without the key does not care */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_UID, "1000");
	p->flags &= ~(P_EXE | P_CMDLINE | P_COMM | P_CGROUP | P_PEXE);
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);

	/* a bare record (pid only) */
	set(&r, RK_EVENT, "exec");
	p->flags = 0;
	MATCHES(&r, EV_EXEC, p);
	set(&r, RK_ANCESTOR, "/sbin/init");
	p->ppid = 0;
	MISS(&r, EV_EXEC, p);
	rule_free(&r);
	table_del(t, 100);
}

/*
 * Lineage: 1 init -> 10 sshd -> 20 sshd (session) -> 30 bash -> 40 sudo
 * -> 50 nc, each forked by the one before.
 */
static void
build_lineage(void)
{
	mkproc(1, 0, "/sbin/init", NULL, 0);
	mkproc(10, 1, "/usr/sbin/sshd", "/sbin/init", 0);
	mkproc(20, 10, "/usr/sbin/sshd", "/usr/sbin/sshd", 0);
	mkproc(30, 20, "/bin/bash", "/usr/sbin/sshd", 1000);
	mkproc(40, 30, "/usr/bin/sudo", "/bin/bash", 0);
	mkproc(50, 40, "/usr/bin/nc", "/usr/bin/sudo", 0);
}

static void
drop_lineage(void)
{
	pid_t pids[] = { 1, 10, 20, 30, 40, 50 };
	size_t i;

	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		table_del(t, pids[i]);
}

static void
test_parent(void **state)
{
	struct rule r = { 0 };
	struct proc *p;

	(void)state;
	build_lineage();
	p = table_get(t, 50);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_PARENT, "/usr/bin/sudo");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_PARENT, "/bin/bash");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);
	/* the parent is the exe at fork, even if the parent later exec'd */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_PARENT, "/usr/bin/sudo");
	str_set(t, &table_get(t, 40)->exe, S("/usr/bin/other"));
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	drop_lineage();
}

static void
test_ancestor(void **state)
{
	struct rule r = { 0 };
	struct proc *p;

	(void)state;
	build_lineage();
	p = table_get(t, 50);

	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/usr/sbin/sshd");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/sbin/init");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	/* the parent's pexe is the first ancestor */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/usr/bin/sudo");
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	/* the process itself is not its own ancestor */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/usr/bin/nc");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);
	/* exclusion: no sshd anywhere up the lineage */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "!/usr/sbin/sshd");
	NO_MATCH(&r, EV_EXEC, p);
	MATCHES(&r, EV_EXEC, table_get(t, 10));
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/bin/bash !/usr/bin/sudo");
	NO_MATCH(&r, EV_EXEC, p);
	MATCHES(&r, EV_EXEC, table_get(t, 40));
	rule_free(&r);

	/* a gap in the table: the walk stops, what it saw counts */
	table_del(t, 20);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/usr/sbin/sshd");
	MATCHES(&r, EV_EXEC, p);		/* 30's pexe is sshd */
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/sbin/init");
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* an unknown parent exe with no record to go on: a miss */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/sbin/init");
	p = mkproc(60, 999, "/bin/x", NULL, 0);
	MISS(&r, EV_EXEC, p);
	/* but with a parent record, its exe is known */
	mkproc(999, 1, "/bin/y", "/sbin/init", 0);
	MATCHES(&r, EV_EXEC, p);
	rule_free(&r);
	table_del(t, 60);
	table_del(t, 999);
	drop_lineage();
}

/* Loops in ppid (a corrupt or recycled lineage) end. */
static void
test_ancestor_loops(void **state)
{
	struct rule r = { 0 };
	struct proc *p;
	pid_t pid;

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/nowhere");
	p = mkproc(70, 70, "/bin/self", "/bin/self", 0);
	NO_MATCH(&r, EV_EXEC, p);
	/* A loop not through the process: a recycled pid, younger. */
	mkproc(71, 72, "/bin/a", "/bin/b", 0)->start_ns = 1;
	mkproc(72, 73, "/bin/b", "/bin/c", 0)->start_ns = 2000000000;
	mkproc(73, 72, "/bin/c", "/bin/b", 0)->start_ns = 1000000000;
	NO_MATCH(&r, EV_EXEC, table_get(t, 71));
	/*
	 * A chain longer than the walk's bound: what is above may be the
	 * ancestor named, so it matches (a user's own chain of processes
	 * does not hide the ancestor a rule names) ...
	 */
	for (pid = 1000; pid < 3100; pid++)
		mkproc(pid, pid + 1, "/bin/sh", "/bin/sh", 0);
	mkproc(3100, 0, "/nowhere", NULL, 0);
	MATCHES(&r, EV_EXEC, table_get(t, 1000));
	MATCHES(&r, EV_EXEC, table_get(t, 3000));
	rule_free(&r);
	/* ... but not past an excluded ancestor seen within it. */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "!/bin/excluded");
	str_set(t, &table_get(t, 1500)->exe, S("/bin/excluded"));
	NO_MATCH(&r, EV_EXEC, table_get(t, 1000));
	str_set(t, &table_get(t, 1500)->exe, S("/bin/sh"));
	MATCHES(&r, EV_EXEC, table_get(t, 1000));
	for (pid = 1000; pid <= 3100; pid++)
		table_del(t, pid);
	rule_free(&r);
	/*
	 * A start time read from /proc is a tick's: a child a little older
	 * than its parent's exact one is not a recycled pid; a second is.
	 */
	set(&r, RK_EVENT, "exec");
	set(&r, RK_ANCESTOR, "/bin/top");
	mkproc(80, 81, "/bin/child", "/bin/mid", 0)->start_ns = 1000000000;
	mkproc(81, 82, "/bin/mid", "/bin/other", 0)->start_ns = 1005000000;
	mkproc(82, 0, "/bin/top", NULL, 0)->start_ns = 900000000;
	MATCHES(&r, EV_EXEC, table_get(t, 80));
	table_get(t, 81)->start_ns = 2000000000;
	NO_MATCH(&r, EV_EXEC, table_get(t, 80));
	table_del(t, 80);
	table_del(t, 81);
	table_del(t, 82);
	table_del(t, 70);
	table_del(t, 71);
	table_del(t, 72);
	table_del(t, 73);
	rule_free(&r);
}

static struct event
exit_event(pid_t pid, uint32_t code)
{
	struct event ev = { .type = EV_EXIT, .pid = pid, .tid = pid };

	ev.u.exit.code = code;
	return ev;
}

static void
test_exit(void **state)
{
	struct rule st = { 0 }, sg = { 0 }, any = { 0 };
	struct proc *p = mkproc(100, 1, "/usr/sbin/daemon", NULL, 0);
	struct event ok = exit_event(100, 0);
	struct event three = exit_event(100, 3 << 8);
	struct event segv = exit_event(100, SIGSEGV);
	struct event core = exit_event(100, SIGSEGV | 0x80);
	struct event killed = exit_event(100, SIGKILL);
	bool miss;

	(void)state;
	set(&st, RK_EVENT, "exit");
	set(&st, RK_EXIT_STATUS, "!0");
	set(&sg, RK_EVENT, "exit");
	set(&sg, RK_EXIT_SIGNAL, "SEGV ABRT");
	set(&any, RK_EVENT, "exit");
	set(&any, RK_EXE, "/usr/sbin/*");

	assert_false(match_ev(&st, &ok, p, &miss));
	assert_true(match_ev(&st, &three, p, &miss));
	/* a death by signal is not an exit status, not even "!0" */
	assert_false(match_ev(&st, &segv, p, &miss));
	assert_false(miss);
	assert_false(match_ev(&st, &killed, p, &miss));

	assert_true(match_ev(&sg, &segv, p, &miss));
	assert_true(match_ev(&sg, &core, p, &miss));
	assert_false(match_ev(&sg, &killed, p, &miss));
	assert_false(match_ev(&sg, &three, p, &miss));
	assert_false(match_ev(&sg, &ok, p, &miss));
	assert_false(miss);

	assert_true(match_ev(&any, &ok, p, &miss));
	assert_true(match_ev(&any, &segv, p, &miss));

	rule_free(&st);
	set(&st, RK_EVENT, "exit");
	set(&st, RK_EXIT_STATUS, "1-3 !2");
	assert_true(match_ev(&st, &three, p, &miss));
	three.u.exit.code = 2 << 8;
	assert_false(match_ev(&st, &three, p, &miss));
	three.u.exit.code = 255 << 8;
	assert_false(match_ev(&st, &three, p, &miss));

	rule_free(&sg);
	set(&sg, RK_EVENT, "exit");
	set(&sg, RK_EXIT_SIGNAL, "!KILL");
	assert_true(match_ev(&sg, &segv, p, &miss));
	assert_false(match_ev(&sg, &killed, p, &miss));
	assert_false(match_ev(&sg, &ok, p, &miss));
	rule_free(&st);
	rule_free(&sg);
	rule_free(&any);
	table_del(t, 100);
}

static void
test_threads(void **state)
{
	struct rule no = { 0 }, yes = { 0 };
	struct proc *p = mkproc(100, 1, "/usr/bin/firefox", NULL, 1000);
	struct event ev = exit_event(100, 0);
	bool miss;

	(void)state;
	set(&no, RK_EVENT, "exit fork");
	set(&yes, RK_EVENT, "exit fork");
	set(&yes, RK_THREADS, "yes");
	assert_true(yes.threads);
	ev.tid = 101;
	ev.thread = true;
	assert_false(match_ev(&no, &ev, p, &miss));
	assert_true(match_ev(&yes, &ev, p, &miss));
	ev.type = EV_FORK;
	assert_false(match_ev(&no, &ev, p, &miss));
	assert_true(match_ev(&yes, &ev, p, &miss));
	ev.thread = false;
	assert_true(match_ev(&no, &ev, p, &miss));
	assert_true(match_ev(&yes, &ev, p, &miss));
	rule_free(&no);
	rule_free(&yes);
	table_del(t, 100);
}

/* Hooks and prochookd itself never match. */
static void
test_hooks_never_match(void **state)
{
	struct rule r = { 0 };
	struct proc *p = mkproc(100, 1, "/bin/sh", NULL, 0);
	struct proc z = { .pid = 0 };
	struct event lost = { .type = EV_LOST };

	(void)state;
	set(&r, RK_EVENT, "exec");
	MATCHES(&r, EV_EXEC, p);
	p->flags |= P_HOOK;
	NO_MATCH(&r, EV_EXEC, p);
	p->flags &= ~P_HOOK;
	p->flags |= P_SELF;
	NO_MATCH(&r, EV_EXEC, p);
	rule_free(&r);

	/* a lost event: no process */
	set(&r, RK_EVENT, "lost");
	{
		bool miss;

		assert_true(match_ev(&r, &lost, &z, &miss));
		assert_false(miss);
	}
	rule_free(&r);
	table_del(t, 100);
}

static void
test_signals(void **state)
{
	int sig;
	const char *name;
	char buf[32];

	(void)state;
	assert_int_equal(signame_lookup("KILL"), SIGKILL);
	assert_int_equal(signame_lookup("SIGKILL"), SIGKILL);
	assert_int_equal(signame_lookup("sigkill"), SIGKILL);
	assert_int_equal(signame_lookup("Term"), SIGTERM);
	assert_int_equal(signame_lookup("9"), 9);
	assert_int_equal(signame_lookup("64"), 64);
	assert_int_equal(signame_lookup("IOT"), SIGABRT);
	assert_int_equal(signame_lookup("RTMIN"), SIGRTMIN);
	assert_int_equal(signame_lookup("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(signame_lookup("rtmax-1"), SIGRTMAX - 1);
	assert_int_equal(signame_lookup("RTMAX"), SIGRTMAX);
	assert_int_equal(signame_lookup("0"), 0);
	assert_int_equal(signame_lookup("65"), 0);
	assert_int_equal(signame_lookup("-9"), 0);
	assert_int_equal(signame_lookup("FOO"), 0);
	assert_int_equal(signame_lookup("SIG"), 0);
	assert_int_equal(signame_lookup(""), 0);
	assert_int_equal(signame_lookup("RTMIN+99"), 0);
	assert_int_equal(signame_lookup("RTMAX+1"), 0);
	assert_int_equal(signame_lookup("RTMIN+"), 0);
	assert_int_equal(signame_lookup("RTMIN+1x"), 0);
	assert_int_equal(signame_lookup("99999999999999999999"), 0);

	assert_string_equal(signame(SIGSEGV), "SEGV");
	assert_string_equal(signame(SIGKILL), "KILL");
	assert_string_equal(signame(SIGABRT), "ABRT");
	assert_string_equal(signame(SIGIO), "IO");
	assert_string_equal(signame(SIGCHLD), "CHLD");
	assert_string_equal(signame(SIGRTMIN), "RTMIN");
	assert_string_equal(signame(SIGRTMIN + 3), "RTMIN+3");
	assert_string_equal(signame(SIGRTMAX), "RTMAX");
	assert_null(signame(0));
	assert_null(signame(65));
	assert_null(signame(-1));

	/* every named signal reads back, with and without SIG */
	for (sig = 1; sig <= 64; sig++) {
		if ((name = signame(sig)) == NULL)
			continue;
		assert_int_equal(signame_lookup(name), sig);
		snprintf(buf, sizeof(buf), "SIG%s", name);
		assert_int_equal(signame_lookup(buf), sig);
		assert_int_equal(strncmp(name, "SIG", 3) != 0, 1);
	}
}

static void
test_add_value_errors(void **state)
{
	static const struct {
		enum rule_key	 k;
		const char	*v;
		bool		 neg;
		const char	*err;
	} cases[] = {
		{ RK_EVENT, "exce", false, "unknown event 'exce'" },
		{ RK_EVENT, "ack", false, "unknown event 'ack'" },
		{ RK_EVENT, "exec", true, "'!' is not allowed in 'event'" },
		{ RK_ACTION, "explode", false, "unknown action 'explode'" },
		{ RK_UID, "1-", false, "bad uid '1-'" },
		{ RK_UID, "5-1", false, "bad uid range '5-1': 5 > 1" },
		{ RK_GID, "4294967295", false,
		    "gid '4294967295' out of range" },
		{ RK_UID, "nosuchuser-prochook", false,
		    "unknown user 'nosuchuser-prochook'" },
		{ RK_EGID, "nosuchgroup-prochook", false,
		    "unknown group 'nosuchgroup-prochook'" },
		{ RK_EXIT_STATUS, "256", false,
		    "exit status '256' out of range" },
		{ RK_EXIT_STATUS, "root", false, "bad exit status 'root'" },
		{ RK_EXIT_SIGNAL, "SIGFOO", false, "unknown signal 'SIGFOO'" },
		{ RK_SIGNAL, "0", false, "unknown signal '0'" },
		{ RK_SIGNAL, "KILL", true, "'!' is not allowed in 'signal'" },
		{ RK_THREADS, "1", false, "bad threads '1'" },
		{ RK_HOOK, "a/b", false, "bad hook 'a/b'" },
		{ RK_HOOK, "..", false, "bad hook '..'" },
		{ RK_RUN_AS, "nosuchuser-prochook", false, "unknown user" },
		{ RK_TIMEOUT, "0", false, "bad timeout '0'" },
		{ RK_TIMEOUT, "1s", false, "bad timeout '1s'" },
		{ RK_RATE, "1000001", false, "bad rate '1000001'" },
		{ RK_EXE, "", false, "empty value for 'exe'" },
		{ RK__MAX, "x", false, "unknown key" },
	};
	struct rule r = { 0 };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(rule_add_value(&r, cases[i].k, cases[i].v,
		    cases[i].neg, err, sizeof(err)), -EINVAL);
		if (strstr(err, cases[i].err) == NULL)
			fail_msg("%s = %s: '%s', wanted '%s'",
			    rule_key_name(cases[i].k), cases[i].v, err,
			    cases[i].err);
	}
	rule_free(&r);
}

static void
test_keys(void **state)
{
	int k;

	(void)state;
	for (k = 0; k < RK__MAX; k++)
		assert_int_equal(rule_key_lookup(rule_key_name(k)), k);
	assert_int_equal(rule_key_lookup("colour"), RK__MAX);
	assert_int_equal(rule_key_events(RK_EXIT_STATUS), EV_BIT(EV_EXIT));
	assert_int_equal(rule_key_events(RK_PREV_EUID), EV_BIT(EV_UID));
	assert_int_equal(rule_key_events(RK_THREADS),
	    EV_BIT(EV_FORK) | EV_BIT(EV_EXIT));
	assert_false(rule_key_events(RK_EXE) & EV_BIT(EV_LOST));
	assert_true(rule_key_events(RK_HOOK) & EV_BIT(EV_LOST));
	assert_true(rule_key_multi(RK_EXE));
	assert_false(rule_key_multi(RK_ACTION));
	assert_string_equal(rule_action_name(ACT_RUN), "run");
	assert_string_equal(rule_action_name(ACT_KILL), "kill");
	assert_string_equal(rule_action_name(ACT_HOLD), "hold");
	assert_string_equal(rule_action_name(ACT_LOG), "log");
}

static void
describe_is(const struct rule *r, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	rule_describe(r, "/etc/prochook/hooks.d", fp);
	fclose(fp);
	if (strcmp(out, want) != 0)
		fail_msg("described as\n  %s\nwanted\n  %s", out, want);
	free(out);
}

static void
test_describe(void **state)
{
	struct rule r = { 0 };
	char err[128];

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/usr/bin/nc* /bin/nc*");
	set(&r, RK_UID, "!0");
	set(&r, RK_ACTION, "kill");
	set(&r, RK_HOOK, "/etc/prochook/hooks.d/notify-admin");
	r.signal = SIGKILL;
	describe_is(&r, "exec where exe in {/usr/bin/nc*, /bin/nc*} and uid "
	    "not 0 -> kill KILL, then hook notify-admin");
	rule_free(&r);

	set(&r, RK_EVENT, "exit fork");
	set(&r, RK_THREADS, "yes");
	assert_int_equal(rule_add_value(&r, RK_CMDLINE, "nc -l *", false, err,
	    sizeof(err)), 0);
	set(&r, RK_CMDLINE, "!x");
	set(&r, RK_HOOK, "/usr/local/bin/a /etc/prochook/hooks.d/b");
	set(&r, RK_TIMEOUT, "5");
	set(&r, RK_RATE, "2");
	describe_is(&r, "fork|exit (with threads) where cmdline \"nc -l *\" "
	    "and not x -> run hooks /usr/local/bin/a, b, timeout 5s, rate 2/s");
	rule_free(&r);

	set(&r, RK_EVENT, "exit");
	set(&r, RK_EXIT_SIGNAL, "SEGV 6 !KILL");
	set(&r, RK_ACTION, "log");
	describe_is(&r, "exit where exit_signal in {SEGV, ABRT} and not KILL "
	    "-> log");
	rule_free(&r);

	set(&r, RK_EVENT, "exec");
	set(&r, RK_ACTION, "hold");
	set(&r, RK_HOOK, "/etc/prochook/hooks.d/approve");
	set(&r, RK_RUN_AS, "root:65534");
	describe_is(&r, "exec -> hold, run hook approve as root (uid 0, gid "
	    "65534), then release if all exit 0, else kill");
	rule_free(&r);
}

static void
test_rate(void **state)
{
	struct rule r = { 0 };
	struct rule_rate rr = { 0 }, r2 = { 0 };
	uint64_t now = 1000000000ull;
	char *hooks[] = { (char *)"/h" };
	int i, ok = 0;

	(void)state;
	/* No rate and no hooks (a log rule): always. */
	assert_int_equal(rule_rate(&r), 0);
	for (i = 0; i < 1000; i++)
		ok += rule_rate_take(&r, &rr, now, 1);
	assert_int_equal(ok, 1000);
	r.rate = 10;
	/* A second's worth at once, then one every 100 ms. */
	for (i = ok = 0; i < 20; i++)
		ok += rule_rate_take(&r, &rr, now, 1);
	assert_int_equal(ok, 10);
	assert_int_equal(rr.dropped, 10);
	assert_false(rule_rate_take(&r, &rr, now + 50000000ull, 1));
	assert_true(rule_rate_take(&r, &rr, now + 150000000ull, 1));
	assert_false(rule_rate_take(&r, &rr, now + 160000000ull, 1));
	/* A burst of two seconds' worth, and the same rate after it. */
	for (i = ok = 0; i < 50; i++)
		ok += rule_rate_take(&r, &r2, now, 2);
	assert_int_equal(ok, 20);
	assert_false(rule_rate_take(&r, &r2, now + 50000000ull, 2));
	assert_true(rule_rate_take(&r, &r2, now + 150000000ull, 2));
	/* A rule with hooks and no rate has the default. */
	r.rate = 0;
	r.hooks = hooks;
	r.nhooks = 1;
	assert_int_equal(rule_rate(&r), RULE_RATE_DEFAULT);
	memset(&rr, 0, sizeof(rr));
	for (i = ok = 0; i < 3 * RULE_RATE_DEFAULT; i++)
		ok += rule_rate_take(&r, &rr, now, 1);
	assert_int_equal(ok, RULE_RATE_DEFAULT);
	r.hooks = NULL;
	r.nhooks = 0;
}

/*
 * Only the names are tested: a rule whose exe or script keys rule the
 * program out cannot match; any other key, known or not, is not looked at.
 */
static void
test_names_may_match(void **state)
{
	struct rule r = { 0 }, s = { 0 }, u = { 0 };
	struct proc *p = mkproc(700, 1, "/usr/sbin/cron", NULL, 0);
	struct proc named;

	(void)state;
	set(&r, RK_EVENT, "exit");
	set(&r, RK_EXE, "/usr/sbin/* !/usr/sbin/nologin");
	set(&r, RK_CMDLINE, "*--never*");
	set(&r, RK_UID, "4242");
	assert_true(rule_names_may_match(&r, p));
	str_set(t, &p->exe, S("/usr/sbin/nologin"));
	assert_false(rule_names_may_match(&r, p));
	str_set(t, &p->exe, S("/usr/bin/true"));
	assert_false(rule_names_may_match(&r, p));
	/* Unknown: it may. */
	p->flags &= ~P_EXE;
	assert_true(rule_names_may_match(&r, p));

	/* A script key: an exec that runs no script has an empty one. */
	set(&s, RK_EVENT, "exec");
	set(&s, RK_SCRIPT, "/usr/local/sbin/backup-*.sh");
	memset(&named, 0, sizeof(named));
	named.exe = S("/usr/bin/dash");
	named.flags = P_EXE | P_SCRIPT;
	assert_false(rule_names_may_match(&s, &named));
	named.script = S("/usr/local/sbin/backup-home.sh");
	assert_true(rule_names_may_match(&s, &named));
	str_unref(t, named.exe);
	str_unref(t, named.script);

	/* No name key at all: every program. */
	set(&u, RK_EVENT, "uid");
	set(&u, RK_EUID, "0");
	assert_true(rule_names_may_match(&u, p));
	rule_free(&r);
	rule_free(&s);
	rule_free(&u);
}

/* Keys in the skip mask are not tested, whatever they would say. */
static void
test_skip(void **state)
{
	struct rule r = { 0 };
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct proc *p = mkproc(100, 1, "/usr/bin/nc", "/bin/bash", 1000);
	struct pevent pe = { .ev = &ev, .p = p };
	bool miss = false;

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/usr/bin/nc");
	set(&r, RK_PARENT, "/usr/bin/sudo");
	set(&r, RK_ANCESTOR, "/usr/sbin/sshd");
	assert_false(rule_match(&r, &pe, t, &miss, 0));
	assert_false(rule_match(&r, &pe, t, &miss, RK_BIT(RK_PARENT)));
	assert_true(rule_match(&r, &pe, t, &miss, RK_LINEAGE));
	assert_false(miss);
	/* Unknown but skipped: no miss. */
	p->flags &= ~P_PEXE;
	assert_true(rule_match(&r, &pe, t, &miss, RK_LINEAGE));
	assert_false(miss);
	/* The other keys still count. */
	assert_false(rule_match(&r, &pe, t, &miss, RK_BIT(RK_ANCESTOR)));
	assert_true(miss);
	miss = false;
	str_set(t, &p->exe, S("/usr/bin/ncat"));
	assert_false(rule_match(&r, &pe, t, &miss, RK_LINEAGE));
	assert_true(rule_match(&r, &pe, t, &miss, RK_LINEAGE |
	    RK_BIT(RK_EXE)));
	assert_false(miss);
	rule_free(&r);
	table_del(t, 100);
}

/*
 * rule_key_test() answers each key as rule_match() decides: a match is
 * every key yes, a miss is no key no and some key unknown.
 */
static void
test_key_test(void **state)
{
	static const char *const uids[] = { "1000", "!1000", "0-99" };
	static const char *const exes[] = { "/usr/bin/nc*", "!/usr/*", "/x" };
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct proc *p = mkproc(100, 1, "/usr/bin/nc", "/bin/bash", 1000);
	struct pevent pe = { .ev = &ev, .p = p };
	enum rule_tri a;
	size_t u, x, f;
	int k;

	(void)state;
	for (u = 0; u < 3; u++)
		for (x = 0; x < 3; x++)
			for (f = 0; f < 4; f++) {
				struct rule r = { 0 };
				bool all = true, no = false, unk = false;
				bool miss = false, m;

				set(&r, RK_EVENT, f == 3 ? "exit" : "exec");
				set(&r, RK_UID, uids[u]);
				set(&r, RK_EXE, exes[x]);
				set(&r, RK_PARENT, "/bin/*");
				p->flags = P_EXE | P_IDS | P_PEXE | P_COMM;
				if (f == 1)
					p->flags &= ~P_EXE;
				if (f == 2)
					p->flags &= ~(P_IDS | P_PEXE);
				for (k = 0; k < RK__MAX; k++) {
					a = rule_key_test(&r, k, &pe, t);
					all &= a == RULE_YES;
					no |= a == RULE_NO;
					unk |= a == RULE_UNKNOWN;
				}
				m = rule_match(&r, &pe, t, &miss, 0);
				assert_int_equal(m, all);
				assert_int_equal(miss, !no && unk);
				/* Keys that do not test: yes. */
				assert_int_equal(rule_key_test(&r, RK_ACTION,
				    &pe, t), RULE_YES);
				assert_int_equal(rule_key_test(&r, RK_CMDLINE,
				    &pe, t), RULE_YES);
				rule_free(&r);
			}
	table_del(t, 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_type),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_ancestor),
		cmocka_unit_test(test_ancestor_loops),
		cmocka_unit_test(test_exit),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_hooks_never_match),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_add_value_errors),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_key_test),
		cmocka_unit_test(test_names_may_match),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
