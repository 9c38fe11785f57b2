/*
 * confparse.c - the inih callbacks: classify each line as inih will, and
 * turn key = value lines into [daemon] keys and rules, with FILE:LINE
 * errors.
 *
 * Debian's libinih is built without line numbers for the handler, so lines
 * are counted by our own reader: inih asks the reader for one line, parses
 * it and calls the handler at most once before asking for the next, so the
 * line most recently read is the line of every handler call.  The reader
 * also classifies each line exactly as inih will (comment, section,
 * key = value, continuation) so that sections, continuation lines and
 * duplicate keys are known without relying on inih's 50-byte section and
 * name buffers, and it refuses over-long lines, which inih would split.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confparse.h"

/* Report "FILE:LINE: message". */
void
parse_err(struct parse *ps, unsigned line, const char *fmt, ...)
{
	char *msg = NULL, *full = NULL;
	va_list ap;

	ps->nerr++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL ||
	    asprintf(&full, "%s:%u: %s", ps->file, line, msg) < 0)
		full = NULL;
	ps->errfn(ps->errarg, full ? full : "out of memory");
	free(msg);
	free(full);
}

/* Report a message that has no line: "FILE: reason". */
void
parse_errx(struct parse *ps, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	ps->nerr++;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	ps->errfn(ps->errarg, msg ? msg : "out of memory");
	free(msg);
}

/*
 * The next value word of s: whitespace separates words, double quotes
 * group (with \" and \\ inside), a leading unquoted '!' negates.  out has
 * room for strlen(s) + 1.  Returns 1, 0 at the end, or -1 with *why set.
 */
static int
next_word(const char **sp, char *out, bool *neg, const char **why)
{
	const char *s = *sp;
	bool inq = false, quoted = false;
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	*sp = s;
	if (*s == '\0')
		return 0;
	*neg = false;
	if (*s == '#') {
		*why = "starts with '#': comments go on their own line, or "
		    "after ' ;' (quote a value that starts with '#')";
		return -1;
	}
	if (*s == '!') {
		*neg = true;
		s++;
	}
	for (; *s != '\0'; s++) {
		if (inq) {
			if (*s == '"') {
				inq = false;
				continue;
			}
			if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			out[n++] = *s;
			continue;
		}
		if (isspace((unsigned char)*s))
			break;
		if (*s == '"') {
			inq = quoted = true;
			continue;
		}
		out[n++] = *s;
	}
	if (inq) {
		*why = "has an unterminated quote";
		return -1;
	}
	out[n] = '\0';
	if (n == 0 && *neg && !quoted) {
		*why = "has '!' without a value";
		return -1;
	}
	*sp = s;
	return 1;
}

static struct keys *
cur_keys(struct parse *ps)
{
	return ps->sec == SEC_DAEMON ? &ps->dk : &ps->rk;
}

static const char *
cur_key_name(struct parse *ps, int k)
{
	return ps->sec == SEC_DAEMON ? daemon_key_name(k) : rule_key_name(k);
}

/* " in rule [x]" or " in [daemon]", for messages. */
static void
where(struct parse *ps, char *buf, size_t len)
{
	if (ps->sec == SEC_DAEMON)
		snprintf(buf, len, " in [daemon]");
	else
		snprintf(buf, len, " in rule [%s]", ps->rule.name);
}

static void
daemon_value(struct parse *ps, int k, const char *v, const char *in)
{
	char err[512];
	int r;

	if ((r = daemon_key_set(ps->cfg, k, v, err, sizeof(err))) == -ENOMEM)
		parse_err(ps, ps->lineno, "out of memory");
	else if (r < 0) {
		ps->dk.bad |= BIT(k);
		parse_err(ps, ps->lineno, "%s%s", err, in);
	}
}

/* Every word of one line's value, for key k of the current section. */
static void
add_values(struct parse *ps, int k, const char *value)
{
	struct keys *ks = cur_keys(ps);
	const char *p = value, *why;
	char *word, err[512], in[300];
	unsigned *hl, n;
	bool neg;
	int r;

	where(ps, in, sizeof(in));
	if ((word = malloc(strlen(value) + 1)) == NULL) {
		parse_err(ps, ps->lineno, "out of memory");
		return;
	}
	if (ps->sec == SEC_DAEMON || !rule_key_multi(k)) {
		n = ks->nval[k];
		while (next_word(&p, word, &neg, &why) > 0)
			n++;
		p = value;
		if (n > 1) {
			parse_err(ps, ps->lineno, "'%s' takes a single value%s",
			    cur_key_name(ps, k), in);
			ks->bad |= BIT(k);
			free(word);
			return;
		}
	}
	for (;;) {
		r = next_word(&p, word, &neg, &why);
		if (r == 0)
			break;
		if (r < 0) {
			parse_err(ps, ps->lineno, "value '%s' of '%s' %s%s", p,
			    cur_key_name(ps, k), why, in);
			ks->bad |= BIT(k);
			break;
		}
		ks->nval[k]++;
		if (ps->sec == SEC_DAEMON) {
			if (neg)
				parse_err(ps, ps->lineno, "'!' is not allowed "
				    "in '%s'%s", daemon_key_name(k), in);
			else if (*word == '\0')
				parse_err(ps, ps->lineno, "empty value for "
				    "'%s'%s", daemon_key_name(k), in);
			else {
				daemon_value(ps, k, word, in);
				continue;
			}
			ks->bad |= BIT(k);
			continue;
		}
		r = rule_add_value(&ps->rule, k, word, neg, err, sizeof(err));
		if (r == -ENOMEM) {
			parse_err(ps, ps->lineno, "out of memory");
			break;
		}
		if (r < 0) {
			parse_err(ps, ps->lineno, "%s%s", err, in);
			ks->bad |= BIT(k);
			continue;
		}
		if (k == RK_HOOK) {
			hl = realloc(ps->hook_line,
			    ps->rule.nhooks * sizeof(*hl));
			if (hl == NULL) {
				parse_err(ps, ps->lineno, "out of memory");
				break;
			}
			ps->hook_line = hl;
			hl[ps->rule.nhooks - 1] = ps->lineno;
		}
	}
	free(word);
}

/* The key of the previous line has all its values: was there any? */
static void
close_key(struct parse *ps)
{
	struct keys *ks;
	char in[300];

	if (ps->cur == KEY_NONE || ps->sec == SEC_NONE || ps->sec == SEC_SKIP)
		goto out;
	ks = cur_keys(ps);
	if (ks->nval[ps->cur] == 0 && !(ks->bad & BIT(ps->cur))) {
		where(ps, in, sizeof(in));
		parse_err(ps, ks->line[ps->cur], "empty value for '%s'%s",
		    cur_key_name(ps, ps->cur), in);
		ks->bad |= BIT(ps->cur);
	}
out:
	ps->cur = KEY_NONE;
}

static int
first_event(uint32_t set)
{
	int t;

	for (t = 0; t < EV__MAX; t++)
		if (set & EV_BIT(t))
			return t;
	return EV__MAX;
}

/* Checks that need the whole rule. */
static void
check_rule(struct parse *ps)
{
	struct rule *r = &ps->rule;
	const unsigned *kl = ps->rk.line;
	uint32_t bad = ps->rk.bad, extra;
	const char *n = r->name, *act = rule_action_name(r->action);
	bool events_ok = kl[RK_EVENT] && !(bad & BIT(RK_EVENT));
	bool action_ok = !(bad & BIT(RK_ACTION));
	bool needs_hooks = r->action == ACT_RUN || r->action == ACT_HOLD ||
	    r->action == ACT_ASK;
	unsigned aline = kl[RK_ACTION] ? kl[RK_ACTION] : ps->sec_line;
	int k;

	if (!kl[RK_EVENT])
		parse_err(ps, ps->sec_line, "rule [%s] has no 'event'", n);
	for (k = 0; events_ok && k < RK__MAX; k++) {
		if (!kl[k] || !(extra = r->events & ~rule_key_events(k)))
			continue;
		parse_err(ps, kl[k], "key '%s' does not apply to event '%s' in "
		    "rule [%s]", rule_key_name(k),
		    event_name(first_event(extra)), n);
	}
	if (kl[RK_EXIT_STATUS] && kl[RK_EXIT_SIGNAL])
		parse_err(ps, kl[RK_EXIT_SIGNAL], "'exit_status' (normal "
		    "exits) and 'exit_signal' (deaths by signal) never hold "
		    "together in rule [%s]", n);
	if (!action_ok)
		return;
	if (events_ok && (r->action == ACT_KILL || r->action == ACT_HOLD) &&
	    (extra = r->events & (EV_BIT(EV_EXIT) | EV_BIT(EV_LOST))))
		parse_err(ps, aline, "action '%s' cannot apply to event '%s': "
		    "there is no process left to act on, in rule [%s]", act,
		    event_name(first_event(extra)), n);
	if (events_ok && ACT_GATED(r->action) &&
	    (extra = r->events & ~EV_BIT(EV_EXEC)))
		parse_err(ps, aline, "action '%s' decides an exec before it "
		    "runs: it cannot apply to event '%s' in rule [%s]", act,
		    event_name(first_event(extra)), n);
	if (ACT_GATED(r->action) && kl[RK_CMDLINE])
		parse_err(ps, kl[RK_CMDLINE], "'cmdline' is not known before "
		    "the exec, so 'action = %s' cannot test it in rule [%s]: "
		    "use 'action = %s' to act on the arguments just after the "
		    "exec", act, n, r->action == ACT_DENY ? "kill" : "hold");
	if (kl[RK_SIGNAL] && r->action != ACT_KILL)
		parse_err(ps, kl[RK_SIGNAL], "'signal' needs 'action = kill' "
		    "in rule [%s]", n);
	if (needs_hooks && r->nhooks == 0 && !(bad & BIT(RK_HOOK)))
		parse_err(ps, aline, "rule [%s] has no 'hook': action '%s' "
		    "runs hooks ('action = log' only logs)", n, act);
	if (r->action == ACT_LOG && kl[RK_HOOK])
		parse_err(ps, kl[RK_HOOK], "'hook' has no use with 'action = "
		    "log' in rule [%s]", n);
	if (!needs_hooks && !kl[RK_HOOK]) {
		if (kl[RK_RUN_AS])
			parse_err(ps, kl[RK_RUN_AS], "'run_as' has no use "
			    "without 'hook' in rule [%s]", n);
		if (kl[RK_TIMEOUT])
			parse_err(ps, kl[RK_TIMEOUT], "'timeout' has no use "
			    "without 'hook' in rule [%s]", n);
	}
	if (r->action == ACT_KILL && r->signal == 0)
		r->signal = SIGKILL;
}

static void
end_section(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct pending_hooks *pd;
	struct rule *rules;

	if (ps->sec == SEC_RULE) {
		check_rule(ps);
		if (ps->keep && (rules = realloc(cfg->rules,
		    (cfg->nrules + 1) * sizeof(*rules))) != NULL)
			cfg->rules = rules;
		else if (ps->keep) {
			parse_err(ps, ps->sec_line, "out of memory");
			ps->keep = false;
		}
		if (ps->keep && ps->rule.nhooks > 0) {
			pd = realloc(ps->pend, (ps->npend + 1) * sizeof(*pd));
			if (pd == NULL) {
				parse_err(ps, ps->sec_line, "out of memory");
				ps->keep = false;
			} else {
				ps->pend = pd;
				pd[ps->npend].rule = cfg->nrules;
				pd[ps->npend].line = ps->hook_line;
				ps->npend++;
				ps->hook_line = NULL;
			}
		}
		if (ps->keep)
			cfg->rules[cfg->nrules++] = ps->rule;
		else
			rule_free(&ps->rule);
		memset(&ps->rule, 0, sizeof(ps->rule));
	}
	free(ps->hook_line);
	ps->hook_line = NULL;
	memset(&ps->rk, 0, sizeof(ps->rk));
	ps->sec = SEC_NONE;
	ps->cur = KEY_NONE;
}

static bool
good_name(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* A "[name]" line: end the section before, start this one. */
static void
begin_section(struct parse *ps, const char *name, size_t len,
    const char *rest)
{
	struct config *cfg = ps->cfg;
	size_t i;

	close_key(ps);
	end_section(ps);
	while (len > 0 && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	ps->sec_line = ps->lineno;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest != '\0' && *rest != ';' && *rest != '#')
		parse_err(ps, ps->lineno, "text after ']' in section header");
	if (len == 0) {
		parse_err(ps, ps->lineno, "empty section name");
		ps->sec = SEC_SKIP;
		return;
	}
	if (len == 6 && strncmp(name, "daemon", 6) == 0) {
		if (!ps->main) {
			parse_err(ps, ps->lineno, "[daemon] is only allowed "
			    "in the main file, not in rules_dir");
			ps->sec = SEC_SKIP;
			return;
		}
		if (ps->daemon_line)
			parse_err(ps, ps->lineno, "section [daemon] already "
			    "defined at line %u", ps->daemon_line);
		else
			ps->daemon_line = ps->lineno;
		ps->sec = SEC_DAEMON;
		return;
	}
	ps->sec = SEC_RULE;
	ps->keep = true;
	ps->rule.line = ps->lineno;
	if ((ps->rule.name = strndup(name, len)) == NULL ||
	    (ps->rule.file = strdup(ps->file)) == NULL) {
		parse_err(ps, ps->lineno, "out of memory");
		rule_free(&ps->rule);
		ps->sec = SEC_SKIP;
		return;
	}
	if (!good_name(ps->rule.name)) {
		parse_err(ps, ps->lineno, "bad rule name [%s]: no spaces or "
		    "control characters", ps->rule.name);
		ps->keep = false;
	}
	for (i = 0; i < cfg->nrules; i++) {
		if (strcmp(cfg->rules[i].name, ps->rule.name) != 0)
			continue;
		parse_err(ps, ps->lineno, "rule [%s] already defined at %s:%u",
		    ps->rule.name, cfg->rules[i].file, cfg->rules[i].line);
		ps->keep = false;
		break;
	}
}

/* inih's ini_find_chars_or_comment(): the reader sees lines as inih does. */
static const char *
find_chars_or_comment(const char *s, const char *chars)
{
	bool was_space = false;

	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* Cut a continuation line at a ';' that follows whitespace. */
static void
cut_comment(char *s)
{
	char *p = (char *)find_chars_or_comment(s, "");

	*p = '\0';
}

/* A line inih finds malformed: remember the first, report unless refused. */
static void
malformed(struct parse *ps, enum line_kind kind, const char *msg)
{
	ps->kind = kind;
	if (!ps->syntax_line)
		ps->syntax_line = ps->lineno;
	if (!ps->bad)
		parse_err(ps, ps->lineno, "%s", msg);
}

/* Skip what follows, up to the next good section header. */
static void
skip_section(struct parse *ps)
{
	close_key(ps);
	end_section(ps);
	ps->sec = SEC_SKIP;
}

/*
 * What is this line to inih?  Mirrors ini_parse_stream() of inih r55 with
 * Debian's settings (multi-line values, ';' inline comments, BOM).
 */
static void
classify(struct parse *ps, char *line)
{
	const char *start = line, *end, *name;
	size_t len;

	if (ps->lineno == 1 && (unsigned char)line[0] == 0xEF &&
	    (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF)
		start += 3;
	while (*start && isspace((unsigned char)*start))
		start++;
	if (*start == '\0' || *start == ';' || *start == '#') {
		ps->kind = LK_COMMENT;
		return;
	}
	if (ps->prev_name && start > line) {
		ps->kind = LK_CONT;
		cut_comment((char *)start);
		return;
	}
	if (*start == '[') {
		end = find_chars_or_comment(start + 1, "]");
		if (*end != ']') {
			malformed(ps, LK_BADSECTION,
			    "missing ']' in section header");
			skip_section(ps);
			return;
		}
		ps->kind = LK_SECTION;
		ps->prev_name = false;
		if (ps->bad)
			skip_section(ps);
		else
			begin_section(ps, start + 1, (size_t)(end - start - 1),
			    end + 1);
		return;
	}
	end = find_chars_or_comment(start, "=:");
	close_key(ps);
	if (*end != '=' && *end != ':') {
		malformed(ps, LK_BADKEY,
		    "expected 'key = value', '[section]' or a comment");
		return;
	}
	ps->kind = LK_KEY;
	for (name = end; name > start && isspace((unsigned char)name[-1]);
	    name--)
		;
	len = (size_t)(name - start);
	ps->prev_name = len > 0;
}

/*
 * inih's line reader.  Hands inih one whole line at a time (at most
 * num - 2 bytes and a newline), so that inih never splits a line; a
 * longer line, or one holding a NUL byte, is refused here.
 */
static char *
reader(char *str, int num, void *arg)
{
	struct parse *ps = arg;
	size_t len, max;
	ssize_t n;
	char *nul;

	errno = 0;
	if ((n = getline(&ps->buf, &ps->bufcap, ps->fp)) < 0) {
		ps->read_errno = errno;
		return NULL;
	}
	ps->lineno++;
	ps->bad = false;
	len = (size_t)n;
	if (len > 0 && ps->buf[len - 1] == '\n')
		len--;
	max = num > 2 ? (size_t)num - 2 : 0;
	if ((nul = memchr(ps->buf, '\0', len)) != NULL) {
		parse_err(ps, ps->lineno, "NUL byte in line");
		ps->bad = true;
		len = (size_t)(nul - ps->buf);
	}
	if (len > max) {
		if (!ps->bad)
			parse_err(ps, ps->lineno, "line too long (%zu bytes, "
			    "at most %zu)", len, max);
		ps->bad = true;
		len = max;
	}
	memcpy(str, ps->buf, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	classify(ps, str);
	return str;
}

/* Does an indented line look like "key = ..." for a known key? */
static bool
looks_like_key(struct parse *ps, const char *v)
{
	char name[32];
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyz_");

	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, v, n);
	name[n] = '\0';
	v += strspn(v + n, " \t") + n;
	if (*v != '=' && *v != ':')
		return false;
	if (ps->sec == SEC_DAEMON)
		return daemon_key_lookup(name) != DK__MAX;
	return rule_key_lookup(name) != RK__MAX;
}

static int
key_index(struct parse *ps, const char *name)
{
	int k;

	if (ps->sec == SEC_DAEMON) {
		k = daemon_key_lookup(name);
		return k == DK__MAX ? KEY_NONE : k;
	}
	k = rule_key_lookup(name);
	return k == RK__MAX ? KEY_NONE : k;
}

/* inih's handler: one key = value line, or one continuation line. */
static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct parse *ps = arg;
	struct keys *ks;
	char in[300];
	int k;

	(void)section;		/* ours is in ps, and is not cut at 50 bytes */
	if (ps->sec == SEC_SKIP)
		return 1;
	if (ps->kind == LK_CONT) {
		if (ps->cur == KEY_NONE || ps->sec == SEC_NONE || ps->bad)
			return 1;
		if (looks_like_key(ps, value)) {
			where(ps, in, sizeof(in));
			parse_err(ps, ps->lineno, "indented line continues the "
			    "value of '%s'; start a new key at the start of "
			    "the line%s", cur_key_name(ps, ps->cur), in);
			cur_keys(ps)->bad |= BIT(ps->cur);
			return 1;
		}
		add_values(ps, ps->cur, value);
		return 1;
	}
	if (ps->kind != LK_KEY)
		return 1;
	if (ps->sec == SEC_NONE) {
		if (!ps->bad)
			parse_err(ps, ps->lineno, "key '%s' outside any "
			    "section: start with [daemon] or [RULE-NAME]",
			    name);
		return 1;
	}
	where(ps, in, sizeof(in));
	if (*name == '\0') {
		parse_err(ps, ps->lineno, "no key name before '='%s", in);
		return 1;
	}
	if ((k = key_index(ps, name)) == KEY_NONE) {
		if (!ps->bad)
			parse_err(ps, ps->lineno, "unknown key '%s'%s", name,
			    in);
		return 1;
	}
	ks = cur_keys(ps);
	if (ks->line[k]) {
		parse_err(ps, ps->lineno, "duplicate key '%s'%s (first given "
		    "at line %u)", name, in, ks->line[k]);
		return 1;
	}
	ks->line[k] = ps->lineno;
	if (ps->bad) {
		ks->bad |= BIT(k);
		return 1;
	}
	ps->cur = k;
	add_values(ps, k, value);
	return 1;
}

int
parse_stream(struct parse *ps)
{
	int r;

	r = ini_parse_stream(reader, ps, handler, ps);
	close_key(ps);
	end_section(ps);
	return r;
}
