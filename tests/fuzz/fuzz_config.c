/*
 * fuzz_config.c - configuration texts (config.c, confparse.c and the
 * value parsers behind them), against inih itself.
 *
 * The input is a main file; after a line "%%" comes a rules file of the
 * main file's rules_dir.  confparse.c classifies every line before inih
 * parses it (comment, section, key, continuation, malformed) and relies on
 * inih calling its handler exactly once for a key or a continuation line
 * and never otherwise.  The model is inih: ini_parse_stream() is wrapped
 * (ld --wrap) so that each line confparse's reader hands it, and each
 * handler call it makes, is seen, and the two must agree line by line, as
 * must inih's first malformed line.  A configuration that loads is then
 * printed and checked for warnings, as prochookd -t does.
 */
#include <ini.h>
#include <stdio.h>

#include "config.h"
#include "confparse.h"
#include "fuzz.h"

int	__real_ini_parse_stream(ini_reader, void *, ini_handler, void *);
int	__wrap_ini_parse_stream(ini_reader, void *, ini_handler, void *);

static struct {
	ini_reader	 reader;
	ini_handler	 handler;
	struct parse	*ps;
	bool		 line;		/* a line was handed to inih */
	enum line_kind	 kind;		/* confparse's view of it */
	bool		 named;		/* a key line with a name */
	unsigned	 lineno;
	unsigned	 calls;		/* inih's handler calls for it */
} w;

static const char *const kinds[] = { "comment", "continuation", "section",
    "bad section", "key", "bad key" };

static void
line_done(void)
{
	unsigned want;

	if (!w.line)
		return;
	want = w.kind == LK_KEY || w.kind == LK_CONT ? 1 : 0;
	MODEL_CHECK(w.calls == want, "%s:%u, a %s line to confparse: inih "
	    "called the handler %u times", w.ps->file, w.lineno,
	    kinds[w.kind], w.calls);
	w.line = false;
}

static char *
w_reader(char *str, int num, void *stream)
{
	char *r;

	line_done();
	r = w.reader(str, num, stream);
	if (r != NULL) {
		w.line = true;
		w.kind = w.ps->kind;
		w.named = w.ps->prev_name;
		w.lineno = w.ps->lineno;
		w.calls = 0;
	}
	return r;
}

static int
w_handler(void *user, const char *section, const char *name,
    const char *value)
{
	MODEL_CHECK(w.line, "a handler call before any line");
	w.calls++;
	if (w.kind == LK_KEY)
		MODEL_CHECK((*name != '\0') == w.named, "%s:%u: inih's key "
		    "name '%s', confparse says it %s one", w.ps->file,
		    w.lineno, name, w.named ? "has" : "has no");
	if (w.kind == LK_CONT)
		MODEL_CHECK(*name != '\0', "%s:%u: a continuation of no key",
		    w.ps->file, w.lineno);
	return w.handler(user, section, name, value);
}

int
__wrap_ini_parse_stream(ini_reader reader, void *stream, ini_handler handler,
    void *user)
{
	int r;

	memset(&w, 0, sizeof(w));
	w.reader = reader;
	w.handler = handler;
	w.ps = stream;
	r = __real_ini_parse_stream(w_reader, stream, w_handler, user);
	line_done();
	if (r != -2)
		MODEL_CHECK(r == (int)w.ps->syntax_line, "%s: inih's first "
		    "malformed line is %d, confparse's %u", w.ps->file, r,
		    w.ps->syntax_line);
	return r;
}

static void
count_err(void *arg, const char *msg)
{
	MODEL_CHECK(msg != NULL && *msg != '\0', "empty error message");
	(*(unsigned *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct config_file files[2];
	struct config *cfg;
	const char *sep = NULL;
	unsigned nerr = 0, nwarn = 0;
	size_t n = 1, i;
	char *text;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i + 4 <= size; i++)
		if (memcmp(text + i, "\n%%\n", 4) == 0) {
			sep = text + i;
			break;
		}
	files[0].path = "/etc/prochook/prochook.conf";
	files[0].text = text;
	files[0].len = sep ? (size_t)(sep - text) + 1 : size;
	if (sep != NULL) {
		files[1].path = "/etc/prochook/rules.d/fuzz.conf";
		files[1].text = (char *)sep + 4;
		files[1].len = size - (size_t)(sep + 4 - text);
		n = 2;
	}
	cfg = config_load_files(files, n, count_err, &nerr);
	MODEL_CHECK((cfg == NULL) == (nerr > 0), "%u errors, configuration "
	    "%s", nerr, cfg ? "loaded" : "refused");
	if (cfg != NULL) {
		config_print(cfg, null);
		config_warnings(cfg, count_err, &nwarn);
		config_free(cfg);
	}
	free(text);
	return 0;
}
