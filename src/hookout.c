/*
 * hookout.c - a hook's output, as the supervisor logs it.
 *
 * The hook and whatever it left share one pipe for stdout and stderr.
 * One output line becomes one log line whatever the hook writes: control
 * characters and backslash are escaped as \xNN, a line whose escaped form
 * does not fit HOOKOUT_LINE_MAX is cut (and marked so), and past
 * HOOKOUT_LINES_MAX lines per hook they are only counted.  A pipe never
 * splits output at line ends, so a line may span many reads.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "hookout.h"
#include "log.h"

#define HOOKOUT_READS	16	/* reads per call: keep the clock */
#define HOOKOUT_DRAIN	256	/* reads once the hook process has ended */

/* In the journal, with the rule, the hook and the event's pid as fields. */
static void
hookout_log(const struct hookout *o, const char *line, size_t len, bool cut)
{
	struct log_fields f = LOG_FIELDS_NONE;

	f.rule = o->rule;
	f.hook = o->hook;
	f.pid = o->pid;
	log_event(LOG_INFO, &f, "hook %s (rule %s, pid %d): %.*s%s", o->hook,
	    o->rule, (int)o->pid, (int)len, line, cut ? " [cut]" : "");
}

void
hookout_init(struct hookout *o, int fd, const char *hook, const char *rule,
    pid_t pid)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->hook = hook;
	o->rule = rule;
	o->pid = pid;
	o->emit = hookout_log;
}

/* Emit one line, or count it past the limit. */
static void
hookout_line(struct hookout *o, bool cut)
{
	if (o->nlines >= HOOKOUT_LINES_MAX) {
		o->dropped++;
		return;
	}
	o->nlines++;
	o->emit(o, o->line, o->len, cut);
}

/* Add one byte to the current line, escaped; cut the line if it is full. */
static void
hookout_byte(struct hookout *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = (c < 0x20 || c == 0x7f || c == '\\') ? 4 : 1;

	if (c == '\n') {
		if (!o->skip)
			hookout_line(o, false);
		o->len = 0;
		o->skip = false;
		o->partial = false;
		return;
	}
	o->partial = true;
	if (o->skip)
		return;
	if (o->len + need > sizeof(o->line)) {
		hookout_line(o, true);
		o->skip = true;
		return;
	}
	if (need == 1) {
		o->line[o->len++] = (char)c;
		return;
	}
	o->line[o->len++] = '\\';
	o->line[o->len++] = 'x';
	o->line[o->len++] = hex[c >> 4];
	o->line[o->len++] = hex[c & 15];
}

void
hookout_feed(struct hookout *o, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	while (p < end && o->nlines < HOOKOUT_LINES_MAX)
		hookout_byte(o, (unsigned char)*p++);
	/* Past the limit only lines are counted. */
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!o->skip)
			o->dropped++;
		o->skip = false;
		o->partial = false;
		o->len = 0;
		p = nl + 1;
	}
	if (p < end)
		o->partial = true;
}

void
hookout_end(struct hookout *o)
{
	if (o->partial && !o->skip)
		hookout_line(o, false);
	o->partial = false;
}

void
hookout_close(struct hookout *o)
{
	hookout_end(o);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

void
hookout_read(struct hookout *o, bool drain)
{
	char buf[4096];
	ssize_t n;
	int reads;

	for (reads = 0; o->fd >= 0 &&
	    reads < (drain ? HOOKOUT_DRAIN : HOOKOUT_READS); reads++) {
		n = read(o->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			hookout_close(o);
			return;
		}
		hookout_feed(o, buf, (size_t)n);
	}
}

void
hookout_log_dropped(const struct hookout *o)
{
	if (o->dropped > 0)
		log_info("hook %s (rule %s, pid %d): %llu more line%s not "
		    "logged", o->hook, o->rule, (int)o->pid,
		    (unsigned long long)o->dropped, o->dropped == 1 ? "" : "s");
}
