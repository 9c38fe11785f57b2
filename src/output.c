/*
 * output.c - events as text lines and JSON objects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "event.h"
#include "output.h"
#include "signame.h"

int
ob_init(struct obuf *ob, int fd, size_t cap)
{
	ob->b = malloc(cap);
	if (ob->b == NULL)
		return -ENOMEM;
	ob->cap = cap;
	ob->len = 0;
	ob->fd = fd;
	ob->err = 0;
	return 0;
}

void
ob_free(struct obuf *ob)
{
	free(ob->b);
	ob->b = NULL;
	ob->cap = ob->len = 0;
}

int
ob_flush(struct obuf *ob)
{
	size_t off = 0;
	ssize_t n;

	if (ob->fd < 0)
		return 0;
	while (off < ob->len) {
		n = write(ob->fd, ob->b + off, ob->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (ob->err == 0)
				ob->err = -errno;
			break;
		}
		off += (size_t)n;
	}
	ob->len = 0;
	return ob->err;
}

static void
ob_reserve(struct obuf *ob, size_t n)
{
	char *nb;
	size_t ncap;

	if (ob->len + n <= ob->cap)
		return;
	if (ob->fd >= 0) {
		ob_flush(ob);
		if (n <= ob->cap)
			return;
	}
	ncap = ob->cap * 2;
	while (ncap < ob->len + n)
		ncap *= 2;
	if ((nb = realloc(ob->b, ncap)) == NULL)
		abort();
	ob->b = nb;
	ob->cap = ncap;
}

void
ob_putn(struct obuf *ob, const char *s, size_t n)
{
	ob_reserve(ob, n);
	memcpy(ob->b + ob->len, s, n);
	ob->len += n;
}

void
ob_puts(struct obuf *ob, const char *s)
{
	ob_putn(ob, s, strlen(s));
}

void
ob_putc(struct obuf *ob, char c)
{
	ob_reserve(ob, 1);
	ob->b[ob->len++] = c;
}

void
ob_putu(struct obuf *ob, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ob_putn(ob, tmp + i, sizeof(tmp) - i);
}

void
ob_puti(struct obuf *ob, int64_t v)
{
	if (v < 0) {
		ob_putc(ob, '-');
		ob_putu(ob, (uint64_t)0 - (uint64_t)v);
	} else
		ob_putu(ob, (uint64_t)v);
}

static const char hex[] = "0123456789abcdef";

/* Is c printed as it is in text output (else as \xNN)? */
static bool
text_plain(unsigned char c, bool space)
{
	return c >= 0x20 && c != 0x7f && c != '\\' && !(space && c == ' ');
}

/* "\xNN" for c, into out (4 bytes). */
static void
text_hex(char *out, unsigned char c)
{
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
}

void
out_text_escape(struct obuf *ob, const char *s, size_t n, bool space)
{
	size_t i, run = 0;
	char esc[4];

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (text_plain(c, space))
			continue;
		ob_putn(ob, s + run, i - run);
		text_hex(esc, c);
		ob_putn(ob, esc, sizeof(esc));
		run = i + 1;
	}
	ob_putn(ob, s + run, n - run);
}

void
out_text_escape_buf(char *buf, size_t size, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (text_plain(c, false))
			buf[o++] = (char)c;
		else {
			text_hex(buf + o, c);
			o += 4;
		}
	}
	buf[o] = '\0';
}

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void
out_json_escape(struct obuf *ob, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, l;

	while (i < n) {
		unsigned char c = s[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
			i++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_len(s + i, n - i)) > 0) {
			i += l;
			continue;
		}
		ob_putn(ob, str + run, i - run);
		if (c == '"' || c == '\\') {
			ob_putc(ob, '\\');
			ob_putc(ob, (char)c);
		} else if (c == '\n') {
			ob_puts(ob, "\\n");
		} else if (c == '\t') {
			ob_puts(ob, "\\t");
		} else if (c < 0x80) {
			ob_puts(ob, "\\u00");
			ob_putc(ob, hex[c >> 4]);
			ob_putc(ob, hex[c & 15]);
		} else {
			ob_puts(ob, "\\ufffd");
		}
		run = ++i;
	}
	ob_putn(ob, str + run, n - run);
}

void
out_signal(struct obuf *ob, int sig)
{
	char num[16];

	ob_puts(ob, signame_or_number(sig, num, sizeof(num)));
}

void
out_ctx_clocks(struct out_ctx *oc)
{
	oc->real_off_ns = clock_real_offset();
	oc->boot_off_ns = clock_boot_offset();
}

/*
 * An event's time on the real-time clock, in nanoseconds, clamped to what
 * can be printed: a time from a subverted event loop can be anything.
 */
static int64_t
real_ns(const struct pevent *pe, const struct out_ctx *oc)
{
	int64_t t, ts = pe->ev->ts_ns > INT64_MAX ? INT64_MAX :
	    (int64_t)pe->ev->ts_ns;

	if (__builtin_add_overflow(ts, oc->real_off_ns, &t))
		t = oc->real_off_ns < 0 ? 0 : INT64_MAX;
	return t;
}

void
out_epoch(struct obuf *ob, const struct pevent *pe, const struct out_ctx *oc)
{
	int64_t t = real_ns(pe, oc);
	char frac[10];
	uint64_t ns;
	int i;

	if (t < 0)
		t = 0;
	ob_putu(ob, (uint64_t)t / 1000000000u);
	ns = (uint64_t)t % 1000000000u;
	for (i = 8; i >= 0; i--) {
		frac[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
	frac[9] = '\0';
	ob_putc(ob, '.');
	ob_puts(ob, frac);
}

bool
out_duration(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc)
{
	uint64_t ms, end = pe->ev->ts_ns + (uint64_t)oc->boot_off_ns;
	char frac[4];

	/* Start times are on the boot clock, which runs during a suspend. */
	if (pe->ev->type != EV_EXIT || !(pe->p->flags & P_START) ||
	    end < pe->p->start_ns)
		return false;
	ms = (end - pe->p->start_ns) / 1000000u;
	ob_putu(ob, ms / 1000);
	frac[0] = (char)('0' + (ms / 100) % 10);
	frac[1] = (char)('0' + (ms / 10) % 10);
	frac[2] = (char)('0' + ms % 10);
	frac[3] = '\0';
	ob_putc(ob, '.');
	ob_puts(ob, frac);
	return true;
}

/* Local ISO 8601 time with milliseconds; the broken-down second is cached. */
static void
out_localtime(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc)
{
	static time_t last = -1;
	static char sec[32];
	int64_t t = real_ns(pe, oc);
	time_t s;
	unsigned ms;

	if (t < 0)
		t = 0;
	s = (time_t)(t / 1000000000);
	ms = (unsigned)((t % 1000000000) / 1000000);
	if (s != last) {
		struct tm tm;

		localtime_r(&s, &tm);
		strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
		last = s;
	}
	ob_puts(ob, sec);
	ob_putc(ob, '.');
	ob_putc(ob, (char)('0' + ms / 100));
	ob_putc(ob, (char)('0' + (ms / 10) % 10));
	ob_putc(ob, (char)('0' + ms % 10));
}

static void
text_str(struct obuf *ob, const struct str *s, bool known, bool space)
{
	if (!known || s == NULL || s->len == 0)
		ob_putc(ob, '?');
	else
		out_text_escape(ob, s->s, s->len, space);
}

/* TIME EVENT PID PPID UID EXE [script=] [loader=] */
static void
text_process(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc, const char *name)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;

	out_localtime(ob, pe, oc);
	ob_putc(ob, ' ');
	ob_puts(ob, name != NULL ? name : event_name(ev->type));
	ob_putc(ob, ' ');
	ob_puti(ob, ev->pid);
	ob_putc(ob, ' ');
	if (p->ppid > 0 || p->pid == 1)
		ob_puti(ob, p->ppid);
	else
		ob_putc(ob, '?');
	ob_putc(ob, ' ');
	if (p->flags & P_IDS)
		ob_putu(ob, p->uid);
	else
		ob_putc(ob, '?');
	ob_putc(ob, ' ');
	/* Spaces too: EXE is a field of a space-separated line. */
	text_str(ob, p->exe, p->flags & P_EXE, true);
	if (p->script != NULL) {
		ob_puts(ob, " script=");
		text_str(ob, p->script, true, true);
	}
	if (p->loader != NULL) {
		ob_puts(ob, " loader=");
		text_str(ob, p->loader, true, true);
	}
}

/* The fields of the event's own type. */
static void
text_fields(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc)
{
	const struct event *ev = pe->ev;
	int sig;

	switch (ev->type) {
	case EV_FORK:
		ob_puts(ob, " child=");
		ob_puti(ob, ev->u.fork.child_pid);
		if (ev->thread) {
			ob_puts(ob, " thread=");
			ob_puti(ob, ev->u.fork.child_tid);
		}
		break;
	case EV_EXIT:
		if (ev->thread) {
			ob_puts(ob, " thread=");
			ob_puti(ob, ev->tid);
		}
		if (event_exited(ev)) {
			ob_puts(ob, " status=");
			ob_puti(ob, event_exit_status(ev));
		} else if ((sig = event_exit_signal(ev)) != 0) {
			ob_puts(ob, " signal=");
			out_signal(ob, sig);
			if (event_core_dumped(ev))
				ob_puts(ob, " core=1");
		}
		if (!ev->thread) {
			size_t mark = ob->len;

			ob_puts(ob, " duration=");
			if (!out_duration(ob, pe, oc))
				ob->len = mark;
		}
		break;
	case EV_UID:
		ob_puts(ob, " euid=");
		ob_putu(ob, ev->u.id.e);
		if (pe->has_prev) {
			ob_puts(ob, " prev_uid=");
			ob_putu(ob, pe->prev_uid);
			ob_puts(ob, " prev_euid=");
			ob_putu(ob, pe->prev_euid);
		}
		break;
	case EV_GID:
		ob_puts(ob, " gid=");
		ob_putu(ob, ev->u.id.r);
		ob_puts(ob, " egid=");
		ob_putu(ob, ev->u.id.e);
		break;
	case EV_COMM:
		ob_puts(ob, " comm=");
		out_text_escape(ob, ev->u.comm.comm,
		    strnlen(ev->u.comm.comm, sizeof(ev->u.comm.comm)), true);
		if (ev->thread) {
			ob_puts(ob, " thread=");
			ob_puti(ob, ev->tid);
		}
		break;
	case EV_PTRACE:
		ob_puts(ob, " tracer=");
		ob_puti(ob, ev->u.ptrace.tracer_pid);
		break;
	case EV_LOST:
		ob_puts(ob, " lost=");
		ob_putu(ob, ev->u.lost.total);
		ob_puts(ob, " gap=");
		ob_putu(ob, ev->u.lost.count);
		break;
	default:
		break;
	}
}

void
out_text(struct obuf *ob, const struct pevent *pe, const struct out_ctx *oc)
{
	out_text_as(ob, pe, oc, NULL);
}

void
out_text_as(struct obuf *ob, const struct pevent *pe, const struct out_ctx *oc,
    const char *name)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;

	text_process(ob, pe, oc, name);
	text_fields(ob, pe, oc);
	if (ev->synthetic)
		ob_puts(ob, " synthetic=1");
	ob_puts(ob, " --");
	if ((p->flags & P_CMDLINE) && p->cmdline != NULL) {
		ob_putc(ob, ' ');
		out_text_escape(ob, p->cmdline->s, p->cmdline->len, false);
	} else if (ev->type != EV_LOST)
		ob_puts(ob, " ?");
	ob_putc(ob, '\n');
}

static void
json_key(struct obuf *ob, const char *key)
{
	ob_puts(ob, ",\"");
	ob_puts(ob, key);
	ob_puts(ob, "\":");
}

static void
json_num(struct obuf *ob, const char *key, int64_t v)
{
	json_key(ob, key);
	ob_puti(ob, v);
}

static void
json_str(struct obuf *ob, const char *key, const char *s, size_t n)
{
	json_key(ob, key);
	ob_putc(ob, '"');
	out_json_escape(ob, s, n);
	ob_putc(ob, '"');
}

/* The process's keys: ids, user, names, lineage, cgroup. */
static void
json_process(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;
	const char *user;

	json_num(ob, "pid", ev->pid);
	json_num(ob, "tid", ev->tid);
	if (p->ppid > 0)
		json_num(ob, "ppid", p->ppid);
	if (p->flags & P_IDS) {
		json_num(ob, "uid", p->uid);
		json_num(ob, "euid", p->euid);
		json_num(ob, "gid", p->gid);
		json_num(ob, "egid", p->egid);
		if (oc->user != NULL &&
		    (user = oc->user(oc->user_arg, p->uid)) != NULL)
			json_str(ob, "user", user, strlen(user));
	}
	if ((p->flags & P_EXE) && p->exe != NULL)
		json_str(ob, "exe", p->exe->s, p->exe->len);
	if (p->script != NULL)
		json_str(ob, "script", p->script->s, p->script->len);
	if (p->loader != NULL)
		json_str(ob, "loader", p->loader->s, p->loader->len);
	if (p->flags & P_COMM)
		json_str(ob, "comm", p->comm, strnlen(p->comm,
		    sizeof(p->comm)));
	if ((p->flags & P_CMDLINE) && p->cmdline != NULL)
		json_str(ob, "cmdline", p->cmdline->s, p->cmdline->len);
	if ((p->flags & P_PEXE) && p->pexe != NULL)
		json_str(ob, "parent_exe", p->pexe->s, p->pexe->len);
	if ((p->flags & P_CGROUP) && p->cgroup != NULL)
		json_str(ob, "cgroup", p->cgroup->s, p->cgroup->len);
}

/* The keys of the event's own type. */
static void
json_fields(struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc)
{
	const struct event *ev = pe->ev;
	int sig;

	switch (ev->type) {
	case EV_FORK:
		json_num(ob, "child_pid", ev->u.fork.child_pid);
		if (ev->thread)
			json_num(ob, "child_tid", ev->u.fork.child_tid);
		break;
	case EV_EXIT:
		if (event_exited(ev)) {
			json_num(ob, "exit_status", event_exit_status(ev));
		} else if ((sig = event_exit_signal(ev)) != 0) {
			json_key(ob, "exit_signal");
			ob_putc(ob, '"');
			out_signal(ob, sig);
			ob_putc(ob, '"');
			json_num(ob, "core", event_core_dumped(ev));
		}
		if (!ev->thread) {
			size_t mark = ob->len;

			json_key(ob, "duration");
			if (!out_duration(ob, pe, oc))
				ob->len = mark;
		}
		break;
	case EV_UID:
		if (pe->has_prev) {
			json_num(ob, "prev_uid", pe->prev_uid);
			json_num(ob, "prev_euid", pe->prev_euid);
		}
		break;
	case EV_COMM:
		/* The table holds the process's name; a thread's is here. */
		if (ev->thread)
			json_str(ob, "thread_comm", ev->u.comm.comm,
			    strnlen(ev->u.comm.comm, sizeof(ev->u.comm.comm)));
		break;
	case EV_PTRACE:
		json_num(ob, "tracer_pid", ev->u.ptrace.tracer_pid);
		break;
	default:
		break;
	}
}

/*
 * The event as one JSON object, without the newline: the monitor's line,
 * the rules' JSON log line and a hook's PROCHOOK_JSON.  signal is the one a
 * kill sent, 0 for none.
 */
static void
json_event(struct obuf *ob, const struct pevent *pe, const struct out_ctx *oc,
    const char *rule, const char *action, int signal)
{
	const struct event *ev = pe->ev;

	ob_puts(ob, "{\"time\":\"");
	out_epoch(ob, pe, oc);
	ob_putc(ob, '"');
	json_str(ob, "event", event_name(ev->type),
	    strlen(event_name(ev->type)));
	if (rule != NULL)
		json_str(ob, "rule", rule, strlen(rule));
	if (action != NULL)
		json_str(ob, "action", action, strlen(action));
	if (signal > 0) {
		json_key(ob, "signal");
		ob_putc(ob, '"');
		out_signal(ob, signal);
		ob_putc(ob, '"');
	}
	if (ev->type == EV_LOST) {
		json_num(ob, "lost", (int64_t)ev->u.lost.total);
		json_num(ob, "gap", (int64_t)ev->u.lost.count);
		ob_putc(ob, '}');
		return;
	}
	json_process(ob, pe, oc);
	json_fields(ob, pe, oc);
	if (ev->synthetic)
		json_num(ob, "synthetic", 1);
	ob_putc(ob, '}');
}

void
out_json(struct obuf *ob, const struct pevent *pe, const struct out_ctx *oc,
    const char *rule, const char *action)
{
	json_event(ob, pe, oc, rule, action, 0);
	ob_putc(ob, '\n');
}

#define ENV_MAX	48

/* Append "name=value" (value n bytes) to env; false on ENOMEM. */
static bool
env_put(char **env, size_t *n, const char *name, const char *value, size_t len)
{
	size_t nl = strlen(name);
	char *e;

	if (*n >= ENV_MAX - 1 || (e = malloc(nl + 1 + len + 1)) == NULL)
		return false;
	memcpy(e, name, nl);
	e[nl] = '=';
	memcpy(e + nl + 1, value, len);
	e[nl + 1 + len] = '\0';
	env[(*n)++] = e;
	env[*n] = NULL;
	return true;
}

static bool
env_str(char **env, size_t *n, const char *name, const char *s)
{
	return env_put(env, n, name, s, strlen(s));
}

static bool
env_num(char **env, size_t *n, const char *name, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return env_str(env, n, name, buf);
}

/* Format into ob, then add: for values built by the out_* helpers. */
static bool
env_ob(char **env, size_t *n, const char *name, struct obuf *ob)
{
	bool ok = env_put(env, n, name, ob->b, ob->len);

	ob->len = 0;
	return ok;
}

static bool
env_known(char **env, size_t *n, const char *name, const struct str *s,
    bool known)
{
	if (!known || s == NULL)
		return env_put(env, n, name, "", 0);
	return env_put(env, n, name, s->s, s->len);
}

/* The variables of the event's own type, and of the action's signal. */
static bool
env_fields(char **env, size_t *n, struct obuf *ob, const struct pevent *pe,
    const struct out_ctx *oc, int signal)
{
	const struct event *ev = pe->ev;
	bool ok = true;
	int sig;

	if (ev->type == EV_UID && pe->has_prev)
		ok = env_num(env, n, "PROCHOOK_PREV_UID", pe->prev_uid) &&
		    env_num(env, n, "PROCHOOK_PREV_EUID", pe->prev_euid);
	if (ev->type == EV_FORK)
		ok = env_num(env, n, "PROCHOOK_CHILD_PID", ev->u.fork.child_pid);
	if (ev->type == EV_PTRACE)
		ok = env_num(env, n, "PROCHOOK_TRACER_PID",
		    ev->u.ptrace.tracer_pid);
	if (ev->type == EV_EXIT) {
		if (event_exited(ev))
			ok = env_num(env, n, "PROCHOOK_EXIT_STATUS",
			    event_exit_status(ev));
		else if ((sig = event_exit_signal(ev)) != 0) {
			out_signal(ob, sig);
			ok = env_ob(env, n, "PROCHOOK_EXIT_SIGNAL", ob) &&
			    env_num(env, n, "PROCHOOK_CORE",
			    event_core_dumped(ev));
		}
		if (ok && out_duration(ob, pe, oc))
			ok = env_ob(env, n, "PROCHOOK_DURATION", ob);
		ob->len = 0;
	}
	if (ok && signal > 0) {
		out_signal(ob, signal);
		ok = env_ob(env, n, "PROCHOOK_SIGNAL", ob);
	}
	if (ok && ev->synthetic)
		ok = env_num(env, n, "PROCHOOK_SYNTHETIC", 1);
	if (ok && ev->type == EV_LOST)
		ok = env_num(env, n, "PROCHOOK_LOST",
		    (int64_t)ev->u.lost.total);
	return ok;
}

char **
out_env(const struct pevent *pe, const struct out_ctx *oc, const char *rule,
    const char *action, int signal)
{
	const struct event *ev = pe->ev;
	const struct proc *p = pe->p;
	char **env = calloc(ENV_MAX, sizeof(*env));
	struct obuf ob;
	const char *user;
	size_t n = 0;
	bool ok;

	if (env == NULL || ob_init(&ob, -1, 64) < 0) {
		free(env);
		return NULL;
	}
	out_epoch(&ob, pe, oc);
	ok = env_str(env, &n, "PROCHOOK_EVENT", event_name(ev->type)) &&
	    env_str(env, &n, "PROCHOOK_RULE", rule) &&
	    env_str(env, &n, "PROCHOOK_ACTION", action) &&
	    env_ob(env, &n, "PROCHOOK_TIME", &ob) &&
	    env_num(env, &n, "PROCHOOK_PID", ev->pid) &&
	    env_num(env, &n, "PROCHOOK_TID", ev->tid) &&
	    env_num(env, &n, "PROCHOOK_PPID", p->ppid) &&
	    env_known(env, &n, "PROCHOOK_EXE", p->exe, p->flags & P_EXE) &&
	    env_put(env, &n, "PROCHOOK_COMM", p->comm,
		(p->flags & P_COMM) ? strnlen(p->comm, sizeof(p->comm)) : 0) &&
	    env_known(env, &n, "PROCHOOK_CMDLINE", p->cmdline,
		p->flags & P_CMDLINE) &&
	    env_known(env, &n, "PROCHOOK_PARENT_EXE", p->pexe,
		p->flags & P_PEXE) &&
	    env_known(env, &n, "PROCHOOK_CGROUP", p->cgroup,
		p->flags & P_CGROUP);
	if (ok && p->script != NULL)
		ok = env_known(env, &n, "PROCHOOK_SCRIPT", p->script, true);
	if (ok && p->loader != NULL)
		ok = env_known(env, &n, "PROCHOOK_LOADER", p->loader, true);
	if (ok && (p->flags & P_IDS)) {
		ok = env_num(env, &n, "PROCHOOK_UID", p->uid) &&
		    env_num(env, &n, "PROCHOOK_EUID", p->euid) &&
		    env_num(env, &n, "PROCHOOK_GID", p->gid) &&
		    env_num(env, &n, "PROCHOOK_EGID", p->egid);
		if (ok && oc->user != NULL &&
		    (user = oc->user(oc->user_arg, p->uid)) != NULL)
			ok = env_str(env, &n, "PROCHOOK_USER", user);
	}
	ok = ok && env_fields(env, &n, &ob, pe, oc, signal);
	if (ok) {
		/* The whole event, for a hook that passes it on as it is. */
		ob.len = 0;
		json_event(&ob, pe, oc, rule, action, signal);
		ok = env_ob(env, &n, "PROCHOOK_JSON", &ob);
	}
	ob_free(&ob);
	if (!ok) {
		out_env_free(env);
		return NULL;
	}
	return env;
}

void
out_env_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

void
out_log_fields(struct log_fields *f, const struct pevent *pe,
    const char *rule, const char *action)
{
	const struct proc *p = pe->p;

	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->action = action;
	f->event = event_name(pe->ev->type);
	f->pid = pe->ev->pid;
	f->uid = p != NULL && (p->flags & P_IDS) ? (long long)p->uid : -1;
	if (p != NULL && (p->flags & P_EXE) && p->exe != NULL) {
		f->exe = p->exe->s;
		f->exe_len = p->exe->len;
	}
}
