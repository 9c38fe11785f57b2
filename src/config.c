/*
 * config.c - reading prochook.conf and every rules_dir/ *.conf: inih
 * callbacks, [daemon] keys, rules value by value, FILE:LINE errors.
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
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

#define DEFAULT_HOOKS_DIR	SYSCONFDIR "/prochook/hooks.d"
#define DEFAULT_RULES_DIR	SYSCONFDIR "/prochook/rules.d"
#define DEFAULT_USER		"prochook"

#define NKEYS		((int)RK__MAX > (int)DK__MAX ? (int)RK__MAX : \
			 (int)DK__MAX)
#define KEY_NONE	(-1)	/* continuation lines go nowhere */
#define BIT(k)		(1u << (k))

enum line_kind {
	LK_COMMENT,		/* or blank */
	LK_CONT,		/* indented: continues the previous key */
	LK_SECTION,
	LK_BADSECTION,		/* '[' without ']' */
	LK_KEY,
	LK_BADKEY,		/* neither '=' nor ':' */
};

enum sec_kind { SEC_NONE, SEC_DAEMON, SEC_RULE, SEC_SKIP };

/* Hook names of one rule, checked once hooks_dir is known. */
struct pending {
	size_t		 rule;		/* index in config.rules */
	unsigned	*line;		/* line of each hook */
};

/* The state of one key table: the rule being built, or [daemon]. */
struct keys {
	unsigned	 line[NKEYS];	/* where given; 0: not given */
	unsigned	 nval[NKEYS];
	uint32_t	 bad;		/* keys whose values were refused */
};

struct parse {
	struct config	*cfg;
	config_err_fn	 errfn;
	void		*errarg;
	unsigned	 nerr;

	/* the file */
	const struct config_file *src;	/* texts to parse instead of files */
	size_t		 nsrc;
	const char	*file;
	bool		 main;
	FILE		*fp;
	int		 read_errno;
	char		*buf;
	size_t		 bufcap;
	unsigned	 lineno;	/* of the line most recently read */
	enum line_kind	 kind;		/* of that line */
	bool		 bad;		/* that line was refused (too long) */
	bool		 prev_name;	/* inih has a key to continue */
	unsigned	 syntax_line;	/* first line inih finds malformed */

	/* the section */
	enum sec_kind	 sec;
	unsigned	 sec_line;
	struct rule	 rule;		/* being built */
	bool		 keep;		/* add it to the configuration */
	unsigned	*hook_line;
	struct keys	 rk;		/* of the rule */
	struct keys	 dk;		/* of [daemon], across sections */
	int		 cur;		/* key continuation lines continue */
	unsigned	 daemon_line;

	/* the configuration */
	char		*main_dir;	/* absolute */
	dev_t		 main_dev;
	ino_t		 main_ino;
	struct pending	*pend;
	size_t		 npend;
};

static void	perr(struct parse *, unsigned, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	perrx(struct parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Report "FILE:LINE: message". */
static void
perr(struct parse *ps, unsigned line, const char *fmt, ...)
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
static void
perrx(struct parse *ps, const char *fmt, ...)
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

static char *
path_join(const char *dir, const char *name)
{
	char *p;
	size_t dl = strlen(dir);

	if (dl > 0 && dir[dl - 1] == '/')
		dl--;
	if (asprintf(&p, "%.*s/%s", (int)dl, dir, name) < 0)
		return NULL;
	return p;
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
		perr(ps, ps->lineno, "out of memory");
	else if (r < 0) {
		ps->dk.bad |= BIT(k);
		perr(ps, ps->lineno, "%s%s", err, in);
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
		perr(ps, ps->lineno, "out of memory");
		return;
	}
	if (ps->sec == SEC_DAEMON || !rule_key_multi(k)) {
		n = ks->nval[k];
		while (next_word(&p, word, &neg, &why) > 0)
			n++;
		p = value;
		if (n > 1) {
			perr(ps, ps->lineno, "'%s' takes a single value%s",
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
			perr(ps, ps->lineno, "value '%s' of '%s' %s%s", p,
			    cur_key_name(ps, k), why, in);
			ks->bad |= BIT(k);
			break;
		}
		ks->nval[k]++;
		if (ps->sec == SEC_DAEMON) {
			if (neg)
				perr(ps, ps->lineno, "'!' is not allowed in "
				    "'%s'%s", daemon_key_name(k), in);
			else if (*word == '\0')
				perr(ps, ps->lineno, "empty value for '%s'%s",
				    daemon_key_name(k), in);
			else {
				daemon_value(ps, k, word, in);
				continue;
			}
			ks->bad |= BIT(k);
			continue;
		}
		r = rule_add_value(&ps->rule, k, word, neg, err, sizeof(err));
		if (r == -ENOMEM) {
			perr(ps, ps->lineno, "out of memory");
			break;
		}
		if (r < 0) {
			perr(ps, ps->lineno, "%s%s", err, in);
			ks->bad |= BIT(k);
			continue;
		}
		if (k == RK_HOOK) {
			hl = realloc(ps->hook_line,
			    ps->rule.nhooks * sizeof(*hl));
			if (hl == NULL) {
				perr(ps, ps->lineno, "out of memory");
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
		perr(ps, ks->line[ps->cur], "empty value for '%s'%s",
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
	bool needs_hooks = r->action == ACT_RUN || r->action == ACT_HOLD;
	unsigned aline = kl[RK_ACTION] ? kl[RK_ACTION] : ps->sec_line;
	int k;

	if (!kl[RK_EVENT])
		perr(ps, ps->sec_line, "rule [%s] has no 'event'", n);
	for (k = 0; events_ok && k < RK__MAX; k++) {
		if (!kl[k] || !(extra = r->events & ~rule_key_events(k)))
			continue;
		perr(ps, kl[k], "key '%s' does not apply to event '%s' in "
		    "rule [%s]", rule_key_name(k),
		    event_name(first_event(extra)), n);
	}
	if (kl[RK_EXIT_STATUS] && kl[RK_EXIT_SIGNAL])
		perr(ps, kl[RK_EXIT_SIGNAL], "'exit_status' (normal exits) "
		    "and 'exit_signal' (deaths by signal) never hold together "
		    "in rule [%s]", n);
	if (!action_ok)
		return;
	if (events_ok && (r->action == ACT_KILL || r->action == ACT_HOLD) &&
	    (extra = r->events & (EV_BIT(EV_EXIT) | EV_BIT(EV_LOST))))
		perr(ps, aline, "action '%s' cannot apply to event '%s': "
		    "there is no process left to act on, in rule [%s]", act,
		    event_name(first_event(extra)), n);
	if (kl[RK_SIGNAL] && r->action != ACT_KILL)
		perr(ps, kl[RK_SIGNAL], "'signal' needs 'action = kill' in "
		    "rule [%s]", n);
	if (needs_hooks && r->nhooks == 0 && !(bad & BIT(RK_HOOK)))
		perr(ps, aline, "rule [%s] has no 'hook': action '%s' runs "
		    "hooks ('action = log' only logs)", n, act);
	if (r->action == ACT_LOG && kl[RK_HOOK])
		perr(ps, kl[RK_HOOK], "'hook' has no use with 'action = log' "
		    "in rule [%s]", n);
	if (!needs_hooks && !kl[RK_HOOK]) {
		if (kl[RK_RUN_AS])
			perr(ps, kl[RK_RUN_AS], "'run_as' has no use without "
			    "'hook' in rule [%s]", n);
		if (kl[RK_TIMEOUT])
			perr(ps, kl[RK_TIMEOUT], "'timeout' has no use "
			    "without 'hook' in rule [%s]", n);
	}
	if (r->action == ACT_KILL && r->signal == 0)
		r->signal = SIGKILL;
}

static void
end_section(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct pending *pd;
	struct rule *rules;

	if (ps->sec == SEC_RULE) {
		check_rule(ps);
		if (ps->keep && (rules = realloc(cfg->rules,
		    (cfg->nrules + 1) * sizeof(*rules))) != NULL)
			cfg->rules = rules;
		else if (ps->keep) {
			perr(ps, ps->sec_line, "out of memory");
			ps->keep = false;
		}
		if (ps->keep && ps->rule.nhooks > 0) {
			pd = realloc(ps->pend, (ps->npend + 1) * sizeof(*pd));
			if (pd == NULL) {
				perr(ps, ps->sec_line, "out of memory");
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
		perr(ps, ps->lineno, "text after ']' in section header");
	if (len == 0) {
		perr(ps, ps->lineno, "empty section name");
		ps->sec = SEC_SKIP;
		return;
	}
	if (len == 6 && strncmp(name, "daemon", 6) == 0) {
		if (!ps->main) {
			perr(ps, ps->lineno, "[daemon] is only allowed in the "
			    "main file, not in rules_dir");
			ps->sec = SEC_SKIP;
			return;
		}
		if (ps->daemon_line)
			perr(ps, ps->lineno, "section [daemon] already "
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
		perr(ps, ps->lineno, "out of memory");
		rule_free(&ps->rule);
		ps->sec = SEC_SKIP;
		return;
	}
	if (!good_name(ps->rule.name)) {
		perr(ps, ps->lineno, "bad rule name [%s]: no spaces or "
		    "control characters", ps->rule.name);
		ps->keep = false;
	}
	for (i = 0; i < cfg->nrules; i++) {
		if (strcmp(cfg->rules[i].name, ps->rule.name) != 0)
			continue;
		perr(ps, ps->lineno, "rule [%s] already defined at %s:%u",
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
		if (*end == ']') {
			ps->kind = LK_SECTION;
			ps->prev_name = false;
			if (!ps->bad) {
				begin_section(ps, start + 1,
				    (size_t)(end - start - 1), end + 1);
				return;
			}
			close_key(ps);
			end_section(ps);
			ps->sec = SEC_SKIP;
			return;
		}
		ps->kind = LK_BADSECTION;
		if (!ps->syntax_line)
			ps->syntax_line = ps->lineno;
		if (!ps->bad)
			perr(ps, ps->lineno, "missing ']' in section header");
		close_key(ps);
		end_section(ps);
		ps->sec = SEC_SKIP;
		return;
	}
	end = find_chars_or_comment(start, "=:");
	close_key(ps);
	if (*end == '=' || *end == ':') {
		ps->kind = LK_KEY;
		for (name = end; name > start &&
		    isspace((unsigned char)name[-1]); name--)
			;
		len = (size_t)(name - start);
		ps->prev_name = len > 0;
		return;
	}
	ps->kind = LK_BADKEY;
	if (!ps->syntax_line)
		ps->syntax_line = ps->lineno;
	if (!ps->bad)
		perr(ps, ps->lineno, "expected 'key = value', '[section]' "
		    "or a comment");
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
		perr(ps, ps->lineno, "NUL byte in line");
		ps->bad = true;
		len = (size_t)(nul - ps->buf);
	}
	if (len > max) {
		if (!ps->bad)
			perr(ps, ps->lineno, "line too long (%zu bytes, at "
			    "most %zu)", len, max);
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
			perr(ps, ps->lineno, "indented line continues the "
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
			perr(ps, ps->lineno, "key '%s' outside any section: "
			    "start with [daemon] or [RULE-NAME]", name);
		return 1;
	}
	where(ps, in, sizeof(in));
	if (*name == '\0') {
		perr(ps, ps->lineno, "no key name before '='%s", in);
		return 1;
	}
	if ((k = key_index(ps, name)) == KEY_NONE) {
		if (!ps->bad)
			perr(ps, ps->lineno, "unknown key '%s'%s", name, in);
		return 1;
	}
	ks = cur_keys(ps);
	if (ks->line[k]) {
		perr(ps, ps->lineno, "duplicate key '%s'%s (first given at "
		    "line %u)", name, in, ks->line[k]);
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

/* Check the hooks of the rules read so far; make their paths absolute. */
static void
resolve_hooks(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct pending *pd;
	struct rule *r;
	char why[PATH_MAX + 128], *path;
	size_t i, j;

	for (i = 0; i < ps->npend; i++) {
		pd = &ps->pend[i];
		r = &cfg->rules[pd->rule];
		for (j = 0; j < r->nhooks; j++) {
			if (r->hooks[j][0] == '/')
				path = strdup(r->hooks[j]);
			else
				path = path_join(cfg->hooks_dir, r->hooks[j]);
			if (path == NULL) {
				perr(ps, pd->line[j], "out of memory");
				continue;
			}
			if (ps->src == NULL &&
			    config_hook_safe(path, why, sizeof(why)) < 0)
				perr(ps, pd->line[j], "hook '%s' of rule [%s] "
				    "refused: %s", r->hooks[j], r->name, why);
			free(r->hooks[j]);
			r->hooks[j] = path;
		}
		free(pd->line);
	}
	free(ps->pend);
	ps->pend = NULL;
	ps->npend = 0;
}

/* Read a whole file (configuration files are small; 16 MiB at most). */
static int
slurp(int fd, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t got;

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap >= 16u << 20 ||
			    (nb = realloc(buf, cap * 2 + 1)) == NULL) {
				free(buf);
				return cap >= 16u << 20 ? -EFBIG : -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = errno;

			free(buf);
			return -err;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

static int
parse_file(struct parse *ps, const char *path, bool main)
{
	struct config *cfg = ps->cfg;
	struct config_file *f, *nf;
	struct stat st;
	size_t i;
	int r;

	if ((nf = reallocarray(cfg->files, cfg->nfiles + 1,
	    sizeof(*nf))) == NULL) {
		perrx(ps, "%s: out of memory", path);
		return -ENOMEM;
	}
	cfg->files = nf;
	f = &cfg->files[cfg->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL) {
		perrx(ps, "%s: out of memory", path);
		return -ENOMEM;
	}
	cfg->nfiles++;
	if (ps->src != NULL) {
		for (i = 0; i < ps->nsrc && strcmp(ps->src[i].path, path); i++)
			;
		if (i == ps->nsrc) {
			perrx(ps, "%s: %s", path, strerror(ENOENT));
			return -ENOENT;
		}
		f->text = malloc(ps->src[i].len + 1);
		if (f->text != NULL) {
			memcpy(f->text, ps->src[i].text, ps->src[i].len);
			f->len = ps->src[i].len;
		}
	} else {
		int fd;

		/* Kept whole: the event loop parses the same text. */
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			r = errno;
			perrx(ps, "%s: %s", path, strerror(r));
			return -r;
		}
		if (main && fstat(fd, &st) == 0) {
			ps->main_dev = st.st_dev;
			ps->main_ino = st.st_ino;
		}
		r = slurp(fd, &f->text, &f->len);
		close(fd);
		if (r < 0) {
			perrx(ps, "%s: %s", path, strerror(-r));
			return r;
		}
	}
	if (f->text == NULL ||
	    (ps->fp = fmemopen(f->text, f->len, "r")) == NULL) {
		perrx(ps, "%s: out of memory", path);
		return -ENOMEM;
	}
	ps->file = f->path;
	ps->main = main;
	ps->lineno = 0;
	ps->read_errno = 0;
	ps->prev_name = false;
	ps->syntax_line = 0;
	ps->sec = SEC_NONE;
	ps->cur = KEY_NONE;
	r = ini_parse_stream(reader, ps, handler, ps);
	close_key(ps);
	end_section(ps);
	fclose(ps->fp);
	ps->fp = NULL;
	if (ps->read_errno != 0) {
		perrx(ps, "%s: %s", path, strerror(ps->read_errno));
		return -ps->read_errno;
	}
	if (r == -2)
		perr(ps, ps->lineno, "out of memory");
	else if (r > 0 && (unsigned)r != ps->syntax_line)
		perr(ps, (unsigned)r, "syntax error");
	return 0;
}

/* hooks_dir or rules_dir: relative to the main file's directory. */
static char *
resolve_dir(struct parse *ps, const char *v, const char *def)
{
	char *p, *real;

	if (v == NULL)
		return strdup(def);
	if (v[0] == '/')
		p = strdup(v);
	else
		p = path_join(ps->main_dir, v);
	if (p != NULL && (real = realpath(p, NULL)) != NULL) {
		free(p);
		return real;
	}
	return p;
}

static char *
main_dir(const char *path)
{
	char *copy, *slash, *real, *cwd, *p;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	slash = strrchr(copy, '/');
	if (slash == copy)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	else
		strcpy(copy, ".");
	if ((real = realpath(copy, NULL)) != NULL) {
		free(copy);
		return real;
	}
	if (copy[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL)
		return copy;
	p = path_join(cwd, copy);
	free(cwd);
	free(copy);
	return p;
}

static void
finish_daemon(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	char *hooks_dir = cfg->hooks_dir, *rules_dir = cfg->rules_dir;

	ps->file = cfg->path;
	cfg->hooks_dir = resolve_dir(ps, hooks_dir, DEFAULT_HOOKS_DIR);
	cfg->rules_dir = resolve_dir(ps, rules_dir, DEFAULT_RULES_DIR);
	free(hooks_dir);
	free(rules_dir);
	if (cfg->user == NULL)
		cfg->user = strdup(DEFAULT_USER);
	if (cfg->hooks_dir == NULL || cfg->rules_dir == NULL ||
	    cfg->user == NULL)
		perrx(ps, "%s: out of memory", cfg->path);
}

static int
conf_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".conf") == 0;
}

/* Name order in bytes, whatever the locale. */
static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
read_rules_dir(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct dirent **list;
	struct stat st;
	char *path;
	int i, n;

	if (ps->src != NULL) {
		/* The privileged part listed the directory: its files, in order. */
		for (i = 1; (size_t)i < ps->nsrc; i++) {
			parse_file(ps, ps->src[i].path, false);
			resolve_hooks(ps);
		}
		return;
	}
	if ((n = scandir(cfg->rules_dir, &list, conf_filter, name_cmp)) < 0) {
		if (errno == ENOENT)
			return;
		if (ps->dk.line[DK_RULES_DIR]) {
			ps->file = cfg->path;
			perr(ps, ps->dk.line[DK_RULES_DIR], "rules_dir %s: %s",
			    cfg->rules_dir, strerror(errno));
		} else
			perrx(ps, "%s: %s", cfg->rules_dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		path = path_join(cfg->rules_dir, list[i]->d_name);
		free(list[i]);
		if (path == NULL) {
			perrx(ps, "%s: out of memory", cfg->rules_dir);
			continue;
		}
		if (stat(path, &st) < 0)
			perrx(ps, "%s: %s", path, strerror(errno));
		else if (S_ISREG(st.st_mode) && !(st.st_dev == ps->main_dev &&
		    st.st_ino == ps->main_ino)) {
			parse_file(ps, path, false);
			resolve_hooks(ps);
		}
		free(path);
	}
	free(list);
}

static struct config *
load(const char *path, const struct config_file *src, size_t nsrc,
    config_err_fn err, void *arg)
{
	struct parse ps;
	struct config *cfg;
	size_t i;

	memset(&ps, 0, sizeof(ps));
	ps.errfn = err;
	ps.errarg = arg;
	ps.cur = KEY_NONE;
	ps.src = src;
	ps.nsrc = nsrc;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->path = strdup(path)) == NULL) {
		free(cfg);
		err(arg, "out of memory");
		return NULL;
	}
	cfg->max_hooks = 32;
	cfg->queue_size = 1024;
	cfg->hook_timeout = 30;
	cfg->rcvbuf = 4u << 20;
	cfg->log_format = LOGF_TEXT;
	ps.cfg = cfg;

	if (parse_file(&ps, cfg->path, true) == 0) {
		if ((ps.main_dir = main_dir(cfg->path)) == NULL)
			perrx(&ps, "%s: out of memory", cfg->path);
		else {
			finish_daemon(&ps);
			resolve_hooks(&ps);
			if (cfg->rules_dir != NULL)
				read_rules_dir(&ps);
		}
	}
	for (i = 0; i < cfg->nrules; i++) {
		cfg->events |= cfg->rules[i].events;
		if (cfg->rules[i].threads)
			cfg->threads = true;
	}
	for (i = 0; i < ps.npend; i++)
		free(ps.pend[i].line);
	free(ps.pend);
	free(ps.main_dir);
	free(ps.buf);
	if (ps.nerr > 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void
config_err(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

struct config *
config_load(const char *path, config_err_fn err, void *arg)
{
	return load(path, NULL, 0, err, arg);
}

struct config *
config_load_files(const struct config_file *files, size_t n,
    config_err_fn err, void *arg)
{
	if (n == 0) {
		err(arg, "no configuration file");
		return NULL;
	}
	return load(files[0].path, files, n, err, arg);
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nrules; i++)
		rule_free(&cfg->rules[i]);
	free(cfg->rules);
	for (i = 0; i < cfg->nfiles; i++) {
		free(cfg->files[i].path);
		free(cfg->files[i].text);
	}
	free(cfg->files);
	free(cfg->path);
	free(cfg->hooks_dir);
	free(cfg->rules_dir);
	free(cfg->user);
	free(cfg);
}

void
config_print(const struct config *cfg, FILE *fp)
{
	const struct rule *r;
	size_t i;

	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		fprintf(fp, "%s: ", r->name);
		rule_describe(r, cfg->hooks_dir, fp);
		fprintf(fp, " (%s:%u)\n", r->file, r->line);
	}
}

static void
warnf(config_err_fn fn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(config_err_fn fn, void *arg, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	fn(arg, msg ? msg : "out of memory");
	free(msg);
}

/* A pattern that can never match an absolute path. */
static bool
never_absolute(const char *pat)
{
	return pat[0] != '/' && pat[0] != '*' && pat[0] != '?' &&
	    pat[0] != '[' && pat[0] != '\\';
}

static void
warn_paths(const struct rule *r, const char *key, const struct glob_list *g,
    config_err_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (never_absolute(g->pat[i]))
			warnf(fn, arg, "%s:%u: rule [%s]: %s '%s' never "
			    "matches: executables are absolute paths%s",
			    r->file, r->line, r->name, key, g->pat[i],
			    g == &r->exe ? " (comm is the task name)" : "");
}

void
config_warnings(const struct config *cfg, config_err_fn fn, void *arg)
{
	const struct rule *r;
	size_t i, j;

	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if ((r->action == ACT_KILL || r->action == ACT_HOLD) &&
		    r->exe.n + r->script.n + r->comm.n + r->cmdline.n +
		    r->cgroup.n +
		    r->uid.n + r->gid.n + r->euid.n + r->egid.n +
		    r->prev_uid.n + r->prev_euid.n == 0)
			warnf(fn, arg, "%s:%u: rule [%s]: action '%s' is not "
			    "narrowed by exe, comm, cmdline, cgroup or an id "
			    "key: it applies to every process", r->file,
			    r->line, r->name, rule_action_name(r->action));
		warn_paths(r, "exe", &r->exe, fn, arg);
		warn_paths(r, "script", &r->script, fn, arg);
		warn_paths(r, "parent", &r->parent, fn, arg);
		warn_paths(r, "ancestor", &r->ancestor, fn, arg);
		for (j = 0; j < r->comm.n; j++)
			if (strlen(r->comm.pat[j]) > 15 &&
			    strpbrk(r->comm.pat[j], "*?[") == NULL)
				warnf(fn, arg, "%s:%u: rule [%s]: comm '%s' "
				    "never matches: the kernel keeps 15 "
				    "bytes of the task name", r->file, r->line,
				    r->name, r->comm.pat[j]);
	}
}
