/*
 * test_output.c - the --monitor text and JSON formats, against golden
 * files, and the escapers on hostile bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "event.h"
#include "output.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *
fake_user(void *arg, uint32_t uid)
{
	(void)arg;
	return uid == 0 ? "root" : NULL;
}

static struct str *
mkstr(const char *s)
{
	return str_new(s, strlen(s));
}

/* The same events in both formats; see tests/data/output/. */
static void
render(struct obuf *ob, bool json)
{
	struct out_ctx oc = { .user = fake_user };
	struct event ev;
	struct proc p;
	struct pevent pe = { &ev, &p, 0, 0, false };

	/* 2026-11-26T17:50:01.123 UTC, with the monotonic clock at 1000 s. */
	oc.real_off_ns = 1795715401123000000ll - 1000000000000ll;
	memset(&p, 0, sizeof(p));
	p.pid = 4242;
	p.ppid = 1;
	p.flags = P_EXE | P_CMDLINE | P_IDS | P_COMM | P_CGROUP | P_PEXE |
	    P_START;
	p.start_ns = 1000000000000ull - 1500000000ull;
	p.exe = mkstr("/usr/bin/my prog");
	p.pexe = mkstr("/usr/lib/systemd/systemd");
	p.cmdline = mkstr("prog \"quoted\" back\\slash\nnewline \xff\xfe bad \xc3\xa9t\xc3\xa9");
	p.cgroup = mkstr("/system.slice/x.service");
	memcpy(p.comm, "prog\tx", 7);

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = 1000000000000ull;
	ev.type = EV_EXEC;
	ev.pid = ev.tid = 4242;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);

	ev.type = EV_EXIT;
	ev.u.exit.code = 3 << 8;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);
	ev.u.exit.code = 11 | 0x80;
	json ? out_json(ob, &pe, &oc, "crash", "run") : out_text(ob, &pe, &oc);

	ev.type = EV_FORK;
	ev.u.fork.child_pid = ev.u.fork.child_tid = 4243;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);

	ev.type = EV_UID;
	ev.u.id.r = 0;
	ev.u.id.e = 0;
	pe.has_prev = true;
	pe.prev_uid = 1000;
	pe.prev_euid = 1000;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);
	pe.has_prev = false;

	/* Nothing known: a vanished process. */
	ev.type = EV_EXEC;
	ev.synthetic = true;
	free(p.exe);
	free(p.pexe);
	free(p.cmdline);
	free(p.cgroup);
	memset(&p, 0, sizeof(p));
	p.pid = 4244;
	ev.pid = ev.tid = 4244;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);

	ev.type = EV_LOST;
	ev.synthetic = false;
	ev.pid = ev.tid = p.pid = 0;
	ev.u.lost.count = 12;
	ev.u.lost.total = 40;
	json ? out_json(ob, &pe, &oc, NULL, NULL) : out_text(ob, &pe, &oc);
}

static void
golden(bool json, const char *file)
{
	struct obuf ob;
	char *want;

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(ob_init(&ob, -1, 64), 0);
	render(&ob, json);
	ob_putc(&ob, '\0');
	/* PROCHOOK_UPDATE_GOLDEN=1 rewrites the golden files. */
	if (getenv("PROCHOOK_UPDATE_GOLDEN") != NULL) {
		FILE *f = fopen(file, "w");

		assert_non_null(f);
		fputs(ob.b, f);
		fclose(f);
	}
	want = slurp(file);
	assert_string_equal(ob.b, want);
	free(want);
	ob_free(&ob);
}

static void
test_text_golden(void **state)
{
	(void)state;
	golden(false, TEST_DATA "/output/monitor.txt");
}

static void
test_json_golden(void **state)
{
	(void)state;
	golden(true, TEST_DATA "/output/monitor.json");
}

static void
test_text_escape(void **state)
{
	struct obuf ob;

	(void)state;
	ob_init(&ob, -1, 8);
	out_text_escape(&ob, "a\\b\nc\x7f d\x01", 9, false);
	ob_putc(&ob, '\0');
	assert_string_equal(ob.b, "a\\x5cb\\x0ac\\x7f d\\x01");
	ob.len = 0;
	out_text_escape(&ob, "a b", 3, true);
	ob_putc(&ob, '\0');
	assert_string_equal(ob.b, "a\\x20b");
	ob_free(&ob);
}

static void
test_text_escape_buf(void **state)
{
	char buf[12];

	(void)state;
	out_text_escape_buf(buf, sizeof(buf), "a\nb", 3);
	assert_string_equal(buf, "a\\x0ab");
	/* Cut to fit, never in the middle of an escape. */
	out_text_escape_buf(buf, sizeof(buf), "\n\n\n\n", 4);
	assert_string_equal(buf, "\\x0a\\x0a");
	out_text_escape_buf(buf, 1, "abc", 3);
	assert_string_equal(buf, "");
}

static void
test_json_escape(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "plain" },
		{ "q\"b\\", 4, "q\\\"b\\\\" },
		{ "\n\t\r\x01\x1f\x7f", 6, "\\n\\t\\u000d\\u0001\\u001f\\u007f" },
		{ "\xc3\xa9", 2, "\xc3\xa9" },			/* é */
		{ "\xe2\x82\xac", 3, "\xe2\x82\xac" },		/* € */
		{ "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80" },	/* U+1F600 */
		{ "\xff", 1, "\\ufffd" },
		{ "\xc3", 1, "\\ufffd" },			/* truncated */
		{ "\xc0\xaf", 2, "\\ufffd\\ufffd" },		/* overlong */
		{ "\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd" },
		{ "a\0b", 3, "a\\u0000b" },
	};
	struct obuf ob;
	size_t i;

	(void)state;
	ob_init(&ob, -1, 4);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ob.len = 0;
		out_json_escape(&ob, cases[i].in, cases[i].len);
		ob_putc(&ob, '\0');
		assert_string_equal(ob.b, cases[i].out);
	}
	ob_free(&ob);
}

/* Every byte string escapes to printable ASCII or valid UTF-8 only. */
static void
test_json_escape_random(void **state)
{
	unsigned char in[64];
	unsigned seed = 7;
	struct obuf ob;
	size_t i, j;

	(void)state;
	ob_init(&ob, -1, 16);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)rand_r(&seed) % sizeof(in);

		for (j = 0; j < n; j++)
			in[j] = (unsigned char)rand_r(&seed);
		ob.len = 0;
		out_json_escape(&ob, (const char *)in, n);
		for (j = 0; j < ob.len; j++) {
			unsigned char c = (unsigned char)ob.b[j];

			assert_true(c >= 0x20 && c != 0x7f);
			if (c == '"')
				assert_true(j > 0 && ob.b[j - 1] == '\\');
		}
	}
	ob_free(&ob);
}

/* A script and the loader that ran a program: in every format. */
static void
test_script_and_loader(void **state)
{
	struct out_ctx oc = { .user = fake_user };
	struct event ev;
	struct proc p;
	struct pevent pe = { &ev, &p, 0, 0, false };
	struct obuf ob;
	char **env;
	size_t i;
	bool script = false, loader = false;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXEC;
	ev.pid = ev.tid = p.pid = 7;
	p.flags = P_EXE | P_SCRIPT;
	p.exe = mkstr("/usr/bin/dash");
	p.script = mkstr("/usr/local/sbin/backup home.sh");
	p.loader = mkstr("/lib64/ld.so");
	ob_init(&ob, -1, 64);
	out_text(&ob, &pe, &oc);
	ob_putc(&ob, '\0');
	assert_non_null(strstr(ob.b, " /usr/bin/dash script=/usr/local/sbin/"
	    "backup\\x20home.sh loader=/lib64/ld.so "));
	ob.len = 0;
	out_json(&ob, &pe, &oc, NULL, NULL);
	ob_putc(&ob, '\0');
	assert_non_null(strstr(ob.b, "\"script\":\"/usr/local/sbin/backup "
	    "home.sh\""));
	assert_non_null(strstr(ob.b, "\"loader\":\"/lib64/ld.so\""));
	ob_free(&ob);
	env = out_env(&pe, &oc, "r", "run", 0);
	assert_non_null(env);
	for (i = 0; env[i] != NULL; i++) {
		script |= strcmp(env[i], "PROCHOOK_SCRIPT=/usr/local/sbin/"
		    "backup home.sh") == 0;
		loader |= strcmp(env[i], "PROCHOOK_LOADER=/lib64/ld.so") == 0;
	}
	assert_true(script && loader);
	out_env_free(env);
	free(p.exe);
	free(p.script);
	free(p.loader);
}

/* The env's value of name, or NULL. */
static const char *
env_get(char **env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
			return env[i] + n + 1;
	return NULL;
}

/*
 * PROCHOOK_JSON is the event's JSON line (with the rule, the action and
 * a kill's signal), one line whatever the process put in its arguments.
 */
static void
test_env_json(void **state)
{
	struct out_ctx oc = { .user = fake_user };
	struct event ev;
	struct proc p;
	struct pevent pe = { &ev, &p, 0, 0, false };
	struct obuf ob;
	const char *json;
	char **env;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXEC;
	ev.ts_ns = 1000000000000ull;
	ev.pid = ev.tid = p.pid = 7;
	p.flags = P_EXE | P_CMDLINE | P_IDS;
	p.exe = mkstr("/usr/bin/nc.openbsd");
	p.cmdline = mkstr("nc \"-l\"\n\\ \xff 1234");
	ob_init(&ob, -1, 64);
	out_json(&ob, &pe, &oc, "deny-nc", "run");
	ob_putc(&ob, '\0');
	env = out_env(&pe, &oc, "deny-nc", "run", 0);
	assert_non_null(env);
	json = env_get(env, "PROCHOOK_JSON");
	assert_non_null(json);
	assert_null(strchr(json, '\n'));
	assert_int_equal(strlen(json) + 1, strlen(ob.b));
	assert_memory_equal(json, ob.b, strlen(json));
	assert_non_null(strstr(json, "\"cmdline\":\"nc \\\"-l\\\"\\n\\\\ "
	    "\\ufffd 1234\""));
	assert_null(strstr(json, "\"signal\""));
	out_env_free(env);

	env = out_env(&pe, &oc, "deny-nc", "kill", 9);
	assert_non_null(env);
	json = env_get(env, "PROCHOOK_JSON");
	assert_non_null(json);
	assert_non_null(strstr(json, "\"rule\":\"deny-nc\",\"action\":\"kill\","
	    "\"signal\":\"KILL\",\"pid\":7,"));
	assert_string_equal(env_get(env, "PROCHOOK_SIGNAL"), "KILL");
	out_env_free(env);

	/* A lost event too. */
	ev.type = EV_LOST;
	ev.u.lost.total = 40;
	ev.u.lost.count = 12;
	env = out_env(&pe, &oc, "lost", "log", 0);
	assert_non_null(env);
	json = env_get(env, "PROCHOOK_JSON");
	assert_non_null(json);
	assert_non_null(strstr(json, "\"event\":\"lost\",\"rule\":\"lost\","
	    "\"action\":\"log\",\"lost\":40,\"gap\":12}"));
	assert_int_equal(json[strlen(json) - 1], '}');
	out_env_free(env);
	ob_free(&ob);
	free(p.exe);
	free(p.cmdline);
}

/*
 * Any event time, even one no kernel sends (a subverted event loop's), is
 * printed without overflow: clamped, not undefined (run under UBSan).
 */
static void
test_time_extremes(void **state)
{
	static const uint64_t ts[] = { 0, 7400000000000000000ull,
	    (uint64_t)INT64_MAX, UINT64_MAX };
	struct out_ctx oc = { .user = fake_user };
	struct event ev;
	struct proc p;
	struct pevent pe = { &ev, &p, 0, 0, false };
	struct obuf ob;
	char **env;
	size_t i, j;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXIT;
	ev.pid = ev.tid = p.pid = 7;
	ob_init(&ob, -1, 64);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		for (j = 0; j < 2; j++) {
			oc.real_off_ns = j == 0 ? 1795715401123000000ll :
			    -1795715401123000000ll;
			ev.ts_ns = ts[i];
			ob.len = 0;
			out_text(&ob, &pe, &oc);
			out_json(&ob, &pe, &oc, NULL, NULL);
			assert_true(ob.len > 0);
			env = out_env(&pe, &oc, "r", "run", 0);
			assert_non_null(env);
			out_env_free(env);
		}
	}
	ob_free(&ob);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_golden),
		cmocka_unit_test(test_json_golden),
		cmocka_unit_test(test_text_escape),
		cmocka_unit_test(test_text_escape_buf),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_escape_random),
		cmocka_unit_test(test_script_and_loader),
		cmocka_unit_test(test_env_json),
		cmocka_unit_test(test_time_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
