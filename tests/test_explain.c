/*
 * test_explain.c - what --explain prints for a rule against an event (golden
 * output), and its options, malformed ones included.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "explain.h"

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

/* A process everything is known of but its script (none). */
static struct proc *
mkproc(pid_t pid, pid_t ppid, const char *exe, const char *cmdline,
    uint32_t uid)
{
	struct proc *p = table_add(t, pid);

	assert_non_null(p);
	p->ppid = ppid;
	p->uid = p->euid = p->gid = p->egid = uid;
	p->flags = P_EXE | P_CMDLINE | P_IDS | P_COMM | P_CGROUP | P_START |
	    P_SCRIPT;
	str_set(t, &p->exe, S(exe));
	str_set(t, &p->cmdline, S(cmdline));
	str_set(t, &p->cgroup, S("/user.slice/user-1000.slice/session-1.scope"));
	snprintf(p->comm, sizeof(p->comm), "%s", strrchr(exe, '/') + 1);
	return p;
}

/* Set key k from space-separated words; "!x" excludes. */
static void
set(struct rule *r, enum rule_key k, const char *values)
{
	char *copy = strdup(values), *w, *save = NULL, err[256];

	assert_non_null(copy);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		if (rule_add_value(r, k, w[0] == '!' ? w + 1 : w, w[0] == '!',
		    err, sizeof(err)) != 0)
			fail_msg("%s = %s: %s", rule_key_name(k), w, err);
	free(copy);
}

static const char *
fake_user(void *arg, uint32_t uid)
{
	(void)arg;
	return uid == 1000 ? "alice" : uid == 0 ? "root" : NULL;
}

/* Explain r against the event; compare with want; return the answer. */
static enum rule_tri
explains(struct rule *r, const struct event *ev, const struct proc *p,
    const char *want)
{
	struct out_ctx oc = { .user = fake_user };
	struct pevent pe = { .ev = ev, .p = p };
	enum rule_tri res;
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	assert_non_null(fp);
	r->name = (char *)"r1";
	r->file = (char *)"/etc/prochook/prochook.conf";
	r->line = 7;
	res = explain_rule(fp, r, "/etc/prochook/hooks.d", &pe, t, &oc);
	fclose(fp);
	if (strcmp(out, want) != 0)
		fail_msg("explained as\n%s\nwanted\n%s", out, want);
	free(out);
	r->name = r->file = NULL;
	return res;
}

static void
test_matched(void **state)
{
	struct proc *p = mkproc(100, 1, "/usr/bin/nc.openbsd", "nc -l 1234",
	    1000);
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct rule r = { 0 };

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "/usr/bin/nc /usr/bin/nc.*");
	set(&r, RK_UID, "!0");
	set(&r, RK_ACTION, "kill");
	set(&r, RK_HOOK, "/etc/prochook/hooks.d/notify-admin");
	r.signal = SIGKILL;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where exe in {/usr/bin/nc, /usr/bin/nc.*} and uid not 0 "
	    "-> kill KILL, then hook notify-admin\n"
	    "  event        matched      exec\n"
	    "  exe          matched      /usr/bin/nc.openbsd\n"
	    "  uid          matched      1000 (alice)\n"
	    "  => matches: kill KILL, then hook notify-admin\n"), RULE_YES);

	/* PID 1: the privileged part would refuse. */
	ev.pid = ev.tid = 1;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where exe in {/usr/bin/nc, /usr/bin/nc.*} and uid not 0 "
	    "-> kill KILL, then hook notify-admin\n"
	    "  event        matched      exec\n"
	    "  exe          matched      /usr/bin/nc.openbsd\n"
	    "  uid          matched      1000 (alice)\n"
	    "  => matches: kill KILL, then hook notify-admin\n"
	    "  (but PID 1 is never signalled or held, and never exits: "
	    "nothing would be done)\n"), RULE_YES);
	rule_free(&r);
}

static void
test_not_matched(void **state)
{
	struct proc *p = mkproc(100, 1, "/usr/bin/sleep", "sleep 9", 1000);
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct rule r = { 0 };

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_COMM, "nc*");
	set(&r, RK_GID, "1000");
	set(&r, RK_CGROUP, "/system.slice/*");
	set(&r, RK_ACTION, "log");
	/* Every key given is shown, also after the first that fails. */
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where comm nc* and cgroup /system.slice/* and gid 1000 "
	    "-> log\n"
	    "  event        matched      exec\n"
	    "  comm         not matched  sleep\n"
	    "  cgroup       not matched  "
	    "/user.slice/user-1000.slice/session-1.scope\n"
	    "  gid          matched      1000\n"
	    "  => does not match\n"), RULE_NO);
	rule_free(&r);
}

static void
test_unknown(void **state)
{
	struct proc *p = mkproc(100, 1, "/usr/bin/sleep", "sleep 9", 1000);
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct rule r = { 0 };

	(void)state;
	/* What the reader may not read: the exe, the parent. */
	p->flags &= ~(P_EXE | P_SCRIPT);
	set(&r, RK_EVENT, "exec");
	set(&r, RK_EXE, "!/usr/*");
	set(&r, RK_SCRIPT, "/x");
	set(&r, RK_PARENT, "/usr/sbin/sshd");
	set(&r, RK_UID, "1000-60000");
	set(&r, RK_ACTION, "log");
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where exe not /usr/* and script /x and parent "
	    "/usr/sbin/sshd and uid 1000-60000 -> log\n"
	    "  event        matched      exec\n"
	    "  exe          unknown      ?\n"
	    "  script       unknown      ?\n"
	    "  parent       unknown      ?\n"
	    "  uid          matched      1000 (alice)\n"
	    "  => does not match: a value it tests is unknown (the daemon "
	    "would count a miss)\n"), RULE_UNKNOWN);

	/* An unknown beside a known "no": no match, and no miss. */
	p->uid = 0;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where exe not /usr/* and script /x and parent "
	    "/usr/sbin/sshd and uid 1000-60000 -> log\n"
	    "  event        matched      exec\n"
	    "  exe          unknown      ?\n"
	    "  script       unknown      ?\n"
	    "  parent       unknown      ?\n"
	    "  uid          not matched  0 (root)\n"
	    "  => does not match\n"), RULE_NO);
	rule_free(&r);
}

static void
test_exit(void **state)
{
	struct proc *p = mkproc(100, 1, "/usr/sbin/cron", "cron -f", 0);
	struct event ev = { .type = EV_EXIT, .pid = 100, .tid = 100 };
	struct rule r = { 0 }, s = { 0 };

	(void)state;
	set(&r, RK_EVENT, "exit");
	set(&r, RK_EXE, "/usr/sbin/*");
	set(&r, RK_EXIT_STATUS, "!0");
	set(&r, RK_HOOK, "/etc/prochook/hooks.d/mail-root");
	set(&s, RK_EVENT, "exit");
	set(&s, RK_EXIT_SIGNAL, "SEGV ABRT");
	set(&s, RK_HOOK, "/etc/prochook/hooks.d/mail-root");

	ev.u.exit.code = 3 << 8;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exit where exe /usr/sbin/* and exit_status not 0 -> run hook "
	    "mail-root\n"
	    "  event        matched      exit\n"
	    "  exe          matched      /usr/sbin/cron\n"
	    "  exit_status  matched      3\n"
	    "  => matches: run hook mail-root\n"), RULE_YES);
	assert_int_equal(explains(&s, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exit where exit_signal in {SEGV, ABRT} -> run hook mail-root\n"
	    "  event        matched      exit\n"
	    "  exit_signal  not matched  - (exited 3)\n"
	    "  => does not match\n"), RULE_NO);

	ev.u.exit.code = SIGSEGV;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exit where exe /usr/sbin/* and exit_status not 0 -> run hook "
	    "mail-root\n"
	    "  event        matched      exit\n"
	    "  exe          matched      /usr/sbin/cron\n"
	    "  exit_status  not matched  - (killed by SEGV)\n"
	    "  => does not match\n"), RULE_NO);
	assert_int_equal(explains(&s, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exit where exit_signal in {SEGV, ABRT} -> run hook mail-root\n"
	    "  event        matched      exit\n"
	    "  exit_signal  matched      SEGV\n"
	    "  => matches: run hook mail-root\n"), RULE_YES);

	/* The same rule against an exec. */
	ev.type = EV_EXEC;
	assert_int_equal(explains(&s, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exit where exit_signal in {SEGV, ABRT} -> run hook mail-root\n"
	    "  event        not matched  exec\n"
	    "  exit_signal  not matched  - (not an exit)\n"
	    "  => does not match\n"), RULE_NO);
	rule_free(&r);
	rule_free(&s);
}

/* What a process put in its arguments stays on its line. */
static void
test_hostile_values(void **state)
{
	struct proc *p = mkproc(100, 1, "/tmp/x y", "x\n  => matches: kill\\",
	    1000);
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct rule r = { 0 };
	char err[128];

	(void)state;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_CMDLINE, "*kill*");
	/* A quoted " -> " in a value is no action. */
	assert_int_equal(rule_add_value(&r, RK_EXE, "/a -> b", false, err,
	    sizeof(err)), 0);
	set(&r, RK_ACTION, "log");
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where exe \"/a -> b\" and cmdline *kill* -> log\n"
	    "  event        matched      exec\n"
	    "  exe          not matched  /tmp/x y\n"
	    "  cmdline      matched      x\\x0a  => matches: kill\\x5c\n"
	    "  => does not match\n"), RULE_NO);
	rule_free(&r);
	set(&r, RK_EVENT, "exec");
	assert_int_equal(rule_add_value(&r, RK_CMDLINE, "* -> *", false, err,
	    sizeof(err)), 0);
	set(&r, RK_ACTION, "log");
	str_set(t, &p->cmdline, S("a -> b"));
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where cmdline \"* -> *\" -> log\n"
	    "  event        matched      exec\n"
	    "  cmdline      matched      a -> b\n"
	    "  => matches: log\n"), RULE_YES);
	rule_free(&r);
}

/* The script key, known to be none; the lineage, nearest first. */
static void
test_script_lineage(void **state)
{
	struct proc *p = mkproc(100, 50, "/usr/bin/dash", "sh -c x", 1000);
	struct proc *pp = mkproc(50, 40, "/usr/bin/bash", "bash", 1000);
	struct proc *gp = mkproc(40, 1, "/usr/sbin/sshd", "sshd", 0);
	struct event ev = { .type = EV_EXEC, .pid = 100, .tid = 100 };
	struct rule r = { 0 };

	(void)state;
	str_set(t, &p->pexe, S("/usr/bin/bash"));
	p->flags |= P_PEXE;
	gp->flags &= ~P_EXE;
	(void)pp;
	set(&r, RK_EVENT, "exec");
	set(&r, RK_SCRIPT, "!/usr/local/*");
	set(&r, RK_ANCESTOR, "/usr/sbin/sshd");
	set(&r, RK_ACTION, "log");
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where script not /usr/local/* and ancestor /usr/sbin/sshd "
	    "-> log\n"
	    "  event        matched      exec\n"
	    "  script       matched      - (no script)\n"
	    "  ancestor     not matched  /usr/bin/bash, ?\n"
	    "  => does not match\n"), RULE_NO);
	gp->flags |= P_EXE;
	assert_int_equal(explains(&r, &ev, p,
	    "[r1] /etc/prochook/prochook.conf:7\n"
	    "  exec where script not /usr/local/* and ancestor /usr/sbin/sshd "
	    "-> log\n"
	    "  event        matched      exec\n"
	    "  script       matched      - (no script)\n"
	    "  ancestor     matched      /usr/bin/bash, /usr/sbin/sshd\n"
	    "  => matches: log\n"), RULE_YES);
	rule_free(&r);
}

static int
parse(struct explain_args *a, const char *pid, const char *event,
    const char *status, const char *signal)
{
	char err[256];

	memset(a, 0x55, sizeof(*a));
	err[0] = '\0';
	if (explain_args_parse(a, pid, event, status, signal, err,
	    sizeof(err)) < 0) {
		assert_true(err[0] != '\0');
		return -EINVAL;
	}
	return 0;
}

static void
test_args(void **state)
{
	struct explain_args a;

	(void)state;
	assert_int_equal(parse(&a, "42", NULL, NULL, NULL), 0);
	assert_int_equal(a.pid, 42);
	assert_false(a.exit);
	assert_int_equal(parse(&a, "42", "exec", NULL, NULL), 0);
	assert_false(a.exit);
	assert_int_equal(parse(&a, "42", "exit", "3", NULL), 0);
	assert_true(a.exit);
	assert_int_equal(a.wstatus, 3 << 8);
	assert_int_equal(parse(&a, "42", NULL, "0", NULL), 0);
	assert_true(a.exit);
	assert_int_equal(a.wstatus, 0);
	assert_int_equal(parse(&a, "42", "exit", NULL, "SEGV"), 0);
	assert_int_equal(a.wstatus, SIGSEGV);
	assert_int_equal(parse(&a, "42", NULL, NULL, "9"), 0);
	assert_int_equal(a.wstatus, SIGKILL);

	/* Malformed. */
	assert_int_equal(parse(&a, NULL, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "0", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "-1", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "+5", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "12x", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, " 12", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "4294967297", NULL, NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", "fork", NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", "", NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", "exit", NULL, NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", "exec", "1", NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", "exec", NULL, "KILL"), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, "1", "KILL"), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, "256", NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, "-1", NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, "", NULL), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, NULL, "NOPE"), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, NULL, "0"), -EINVAL);
	assert_int_equal(parse(&a, "42", NULL, NULL, ""), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_matched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_matched, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_values, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_script_lineage, setup,
		    teardown),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
