/*
 * config.c - loading the configuration: the main file, then every *.conf
 * of rules_dir in name order, each read whole and parsed (confparse.c);
 * hooks_dir and rules_dir resolved; every hook checked (hookfile.c) and
 * named by its absolute path.
 *
 * The text of every file read is kept in the configuration: the
 * privileged part reads the files and the event loop, which may not be
 * able to, parses the very same texts (config_load_files()).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "confparse.h"
#include "log.h"

#define DEFAULT_HOOKS_DIR	SYSCONFDIR "/prochook/hooks.d"
#define DEFAULT_RULES_DIR	SYSCONFDIR "/prochook/rules.d"
#define DEFAULT_USER		"prochook"

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

/* Check the hooks of the rules read so far; make their paths absolute. */
static void
resolve_hooks(struct parse *ps)
{
	struct config *cfg = ps->cfg;
	struct pending_hooks *pd;
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
				parse_err(ps, pd->line[j], "out of memory");
				continue;
			}
			if (ps->src == NULL &&
			    config_hook_safe(path, why, sizeof(why)) < 0)
				parse_err(ps, pd->line[j], "hook '%s' of rule "
				    "[%s] refused: %s", r->hooks[j], r->name,
				    why);
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
		parse_errx(ps, "%s: out of memory", path);
		return -ENOMEM;
	}
	cfg->files = nf;
	f = &cfg->files[cfg->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL) {
		parse_errx(ps, "%s: out of memory", path);
		return -ENOMEM;
	}
	cfg->nfiles++;
	if (ps->src != NULL) {
		for (i = 0; i < ps->nsrc && strcmp(ps->src[i].path, path); i++)
			;
		if (i == ps->nsrc) {
			parse_errx(ps, "%s: %s", path, strerror(ENOENT));
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
			parse_errx(ps, "%s: %s", path, strerror(r));
			return -r;
		}
		if (main && fstat(fd, &st) == 0) {
			ps->main_dev = st.st_dev;
			ps->main_ino = st.st_ino;
		}
		r = slurp(fd, &f->text, &f->len);
		close(fd);
		if (r < 0) {
			parse_errx(ps, "%s: %s", path, strerror(-r));
			return r;
		}
	}
	if (f->text == NULL ||
	    (ps->fp = fmemopen(f->text, f->len, "r")) == NULL) {
		parse_errx(ps, "%s: out of memory", path);
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
	r = parse_stream(ps);
	fclose(ps->fp);
	ps->fp = NULL;
	if (ps->read_errno != 0) {
		parse_errx(ps, "%s: %s", path, strerror(ps->read_errno));
		return -ps->read_errno;
	}
	if (r == -2)
		parse_err(ps, ps->lineno, "out of memory");
	else if (r > 0 && (unsigned)r != ps->syntax_line)
		parse_err(ps, (unsigned)r, "syntax error");
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
		parse_errx(ps, "%s: out of memory", cfg->path);
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
			parse_err(ps, ps->dk.line[DK_RULES_DIR],
			    "rules_dir %s: %s", cfg->rules_dir,
			    strerror(errno));
		} else
			parse_errx(ps, "%s: %s", cfg->rules_dir,
			    strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		path = path_join(cfg->rules_dir, list[i]->d_name);
		free(list[i]);
		if (path == NULL) {
			parse_errx(ps, "%s: out of memory", cfg->rules_dir);
			continue;
		}
		if (stat(path, &st) < 0)
			parse_errx(ps, "%s: %s", path, strerror(errno));
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
	cfg->log_target = LOG_TO_STDERR;
	ps.cfg = cfg;

	if (parse_file(&ps, cfg->path, true) == 0) {
		if ((ps.main_dir = main_dir(cfg->path)) == NULL)
			parse_errx(&ps, "%s: out of memory", cfg->path);
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
		if ((r->action == ACT_KILL || r->action == ACT_HOLD ||
		    ACT_GATED(r->action)) &&
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

void
config_rx_free(struct config_rx *rx)
{
	size_t i;

	for (i = 0; i < rx->n; i++) {
		free(rx->f[i].path);
		free(rx->f[i].text);
	}
	free(rx->f);
	rx->f = NULL;
	rx->n = 0;
}

int
config_rx_add(struct config_rx *rx, uint32_t gen, uint32_t idx,
    const char *name, const char *data, size_t len, bool last,
    struct config **out)
{
	struct config_file *f, *nf;
	char *nt;

	*out = NULL;
	if (rx->n == 0 || rx->gen != gen) {
		config_rx_free(rx);
		rx->gen = gen;
	}
	if (idx > rx->n || (idx == rx->n && idx >= 4096)) {
		config_rx_free(rx);
		return -EINVAL;
	}
	if (idx == rx->n) {
		if ((nf = reallocarray(rx->f, rx->n + 1, sizeof(*nf))) == NULL)
			goto nomem;
		rx->f = nf;
		f = &rx->f[rx->n++];
		memset(f, 0, sizeof(*f));
		if ((f->path = strdup(name)) == NULL)
			goto nomem;
	}
	f = &rx->f[idx];
	if ((nt = realloc(f->text, f->len + len + 1)) == NULL)
		goto nomem;
	f->text = nt;
	memcpy(f->text + f->len, data, len);
	f->len += len;
	f->text[f->len] = '\0';
	if (!last)
		return 0;
	*out = config_load_files(rx->f, rx->n, config_err, NULL);
	config_rx_free(rx);
	return 1;
nomem:
	config_rx_free(rx);
	return -ENOMEM;
}
