/*
 * explain.c - prochookd --explain PID: would my rules match this process?
 *
 * The process is read from /proc once, by the readers the event loop and
 * the privileged part use (enrich.c, lineage.c), as the loop would know it
 * right after its exec; then every rule of the configuration is tested
 * against that one event key by key (rule_key_test()) and as a whole
 * (rule_match()), so that what is printed is what the daemon would decide.
 * No socket is opened and nothing is done to the process.
 *
 * What cannot be known this way, and is said in prochookd(8): whether the
 * kernel ran a script (/proc does not say: it is inferred from the
 * arguments the kernel gives a script's interpreter), the fork lineage of a
 * process whose parent has exited (/proc shows the reaper instead), and
 * whether the process is a hook's (hooks never match).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "binfmt.h"
#include "clock.h"
#include "enrich.h"
#include "exename.h"
#include "explain.h"
#include "lineage.h"
#include "proc.h"
#include "signame.h"
#include "strnum.h"
#include "users.h"

/*
 * The script the kernel ran p through, if the arguments say so: for
 * "#!INTERP [ARG]" the kernel starts INTERP with argv INTERP [ARG] PATH
 * ARGS..., so argv[0] is the #! line's interpreter, word for word, and
 * the file named next (after ARG, if any) starts with that very line.
 * Known as no script when they do not; unknown when p cannot be read.
 */
static void
read_script(struct table *t, struct proc *p, int dirfd)
{
	char argv[PROC_CMDLINE_MAX + 1], name[PROC_PATH_MAX];
	char iname[PROC_PATH_MAX];
	unsigned char hdr[256], line[256];
	const char *a[3], *interp, *arg, *s;
	size_t len, n = 0, off, alen, i;
	ssize_t got;
	struct stat sb, fsb;
	int fd;

	str_set(t, &p->script, NULL);
	p->flags &= ~P_SCRIPT;
	if (!(p->flags & P_EXE) ||
	    proc_read_argv(dirfd, argv, sizeof(argv), &len) < 0)
		return;
	p->flags |= P_SCRIPT;
	for (s = argv; s < argv + len && n < 3; s += strlen(s) + 1)
		a[n++] = s;
	for (i = 1; i < n && i < 3; i++) {
		/*
		 * The arguments are the process's to choose: only a regular
		 * file is opened (a FIFO would block, a device act), and
		 * only if it is still the file looked at.
		 */
		if (exename_resolve(dirfd, a[i], name, sizeof(name)) < 0 ||
		    stat(name, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    (fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK)) < 0)
			continue;
		got = fstat(fd, &fsb) == 0 && S_ISREG(fsb.st_mode) &&
		    fsb.st_dev == sb.st_dev && fsb.st_ino == sb.st_ino ?
		    pread(fd, hdr, sizeof(hdr), 0) : -1;
		close(fd);
		if (got <= 0)
			continue;
		memset(line, 0, sizeof(line));
		memcpy(line, hdr, (size_t)got < sizeof(line) ? (size_t)got :
		    sizeof(line) - 1);
		if ((interp = binfmt_script_interp(hdr, (size_t)got)) == NULL ||
		    strcmp(interp, a[0]) != 0)
			continue;
		/* The #! line's argument: the rest of the line, trimmed. */
		off = (size_t)(interp - (const char *)hdr) + strlen(interp);
		line[strcspn((char *)line, "\n")] = '\0';
		arg = off < strlen((char *)line) ? (char *)line + off : "";
		arg += strspn(arg, " \t");
		for (alen = strlen(arg); alen > 0 &&
		    (arg[alen - 1] == ' ' || arg[alen - 1] == '\t'); alen--)
			;
		if ((alen == 0) != (i == 1) ||
		    (i == 2 && (strlen(a[1]) != alen ||
		    strncmp(a[1], arg, alen) != 0)))
			continue;
		/* And the interpreter, as the process would find it, is the
		 * file the kernel ran. */
		if (exename_resolve(dirfd, interp, iname, sizeof(iname)) < 0 ||
		    strcmp(iname, p->exe->s) != 0)
			continue;
		str_set(t, &p->script, str_intern(t, name, strlen(name)));
		if (p->script == NULL)
			p->flags &= ~P_SCRIPT;
		return;
	}
}

int
explain_args_parse(struct explain_args *a, const char *pid,
    const char *event, const char *status, const char *signal, char *err,
    size_t errlen)
{
	uint32_t v;
	int sig;

	a->exit = false;
	a->wstatus = 0;
	if (pid == NULL || strnum_u32(pid, strlen(pid), INT32_MAX, &v) < 0 ||
	    v == 0) {
		snprintf(err, errlen, "--explain: bad process id '%s'",
		    pid ? pid : "");
		return -EINVAL;
	}
	a->pid = (pid_t)v;
	if (event != NULL && strcmp(event, "exit") == 0)
		a->exit = true;
	else if (event != NULL && strcmp(event, "exec") != 0) {
		snprintf(err, errlen, "--event: '%s': --explain explains an "
		    "exec or an exit", event);
		return -EINVAL;
	}
	if (status != NULL && signal != NULL) {
		snprintf(err, errlen, "--status and --signal: an exit has one "
		    "or the other");
		return -EINVAL;
	}
	if (event != NULL && !a->exit && (status != NULL || signal != NULL)) {
		snprintf(err, errlen, "--status and --signal are for "
		    "--event exit");
		return -EINVAL;
	}
	if (status != NULL) {
		if (strnum_u32(status, strlen(status), 255, &v) < 0) {
			snprintf(err, errlen, "--status: bad exit status '%s' "
			    "(0-255)", status);
			return -EINVAL;
		}
		a->exit = true;
		a->wstatus = v << 8;
	} else if (signal != NULL) {
		if ((sig = signame_lookup(signal)) <= 0 || sig > 127) {
			snprintf(err, errlen, "--signal: unknown signal '%s'",
			    signal);
			return -EINVAL;
		}
		a->exit = true;
		a->wstatus = (uint32_t)sig;
	} else if (a->exit) {
		snprintf(err, errlen, "--event exit needs --status N or "
		    "--signal NAME");
		return -EINVAL;
	}
	return 0;
}

int
explain_read(int procfd, pid_t pid, struct table *t, struct proc **pp)
{
	struct proc_clock clock;
	struct proc_status ps;
	struct proc_stat st;
	struct proc *p;
	int dirfd, r;

	*pp = NULL;
	if (pid <= 0)
		return -ESRCH;
	if ((dirfd = proc_open(procfd, pid)) < 0)
		return dirfd == -ENOENT ? -ESRCH : dirfd;
	/* A thread's id: /proc shows it, and its process is meant. */
	if (proc_read_status(dirfd, &ps) == 0 && ps.tgid > 0 && ps.tgid != pid) {
		close(dirfd);
		return explain_read(procfd, ps.tgid, t, pp);
	}
	if ((r = proc_read_stat(dirfd, &st)) < 0) {
		close(dirfd);
		return r == -ENOENT ? -ESRCH : r;
	}
	if ((p = table_add(t, pid)) == NULL) {
		close(dirfd);
		return -ENOMEM;
	}
	proc_clock_init(&clock);
	p->ppid = st.ppid;
	p->start_ns = proc_start_ns(&clock, &st);
	memcpy(p->comm, st.comm, sizeof(p->comm));
	p->flags |= P_START | P_COMM;
	enrich_read_exe(t, p, dirfd);
	read_script(t, p, dirfd);
	enrich_read_cmdline(t, p, dirfd);
	enrich_read_ids(p, dirfd);
	enrich_read_cgroup(t, p, dirfd);
	(void)lineage_read(procfd, &st, t, p, true);
	/* Reaped meanwhile: what was read may be half of it. */
	r = proc_read_stat(dirfd, &st) < 0 ? -ESRCH : 0;
	close(dirfd);
	*pp = p;
	return r;
}

/* A value from a process, escaped so that it stays on its line. */
static void
put_esc(FILE *fp, const char *s, size_t len)
{
	struct obuf ob;

	if (ob_init(&ob, -1, len + 16) < 0)
		return;
	out_text_escape(&ob, s, len, false);
	fwrite(ob.b, 1, ob.len, fp);
	ob_free(&ob);
}

static void
put_str(FILE *fp, const struct str *s, bool known)
{
	if (!known || s == NULL)
		fputc('?', fp);
	else
		put_esc(fp, s->s, s->len);
}

static void
put_id(FILE *fp, const struct out_ctx *oc, bool known, uint32_t id,
    bool user)
{
	const char *name;

	if (!known) {
		fputc('?', fp);
		return;
	}
	fprintf(fp, "%u", id);
	if (user && oc != NULL && oc->user != NULL &&
	    (name = oc->user(oc->user_arg, id)) != NULL)
		fprintf(fp, " (%s)", name);
}

/*
 * The fork lineage as the ancestor key walks it, nearest first: for each
 * ancestor, its executable when it forked the next (pexe) and now, if
 * they differ.
 */
static void
put_lineage(FILE *fp, const struct proc *p, struct table *t)
{
	const struct proc *q = p, *next;
	const struct str *then, *now;
	size_t steps, n = 0;

	for (steps = 0; steps < RULE_ANCESTOR_MAX; steps++) {
		next = q->ppid <= 0 || q->ppid == q->pid || q->ppid == p->pid ?
		    NULL : table_get(t, q->ppid);
		then = (q->flags & P_PEXE) ? q->pexe : NULL;
		now = next != NULL && (next->flags & P_EXE) ? next->exe : NULL;
		if (then == NULL && next == NULL)
			break;
		fputs(n++ > 0 ? ", " : "", fp);
		put_str(fp, then != NULL ? then : now, then || now);
		if (then != NULL && now != NULL && strcmp(then->s, now->s) != 0) {
			fputs(" (now ", fp);
			put_str(fp, now, true);
			fputc(')', fp);
		}
		if (next == NULL)
			break;
		q = next;
	}
	if (steps == RULE_ANCESTOR_MAX)
		fputs(", ... (deeper than the key looks)", fp);
	if (n == 0)
		fputc('?', fp);
}

static void
put_exit(FILE *fp, const struct event *ev, bool signal)
{
	int sig = event_exit_signal(ev);
	char buf[16];

	if (ev->type != EV_EXIT)
		fputs("- (not an exit)", fp);
	else if (event_exited(ev))
		fprintf(fp, signal ? "- (exited %d)" : "%d",
		    event_exit_status(ev));
	else if (sig != 0)
		fprintf(fp, signal ? "%s" : "- (killed by %s)",
		    signame_or_number(sig, buf, sizeof(buf)));
	else
		fputc('?', fp);
}

/* The value key k of the rule looks at, as it was seen. */
static void
put_seen(FILE *fp, enum rule_key k, const struct pevent *pe,
    struct table *t, const struct out_ctx *oc)
{
	const struct proc *p = pe->p;
	bool ids = (p->flags & P_IDS) != 0;

	switch (k) {
	case RK_EVENT:
		fputs(event_name(pe->ev->type), fp);
		break;
	case RK_EXE:
		put_str(fp, p->exe, (p->flags & P_EXE) != 0);
		if (p->loader != NULL) {
			fputs(" (run by the loader ", fp);
			put_str(fp, p->loader, true);
			fputc(')', fp);
		}
		break;
	case RK_SCRIPT:
		if ((p->flags & P_SCRIPT) && p->script == NULL)
			fputs("- (no script)", fp);
		else
			put_str(fp, p->script, (p->flags & P_SCRIPT) != 0);
		break;
	case RK_COMM:
		if (p->flags & P_COMM)
			put_esc(fp, p->comm, strnlen(p->comm, sizeof(p->comm)));
		else
			fputc('?', fp);
		break;
	case RK_CMDLINE:
		put_str(fp, p->cmdline, (p->flags & P_CMDLINE) != 0);
		break;
	case RK_CGROUP:
		put_str(fp, p->cgroup, (p->flags & P_CGROUP) != 0);
		break;
	case RK_PARENT:
		put_str(fp, p->pexe, (p->flags & P_PEXE) != 0);
		break;
	case RK_ANCESTOR:
		put_lineage(fp, p, t);
		break;
	case RK_UID:
		put_id(fp, oc, ids, p->uid, true);
		break;
	case RK_EUID:
		put_id(fp, oc, ids, p->euid, true);
		break;
	case RK_GID:
		put_id(fp, oc, ids, p->gid, false);
		break;
	case RK_EGID:
		put_id(fp, oc, ids, p->egid, false);
		break;
	case RK_PREV_UID:
		put_id(fp, oc, pe->has_prev, pe->prev_uid, true);
		break;
	case RK_PREV_EUID:
		put_id(fp, oc, pe->has_prev, pe->prev_euid, true);
		break;
	case RK_EXIT_STATUS:
		put_exit(fp, pe->ev, false);
		break;
	case RK_EXIT_SIGNAL:
		put_exit(fp, pe->ev, true);
		break;
	default:
		break;
	}
}

/* Does the rule give key k (a key that tests the event)? */
static bool
gives(const struct rule *r, enum rule_key k)
{
	switch (k) {
	case RK_EVENT:		return true;
	case RK_EXE:		return r->exe.n > 0;
	case RK_SCRIPT:		return r->script.n > 0;
	case RK_COMM:		return r->comm.n > 0;
	case RK_CMDLINE:	return r->cmdline.n > 0;
	case RK_CGROUP:		return r->cgroup.n > 0;
	case RK_PARENT:		return r->parent.n > 0;
	case RK_ANCESTOR:	return r->ancestor.n > 0;
	case RK_UID:		return r->uid.n > 0;
	case RK_GID:		return r->gid.n > 0;
	case RK_EUID:		return r->euid.n > 0;
	case RK_EGID:		return r->egid.n > 0;
	case RK_PREV_UID:	return r->prev_uid.n > 0;
	case RK_PREV_EUID:	return r->prev_euid.n > 0;
	case RK_EXIT_STATUS:	return r->exit_status.n > 0;
	case RK_EXIT_SIGNAL:	return r->exit_signal.n > 0;
	default:		return false;
	}
}

static const char *
answer(enum rule_tri a)
{
	switch (a) {
	case RULE_YES:
		return "matched";
	case RULE_NO:
		return "not matched";
	default:
		return "unknown";
	}
}

/*
 * The rule's description (ruledesc.c) is "CONDITIONS -> ACTION"; values
 * with spaces or quotes in them are quoted, so the first " -> " outside
 * quotes ends the conditions.  Returns the offset of the action, or 0.
 */
static size_t
action_at(const char *d)
{
	bool q = false;
	size_t i;

	for (i = 0; d[i] != '\0'; i++) {
		if (q && d[i] == '\\' && d[i + 1] != '\0')
			i++;
		else if (d[i] == '"')
			q = !q;
		else if (!q && strncmp(d + i, " -> ", 4) == 0)
			return i + 4;
	}
	return 0;
}

enum rule_tri
explain_rule(FILE *fp, const struct rule *r, const char *hooks_dir,
    const struct pevent *pe, struct table *t, const struct out_ctx *oc)
{
	/* The order of the configuration's keys, as rule_describe(). */
	static const enum rule_key keys[] = {
		RK_EVENT, RK_EXE, RK_SCRIPT, RK_COMM, RK_CMDLINE, RK_CGROUP,
		RK_PARENT, RK_ANCESTOR, RK_UID, RK_GID, RK_EUID, RK_EGID,
		RK_PREV_UID, RK_PREV_EUID, RK_EXIT_STATUS, RK_EXIT_SIGNAL,
	};
	char *desc = NULL;
	size_t dlen = 0, i, at;
	bool miss = false;
	enum rule_tri res;
	FILE *m;

	if ((m = open_memstream(&desc, &dlen)) != NULL) {
		rule_describe(r, hooks_dir, m);
		fclose(m);
	}
	fprintf(fp, "[%s] %s:%u\n", r->name, r->file ? r->file : "?", r->line);
	if (desc != NULL)
		fprintf(fp, "  %s\n", desc);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!gives(r, keys[i]))
			continue;
		fprintf(fp, "  %-12s %-12s ", rule_key_name(keys[i]),
		    answer(rule_key_test(r, keys[i], pe, t)));
		put_seen(fp, keys[i], pe, t, oc);
		fputc('\n', fp);
	}
	if (rule_match(r, pe, t, &miss, 0))
		res = RULE_YES;
	else
		res = miss ? RULE_UNKNOWN : RULE_NO;
	at = desc != NULL ? action_at(desc) : 0;
	switch (res) {
	case RULE_YES:
		fprintf(fp, "  => matches: %s\n", at > 0 ? desc + at : "?");
		/* As the privileged part refuses it (verify.c). */
		if (pe->ev->pid == 1 && (r->action == ACT_KILL ||
		    r->action == ACT_HOLD || pe->ev->type == EV_EXIT))
			fputs("  (but PID 1 is never signalled or held, and "
			    "never exits: nothing would be done)\n", fp);
		break;
	case RULE_NO:
		fputs("  => does not match\n", fp);
		break;
	default:
		fputs("  => does not match: a value it tests is unknown "
		    "(the daemon would count a miss)\n", fp);
		break;
	}
	free(desc);
	return res;
}

static void
print_err(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

int
explain_main(const struct explain_args *a)
{
	struct config *cfg;
	struct out_ctx oc;
	struct event ev;
	struct pevent pe;
	struct table *t = NULL;
	struct proc *p;
	struct obuf ob;
	size_t i, nmatch = 0;
	int procfd = -1, r, status = EXPLAIN_ERROR;

	if ((cfg = config_load(a->config, print_err, NULL)) == NULL) {
		fprintf(stderr, "%s: configuration refused\n", a->config);
		return EXPLAIN_ERROR;
	}
	memset(&oc, 0, sizeof(oc));
	out_ctx_clocks(&oc);
	oc.user = users_lookup;
	if ((oc.user_arg = users_new()) == NULL || (t = table_new()) == NULL) {
		fprintf(stderr, "prochookd: out of memory\n");
		goto out;
	}
	if ((procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "prochookd: /proc: %s\n", strerror(errno));
		goto out;
	}
	if ((r = explain_read(procfd, a->pid, t, &p)) < 0) {
		if (r == -ESRCH)
			fprintf(stderr, "prochookd: no process %d\n",
			    (int)a->pid);
		else
			fprintf(stderr, "prochookd: process %d: %s\n",
			    (int)a->pid, strerror(-r));
		goto out;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = a->exit ? EV_EXIT : EV_EXEC;
	ev.pid = ev.tid = p->pid;
	ev.ts_ns = (uint64_t)clock_ns(CLOCK_MONOTONIC);
	if (a->exit) {
		ev.u.exit.code = a->wstatus;
		ev.u.exit.parent_pid = p->ppid;
	}
	memset(&pe, 0, sizeof(pe));
	pe.ev = &ev;
	pe.p = p;

	/* The event as the monitor would print it. */
	if (ob_init(&ob, -1, 512) == 0) {
		out_text(&ob, &pe, &oc);
		fputs("event: ", stdout);
		fwrite(ob.b, 1, ob.len, stdout);
		ob_free(&ob);
	}
	for (i = 0; i < cfg->nrules; i++) {
		fputc('\n', stdout);
		if (explain_rule(stdout, &cfg->rules[i], cfg->hooks_dir, &pe, t,
		    &oc) == RULE_YES)
			nmatch++;
	}
	fputc('\n', stdout);
	if (nmatch > 0)
		printf("%zu of %zu rules match process %d\n", nmatch,
		    cfg->nrules, (int)p->pid);
	else
		printf("no rule matches process %d (%zu rules)\n", (int)p->pid,
		    cfg->nrules);
	status = nmatch > 0 ? EXPLAIN_MATCH : EXPLAIN_NONE;
	if (fflush(stdout) != 0)
		status = EXPLAIN_ERROR;
out:
	if (procfd >= 0)
		close(procfd);
	table_free(t);
	users_free(oc.user_arg);
	config_free(cfg);
	return status;
}
