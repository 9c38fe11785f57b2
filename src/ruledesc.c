/*
 * ruledesc.c - describing a compiled rule on one line, for -t: what it
 * matches and what it does, in the words of the configuration file.
 *
 * The description is built from the compiled rule, not from the text
 * read, so that it shows what matching will do: names resolved to ids,
 * the signal chosen by default, hooks outside hooks_dir as full paths.
 */
#include <stdio.h>
#include <string.h>

#include "rule.h"
#include "signame.h"

/* A value as the config file would spell it, quoted when it must be. */
static void
put_value(FILE *fp, const char *v)
{
	const char *s;

	if (*v != '\0' && *v != '!' && *v != '#' &&
	    strpbrk(v, " \t\n\v\f\r\"{},;") == NULL) {
		fputs(v, fp);
		return;
	}
	fputc('"', fp);
	for (s = v; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

static void
put_range(FILE *fp, const struct id_range *r, bool sig)
{
	const char *name = sig ? signame((int)r->lo) : NULL;

	if (name != NULL)
		fputs(name, fp);
	else if (r->lo == r->hi)
		fprintf(fp, "%u", r->lo);
	else
		fprintf(fp, "%u-%u", r->lo, r->hi);
}

/* The values of one key, as lists of globs, of ids and of signals. */
struct values {
	const struct glob_list	*g;
	const struct id_list	*l;
	bool			 sig;	/* l holds signal numbers */
};

static size_t
values_n(const struct values *v)
{
	return v->g != NULL ? v->g->n : v->l->n;
}

static bool
values_neg(const struct values *v, size_t i)
{
	return v->g != NULL ? v->g->neg[i] : v->l->r[i].neg;
}

static void
values_put(FILE *fp, const struct values *v, size_t i)
{
	if (v->g != NULL)
		put_value(fp, v->g->pat[i]);
	else
		put_range(fp, &v->l->r[i], v->sig);
}

/* "KEY v", "KEY in {a, b}", "KEY not v", "KEY a and not in {b, c}" */
static void
put_key(FILE *fp, bool *first, const char *key, const struct values *v)
{
	size_t i, n, k, all = values_n(v);
	int pass;

	if (all == 0)
		return;
	fprintf(fp, "%s%s", *first ? " where " : " and ", key);
	*first = false;
	for (pass = 0; pass < 2; pass++) {
		for (i = n = 0; i < all; i++)
			n += values_neg(v, i) == (pass == 1);
		if (n == 0)
			continue;
		if (pass == 1)
			fputs(n < all ? " and not" : " not", fp);
		fputs(n > 1 ? " in {" : " ", fp);
		for (i = k = 0; i < all; i++) {
			if (values_neg(v, i) != (pass == 1))
				continue;
			if (k++ > 0)
				fputs(", ", fp);
			values_put(fp, v, i);
		}
		if (n > 1)
			fputc('}', fp);
	}
}

static void
put_glob(FILE *fp, bool *first, const char *key, const struct glob_list *g)
{
	const struct values v = { g, NULL, false };

	put_key(fp, first, key, &v);
}

static void
put_ids(FILE *fp, bool *first, const char *key, const struct id_list *l,
    bool sig)
{
	const struct values v = { NULL, l, sig };

	put_key(fp, first, key, &v);
}

/* "hooks a, b as nobody (uid 65534, gid 65534), timeout 5s" */
static void
put_hooks(FILE *fp, const struct rule *r, const char *hooks_dir)
{
	size_t i, dl = hooks_dir ? strlen(hooks_dir) : 0;
	const char *h;

	fputs(r->nhooks > 1 ? "hooks " : "hook ", fp);
	for (i = 0; i < r->nhooks; i++) {
		h = r->hooks[i];
		if (dl > 0 && strncmp(h, hooks_dir, dl) == 0 && h[dl] == '/' &&
		    strchr(h + dl + 1, '/') == NULL)
			h += dl + 1;
		fprintf(fp, "%s%s", i > 0 ? ", " : "", h);
	}
	if (r->has_run_as)
		fprintf(fp, " as %s (uid %u, gid %u)",
		    r->run_user ? r->run_user : "?", (unsigned)r->run_uid,
		    (unsigned)r->run_gid);
	if (r->timeout > 0)
		fprintf(fp, ", timeout %us", r->timeout);
}

void
rule_describe(const struct rule *r, const char *hooks_dir, FILE *fp)
{
	const char *sig;
	bool first = true;
	int t, k = 0;

	for (t = 0; t < EV__MAX && t < 32; t++)
		if (r->events & EV_BIT(t))
			fprintf(fp, "%s%s", k++ > 0 ? "|" : "", event_name(t));
	if (r->threads)
		fputs(" (with threads)", fp);
	put_glob(fp, &first, "exe", &r->exe);
	put_glob(fp, &first, "script", &r->script);
	put_glob(fp, &first, "comm", &r->comm);
	put_glob(fp, &first, "cmdline", &r->cmdline);
	put_glob(fp, &first, "cgroup", &r->cgroup);
	put_glob(fp, &first, "parent", &r->parent);
	put_glob(fp, &first, "ancestor", &r->ancestor);
	put_ids(fp, &first, "uid", &r->uid, false);
	put_ids(fp, &first, "gid", &r->gid, false);
	put_ids(fp, &first, "euid", &r->euid, false);
	put_ids(fp, &first, "egid", &r->egid, false);
	put_ids(fp, &first, "prev_uid", &r->prev_uid, false);
	put_ids(fp, &first, "prev_euid", &r->prev_euid, false);
	put_ids(fp, &first, "exit_status", &r->exit_status, false);
	put_ids(fp, &first, "exit_signal", &r->exit_signal, true);

	fputs(" -> ", fp);
	switch (r->action) {
	case ACT_KILL:
		sig = signame(r->signal);
		if (sig != NULL)
			fprintf(fp, "kill %s", sig);
		else
			fprintf(fp, "kill %d", r->signal);
		if (r->nhooks > 0) {
			fputs(", then ", fp);
			put_hooks(fp, r, hooks_dir);
		}
		break;
	case ACT_HOLD:
		fputs("hold, run ", fp);
		put_hooks(fp, r, hooks_dir);
		fputs(", then release if all exit 0, else kill", fp);
		break;
	case ACT_LOG:
		fputs("log", fp);
		break;
	case ACT_DENY:
		fputs("deny the exec", fp);
		if (r->nhooks > 0) {
			fputs(", then ", fp);
			put_hooks(fp, r, hooks_dir);
		}
		break;
	case ACT_ASK:
		fputs("hold the exec, run ", fp);
		put_hooks(fp, r, hooks_dir);
		fputs(", then allow it if all exit 0, else deny it", fp);
		break;
	case ACT_RUN:
		fputs("run ", fp);
		put_hooks(fp, r, hooks_dir);
		break;
	}
	if (r->rate > 0)
		fprintf(fp, ", rate %u/s", r->rate);
}
