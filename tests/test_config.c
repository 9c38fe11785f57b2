/*
 * test_config.c - the configuration parser: every key and value form,
 * every error with its line, drop-in files, hooks, and a fuzz-style
 * run over mutated files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "config.h"

#define CONF	TEST_DATA "/conf"
#define MAXERR	512

struct errs {
	size_t	 n;
	char	*msg[MAXERR];
	bool	 used[MAXERR];
};

static char tmpdir[] = "/tmp/prochook-test.XXXXXX";
static char tmpconf[PATH_MAX];

static void
collect(void *arg, const char *msg)
{
	struct errs *e = arg;

	if (e->n < MAXERR)
		e->msg[e->n++] = strdup(msg);
}

static void
errs_free(struct errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	memset(e, 0, sizeof(*e));
}

static void
errs_dump(const struct errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		print_message("  error: %s\n", e->msg[i]);
}

/* Index of the error "file:line: ...text...", or -1. */
static int
find_err(const struct errs *e, const char *file, unsigned line,
    const char *text)
{
	char prefix[PATH_MAX + 32];
	size_t i;

	snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	for (i = 0; i < e->n; i++)
		if (strncmp(e->msg[i], prefix, strlen(prefix)) == 0 &&
		    strstr(e->msg[i] + strlen(prefix), text) != NULL)
			return (int)i;
	return -1;
}

#define assert_err(e, file, line, text) do {				\
	if (find_err((e), (file), (line), (text)) < 0) {		\
		errs_dump(e);						\
		fail_msg("no error %s:%u: ...%s", (file), (line), (text)); \
	}								\
} while (0)

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/*
 * Load text as a main file in the test's directory.  Unless the text has
 * its own [daemon], one is added at the end (so line numbers stay) that
 * points rules_dir at a directory that does not exist.
 */
static struct config *
load_text(const char *text, struct errs *e)
{
	char *full;

	if (strstr(text, "[daemon]") != NULL)
		full = strdup(text);
	else if (asprintf(&full, "%s\n[daemon]\nrules_dir = none.d\n",
	    text) < 0)
		full = NULL;
	assert_non_null(full);
	write_file(tmpconf, full);
	free(full);
	return config_load(tmpconf, collect, e);
}

/* A configuration that must load: fail with every error if not. */
static struct config *
load_ok(const char *path, struct errs *e)
{
	struct config *cfg = config_load(path, collect, e);

	if (cfg == NULL || e->n > 0) {
		errs_dump(e);
		fail_msg("%s refused", path);
	}
	return cfg;
}

static struct config *
load_text_ok(const char *text, struct errs *e)
{
	struct config *cfg = load_text(text, e);

	if (cfg == NULL || e->n > 0) {
		errs_dump(e);
		fail_msg("refused:\n%s", text);
	}
	return cfg;
}

static const struct rule *
rule_named(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		if (strcmp(cfg->rules[i].name, name) == 0)
			return &cfg->rules[i];
	fail_msg("no rule [%s]", name);
	return NULL;
}

/*
 * Every "; expect: TEXT" in the file marks an error "name:LINE: ...TEXT"
 * (DIR in TEXT stands for dir); marks the errors found as used.
 */
static void
check_markers(struct errs *e, const char *file, const char *name,
    const char *dir)
{
	const char *mark = "; expect: ";
	char line[1024], text[1024], *p, *q, *d;
	unsigned lineno = 0;
	FILE *fp = fopen(file, "r");
	size_t n;
	int i;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[strspn(line, " \t")] == '#')
			continue;
		for (p = strstr(line, mark); p != NULL; p = q) {
			p += strlen(mark);
			q = strstr(p, mark);
			snprintf(text, sizeof(text), "%.*s",
			    (int)(q ? (size_t)(q - p) : strlen(p)), p);
			n = strlen(text);
			while (n > 0 && text[n - 1] == ' ')
				text[--n] = '\0';
			if (dir != NULL && (d = strstr(text, "DIR")) != NULL) {
				char tmp[1024];

				snprintf(tmp, sizeof(tmp), "%.*s%s%s",
				    (int)(d - text), text, dir, d + 3);
				strcpy(text, tmp);
			}
			i = find_err(e, name, lineno, text);
			if (i < 0) {
				errs_dump(e);
				fail_msg("expected %s:%u: ...%s", name, lineno,
				    text);
			}
			e->used[i] = true;
		}
	}
	fclose(fp);
}

static void
assert_all_used(const struct errs *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (!e->used[i])
			fail_msg("unexpected error: %s", e->msg[i]);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(tmpconf, sizeof(tmpconf), "%s/t.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char path[PATH_MAX];
	const char *names[] = { "t.conf", "t2.conf", "fuzz.conf", "hook",
	    NULL };
	int i;

	(void)state;
	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

/* The shipped example loads, documents every key, and its hooks exist. */
static void
test_shipped_example(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;
	const char *dkeys[] = { "hooks_dir", "rules_dir", "user", "max_hooks",
	    "queue_size", "hook_timeout", "rcvbuf", "log_format",
	    "log_target" };
	char needle[64];

	char dir[] = "/run/prochook-conf-XXXXXX", cmd[256], path[PATH_MAX];

	(void)state;
	/*
	 * Hooks must be in directories only root can write, up to /: a clone
	 * under /tmp or a home directory is not.  Load a copy staged as
	 * make run does.
	 */
	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: test_shipped_example needs root "
		    "(a root-owned copy of conf/ and hooks.d/)\n");
		skip();
	}
	assert_non_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "chmod 755 %s && cp -R conf hooks.d %s/ && "
	    "chown -R root:root %s && chmod -R go-w %s", dir, dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/conf/prochook.conf", dir);
	cfg = load_ok(path, &e);
	snprintf(path, sizeof(path), "%s/hooks.d", dir);
	assert_string_equal(cfg->hooks_dir, path);
	snprintf(path, sizeof(path), "%s/conf/rules.d", dir);
	assert_string_equal(cfg->rules_dir, path);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_true(cfg->nrules >= 2);
	assert_string_equal(cfg->rules[cfg->nrules - 1].name, "sudo-used");
	for (i = 0; i < cfg->nrules; i++) {
		assert_int_not_equal(cfg->rules[i].action, ACT_KILL);
		if (cfg->rules[i].action == ACT_HOLD)
			fail_msg("a hold rule in the shipped example");
	}
	config_free(cfg);

	/* Every key appears in a comment or a setting. */
	fp = fopen("conf/prochook.conf", "r");
	assert_non_null(fp);
	assert_true(getdelim(&text, &len, '\0', fp) > 0);
	fclose(fp);
	for (i = 0; i < RK__MAX; i++) {
		snprintf(needle, sizeof(needle), "%s", rule_key_name(i));
		if (strstr(text, needle) == NULL)
			fail_msg("rule key '%s' undocumented", needle);
	}
	for (i = 0; i < sizeof(dkeys) / sizeof(dkeys[0]); i++) {
		snprintf(needle, sizeof(needle), "\n%s = ", dkeys[i]);
		if (strstr(text, needle) == NULL)
			fail_msg("daemon key '%s' missing", dkeys[i]);
	}
	free(text);
	errs_free(&e);
}

static void
test_defaults(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;

	(void)state;
	cfg = load_text_ok("[r]\nevent = exec\naction = log\n", &e);
	assert_string_equal(cfg->hooks_dir, SYSCONFDIR "/prochook/hooks.d");
	assert_string_equal(cfg->user, "prochook");
	assert_int_equal(cfg->max_hooks, 32);
	assert_int_equal(cfg->queue_size, 1024);
	assert_int_equal(cfg->hook_timeout, 30);
	assert_int_equal(cfg->rcvbuf, 4 << 20);
	assert_int_equal(cfg->log_format, LOGF_TEXT);
	assert_int_equal(cfg->log_target, LOG_TO_STDERR);
	assert_int_equal(cfg->nrules, 1);
	assert_int_equal(cfg->events, EV_BIT(EV_EXEC));
	assert_false(cfg->threads);
	config_free(cfg);

	/* Without [daemon] at all, rules_dir is the default. */
	if (access(SYSCONFDIR "/prochook/rules.d", F_OK) == 0) {
		errs_free(&e);
		skip();
	}
	write_file(tmpconf, "[r]\nevent = exec\naction = log\n");
	cfg = load_ok(tmpconf, &e);
	assert_string_equal(cfg->rules_dir, SYSCONFDIR "/prochook/rules.d");
	config_free(cfg);
	errs_free(&e);
}

static void
test_daemon_keys(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;
	char *real;

	(void)state;
	cfg = load_ok(CONF "/full.conf", &e);
	assert_string_equal(cfg->hooks_dir, "/usr/bin");
	real = realpath(CONF, NULL);
	assert_non_null(real);
	assert_non_null(strstr(cfg->rules_dir, real));
	assert_string_equal(cfg->rules_dir + strlen(real), "/none.d");
	free(real);
	assert_string_equal(cfg->user, "nobody");
	assert_int_equal(cfg->max_hooks, 4096);
	assert_int_equal(cfg->queue_size, 0);
	assert_int_equal(cfg->hook_timeout, 86400);
	assert_int_equal(cfg->rcvbuf, 64 << 10);
	assert_int_equal(cfg->log_format, LOGF_JSON);
	r = rule_named(cfg, "all-keys");
	assert_string_equal(r->hooks[0], "/usr/bin/true");
	assert_string_equal(r->hooks[1], "/usr/bin/env");
	assert_string_equal(r->hooks[2], "/bin/true");
	config_free(cfg);
	errs_free(&e);
}

/* The [daemon] key table: each key sets its field, or says what it wants. */
static void
test_daemon_key_set(void **state)
{
	struct config cfg = { 0 };
	char err[256];
	int k;

	(void)state;
	for (k = 0; k < DK__MAX; k++)
		assert_int_equal(daemon_key_lookup(daemon_key_name(k)), k);
	assert_int_equal(daemon_key_lookup("colour"), DK__MAX);
	assert_int_equal(daemon_key_set(&cfg, DK_MAX_HOOKS, "4096", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.max_hooks, 4096);
	assert_int_equal(daemon_key_set(&cfg, DK_QUEUE_SIZE, "0", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.queue_size, 0);
	assert_int_equal(daemon_key_set(&cfg, DK_RCVBUF, "64k", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.rcvbuf, 65536);
	assert_int_equal(daemon_key_set(&cfg, DK_LOG_FORMAT, "json", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.log_format, LOGF_JSON);
	assert_int_equal(daemon_key_set(&cfg, DK_USER, "nobody", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.user, "nobody");
	assert_int_equal(daemon_key_set(&cfg, DK_HOOKS_DIR, "hooks.d", err,
	    sizeof(err)), 0);
	assert_string_equal(cfg.hooks_dir, "hooks.d");

	assert_int_equal(daemon_key_set(&cfg, DK_MAX_HOOKS, "4097", err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad max_hooks '4097': expected 1-4096");
	assert_int_equal(daemon_key_set(&cfg, DK_HOOK_TIMEOUT, "-1", err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad hook_timeout '-1': expected seconds, "
	    "1-86400");
	assert_int_equal(daemon_key_set(&cfg, DK_RCVBUF, "2G", err,
	    sizeof(err)), -EINVAL);
	assert_int_equal(daemon_key_set(&cfg, DK_RCVBUF, "63k", err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad rcvbuf '63k': expected bytes with an "
	    "optional K, M or G, 64K-1G");
	assert_int_equal(daemon_key_set(&cfg, DK_LOG_FORMAT, "xml", err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad log_format 'xml': expected text or json");
	assert_int_equal(daemon_key_set(&cfg, DK_LOG_TARGET, "journal", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.log_target, LOG_TO_JOURNAL);
	assert_int_equal(daemon_key_set(&cfg, DK_LOG_TARGET, "syslog", err,
	    sizeof(err)), 0);
	assert_int_equal(cfg.log_target, LOG_TO_SYSLOG);
	assert_int_equal(daemon_key_set(&cfg, DK_LOG_TARGET, "journald", err,
	    sizeof(err)), -EINVAL);
	assert_string_equal(err, "bad log_target 'journald': expected stderr, "
	    "syslog or journal");
	assert_int_equal(cfg.log_target, LOG_TO_SYSLOG);
	assert_int_equal(cfg.max_hooks, 4096);
	assert_int_equal(cfg.rcvbuf, 65536);
	assert_int_equal(cfg.log_format, LOGF_JSON);
	free(cfg.user);
	free(cfg.hooks_dir);
}

static void
test_rcvbuf(void **state)
{
	static const struct {
		const char	*v;
		size_t		 bytes;	/* 0: refused */
	} cases[] = {
		{ "65536", 65536 }, { "64K", 65536 }, { "64k", 65536 },
		{ "4M", 4 << 20 }, { "4m", 4 << 20 }, { "1G", 1 << 30 },
		{ "1073741824", 1 << 30 }, { "1024M", 1 << 30 },
		{ "65535", 0 }, { "63K", 0 }, { "2G", 0 }, { "1025M", 0 },
		{ "4X", 0 }, { "4MB", 0 }, { "-1", 0 }, { "M", 0 },
		{ "99999999999999999999G", 0 }, { "4 M", 0 },
	};
	struct errs e = { 0 };
	struct config *cfg;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[daemon]\nrules_dir = none.d\n"
		    "rcvbuf = %s\n[r]\nevent = exec\naction = log\n",
		    cases[i].v);
		cfg = load_text(text, &e);
		if (cases[i].bytes) {
			if (cfg == NULL)
				errs_dump(&e);
			assert_non_null(cfg);
			assert_int_equal(cfg->rcvbuf, cases[i].bytes);
		} else {
			assert_null(cfg);
			assert_int_equal(e.n, 1);
			assert_err(&e, tmpconf, 3, "rcvbuf");
		}
		config_free(cfg);
		errs_free(&e);
	}
}

/* Each daemon number at and beyond its limits. */
static void
test_daemon_ranges(void **state)
{
	static const struct {
		const char	*kv;
		bool		 ok;
	} cases[] = {
		{ "max_hooks = 1", true }, { "max_hooks = 4096", true },
		{ "max_hooks = 0", false }, { "max_hooks = 4097", false },
		{ "max_hooks = 1x", false }, { "max_hooks = -1", false },
		{ "queue_size = 0", true }, { "queue_size = 1000000", true },
		{ "queue_size = 1000001", false },
		{ "hook_timeout = 1", true }, { "hook_timeout = 86400", true },
		{ "hook_timeout = 0", false },
		{ "hook_timeout = 86401", false },
		{ "hook_timeout = 99999999999999999999", false },
		{ "log_format = text", true }, { "log_format = json", true },
		{ "log_format = JSON", false },
		{ "log_target = stderr", true }, { "log_target = syslog", true },
		{ "log_target = journal", true },
		{ "log_target = Journal", false }, { "log_target = ", false },
		{ "log_target = journal syslog", false },
		{ "user = \"\"", false }, { "user = ", false },
		{ "user = someone-who-need-not-exist", true },
		{ "hooks_dir = \"/usr/bin\"", true },
		{ "colour = red", false },
	};
	struct errs e = { 0 };
	struct config *cfg;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[daemon]\nrules_dir = none.d\n"
		    "%s\n[r]\nevent = exec\naction = log\n", cases[i].kv);
		cfg = load_text(text, &e);
		if (cases[i].ok != (cfg != NULL)) {
			errs_dump(&e);
			fail_msg("%s: %s", cases[i].kv,
			    cases[i].ok ? "refused" : "accepted");
		}
		if (!cases[i].ok) {
			assert_int_equal(e.n, 1);
			assert_err(&e, tmpconf, 3, "");
		}
		config_free(cfg);
		errs_free(&e);
	}
}

/* Every key and value form of full.conf, read back. */
static void
test_rule_values(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	cfg = load_ok(CONF "/full.conf", &e);
	assert_int_equal(cfg->nrules, 9);
	assert_true(cfg->threads);
	assert_int_equal(cfg->events, EV_BIT(EV_EXEC) | EV_BIT(EV_EXIT) |
	    EV_BIT(EV_UID) | EV_BIT(EV_FORK) | EV_BIT(EV_LOST));

	r = rule_named(cfg, "all-keys");
	assert_string_equal(r->file, CONF "/full.conf");
	assert_int_equal(r->line, 12);
	assert_int_equal(r->events, EV_BIT(EV_EXEC));
	assert_int_equal(r->exe.n, 2);
	assert_string_equal(r->exe.pat[0], "/usr/bin/*");
	assert_false(r->exe.neg[0]);
	assert_string_equal(r->exe.pat[1], "/usr/bin/env");
	assert_true(r->exe.neg[1]);
	assert_int_equal(r->comm.n, 2);
	assert_string_equal(r->comm.pat[1], "sh");
	/* quotes, \" and \\ inside them, a backslash outside, !"..." */
	assert_int_equal(r->cmdline.n, 5);
	assert_string_equal(r->cmdline.pat[0], "nc -l *");
	assert_string_equal(r->cmdline.pat[1], "a\"b");
	assert_string_equal(r->cmdline.pat[2], "c\\d");
	assert_string_equal(r->cmdline.pat[3], "e\\f");
	assert_string_equal(r->cmdline.pat[4], "x y");
	assert_true(r->cmdline.neg[4]);
	assert_false(r->cmdline.neg[0]);
	assert_string_equal(r->cgroup.pat[0], "/system.slice/*");
	assert_string_equal(r->parent.pat[0], "/usr/sbin/sshd");
	assert_int_equal(r->ancestor.n, 2);
	assert_true(r->ancestor.neg[1]);
	/* uid = 1000-60000 !1001 root */
	assert_int_equal(r->uid.n, 3);
	assert_int_equal(r->uid.r[0].lo, 1000);
	assert_int_equal(r->uid.r[0].hi, 60000);
	assert_false(r->uid.r[0].neg);
	assert_int_equal(r->uid.r[1].lo, 1001);
	assert_int_equal(r->uid.r[1].hi, 1001);
	assert_true(r->uid.r[1].neg);
	assert_int_equal(r->uid.r[2].lo, 0);
	assert_int_equal(r->gid.n, 2);
	assert_int_equal(r->gid.r[1].lo, 0);
	assert_int_equal(r->euid.r[0].lo, 0);
	assert_int_equal(r->egid.r[0].lo, 5);
	assert_int_equal(r->egid.r[0].hi, 10);
	assert_int_equal(r->action, ACT_HOLD);
	assert_int_equal(r->nhooks, 3);
	assert_true(r->has_run_as);
	assert_string_equal(r->run_user, "nobody");
	assert_int_equal(r->run_uid, 65534);
	assert_int_equal(r->run_gid, 0);
	assert_int_equal(r->timeout, 5);
	assert_int_equal(r->rate, 1000000);
	assert_false(r->threads);

	r = rule_named(cfg, "exits");
	assert_true(r->threads);
	assert_int_equal(r->action, ACT_RUN);
	assert_int_equal(r->exit_status.n, 3);
	assert_true(r->exit_status.r[0].neg);
	assert_int_equal(r->exit_status.r[0].lo, 0);
	assert_int_equal(r->exit_status.r[1].lo, 1);
	assert_int_equal(r->exit_status.r[1].hi, 3);
	assert_int_equal(r->exit_status.r[2].lo, 255);

	r = rule_named(cfg, "crash");
	assert_int_equal(r->exit_signal.n, 5);
	assert_int_equal(r->exit_signal.r[0].lo, SIGSEGV);
	assert_int_equal(r->exit_signal.r[1].lo, SIGABRT);
	assert_int_equal(r->exit_signal.r[2].lo, 9);
	assert_int_equal(r->exit_signal.r[3].lo, SIGRTMIN + 3);
	assert_int_equal(r->exit_signal.r[4].lo, SIGKILL);
	assert_true(r->exit_signal.r[4].neg);

	r = rule_named(cfg, "became-root");
	assert_int_equal(r->prev_uid.n, 1);
	assert_true(r->prev_uid.r[0].neg);
	assert_int_equal(r->prev_euid.r[0].lo, 1000);
	assert_int_equal(r->prev_euid.r[0].hi, 2000);

	r = rule_named(cfg, "kill-term");
	assert_int_equal(r->action, ACT_KILL);
	assert_int_equal(r->signal, SIGTERM);
	assert_int_equal(r->nhooks, 0);
	r = rule_named(cfg, "kill-default");
	assert_int_equal(r->signal, SIGKILL);
	assert_int_equal(r->events, EV_BIT(EV_EXEC) | EV_BIT(EV_FORK));

	r = rule_named(cfg, "lost");
	assert_int_equal(r->events, EV_BIT(EV_LOST));
	assert_string_equal(r->hooks[0], "/bin/true");
	assert_int_equal(r->run_uid, 0);
	assert_int_equal(r->run_gid, 0);
	assert_int_equal(r->rate, 1);

	/* continuation lines, comments between them, name: value */
	r = rule_named(cfg, "long-list");
	assert_int_equal(r->exe.n, 5);
	assert_string_equal(r->exe.pat[1], "/usr/bin/b");
	assert_string_equal(r->exe.pat[2], "/usr/bin/c");
	assert_string_equal(r->exe.pat[3], "/usr/bin/d e");
	assert_string_equal(r->exe.pat[4], "/usr/bin/f");
	assert_string_equal(r->comm.pat[0], "x");

	r = rule_named(cfg, "threads-no");
	assert_false(r->threads);
	config_free(cfg);
	errs_free(&e);
}

/* Every error of rule-errors.conf, at its line, and no other. */
static void
test_rule_errors(void **state)
{
	struct errs e = { 0 };
	const char *f = CONF "/rule-errors.conf";

	(void)state;
	assert_null(config_load(f, collect, &e));
	check_markers(&e, f, f, NULL);
	assert_all_used(&e);
	errs_free(&e);
}

static void
test_syntax_errors(void **state)
{
	struct errs e = { 0 };
	const char *f = CONF "/syntax-errors.conf";

	(void)state;
	assert_null(config_load(f, collect, &e));
	check_markers(&e, f, f, NULL);
	assert_all_used(&e);
	errs_free(&e);
}

static void
test_missing_file(void **state)
{
	struct errs e = { 0 };

	(void)state;
	assert_null(config_load(CONF "/no-such-file.conf", collect, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], CONF "/no-such-file.conf: "
	    "No such file or directory");
	errs_free(&e);

	/* a directory opens, but cannot be read */
	assert_null(config_load(CONF, collect, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], CONF ": Is a directory");
	errs_free(&e);
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/*
 * Lines of up to 198 bytes are read whole; longer ones are refused at
 * their line, and the lines after them keep their numbers.
 */
static void
test_long_lines(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	char *pad, *text;
	const struct rule *r;

	(void)state;
	/* "exe = /" is 7 bytes: a 198-byte line */
	pad = repeat('a', 191);
	assert_true(asprintf(&text, "[r]\nevent = exec\nexe = /%s\n"
	    "action = log\n", pad) > 0);
	cfg = load_text_ok(text, &e);
	r = rule_named(cfg, "r");
	assert_int_equal(strlen(r->exe.pat[0]), 192);
	config_free(cfg);
	free(text);
	free(pad);

	/* 199, 201 and 500 bytes: refused */
	pad = repeat('b', 192);
	assert_true(asprintf(&text, "[r]\nevent = exec\nexe = /%s\n"
	    "action = log\n", pad) > 0);
	assert_null(load_text(text, &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 3, "line too long (199 bytes, at most 198)");
	errs_free(&e);
	free(text);
	free(pad);

	pad = repeat('c', 500);
	assert_true(asprintf(&text, "# comment\n[r]\nevent = exec\n"
	    "comm = x\nexe = /%s\ncolour = red\n  %s\naction = log\n"
	    "# %s\n[s]\nevent = exit\ncolour = 1\n[%s]\nevent = exec\n"
	    "action = log\n[t]\nevent = exec\nexe = /x\n", pad, pad, pad,
	    pad) > 0);
	assert_null(load_text(text, &e));
	assert_err(&e, tmpconf, 5, "line too long (507 bytes, at most 198)");
	assert_err(&e, tmpconf, 6, "unknown key 'colour' in rule [r]");
	assert_err(&e, tmpconf, 7, "line too long");
	assert_err(&e, tmpconf, 9, "line too long");
	assert_err(&e, tmpconf, 12, "unknown key 'colour' in rule [s]");
	assert_err(&e, tmpconf, 10, "rule [s] has no 'hook'");
	assert_err(&e, tmpconf, 13, "line too long");
	assert_err(&e, tmpconf, 16, "rule [t] has no 'hook'");
	assert_int_equal(e.n, 8);
	errs_free(&e);
	free(text);

	/* the last line, without a newline */
	assert_true(asprintf(&text, "[r]\nevent = exec\naction = log\n"
	    "[daemon]\nrules_dir = none.d\nuser = %s", pad) > 0);
	assert_null(load_text(text, &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 6, "line too long");
	errs_free(&e);
	free(text);
	free(pad);

	/* a NUL byte in a line */
	write_file(tmpconf, "[r]\nevent = exec\naction = log\n");
	{
		FILE *fp = fopen(tmpconf, "a");

		assert_non_null(fp);
		fwrite("exe = /a\0b\n", 1, 11, fp);
		fputs("[daemon]\nrules_dir = none.d\n", fp);
		fclose(fp);
	}
	assert_null(config_load(tmpconf, collect, &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 4, "NUL byte");
	errs_free(&e);
}

static void
test_continuation(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	/* an empty first line, values on the indented lines below */
	cfg = load_text_ok("[r]\nevent =\n  exec\n  exit\nuid =\n"
	    "\t0\n\n\t1 ; comment\naction = log\n", &e);
	r = rule_named(cfg, "r");
	assert_int_equal(r->events, EV_BIT(EV_EXEC) | EV_BIT(EV_EXIT));
	assert_int_equal(r->uid.n, 2);
	assert_int_equal(r->uid.r[1].lo, 1);
	config_free(cfg);

	/* a single-valued key continued */
	assert_null(load_text("[r]\nevent = exec\naction = log\n  kill\n",
	    &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 4, "'action' takes a single value");
	errs_free(&e);

	/* the same key twice on lines of its own, even apart */
	assert_null(load_text("[r]\nevent = exec\nexe = /a\n  /b\n"
	    "action = log\nexe = /c\n  /d\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 6,
	    "duplicate key 'exe' in rule [r] (first given at line 3)");
	errs_free(&e);

	/*
	 * An indented line right after a section header is a key; after a
	 * key it continues that key (inih's rule), and a "key =" there is
	 * pointed out.
	 */
	assert_null(load_text("[r]\n  event = exec\n  action = log\n", &e));
	assert_int_equal(e.n, 2);
	assert_err(&e, tmpconf, 3, "indented line continues the value of "
	    "'event'; start a new key at the start of the line in rule [r]");
	assert_err(&e, tmpconf, 1, "rule [r] has no 'hook'");
	errs_free(&e);

	/* continuation of a refused key does not repeat its error */
	assert_null(load_text("[r]\nevent = exec\ncolour = red\n  blue\n"
	    "action = log\n", &e));
	assert_int_equal(e.n, 1);
	errs_free(&e);
}

static void
test_comments_and_hash(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	cfg = load_text_ok("# comment\n; comment\n   # indented\n"
	    "[r] ; after a header\nevent = exec ; inline\n"
	    "exe = /a;b /c#d \"#e\"\naction = log\t;tab\n", &e);
	r = rule_named(cfg, "r");
	assert_int_equal(r->exe.n, 3);
	assert_string_equal(r->exe.pat[0], "/a;b");
	assert_string_equal(r->exe.pat[1], "/c#d");
	assert_string_equal(r->exe.pat[2], "#e");
	config_free(cfg);
	/*
	 * inih cuts at " ;" even inside quotes, so the value is the
	 * unterminated '"f' -- and that must be an error.
	 */
	assert_null(load_text("[r]\nevent = exec\nexe = \"f ;g\"\n"
	    "action = log\n", &e));
	assert_err(&e, tmpconf, 3, "unterminated quote");
	errs_free(&e);

	assert_null(load_text("[r]\nevent = exec\nexe = /bin/nc # netcat\n"
	    "action = log\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 3, "value '# netcat' of 'exe' starts with '#'");
	errs_free(&e);

	assert_null(load_text("[r]\nevent = exec\nexe = /bin/nc\n"
	    "  # a comment line\n   /bin/x #y\naction = log\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 5, "starts with '#'");
	errs_free(&e);

	assert_null(load_text("[r]\nevent = exec # x\naction = log\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 2, "starts with '#'");
	errs_free(&e);
}

static void
test_quotes(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	cfg = load_text_ok("[r]\nevent = exec\n"
	    "cmdline = \"\\\"q\\\"\" a\"b c\"d \"!x\" !\"y z\" \"\\\\\" "
	    "\"\\n\"\naction = log\n", &e);
	r = rule_named(cfg, "r");
	assert_int_equal(r->cmdline.n, 6);
	assert_string_equal(r->cmdline.pat[0], "\"q\"");
	assert_string_equal(r->cmdline.pat[1], "ab cd");
	assert_string_equal(r->cmdline.pat[2], "!x");
	assert_false(r->cmdline.neg[2]);
	assert_string_equal(r->cmdline.pat[3], "y z");
	assert_true(r->cmdline.neg[3]);
	assert_string_equal(r->cmdline.pat[4], "\\");
	assert_string_equal(r->cmdline.pat[5], "\\n");
	config_free(cfg);

	assert_null(load_text("[r]\nevent = exec\ncmdline = \"a\\\"\n"
	    "action = log\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 3, "unterminated quote in rule [r]");
	errs_free(&e);
}

static void
test_ids(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	cfg = load_text_ok("[r]\nevent = uid\nuid = root 0-0 4294967294\n"
	    "gid = root 1-2\neuid = !root\negid = !0-10\nprev_uid = root\n"
	    "prev_euid = 007\naction = log\n", &e);
	r = rule_named(cfg, "r");
	assert_int_equal(r->uid.r[0].lo, 0);
	assert_int_equal(r->uid.r[2].lo, 4294967294u);
	assert_int_equal(r->gid.r[0].lo, 0);
	assert_int_equal(r->gid.r[1].hi, 2);
	assert_true(r->euid.r[0].neg);
	assert_true(r->egid.r[0].neg);
	assert_int_equal(r->egid.r[0].hi, 10);
	assert_int_equal(r->prev_euid.r[0].lo, 7);
	config_free(cfg);

	assert_null(load_text("[r]\nevent = exec\nuid = 4294967295 1-2-3 "
	    "nosuchuser-prochook\ngid = nosuchgroup-prochook 5-4\n"
	    "action = log\n", &e));
	assert_int_equal(e.n, 5);
	assert_err(&e, tmpconf, 3, "uid '4294967295' out of range");
	assert_err(&e, tmpconf, 3, "bad uid '1-2-3'");
	assert_err(&e, tmpconf, 3, "unknown user 'nosuchuser-prochook'");
	assert_err(&e, tmpconf, 4, "unknown group 'nosuchgroup-prochook'");
	assert_err(&e, tmpconf, 4, "bad gid range '5-4': 5 > 4");
	errs_free(&e);
}

static void
test_run_as(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;

	(void)state;
	cfg = load_text_ok("[a]\nevent = exec\nhook = /bin/true\n"
	    "run_as = nobody\n[b]\nevent = exec\nhook = /bin/true\n"
	    "run_as = 0:65534\n[c]\nevent = exec\nhook = /bin/true\n"
	    "run_as = root:nogroup\n[d]\nevent = exec\nhook = /bin/true\n",
	    &e);
	r = rule_named(cfg, "a");
	assert_true(r->has_run_as);
	assert_int_equal(r->run_uid, 65534);
	assert_int_equal(r->run_gid, 65534);
	assert_string_equal(r->run_user, "nobody");
	r = rule_named(cfg, "b");
	assert_string_equal(r->run_user, "root");
	assert_int_equal(r->run_gid, 65534);
	r = rule_named(cfg, "c");
	assert_int_equal(r->run_uid, 0);
	assert_int_equal(r->run_gid, 65534);
	r = rule_named(cfg, "d");
	assert_false(r->has_run_as);
	config_free(cfg);

	assert_null(load_text("[r]\nevent = exec\nhook = /bin/true\n"
	    "run_as = root:\n", &e));
	assert_err(&e, tmpconf, 4, "unknown group '' in run_as 'root:'");
	errs_free(&e);
	assert_null(load_text("[r]\nevent = exec\nhook = /bin/true\n"
	    "run_as = :root\n", &e));
	assert_err(&e, tmpconf, 4, "unknown user ''");
	errs_free(&e);
}

/* Which keys go with which events, and which actions. */
static void
test_key_events(void **state)
{
	static const struct {
		const char	*text;
		bool		 ok;
	} cases[] = {
		{ "event = exit\nexit_status = 0\naction = log", true },
		{ "event = exit\nexit_signal = 9\naction = log", true },
		{ "event = exit exec\nexit_status = 0\naction = log", false },
		{ "event = uid\nprev_uid = 0\nprev_euid = 0\naction = log",
		    true },
		{ "event = gid\nprev_uid = 0\naction = log", false },
		{ "event = fork exit\nthreads = yes\naction = log", true },
		{ "event = fork exec\nthreads = yes\naction = log", false },
		{ "event = comm\nthreads = no\naction = log", false },
		{ "event = lost\naction = log\nrate = 5", true },
		{ "event = lost\nhook = /bin/true\nrun_as = root\ntimeout = 2",
		    true },
		{ "event = lost\ncomm = x\naction = log", false },
		{ "event = lost\nuid = 0\naction = log", false },
		{ "event = lost\naction = kill", false },
		{ "event = fork exec exit uid gid sid comm ptrace coredump\n"
		    "exe = /x\ncomm = x\ncmdline = x\nuid = 0\ngid = 0\n"
		    "euid = 0\negid = 0\nparent = /x\nancestor = /x\n"
		    "cgroup = /x\naction = log", true },
		{ "event = exec coredump\nexe = /x\naction = kill\n"
		    "signal = TERM", true },
		{ "event = fork\nexe = /x\naction = hold\nhook = /bin/true",
		    true },
		{ "event = exit\nexe = /x\naction = hold\nhook = /bin/true",
		    false },
		{ "event = exec\naction = kill\nhook = /bin/true\n"
		    "run_as = nobody\ntimeout = 9", true },
		{ "event = exec\naction = log\nrate = 1", true },
		{ "event = exec\naction = log\ntimeout = 1", false },
		{ "event = exec\nexe = /x\naction = kill\nsignal = STOP",
		    true },
		{ "event = exec\nsignal = KILL\nhook = /bin/true", false },
	};
	struct errs e = { 0 };
	struct config *cfg;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "[r]\n%s\n", cases[i].text);
		cfg = load_text(text, &e);
		if (cases[i].ok != (cfg != NULL)) {
			errs_dump(&e);
			fail_msg("%s: %s", cases[i].text,
			    cases[i].ok ? "refused" : "accepted");
		}
		if (!cases[i].ok)
			assert_int_equal(e.n, 1);
		config_free(cfg);
		errs_free(&e);
	}
}

static void
test_hooks(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	const struct rule *r;
	char hook[PATH_MAX];

	(void)state;
	/* relative names under hooks_dir, absolute paths kept, in order */
	cfg = load_text_ok("[daemon]\nrules_dir = none.d\n"
	    "hooks_dir = /usr/bin\n[r]\nevent = exec\n"
	    "hook = true /usr/bin/env\n  false\n", &e);
	r = rule_named(cfg, "r");
	assert_int_equal(r->nhooks, 3);
	assert_string_equal(r->hooks[0], "/usr/bin/true");
	assert_string_equal(r->hooks[1], "/usr/bin/env");
	assert_string_equal(r->hooks[2], "/usr/bin/false");
	config_free(cfg);

	/* [daemon] after the rules still sets hooks_dir for them */
	cfg = load_text_ok("[r]\nevent = exec\nhook = true\n"
	    "[daemon]\nhooks_dir = /usr/bin\nrules_dir = none.d\n", &e);
	assert_string_equal(rule_named(cfg, "r")->hooks[0], "/usr/bin/true");
	config_free(cfg);

	/* relative hooks_dir: relative to the main file's directory */
	snprintf(hook, sizeof(hook), "%s/hook", tmpdir);
	write_file(hook, "#!/bin/sh\n");
	chmod(hook, 0755);
	assert_null(load_text("[daemon]\nrules_dir = none.d\nhooks_dir = .\n"
	    "[r]\nevent = exec\nhook = hook\n", &e));
	/* found under the test's directory, but that is under /tmp: unsafe */
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 6, "hook 'hook' of rule [r] refused: "
	    "/tmp: directory writable by others");
	errs_free(&e);
	unlink(hook);

	/* every hook is checked and each error has its line */
	assert_null(load_text("[r]\nevent = exec\nhook = /bin/true\n"
	    "  /no/such/hook\n  /etc/passwd /tmp\n", &e));
	assert_int_equal(e.n, 3);
	assert_err(&e, tmpconf, 4, "/no/such/hook: No such file or directory");
	assert_err(&e, tmpconf, 5, "/etc/passwd: not executable");
	assert_err(&e, tmpconf, 5, "/tmp: not a regular file");
	errs_free(&e);
}

/* Hook safety on files the test makes in a root-owned directory. */
static void
test_rules_dir(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;

	(void)state;
	cfg = load_ok(CONF "/dropin/main.conf", &e);
	assert_int_equal(cfg->nrules, 4);
	assert_string_equal(cfg->rules[0].name, "m1");
	assert_string_equal(cfg->rules[1].name, "a1");
	assert_string_equal(cfg->rules[2].name, "b1");
	assert_string_equal(cfg->rules[3].name, "b2");
	assert_non_null(strstr(cfg->rules[1].file, "/main.d/10-a.conf"));
	assert_int_equal(cfg->rules[2].line, 2);
	assert_string_equal(cfg->rules[3].hooks[0], "/usr/bin/true");
	assert_int_equal(cfg->events, EV_BIT(EV_EXEC) | EV_BIT(EV_UID) |
	    EV_BIT(EV_EXIT) | EV_BIT(EV_FORK));
	config_free(cfg);
	errs_free(&e);
}

/* The event loop parses the texts the privileged part read: same rules. */
static void
test_load_files(void **state)
{
	struct errs e = { 0 };
	struct config *a, *b;
	size_t i;

	(void)state;
	a = load_ok(CONF "/dropin/main.conf", &e);
	assert_int_equal(a->nfiles, 3);	/* main.conf, 10-a.conf, 20-b.conf */
	b = config_load_files(a->files, a->nfiles, collect, &e);
	assert_non_null(b);
	assert_int_equal(e.n, 0);
	assert_int_equal(b->nrules, a->nrules);
	for (i = 0; i < a->nrules; i++) {
		assert_string_equal(b->rules[i].name, a->rules[i].name);
		assert_int_equal(b->rules[i].events, a->rules[i].events);
		assert_int_equal(b->rules[i].action, a->rules[i].action);
		assert_int_equal(b->rules[i].line, a->rules[i].line);
	}
	assert_int_equal(b->events, a->events);
	config_free(b);

	/* An error in a text is reported with its file and line. */
	free(a->files[1].text);
	a->files[1].text = strdup("[x]\nevent = bogus\n");
	a->files[1].len = strlen(a->files[1].text);
	assert_null(config_load_files(a->files, a->nfiles, collect, &e));
	assert_true(e.n >= 1);
	assert_non_null(strstr(e.msg[0], ":2: "));
	config_free(a);
	errs_free(&e);
}

static void
test_rules_dir_errors(void **state)
{
	struct errs e = { 0 };
	char *dir, file[PATH_MAX];

	(void)state;
	assert_null(config_load(CONF "/dup/main.conf", collect, &e));
	dir = realpath(CONF "/dup/dup.d", NULL);
	assert_non_null(dir);
	snprintf(file, sizeof(file), "%s/b.conf", dir);
	check_markers(&e, CONF "/dup/dup.d/b.conf", file, dir);
	snprintf(file, sizeof(file), "%s/c.conf", dir);
	check_markers(&e, CONF "/dup/dup.d/c.conf", file, dir);
	assert_all_used(&e);
	free(dir);
	errs_free(&e);

	/* rules_dir that is not a directory: error at its line */
	assert_null(load_text("[daemon]\nrules_dir = t.conf\n[r]\n"
	    "event = exec\naction = log\n", &e));
	assert_int_equal(e.n, 1);
	assert_err(&e, tmpconf, 2, "Not a directory");
	errs_free(&e);

	/* the main file found again in rules_dir is not read twice */
	snprintf(file, sizeof(file), "%s/t2.conf", tmpdir);
	write_file(file, "[r]\nevent = exec\naction = log\n");
	assert_null(load_text("[daemon]\nrules_dir = .\n[r]\nevent = exec\n"
	    "action = log\n", &e));
	/* t.conf is skipped; t2.conf defines [r] again */
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "/t2.conf:1: rule [r] already "
	    "defined at"));
	unlink(file);
	errs_free(&e);
}

static void
test_print(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;
	char *out = NULL, *want = NULL;
	size_t outlen = 0, wantlen = 0;
	FILE *fp;

	(void)state;
	cfg = load_ok(CONF "/full.conf", &e);
	fp = open_memstream(&out, &outlen);
	assert_non_null(fp);
	config_print(cfg, fp);
	fclose(fp);
	config_free(cfg);
	fp = fopen(CONF "/full.out", "r");
	assert_non_null(fp);
	assert_true(getdelim(&want, &wantlen, '\0', fp) > 0);
	fclose(fp);
	if (strcmp(out, want) != 0)
		fail_msg("config_print:\n%s\nwanted:\n%s", out, want);
	free(out);
	free(want);
	errs_free(&e);
}

static void
test_warnings(void **state)
{
	struct errs e = { 0 }, w = { 0 };
	struct config *cfg;

	(void)state;
	cfg = load_text_ok("[all]\nevent = exec\naction = kill\n"
	    "[narrow]\nevent = exec\nuid = 1000-60000\naction = kill\n"
	    "[hold-all]\nevent = exec\nparent = /usr/sbin/sshd\n"
	    "action = hold\nhook = /bin/true\n"
	    "[names]\nevent = exec\nexe = nc /bin/x\nancestor = bash\n"
	    "comm = a-very-long-task-name x*\naction = log\n", &e);
	config_warnings(cfg, collect, &w);
	assert_int_equal(w.n, 5);
	assert_err(&w, tmpconf, 1, "rule [all]: action 'kill' is not narrowed");
	assert_err(&w, tmpconf, 8, "rule [hold-all]: action 'hold' is not "
	    "narrowed");
	assert_err(&w, tmpconf, 13, "exe 'nc' never matches");
	assert_err(&w, tmpconf, 13, "ancestor 'bash' never matches");
	assert_err(&w, tmpconf, 13, "comm 'a-very-long-task-name' never");
	config_free(cfg);
	errs_free(&e);
	errs_free(&w);
}

static void
test_sections(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;

	(void)state;
	/* names are not cut at inih's 50 bytes */
	cfg = load_text_ok("[a-rule-name-that-is-longer-than-fifty-bytes-for-"
	    "sure-yes]\nevent = exec\naction = log\n[ spaced ]\nevent = exec\n"
	    "action = log\n", &e);
	assert_string_equal(cfg->rules[0].name, "a-rule-name-that-is-longer-"
	    "than-fifty-bytes-for-sure-yes");
	assert_string_equal(cfg->rules[1].name, "spaced");
	config_free(cfg);

	/* an empty rule still needs an event; a duplicate in one file */
	assert_null(load_text("[a]\n[b]\nevent = exec\naction = log\n[b]\n"
	    "event = exit\naction = log\n", &e));
	assert_int_equal(e.n, 3);
	assert_err(&e, tmpconf, 1, "rule [a] has no 'event'");
	assert_err(&e, tmpconf, 1, "rule [a] has no 'hook'");
	assert_err(&e, tmpconf, 5, "rule [b] already defined at ");
	errs_free(&e);

	/* an empty file, and a [daemon] only, have no rules: fine */
	cfg = load_text_ok("", &e);
	assert_int_equal(cfg->nrules, 0);
	assert_int_equal(cfg->events, 0);
	config_free(cfg);

	/* a UTF-8 byte order mark, CRLF line ends */
	cfg = load_text_ok("\xef\xbb\xbf[r]\r\nevent = exec\r\nexe = /a\r\n"
	    "  /b\r\naction = log\r\n", &e);
	assert_int_equal(cfg->rules[0].exe.n, 2);
	assert_string_equal(cfg->rules[0].exe.pat[1], "/b");
	config_free(cfg);
	errs_free(&e);
}

/*
 * Fuzzing.  Mutations of full.conf; every refusal must say FILE:LINE (or
 * be "FILE: strerror" for a file that cannot be read), and nothing may
 * crash or leak.
 */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool
good_message(const char *msg, const regex_t *re)
{
	const char *colon;
	int i;

	if (regexec(re, msg, 0, NULL, 0) == 0)
		return true;
	if ((colon = strstr(msg, ": ")) == NULL)
		return false;
	for (i = 1; i < 134; i++)
		if (strcmp(colon + 2, strerror(i)) == 0)
			return true;
	return false;
}

/* One random change to buf[0..len), within cap bytes; the new length. */
static size_t
mutate(char *buf, size_t len, size_t cap)
{
	static const char junk[] = "[]=:;#!\"\\ \t\n\r\0\xff-*?,0123456789abcz";
	size_t pos = len ? rnd() % len : 0, n;

	switch (rnd() % 7) {
	case 0:		/* truncate */
		return pos;
	case 1:		/* any byte */
		if (len)
			buf[pos] = (char)rnd();
		return len;
	case 2:		/* a byte that means something */
		if (len)
			buf[pos] = junk[rnd() % (sizeof(junk) - 1)];
		return len;
	case 3:		/* insert one */
		if (len + 1 >= cap)
			return len;
		memmove(buf + pos + 1, buf + pos, len - pos);
		buf[pos] = junk[rnd() % (sizeof(junk) - 1)];
		return len + 1;
	case 4:		/* delete a run */
		n = rnd() % 40;
		if (pos + n > len)
			n = len - pos;
		memmove(buf + pos, buf + pos + n, len - pos - n);
		return len - n;
	case 5:		/* repeat a run */
		n = rnd() % 300;
		if (pos + n > len)
			n = len - pos;
		if (len + n >= cap)
			return len;
		memmove(buf + pos + n, buf + pos, len - pos);
		return len + n;
	default:	/* make a line long */
		n = 150 + rnd() % 100;
		if (len + n >= cap)
			return len;
		memmove(buf + pos + n, buf + pos, len - pos);
		memset(buf + pos, 'x', n);
		return len + n;
	}
}

static void
test_fuzz(void **state)
{
	static const char *const files[2] = {
		CONF "/full.conf", CONF "/rule-errors.conf",
	};
	struct errs e = { 0 };
	struct config *cfg;
	char path[PATH_MAX], *base[2] = { NULL, NULL }, *buf;
	size_t baselen[2] = { 0, 0 }, len, i, j, n, cap;
	unsigned iter, loaded = 0;
	regex_t re;
	FILE *fp;

	(void)state;
	assert_int_equal(regcomp(&re, "^[^:]+:[0-9]+: ", REG_EXTENDED), 0);
	for (i = 0; i < 2; i++) {
		fp = fopen(files[i], "r");
		assert_non_null(fp);
		assert_true(getdelim(&base[i], &baselen[i], '\0', fp) > 0);
		fclose(fp);
		baselen[i] = strlen(base[i]);
	}
	cap = (baselen[0] > baselen[1] ? baselen[0] : baselen[1]) * 2 + 1024;
	buf = malloc(cap);
	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/fuzz.conf", tmpdir);

	/* Mostly the valid file, every fourth time the one full of errors. */
	for (iter = 0; iter < 3000; iter++) {
		j = iter % 4 == 3;
		memcpy(buf, base[j], baselen[j]);
		len = baselen[j];
		n = 1 + rnd() % 8;
		for (i = 0; i < n; i++)
			len = mutate(buf, len, cap);
		fp = fopen(path, "w");
		assert_non_null(fp);
		assert_int_equal(fwrite(buf, 1, len, fp), len);
		fclose(fp);
		cfg = config_load(path, collect, &e);
		if (cfg != NULL) {
			loaded++;
			assert_int_equal(e.n, 0);	/* warnings follow */
			fp = fopen("/dev/null", "w");
			assert_non_null(fp);
			config_print(cfg, fp);
			fclose(fp);
			config_warnings(cfg, collect, &e);
			config_free(cfg);
		} else
			assert_true(e.n > 0);
		for (i = 0; i < e.n; i++)
			if (!good_message(e.msg[i], &re))
				fail_msg("iteration %u: bad message '%s'", iter,
				    e.msg[i]);
		errs_free(&e);
	}
	print_message("fuzz: %u of 3000 mutations loaded\n", loaded);
	unlink(path);
	regfree(&re);
	free(buf);
	free(base[0]);
	free(base[1]);
}

/*
 * deny and ask: exec only; cmdline refused with a pointer to kill and
 * hold; ask needs hooks, deny does not; no signal.
 */
static void
test_gated(void **state)
{
	struct errs e = { 0 };
	struct config *cfg;

	(void)state;
	cfg = load_text_ok("[d]\nevent = exec\nexe = /usr/bin/gcc\n"
	    "uid = 1000-60000\naction = deny\n"
	    "[a]\nevent = exec\nexe = /usr/bin/nc*\naction = ask\n"
	    "hook = /bin/true\ntimeout = 5\n", &e);
	assert_int_equal(rule_named(cfg, "d")->action, ACT_DENY);
	assert_int_equal(rule_named(cfg, "a")->action, ACT_ASK);
	assert_int_equal(rule_named(cfg, "a")->timeout, 5);
	config_free(cfg);
	errs_free(&e);

	assert_null(load_text("[d]\nevent = exec\nexe = /usr/bin/nc\n"
	    "cmdline = \"* -l*\"\naction = deny\n"
	    "[a]\nevent = exec\ncmdline = x\naction = ask\nhook = /bin/true\n"
	    "[x]\nevent = exec exit\naction = deny\n"
	    "[f]\nevent = fork\naction = ask\nhook = /bin/true\n"
	    "[n]\nevent = exec\nexe = /x\naction = ask\n"
	    "[s]\nevent = exec\nexe = /x\naction = deny\nsignal = TERM\n",
	    &e));
	assert_err(&e, tmpconf, 4, "'cmdline' is not known before the exec");
	assert_err(&e, tmpconf, 4, "use 'action = kill'");
	assert_err(&e, tmpconf, 8, "use 'action = hold'");
	assert_err(&e, tmpconf, 13, "cannot apply to event 'exit'");
	assert_err(&e, tmpconf, 16, "cannot apply to event 'fork'");
	assert_err(&e, tmpconf, 21, "rule [n] has no 'hook'");
	assert_err(&e, tmpconf, 26, "'signal' needs 'action = kill'");
	errs_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_daemon_keys),
		cmocka_unit_test(test_daemon_key_set),
		cmocka_unit_test(test_rcvbuf),
		cmocka_unit_test(test_daemon_ranges),
		cmocka_unit_test(test_rule_values),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_comments_and_hash),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_run_as),
		cmocka_unit_test(test_key_events),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_rules_dir),
		cmocka_unit_test(test_rules_dir_errors),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_gated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
