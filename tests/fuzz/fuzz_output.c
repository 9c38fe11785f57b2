/*
 * fuzz_output.c - events as text lines, JSON objects and hook
 * environments (output.c).
 *
 * From the fuzzer's bytes, an event and its process record with names and
 * arguments of any bytes.  The JSON object is read back by a strict RFC
 * 8259 reader written here (UTF-8 checked against the Unicode standard's
 * table 3-7, no duplicate keys, nothing after the object but its
 * newline), and each string must give back the bytes it was made from,
 * each byte that is not valid UTF-8 as U+FFFD.  The text line is split
 * back into its fields and unescaped, and must give back the same bytes.
 * Times are checked against the clamped sum computed in 128 bits.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "event.h"
#include "fuzz.h"
#include "output.h"
#include "table.h"

/* ---- a strict JSON reader ---- */

#define JMAX_KEYS	64

struct jval {
	char	key[32];
	bool	str;		/* else a number, or a literal */
	char	*v;		/* decoded bytes (strings), or the text */
	size_t	len;
};

struct jobj {
	struct jval	kv[JMAX_KEYS];
	size_t		n;
};

struct jin {
	const unsigned char *p, *end;
};

/* Unicode 15, table 3-7: the length of the well-formed sequence at p. */
static size_t
u8_wellformed(const unsigned char *p, size_t n)
{
	static const struct {
		unsigned char lo, hi, len;
		unsigned char r[3][2];
	} t[] = {
		{ 0x00, 0x7f, 1, { { 0, 0 } } },
		{ 0xc2, 0xdf, 2, { { 0x80, 0xbf } } },
		{ 0xe0, 0xe0, 3, { { 0xa0, 0xbf }, { 0x80, 0xbf } } },
		{ 0xe1, 0xec, 3, { { 0x80, 0xbf }, { 0x80, 0xbf } } },
		{ 0xed, 0xed, 3, { { 0x80, 0x9f }, { 0x80, 0xbf } } },
		{ 0xee, 0xef, 3, { { 0x80, 0xbf }, { 0x80, 0xbf } } },
		{ 0xf0, 0xf0, 4, { { 0x90, 0xbf }, { 0x80, 0xbf },
		    { 0x80, 0xbf } } },
		{ 0xf1, 0xf3, 4, { { 0x80, 0xbf }, { 0x80, 0xbf },
		    { 0x80, 0xbf } } },
		{ 0xf4, 0xf4, 4, { { 0x80, 0x8f }, { 0x80, 0xbf },
		    { 0x80, 0xbf } } },
	};
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (p[0] < t[i].lo || p[0] > t[i].hi)
			continue;
		if (n < t[i].len)
			return 0;
		for (k = 1; k < t[i].len; k++)
			if (p[k] < t[i].r[k - 1][0] || p[k] > t[i].r[k - 1][1])
				return 0;
		return t[i].len;
	}
	return 0;
}

static void
u8_put(char *out, size_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xc0 | cp >> 6);
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xe0 | cp >> 12);
		out[(*o)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (char)(0xf0 | cp >> 18);
		out[(*o)++] = (char)(0x80 | (cp >> 12 & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static int
hex4(const unsigned char *p, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		int c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/* A string after its opening quote: decoded into a new buffer. */
static bool
j_string(struct jin *in, char **out, size_t *olen)
{
	size_t cap = (size_t)(in->end - in->p) + 1, o = 0, l;
	char *b = malloc(cap * 2 + 8);

	if (b == NULL)
		abort();
	while (in->p < in->end) {
		unsigned char c = *in->p;

		if (c == '"') {
			in->p++;
			b[o] = '\0';
			*out = b;
			*olen = o;
			return true;
		}
		if (c < 0x20)
			break;
		if (c == '\\') {
			uint32_t cp, lo;

			if (in->end - in->p < 2)
				break;
			c = in->p[1];
			in->p += 2;
			switch (c) {
			case '"': case '\\': case '/':
				b[o++] = (char)c;
				continue;
			case 'b': b[o++] = '\b'; continue;
			case 'f': b[o++] = '\f'; continue;
			case 'n': b[o++] = '\n'; continue;
			case 'r': b[o++] = '\r'; continue;
			case 't': b[o++] = '\t'; continue;
			case 'u':
				if (in->end - in->p < 4 || hex4(in->p, &cp) < 0)
					goto bad;
				in->p += 4;
				/* A surrogate must come as a pair. */
				if (cp >= 0xdc00 && cp <= 0xdfff)
					goto bad;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (in->end - in->p < 6 || in->p[0] != '\\' ||
					    in->p[1] != 'u' ||
					    hex4(in->p + 2, &lo) < 0 ||
					    lo < 0xdc00 || lo > 0xdfff)
						goto bad;
					in->p += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				u8_put(b, &o, cp);
				continue;
			default:
				goto bad;
			}
		}
		if ((l = u8_wellformed(in->p, (size_t)(in->end - in->p))) == 0)
			break;
		memcpy(b + o, in->p, l);
		o += l;
		in->p += l;
	}
bad:
	free(b);
	return false;
}

/* RFC 8259 number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
j_number(struct jin *in)
{
	const unsigned char *p = in->p;

	if (p < in->end && *p == '-')
		p++;
	if (p >= in->end)
		return false;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < in->end && *p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (p < in->end && *p == '.') {
		if (++p >= in->end || *p < '0' || *p > '9')
			return false;
		while (p < in->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < in->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < in->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= in->end || *p < '0' || *p > '9')
			return false;
		while (p < in->end && *p >= '0' && *p <= '9')
			p++;
	}
	in->p = p;
	return true;
}

/*
 * One flat object as out_json() writes it (string and number values; no
 * white space is needed, and none is written), then "\n" and the end.
 */
static bool
j_object(const char *text, size_t len, struct jobj *o)
{
	struct jin in = { (const unsigned char *)text,
	    (const unsigned char *)text + len };
	char *k;
	size_t kl, i;

	o->n = 0;
	if (len < 3 || text[len - 1] != '\n' || *in.p++ != '{')
		return false;
	in.end--;
	for (;;) {
		struct jval *v;

		if (in.p >= in.end || *in.p++ != '"' || !j_string(&in, &k, &kl))
			return false;
		if (o->n == JMAX_KEYS || kl >= sizeof(v->key) ||
		    memchr(k, '\0', kl) != NULL) {
			free(k);
			return false;
		}
		v = &o->kv[o->n];
		memcpy(v->key, k, kl);
		v->key[kl] = '\0';
		free(k);
		for (i = 0; i < o->n; i++)
			if (strcmp(o->kv[i].key, v->key) == 0)
				return false;	/* duplicate key */
		if (in.p >= in.end || *in.p++ != ':' || in.p >= in.end)
			return false;
		if (*in.p == '"') {
			in.p++;
			if (!j_string(&in, &v->v, &v->len))
				return false;
			v->str = true;
		} else {
			const unsigned char *s = in.p;

			if (!j_number(&in))
				return false;
			v->str = false;
			v->len = (size_t)(in.p - s);
			if ((v->v = malloc(v->len + 1)) == NULL)
				abort();
			memcpy(v->v, s, v->len);
			v->v[v->len] = '\0';
		}
		o->n++;
		if (in.p >= in.end)
			return false;
		if (*in.p == '}')
			return ++in.p == in.end;
		if (*in.p++ != ',')
			return false;
	}
}

static void
j_free(struct jobj *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->kv[i].v);
	o->n = 0;
}

static const struct jval *
j_get(const struct jobj *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->kv[i].key, key) == 0)
			return &o->kv[i];
	return NULL;
}

/* ---- what each field must read back as ---- */

/* The bytes as JSON gives them back: each ill-formed byte U+FFFD. */
static char *
model_json_bytes(const char *s, size_t n, size_t *olen)
{
	char *b = malloc(n * 3 + 1);
	size_t i = 0, o = 0, l;

	if (b == NULL)
		abort();
	while (i < n) {
		l = u8_wellformed((const unsigned char *)s + i, n - i);
		if (l == 0) {
			memcpy(b + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(b + o, s + i, l);
			o += l;
			i += l;
		}
	}
	*olen = o;
	return b;
}

static void
json_field(const struct jobj *o, const char *key, const char *s, size_t n,
    bool present)
{
	const struct jval *v = j_get(o, key);
	size_t wl;
	char *w;

	MODEL_CHECK((v != NULL) == present, "JSON key '%s' %s", key,
	    present ? "missing" : "unexpected");
	if (v == NULL)
		return;
	MODEL_CHECK(v->str, "JSON key '%s' not a string", key);
	w = model_json_bytes(s, n, &wl);
	MODEL_CHECK(v->len == wl && memcmp(v->v, w, wl) == 0, "JSON '%s' does "
	    "not give back its %zu bytes", key, n);
	free(w);
}

static void
json_number(const struct jobj *o, const char *key, int64_t want)
{
	const struct jval *v = j_get(o, key);
	char buf[32];

	MODEL_CHECK(v != NULL && !v->str, "JSON number '%s' missing", key);
	snprintf(buf, sizeof(buf), "%" PRId64, want);
	MODEL_CHECK(strcmp(v->v, buf) == 0, "JSON '%s' is %s, not %s", key,
	    v->v, buf);
}

/* The event time the outputs must show: clamped, computed in 128 bits. */
static int64_t
model_real_ns(uint64_t ts, int64_t off)
{
	__int128 t = (__int128)(ts > INT64_MAX ? INT64_MAX : ts) + off;

	if (t < 0)
		return 0;
	if (t > INT64_MAX)
		return INT64_MAX;
	return (int64_t)t;
}

/* Undo the text escapes of n bytes at s; NULL if one is malformed. */
static char *
text_unescape(const char *s, size_t n, size_t *olen)
{
	char *b = malloc(n + 1);
	size_t i, o = 0;
	uint32_t v;

	if (b == NULL)
		abort();
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			goto bad;
		if (c != '\\') {
			b[o++] = (char)c;
			continue;
		}
		if (n - i < 4 || s[i + 1] != 'x')
			goto bad;
		{
			unsigned char h[4] = { '0', '0', (unsigned char)s[i + 2],
			    (unsigned char)s[i + 3] };

			if (hex4(h, &v) < 0)
				goto bad;
		}
		b[o++] = (char)v;
		i += 3;
	}
	*olen = o;
	return b;
bad:
	free(b);
	return NULL;
}

/* Token i of the line (space separated), or NULL. */
static const char *
token(const char *line, size_t len, int i, size_t *tl)
{
	const char *p = line, *end = line + len, *sp;

	for (;;) {
		sp = memchr(p, ' ', (size_t)(end - p));
		if (i-- == 0) {
			*tl = (size_t)((sp ? sp : end) - p);
			return p;
		}
		if (sp == NULL)
			return NULL;
		p = sp + 1;
	}
}

static void
text_token(const char *tok, size_t tl, const char *what, const char *s,
    size_t n, bool known)
{
	size_t ul;
	char *u;

	/* An empty name is unknown; an empty command line is empty. */
	if (!known || (n == 0 && strcmp(what, "cmdline") != 0)) {
		MODEL_CHECK(tl == 1 && tok[0] == '?', "text %s: unknown, not ?",
		    what);
		return;
	}
	u = text_unescape(tok, tl, &ul);
	MODEL_CHECK(u != NULL, "text %s: malformed escape", what);
	MODEL_CHECK(ul == n && memcmp(u, s, n) == 0, "text %s does not give "
	    "back its %zu bytes", what, n);
	free(u);
}

/* ---- the event ---- */

struct input {
	struct event	ev;
	struct proc	p;
	struct pevent	pe;
	struct out_ctx	oc;
	char		user[64], rule[64], action[64];
	bool		has_user, has_rule, has_action;
};

static const char *
user_name(void *arg, uint32_t uid)
{
	struct input *in = arg;

	(void)uid;
	return in->has_user ? in->user : NULL;
}

static struct str *
fin_str(struct fin *f, bool abs, bool no_nul)
{
	char b[256];
	size_t n, i;

	n = fin_bytes(f, b + (abs ? 1 : 0), sizeof(b) - 1);
	if (abs)
		b[0] = '/', n++;
	if (no_nul)
		for (i = 0; i < n; i++)
			if (b[i] == '\0')
				b[i] = ' ';
	return str_new(b, n);
}

static void
make_input(struct fin *f, struct input *in)
{
	uint8_t bits = fin_u8(f), more = fin_u8(f);
	size_t n;

	memset(in, 0, sizeof(*in));
	in->ev.type = (enum event_type)(fin_u8(f) % EV__MAX);
	in->ev.thread = bits & 1;
	in->ev.synthetic = bits & 2;
	in->pe.has_prev = bits & 4;
	in->has_user = bits & 8;
	in->has_rule = bits & 16;
	in->has_action = bits & 32;
	in->ev.pid = (pid_t)fin_u32(f);
	in->ev.tid = (pid_t)fin_u32(f);
	in->ev.ts_ns = fin_u64(f);
	in->ev.cpu = fin_u32(f);
	/* The union as the fuzzer makes it: a comm of any 16 bytes too. */
	for (n = 0; n < sizeof(in->ev.u); n++)
		((uint8_t *)&in->ev.u)[n] = fin_u8(f);
	in->pe.prev_uid = fin_u32(f);
	in->pe.prev_euid = fin_u32(f);
	in->p.pid = in->ev.pid;
	in->p.ppid = (pid_t)fin_u32(f);
	in->p.flags = fin_u32(f);
	in->p.uid = fin_u32(f);
	in->p.euid = fin_u32(f);
	in->p.gid = fin_u32(f);
	in->p.egid = fin_u32(f);
	in->p.start_ns = fin_u64(f);
	for (n = 0; n < sizeof(in->p.comm); n++)
		in->p.comm[n] = (char)fin_u8(f);
	in->oc.real_off_ns = (int64_t)fin_u64(f);
	in->oc.boot_off_ns = (int64_t)fin_u64(f);
	in->oc.user = user_name;
	in->oc.user_arg = in;
	/* Paths are absolute; arguments hold no NUL (read as spaces). */
	in->p.exe = more & 1 ? fin_str(f, true, false) : NULL;
	in->p.script = more & 2 ? fin_str(f, false, false) : NULL;
	in->p.loader = more & 4 ? fin_str(f, false, false) : NULL;
	in->p.pexe = more & 8 ? fin_str(f, true, false) : NULL;
	in->p.cgroup = more & 16 ? fin_str(f, false, false) : NULL;
	in->p.cmdline = more & 32 ? fin_str(f, false, true) : NULL;
	in->user[fin_bytes(f, in->user, sizeof(in->user) - 1)] = '\0';
	in->rule[fin_bytes(f, in->rule, sizeof(in->rule) - 1)] = '\0';
	in->action[fin_bytes(f, in->action, sizeof(in->action) - 1)] = '\0';
	in->pe.ev = &in->ev;
	in->pe.p = &in->p;
}

static void
free_input(struct input *in)
{
	str_unref(NULL, in->p.exe);
	str_unref(NULL, in->p.script);
	str_unref(NULL, in->p.loader);
	str_unref(NULL, in->p.pexe);
	str_unref(NULL, in->p.cgroup);
	str_unref(NULL, in->p.cmdline);
}

static const char *
s_of(const struct str *s)
{
	return s ? s->s : "";
}

static size_t
l_of(const struct str *s)
{
	return s ? s->len : 0;
}

static void
check_json(struct input *in)
{
	const struct proc *p = &in->p;
	const struct event *ev = &in->ev;
	struct obuf ob;
	struct jobj o;
	const struct jval *v;
	char want[40];
	int64_t t;

	if (ob_init(&ob, -1, 64) < 0)
		abort();
	out_json(&ob, &in->pe, &in->oc, in->has_rule ? in->rule : NULL,
	    in->has_action ? in->action : NULL);
	MODEL_CHECK(memchr(ob.b, '\n', ob.len) == ob.b + ob.len - 1,
	    "JSON object is not one line");
	MODEL_CHECK(j_object(ob.b, ob.len, &o), "not a valid JSON object: "
	    "%.*s", (int)ob.len, ob.b);
	json_field(&o, "event", event_name(ev->type),
	    strlen(event_name(ev->type)), true);
	json_field(&o, "rule", in->rule, strlen(in->rule), in->has_rule);
	json_field(&o, "action", in->action, strlen(in->action),
	    in->has_action);
	t = model_real_ns(ev->ts_ns, in->oc.real_off_ns);
	snprintf(want, sizeof(want), "%" PRId64 ".%09" PRId64,
	    t / 1000000000, t % 1000000000);
	v = j_get(&o, "time");
	MODEL_CHECK(v != NULL && v->str && strcmp(v->v, want) == 0, "JSON time "
	    "%s, not %s", v ? v->v : "missing", want);
	if (ev->type == EV_LOST) {
		json_number(&o, "lost", (int64_t)ev->u.lost.total);
		j_free(&o);
		ob_free(&ob);
		return;
	}
	json_number(&o, "pid", ev->pid);
	json_number(&o, "tid", ev->tid);
	json_field(&o, "user", in->user, strlen(in->user),
	    (p->flags & P_IDS) && in->has_user);
	json_field(&o, "exe", s_of(p->exe), l_of(p->exe),
	    (p->flags & P_EXE) && p->exe);
	json_field(&o, "script", s_of(p->script), l_of(p->script),
	    p->script != NULL);
	json_field(&o, "loader", s_of(p->loader), l_of(p->loader),
	    p->loader != NULL);
	json_field(&o, "comm", p->comm, strnlen(p->comm, sizeof(p->comm)),
	    p->flags & P_COMM);
	json_field(&o, "cmdline", s_of(p->cmdline), l_of(p->cmdline),
	    (p->flags & P_CMDLINE) && p->cmdline);
	json_field(&o, "parent_exe", s_of(p->pexe), l_of(p->pexe),
	    (p->flags & P_PEXE) && p->pexe);
	json_field(&o, "cgroup", s_of(p->cgroup), l_of(p->cgroup),
	    (p->flags & P_CGROUP) && p->cgroup);
	if (ev->type == EV_COMM)
		json_field(&o, "thread_comm", ev->u.comm.comm,
		    strnlen(ev->u.comm.comm, sizeof(ev->u.comm.comm)),
		    ev->thread);
	j_free(&o);
	ob_free(&ob);
}

static void
check_text(struct input *in)
{
	const struct proc *p = &in->p;
	const struct event *ev = &in->ev;
	struct obuf ob;
	const char *tok, *sep;
	size_t tl, i;
	char num[24];

	if (ob_init(&ob, -1, 64) < 0)
		abort();
	out_text(&ob, &in->pe, &in->oc);
	MODEL_CHECK(ob.len > 0 && ob.b[ob.len - 1] == '\n', "text line not "
	    "ended");
	for (i = 0; i + 1 < ob.len; i++)
		MODEL_CHECK((unsigned char)ob.b[i] >= 0x20 &&
		    ob.b[i] != 0x7f, "control byte %#x in a text line",
		    (unsigned char)ob.b[i]);
	ob.len--;
	/* TIME: 2026-12-02T18:16:36.123 */
	tok = token(ob.b, ob.len, 0, &tl);
	MODEL_CHECK(tok && tl == 23 && tok[4] == '-' && tok[7] == '-' &&
	    tok[10] == 'T' && tok[13] == ':' && tok[16] == ':' &&
	    tok[19] == '.', "text time '%.*s'", (int)tl, tok);
	tok = token(ob.b, ob.len, 1, &tl);
	MODEL_CHECK(tok && tl == strlen(event_name(ev->type)) &&
	    memcmp(tok, event_name(ev->type), tl) == 0, "text event");
	tok = token(ob.b, ob.len, 2, &tl);
	snprintf(num, sizeof(num), "%d", ev->pid);
	MODEL_CHECK(tok && tl == strlen(num) && memcmp(tok, num, tl) == 0,
	    "text pid");
	tok = token(ob.b, ob.len, 5, &tl);
	MODEL_CHECK(tok != NULL, "text: no EXE field");
	text_token(tok, tl, "exe", s_of(p->exe), l_of(p->exe),
	    (p->flags & P_EXE) && p->exe);
	if (p->script) {
		tok = token(ob.b, ob.len, 6, &tl);
		MODEL_CHECK(tok && tl >= 7 && memcmp(tok, "script=", 7) == 0,
		    "text: no script=");
		text_token(tok + 7, tl - 7, "script", p->script->s,
		    p->script->len, true);
	}
	/* The first " -- " ends the fields: none of them holds a space. */
	sep = memmem(ob.b, ob.len, " --", 3);
	MODEL_CHECK(sep != NULL, "text: no ' --'");
	sep += 3;
	if ((p->flags & P_CMDLINE) && p->cmdline) {
		MODEL_CHECK(sep < ob.b + ob.len && *sep == ' ', "text: no "
		    "command line");
		sep++;
		text_token(sep, (size_t)(ob.b + ob.len - sep), "cmdline",
		    p->cmdline->s, p->cmdline->len, true);
	} else if (ev->type != EV_LOST)
		MODEL_CHECK(ob.b + ob.len - sep == 2 && memcmp(sep, " ?", 2) == 0,
		    "text: unknown command line not ' ?'");
	else
		MODEL_CHECK(sep == ob.b + ob.len, "text: lost with arguments");
	ob_free(&ob);
}

static void
check_env(struct input *in)
{
	char **env, **e;

	env = out_env(&in->pe, &in->oc, in->rule, in->action,
	    (int)(in->ev.cpu % 70));
	MODEL_CHECK(env != NULL, "out_env failed");
	for (e = env; *e; e++)
		MODEL_CHECK(strncmp(*e, "PROCHOOK_", 9) == 0 &&
		    strchr(*e, '=') != NULL, "environment entry '%s'", *e);
	out_env_free(env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct input in;
	struct fin f = { data, size };

	make_input(&f, &in);
	check_json(&in);
	check_text(&in);
	check_env(&in);
	free_input(&in);
	return 0;
}
