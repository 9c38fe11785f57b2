/*
 * test_hookout.c - a hook's output split into log lines: escaping, cut
 * and over-long lines, NUL bytes, lines split across reads, a last line
 * without newline, and the per-hook line limit.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "hookout.h"

#define NGOT	(HOOKOUT_LINES_MAX + 8)

static struct {
	char		 line[NGOT][HOOKOUT_LINE_MAX + 1];
	bool		 cut[NGOT];
	size_t		 n;
} got;

static void
record(const struct hookout *o, const char *line, size_t len, bool cut)
{
	(void)o;
	assert_true(got.n < NGOT);
	assert_true(len <= HOOKOUT_LINE_MAX);
	memcpy(got.line[got.n], line, len);
	got.line[got.n][len] = '\0';
	got.cut[got.n++] = cut;
}

static void
init(struct hookout *o)
{
	memset(&got, 0, sizeof(got));
	hookout_init(o, -1, "h", "r", 42);
	o->emit = record;
}

static void
feed(struct hookout *o, const char *s)
{
	hookout_feed(o, s, strlen(s));
}

static void
test_lines(void **state)
{
	struct hookout o;

	(void)state;
	init(&o);
	feed(&o, "one\ntwo\n\nthree\n");
	assert_int_equal(got.n, 4);
	assert_string_equal(got.line[0], "one");
	assert_string_equal(got.line[1], "two");
	assert_string_equal(got.line[2], "");
	assert_string_equal(got.line[3], "three");
	assert_false(got.cut[0]);
	hookout_end(&o);
	assert_int_equal(got.n, 4);
	assert_int_equal(o.dropped, 0);
}

/* A pipe splits output anywhere: a line spans reads. */
static void
test_split_reads(void **state)
{
	struct hookout o;

	(void)state;
	init(&o);
	feed(&o, "hel");
	assert_int_equal(got.n, 0);
	feed(&o, "lo wor");
	feed(&o, "ld\nne");
	assert_int_equal(got.n, 1);
	assert_string_equal(got.line[0], "hello world");
	feed(&o, "xt\n");
	assert_int_equal(got.n, 2);
	assert_string_equal(got.line[1], "next");
}

static void
test_no_newline(void **state)
{
	struct hookout o;

	(void)state;
	init(&o);
	feed(&o, "a\nlast");
	assert_int_equal(got.n, 1);
	hookout_end(&o);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.line[1], "last");
	assert_false(got.cut[1]);
	hookout_end(&o);
	assert_int_equal(got.n, 2);
}

/* Control characters, DEL, backslash and NUL become \xNN. */
static void
test_escapes(void **state)
{
	static const char in[] = "a\0b\tc\\d\x7f\x1b[31m\xc3\xa9\n";
	struct hookout o;

	(void)state;
	init(&o);
	hookout_feed(&o, in, sizeof(in) - 1);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.line[0],
	    "a\\x00b\\x09c\\x5cd\\x7f\\x1b[31m\xc3\xa9");
	init(&o);
	hookout_feed(&o, "\r\n", 2);
	assert_string_equal(got.line[0], "\\x0d");
}

/* An over-long line is logged once, cut, and the rest of it skipped. */
static void
test_cut(void **state)
{
	char buf[HOOKOUT_LINE_MAX + 100];
	struct hookout o;

	(void)state;
	init(&o);
	memset(buf, 'a', sizeof(buf));
	hookout_feed(&o, buf, sizeof(buf));
	assert_int_equal(got.n, 1);
	assert_true(got.cut[0]);
	assert_int_equal(strlen(got.line[0]), HOOKOUT_LINE_MAX);
	hookout_feed(&o, buf, sizeof(buf));
	feed(&o, "tail\nnext\n");
	assert_int_equal(got.n, 2);
	assert_string_equal(got.line[1], "next");
	assert_false(got.cut[1]);
	/* Cut and never ended: nothing more at the end. */
	hookout_feed(&o, buf, sizeof(buf));
	hookout_end(&o);
	assert_int_equal(got.n, 3);
	assert_true(got.cut[2]);
}

/* An escape that does not fit whole cuts the line before it. */
static void
test_cut_escape(void **state)
{
	char buf[HOOKOUT_LINE_MAX];
	struct hookout o;

	(void)state;
	init(&o);
	memset(buf, 'a', sizeof(buf));
	hookout_feed(&o, buf, HOOKOUT_LINE_MAX - 2);
	hookout_feed(&o, "\x01\n", 2);
	assert_int_equal(got.n, 1);
	assert_true(got.cut[0]);
	assert_int_equal(strlen(got.line[0]), HOOKOUT_LINE_MAX - 2);
	/* Exactly full is not cut. */
	init(&o);
	hookout_feed(&o, buf, HOOKOUT_LINE_MAX - 4);
	hookout_feed(&o, "\x01\n", 2);
	assert_int_equal(got.n, 1);
	assert_false(got.cut[0]);
	assert_int_equal(strlen(got.line[0]), HOOKOUT_LINE_MAX);
}

/* Past the limit lines are counted, whole or cut, not logged. */
static void
test_limit(void **state)
{
	char buf[HOOKOUT_LINE_MAX + 10];
	struct hookout o;
	unsigned i;

	(void)state;
	init(&o);
	for (i = 0; i < HOOKOUT_LINES_MAX - 1; i++)
		feed(&o, "x\n");
	assert_int_equal(got.n, HOOKOUT_LINES_MAX - 1);
	feed(&o, "last logged\nnot\nlogged\nei");
	feed(&o, "ther\n");
	assert_int_equal(got.n, HOOKOUT_LINES_MAX);
	assert_string_equal(got.line[HOOKOUT_LINES_MAX - 1], "last logged");
	assert_int_equal(o.dropped, 3);
	memset(buf, 'a', sizeof(buf));
	hookout_feed(&o, buf, sizeof(buf));
	feed(&o, "\npartial");
	hookout_end(&o);
	assert_int_equal(got.n, HOOKOUT_LINES_MAX);
	assert_int_equal(o.dropped, 5);
}

/* The line that reaches the limit by being cut: its rest is not counted. */
static void
test_limit_cut(void **state)
{
	char buf[HOOKOUT_LINE_MAX + 10];
	struct hookout o;
	unsigned i;

	(void)state;
	init(&o);
	for (i = 0; i < HOOKOUT_LINES_MAX - 1; i++)
		feed(&o, "x\n");
	memset(buf, 'a', sizeof(buf));
	hookout_feed(&o, buf, sizeof(buf));
	assert_int_equal(got.n, HOOKOUT_LINES_MAX);
	assert_true(got.cut[HOOKOUT_LINES_MAX - 1]);
	feed(&o, "rest of it\nnext\n");
	assert_int_equal(o.dropped, 1);
}

/* Reading from the pipe: to EOF, the last line, and the pipe closed. */
static void
test_read(void **state)
{
	struct hookout o;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	init(&o);
	o.fd = p[0];
	assert_int_equal(write(p[1], "a\nb", 3), 3);
	hookout_read(&o, false);
	assert_int_equal(got.n, 1);
	assert_int_equal(o.fd, p[0]);
	close(p[1]);
	hookout_read(&o, true);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.line[1], "b");
	assert_int_equal(o.fd, -1);
	hookout_close(&o);
	assert_int_equal(got.n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_split_reads),
		cmocka_unit_test(test_no_newline),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_cut_escape),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_cut),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
