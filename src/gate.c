/*
 * gate.c - the exec gate: a process of its own that answers the kernel's
 * fanotify permission events for execs (FAN_OPEN_EXEC_PERM) against the
 * deny and ask rules.
 *
 * While the gate has not answered, the exec waits in the kernel: so the
 * gate never executes anything, never waits on the other parts (it tells
 * the privileged part what it decided over a non-blocking socket, dropping
 * and counting what does not fit), and reads from /proc only what the
 * rules that could still match need.  An ask keeps its event pending
 * while the privileged part runs the rule's hooks; other events are
 * answered meanwhile (answers may be written in any order).  If the gate
 * dies, the kernel closes the group and lets every waiting exec through,
 * and the privileged part, its parent, sees it and stops prochookd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>

#include "binfmt.h"
#include "clock.h"
#include "exe.h"
#include "exename.h"
#include "exitcode.h"
#include "gate.h"
#include "ipc.h"
#include "lineage.h"
#include "log.h"
#include "loop.h"
#include "namecache.h"
#include "proc.h"
#include "rule.h"
#include "sandbox.h"

#define GATE_BUF	8192	/* bytes of events read at once */
#define ASK_MAX		256	/* execs waiting for hooks at once */
#define ASK_MARGIN_S	5	/* beyond the hooks' own timeouts */
#define SCRIPTS_MAX	64	/* scripts whose interpreter is to be opened */
#define SCRIPT_TTL_NS	1000000000ll
#define RECHECK_NS	1000000000ll	/* marked files replaced, mounts */
#define DIRS_NS		1000000ll	/* their directories changed: soon */
#define OURS_MAX	1024	/* ppid steps looked up */
#define ALIAS_MAX	256
/*
 * Every marked exec waits for the gate: it must run as soon as one
 * arrives, even with every CPU busy, yet no exec storm may make it take
 * more than this share of one CPU (beyond it, execs wait for the next
 * period: at most 7 ms).
 */
#define SCHED_DL_RUNTIME_NS	3000000
#define SCHED_DL_PERIOD_NS	10000000

/*
 * A script allowed at its own open, whose interpreter the kernel opens
 * next for the same thread: that open is the same exec, judged already.
 * The script is marked (fd, kept while the entry lives) for two
 * notifications from that thread:
 * - the open completed (FAN_OPEN_EXEC, "armed"): a thread killed while
 *   it waited for the answer never opened it, and its id may be another
 *   thread's after an exec elsewhere in the process (de_thread());
 * - it closed the script: the exec failed (its arguments too long, say),
 *   and an open of the interpreter that follows is an exec of its own.
 * Other processes' opens and closes of the script are noise, counted: an
 * entry with too much of it is forgotten, so that a user cannot feed the
 * gate cheap events for long.
 */
struct gate_script {
	pid_t		 pid;		/* the thread; 0: a free entry */
	dev_t		 dev;		/* of the interpreter */
	ino_t		 ino;
	dev_t		 sdev;		/* of the script */
	ino_t		 sino;
	int		 fd;		/* the script, marked; -1 if not */
	bool		 armed;
	unsigned	 noise;
	int64_t		 at;
};

#define SCRIPT_MASK	(FAN_OPEN_EXEC | FAN_CLOSE_NOWRITE)
/*
 * Others' notifications an entry takes: enough for many execs of one
 * script at once (each a notification or two), few enough that what a
 * user can make it cost is bounded by its own execs.
 */
#define SCRIPT_NOISE	64

/* An exec held while the privileged part runs its rule's hooks. */
struct gate_ask {
	int		 fd;		/* the event's file: the answer names it */
	uint64_t	 cookie;
	int64_t		 deadline;	/* CLOCK_MONOTONIC: deny after */
	struct gate_script script;	/* pid 0: not a script */
};

/*
 * A plain path of a gated rule and the file it names now: its device and
 * inode, and its change time (a file deleted and another created gets the
 * same inode number at once on ext4).
 */
struct gate_alias {
	char		*path;
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 ctime;
};

struct gate_stats {
	uint64_t	 events;
	uint64_t	 allowed;
	uint64_t	 denied;
	uint64_t	 asked, ask_allowed, ask_denied, ask_timeout;
	uint64_t	 ask_dropped;	/* could not be asked: denied */
	uint64_t	 ours;		/* our own processes and hooks: allowed */
	uint64_t	 unknown;	/* a key's value could not be read: allowed */
	uint64_t	 loaders;	/* the loader of an exec judged already */
	uint64_t	 by_loader;	/* ld.so PROGRAM: its open judged */
	uint64_t	 kept;		/* paths taken from the name cache */
	uint64_t	 dry;		/* --dry-run: would deny */
	uint64_t	 reports_dropped;
	uint64_t	 lat_n, lat_sum_ns, lat_max_ns;
	uint64_t	 lat_hist[40];	/* by log2 of nanoseconds */
};

struct gate {
	struct gate_args *a;
	struct config	*cfg;
	uint32_t	 gen;
	uint32_t	*rules;		/* indices of the deny and ask rules */
	uint32_t	*keys;		/* the keys each one tests */
	uint32_t	*cand;		/* room for every rule: those that may match */
	size_t		 nrules;
	bool		 need_host;	/* a ! exe or script value: name by host */
	struct gate_plan plan;
	struct gate_alias alias[ALIAS_MAX];
	size_t		 nalias;
	struct table	*t;
	struct namecache *names;	/* paths of files run in the last second */
	int		 procfd;
	int		 mountinfo;
	int		 dirfan;	/* GATE_INODES: files created in their
					 * directories (-1: none) */
	pid_t		 privd;
	struct {			/* the last exec judged and allowed */
		pid_t	 pid;
		dev_t	 dev;
		ino_t	 ino;
	} exec_open;
	struct gate_ask	 ask[ASK_MAX];
	size_t		 nask;
	uint64_t	 cookie;
	struct gate_script scripts[SCRIPTS_MAX];
	unsigned	 script_next;
	struct config_rx rx;
	int64_t		 recheck_at;
	int64_t		 dirs_at;	/* the last check for dirfan */
	unsigned	 unmarked;	/* files that exist, not marked */
	unsigned	 reported;	/* unmarked as privd knows it */
	bool		 report_due;	/* privd is to be told */
	int64_t		 warned_ns;
	int64_t		 marks_warned_ns;
	struct gate_stats st;
};

static void	send_marks(struct gate *);

/*
 * What the gate keeps of root's power, and why: CAP_SYS_ADMIN to mark
 * file systems and files again on reload, on new mounts and when a marked
 * file is replaced (fanotify_mark); CAP_SYS_PTRACE to read the executable
 * of any process (/proc/PID/exe) for parent and ancestor; and
 * CAP_DAC_READ_SEARCH to reach a rule's file and name an executed file
 * whatever the directories' modes.  Not CAP_KILL, CAP_SETUID,
 * CAP_DAC_OVERRIDE or any other: the gate acts only through its answers.
 */
static const int gate_caps[] = {
	CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
};

static int64_t
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Answer the kernel for the event whose file is fd, and close it. */
static void
respond(struct gate *g, int fd, bool allow)
{
	struct fanotify_response r = { .fd = fd,
	    .response = allow ? FAN_ALLOW : FAN_DENY };

	if (write(g->a->fanfd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		log_warn("gate: cannot answer an exec");
	close(fd);
}

static void
latency(struct gate *g, int64_t t0)
{
	uint64_t d = (uint64_t)(now_ns() - t0);
	unsigned b = 0;

	g->st.lat_n++;
	g->st.lat_sum_ns += d;
	if (d > g->st.lat_max_ns)
		g->st.lat_max_ns = d;
	while (b + 1 < sizeof(g->st.lat_hist) / sizeof(g->st.lat_hist[0]) &&
	    (d >> (b + 1)) != 0)
		b++;
	g->st.lat_hist[b]++;
}

/* Tell the privileged part; what does not fit is dropped and counted. */
static int
report(struct gate *g, uint32_t type, const struct pevent *pe, uint32_t rule,
    uint64_t cookie)
{
	static struct ipc_msg m;
	int r;

	send_marks(g);		/* before the reports, which may fill the socket */
	ipc_request(&m, pe, g->gen, rule);
	m.type = type;
	m.u.ev.run_hooks = !g->a->dry_run;
	m.u.ev.cookie = cookie;
	if ((r = ipc_send(g->a->ipc, &m)) < 0) {
		g->st.reports_dropped++;
		if (now_ns() - g->warned_ns >= 1000000000ll) {
			g->warned_ns = now_ns();
			log_warnx("gate: cannot reach the privileged part (%s): "
			    "%llu reports dropped so far", strerror(-r),
			    (unsigned long long)g->st.reports_dropped);
		}
	}
	return r;
}

/* Is pid prochookd's own, or a hook or a descendant of one? */
static bool
ours(struct gate *g, pid_t pid)
{
	struct proc_stat st;
	int i, fd, r;

	for (i = 0; i < OURS_MAX && pid > 1; i++) {
		if (pid == g->privd || pid == getpid())
			return true;
		if ((fd = proc_open(g->procfd, pid)) < 0)
			return false;
		r = proc_read_stat(fd, &st);
		close(fd);
		if (r < 0 || st.ppid == pid)
			return false;
		pid = st.ppid;
	}
	return false;
}

/* Free entry s, and its script's close mark unless another entry needs it. */
static void
script_forget(struct gate *g, struct gate_script *s)
{
	size_t i;

	s->pid = 0;
	if (s->fd < 0)
		return;
	for (i = 0; i < SCRIPTS_MAX; i++)
		if (g->scripts[i].pid != 0 && g->scripts[i].fd >= 0 &&
		    g->scripts[i].sdev == s->sdev &&
		    g->scripts[i].sino == s->sino)
			break;
	if (i == SCRIPTS_MAX)
		(void)fanotify_mark(g->a->fanfd, FAN_MARK_REMOVE,
		    SCRIPT_MASK, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
}

/*
 * Only once the script (the event's file fd) is allowed, at once or when
 * its ask is: a script refused would otherwise let its process exec the
 * interpreter unjudged within the second.  Without its close mark (no
 * descriptor left, say) the script is not remembered: its interpreter's
 * open is then judged as an exec of its own.
 */
static void
script_remember(struct gate *g, const struct gate_script *sc, int fd)
{
	struct gate_script *s;
	int dup;

	if (sc->pid == 0)
		return;
	/* First: the entry it replaces may be of the same script. */
	s = &g->scripts[g->script_next++ % SCRIPTS_MAX];
	if (s->pid != 0)
		script_forget(g, s);
	if ((dup = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	if (fanotify_mark(g->a->fanfd, FAN_MARK_ADD, SCRIPT_MASK, dup,
	    NULL) < 0) {
		close(dup);
		return;
	}
	*s = *sc;
	s->fd = dup;
	s->armed = false;
	s->noise = 0;
	s->at = now_ns();
}

/*
 * Is this open the interpreter of a script the thread pid opened just
 * now?  Its entries go, whatever the answer: one exec, one interpreter.
 */
static bool
script_interp(struct gate *g, pid_t pid, const struct stat *sb)
{
	struct gate_script *s;
	int64_t now = now_ns();
	bool hit = false;
	size_t i;

	for (i = 0; i < SCRIPTS_MAX; i++) {
		s = &g->scripts[i];
		if (s->pid == 0 || s->pid != pid)
			continue;
		hit |= s->armed && now - s->at <= SCRIPT_TTL_NS &&
		    s->dev == sb->st_dev && s->ino == sb->st_ino;
		script_forget(g, s);
	}
	return hit;
}

/* Entries past their time go; returns when the next one does (0: none). */
static int64_t
scripts_expire(struct gate *g, int64_t now)
{
	struct gate_script *s;
	int64_t next = 0;
	size_t i;

	for (i = 0; i < SCRIPTS_MAX; i++) {
		s = &g->scripts[i];
		if (s->pid == 0)
			continue;
		if (now - s->at > SCRIPT_TTL_NS)
			script_forget(g, s);
		else if (next == 0 || s->at + SCRIPT_TTL_NS < next)
			next = s->at + SCRIPT_TTL_NS;
	}
	return next;
}

/*
 * A notification on a marked script (fd) by the thread pid: its exec's
 * open completed (armed), or it closed the script (its exec failed: the
 * entry goes; a close merged into a pending open comes as one).
 */
static void
script_note(struct gate *g, int fd, pid_t pid, uint64_t mask)
{
	struct gate_script *s;
	struct stat sb;
	size_t i;

	if (fstat(fd, &sb) < 0)
		return;
	for (i = 0; i < SCRIPTS_MAX; i++) {
		s = &g->scripts[i];
		if (s->pid == 0 || s->sdev != sb.st_dev || s->sino != sb.st_ino)
			continue;
		if (s->pid != pid) {
			if (++s->noise > SCRIPT_NOISE)
				script_forget(g, s);
		} else if (mask & FAN_CLOSE_NOWRITE)
			script_forget(g, s);
		else
			s->armed = true;
	}
}

/* The plain path of a gated rule that names this very file, if any. */
static const char *
alias_of(const struct gate *g, dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < g->nalias; i++)
		if (g->alias[i].ino == ino && g->alias[i].dev == dev)
			return g->alias[i].path;
	return NULL;
}

/*
 * The name of the file as the host sees it: the rule's own path when it
 * names this very file (a bind mount elsewhere in a private namespace
 * cannot hide it), else the path the kernel gave if it resolves here to
 * the same file (exename_host()).
 */
static struct str *
host_name(struct gate *g, const char *raw, dev_t dev, ino_t ino, bool check)
{
	static const char deleted[] = " (deleted)";
	char buf[PROC_PATH_MAX];
	const char *s = alias_of(g, dev, ino);
	size_t i, n = strlen(raw);

	/*
	 * A file replaced at a rule's path, run through a descriptor opened
	 * before (execveat): the kernel names it after that path.
	 */
	if (s == NULL && n > sizeof(deleted) - 1 &&
	    strcmp(raw + n - (sizeof(deleted) - 1), deleted) == 0)
		for (i = 0; i < g->nalias && s == NULL; i++)
			if (strlen(g->alias[i].path) == n - (sizeof(deleted) -
			    1) && strncmp(raw, g->alias[i].path, n -
			    (sizeof(deleted) - 1)) == 0)
				s = g->alias[i].path;

	if (s == NULL && check && exename_host(raw, dev, ino, buf,
	    sizeof(buf)) == 0)
		s = buf;
	if (s == NULL)
		s = raw;
	return str_intern(g->t, s, strlen(s));
}

/* The keys of the candidates, read from /proc (dirfd) into p. */
static void
read_keys(struct gate *g, int dirfd, uint32_t keys, struct proc *p,
    const struct stat *sb, bool nosuid, bool script, bool *lineage)
{
	char buf[PROC_PATH_MAX];
	struct proc_status ps;
	struct proc_stat st;

	if ((keys & (RK_BIT(RK_UID) | RK_BIT(RK_GID) | RK_BIT(RK_EUID) |
	    RK_BIT(RK_EGID))) && proc_read_status(dirfd, &ps) == 0) {
		p->uid = ps.uid;
		p->euid = ps.euid;
		p->gid = ps.gid;
		p->egid = ps.egid;
		/* A script's own set-user-ID bit gives nothing (Linux). */
		if (!script)
			gate_setid(sb->st_mode, sb->st_uid, sb->st_gid, nosuid,
			    &p->euid, &p->egid);
		p->flags |= P_IDS;
	}
	if ((keys & (RK_BIT(RK_COMM) | RK_LINEAGE)) &&
	    proc_read_stat(dirfd, &st) == 0) {
		memcpy(p->comm, st.comm, sizeof(p->comm));
		p->flags |= P_COMM;
		if (keys & RK_LINEAGE) {
			(void)lineage_read(g->procfd, &st, g->t, p,
			    (keys & RK_BIT(RK_ANCESTOR)) != 0);
			*lineage = true;
		}
	}
	if ((keys & RK_BIT(RK_CGROUP)) &&
	    proc_read_cgroup(dirfd, buf, sizeof(buf)) == 0) {
		str_set(g->t, &p->cgroup, str_intern(g->t, buf, strlen(buf)));
		if (p->cgroup != NULL)
			p->flags |= P_CGROUP;
	}
}

/* Start an ask: the exec waits for the hooks' verdict. */
static bool
ask_start(struct gate *g, int fd, const struct pevent *pe, uint32_t idx,
    const struct gate_script *sc)
{
	const struct rule *r = &g->cfg->rules[idx];
	unsigned timeout = r->timeout ? r->timeout : g->cfg->hook_timeout;
	struct gate_ask *k;

	if (g->nask == ASK_MAX) {
		g->st.ask_dropped++;
		return false;
	}
	k = &g->ask[g->nask];
	k->cookie = ++g->cookie;
	if (report(g, IPC_GATE_ASK, pe, idx, k->cookie) < 0) {
		g->st.ask_dropped++;
		return false;
	}
	k->fd = fd;
	k->script = *sc;
	k->deadline = now_ns() + ((int64_t)timeout * (int64_t)r->nhooks +
	    ASK_MARGIN_S) * 1000000000ll;
	g->nask++;
	g->st.asked++;
	return true;
}

static void
ask_end(struct gate *g, size_t i, bool allow)
{
	if (allow)
		script_remember(g, &g->ask[i].script, g->ask[i].fd);
	respond(g, g->ask[i].fd, allow);
	g->ask[i] = g->ask[--g->nask];
}

/*
 * Is pid the system's dynamic loader run as a command (ld.so PROGRAM)?  Its
 * executable stays the loader while the program it maps runs.
 */
static bool
run_by_loader(struct gate *g, pid_t pid)
{
	char lnk[32];
	struct statx sx;
	struct stat sb;

	snprintf(lnk, sizeof(lnk), "%d/exe", (int)pid);
	/*
	 * Cached attributes only: the caller's executable may be on a
	 * user's own FUSE mount (under an overlay), whose server would
	 * otherwise decide when, if ever, the gate answers.
	 */
	if (statx(g->procfd, lnk, AT_STATX_DONT_SYNC, STATX_INO |
	    STATX_CTIME, &sx) < 0)
		return false;
	memset(&sb, 0, sizeof(sb));
	sb.st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	sb.st_ino = sx.stx_ino;
	sb.st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	sb.st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	return exename_is_loader_now(&sb);
}

/*
 * A plain open of a marked file: the loader's open of the program it is
 * to map (judged as its exec), or anything else (allowed at once).  An
 * exec opens its file twice, for the exec and then plainly: the second
 * belongs to the exec judged just before.
 */
static bool
loader_open(struct gate *g, int fd, pid_t pid)
{
	struct stat sb;

	if (pid == g->exec_open.pid && fstat(fd, &sb) == 0 &&
	    sb.st_dev == g->exec_open.dev && sb.st_ino == g->exec_open.ino) {
		g->exec_open.pid = 0;
		return false;
	}
	return run_by_loader(g, pid);
}

/*
 * Decide one event: an exec of the file fd, or (by_loader) the loader's
 * open of the program it is about to map, judged as its exec but for
 * set-user-ID bits, which the loader does not honour.  Returns true when
 * it is answered (fd closed), false when it waits for an ask.
 */
static bool
decide(struct gate *g, int fd, pid_t pid, bool by_loader)
{
	char raw[PROC_PATH_MAX], lnk[32], interp_buf[256];
	const uint32_t names = RK_BIT(RK_EXE) | RK_BIT(RK_SCRIPT);
	struct namecache_key key;
	const char *kept;
	size_t len;
	struct event ev;
	struct proc p;
	struct pevent pe;
	struct stat sb;
	struct statvfs vfs;
	struct gate_script sc = { 0 };
	struct proc_status ps;
	char *interp = NULL;
	uint32_t *cand = g->cand, keys = 0;
	size_t i, nc = 0, hit = SIZE_MAX;
	ssize_t n;
	bool miss = false, lineage = false, nosuid = false;
	int dirfd;

	if (g->nrules == 0 || namecache_stat(fd, &key, &sb) < 0)
		return respond(g, fd, true), true;
	if (!by_loader && (exename_is_loader(&sb) ||
	    script_interp(g, pid, &sb))) {
		g->st.loaders++;
		return respond(g, fd, true), true;
	}
	/* A file run in the last second: its path is known. */
	if ((kept = namecache_get(g->names, &key, &len)) != NULL) {
		memcpy(raw, kept, len + 1);
		g->st.kept++;
	} else {
		snprintf(lnk, sizeof(lnk), "self/fd/%d", fd);
		if ((n = readlinkat(g->procfd, lnk, raw, sizeof(raw) - 1)) < 0)
			n = 0;
		raw[n] = '\0';
		(void)namecache_put(g->names, fd, &key, &sb, raw, (size_t)n);
	}
	/*
	 * What the file is, read every time: a write through a shared
	 * mapping may change it and leave its ctime alone.
	 */
	n = by_loader ? 0 : pread(fd, interp_buf, sizeof(interp_buf), 0);
	if (n > 0)
		interp = binfmt_script_interp((unsigned char *)interp_buf,
		    (size_t)n);

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_EXEC;
	ev.pid = ev.tid = pid;
	ev.ts_ns = (uint64_t)now_ns();
	memset(&p, 0, sizeof(p));
	p.pid = pid;
	p.flags = P_EXE | P_SCRIPT;
	p.exe_id.dev = sb.st_dev;
	p.exe_id.ino = sb.st_ino;
	if (interp != NULL) {
		char real[PATH_MAX];
		struct stat isb;

		p.script = host_name(g, raw, sb.st_dev, sb.st_ino,
		    g->need_host);
		/* Symlinks resolved, as the kernel will name the program. */
		if (realpath(interp, real) != NULL && stat(real, &isb) == 0) {
			p.exe = host_name(g, real, isb.st_dev, isb.st_ino,
			    g->need_host);
			sc.pid = pid;
			sc.dev = isb.st_dev;
			sc.ino = isb.st_ino;
			sc.sdev = sb.st_dev;
			sc.sino = sb.st_ino;
		} else
			p.exe = str_intern(g->t, interp, strlen(interp));
	} else
		p.exe = host_name(g, raw, sb.st_dev, sb.st_ino, g->need_host);
	if (p.exe == NULL)
		p.flags &= ~P_EXE;
	if (by_loader && exename_loader(raw, sizeof(raw)) == 0)
		p.loader = str_intern(g->t, raw, strlen(raw));
	memset(&pe, 0, sizeof(pe));
	pe.ev = &ev;
	pe.p = &p;

	/* By name first: no /proc read for an exec no rule names. */
	for (i = 0; i < g->nrules; i++)
		if (rule_match(&g->cfg->rules[g->rules[i]], &pe, g->t, &miss,
		    ~names)) {
			cand[nc++] = g->rules[i];
			keys |= g->keys[i];
		}
	if (nc > 0 && (dirfd = proc_open(g->procfd, pid)) >= 0) {
		if (by_loader)
			nosuid = true;
		else if (keys & (RK_BIT(RK_EUID) | RK_BIT(RK_EGID)))
			nosuid = fstatvfs(fd, &vfs) == 0 &&
			    (vfs.f_flag & ST_NOSUID);
		read_keys(g, dirfd, keys, &p, &sb, nosuid, interp != NULL,
		    &lineage);
		close(dirfd);
	}
	/* A deny rule wins over an ask rule. */
	for (i = 0; i < nc; i++) {
		const struct rule *r = &g->cfg->rules[cand[i]];

		if (!rule_match(r, &pe, g->t, &miss, 0))
			continue;
		if (hit == SIZE_MAX || (r->action == ACT_DENY &&
		    g->cfg->rules[hit].action != ACT_DENY))
			hit = cand[i];
	}
	if (hit != SIZE_MAX && ours(g, pid)) {
		g->st.ours++;
		hit = SIZE_MAX;
	}
	/* A refusal is rare: its log line and hooks get the whole event. */
	if (hit != SIZE_MAX && (dirfd = proc_open(g->procfd, pid)) >= 0) {
		if (lineage)
			lineage_forget(g->t, &p);
		read_keys(g, dirfd, RK_BIT(RK_UID) | RK_BIT(RK_CGROUP) |
		    RK_BIT(RK_PARENT) | RK_BIT(RK_COMM), &p, &sb, nosuid,
		    interp != NULL, &lineage);
		/* The event names the thread; the report, its process. */
		if (proc_read_status(dirfd, &ps) == 0 && ps.tgid > 0)
			ev.pid = p.pid = ps.tgid;
		close(dirfd);
	}
	if (hit == SIZE_MAX) {
		g->st.unknown += miss;
		g->st.allowed++;
		if (!by_loader) {
			g->exec_open.pid = pid;
			g->exec_open.dev = sb.st_dev;
			g->exec_open.ino = sb.st_ino;
		}
		script_remember(g, &sc, fd);
		respond(g, fd, true);
	} else if (g->a->dry_run) {
		g->st.dry++;
		(void)report(g, g->cfg->rules[hit].action == ACT_DENY ?
		    IPC_GATE_DENY : IPC_GATE_ASK, &pe, (uint32_t)hit, 0);
		script_remember(g, &sc, fd);
		respond(g, fd, true);
	} else if (g->cfg->rules[hit].action == ACT_ASK &&
	    ask_start(g, fd, &pe, (uint32_t)hit, &sc)) {
		fd = -1;
	} else {
		g->st.denied++;
		if (g->cfg->rules[hit].action == ACT_DENY)
			(void)report(g, IPC_GATE_DENY, &pe, (uint32_t)hit, 0);
		respond(g, fd, false);
	}
	if (lineage)
		lineage_forget(g->t, &p);
	str_set(g->t, &p.exe, NULL);
	str_set(g->t, &p.script, NULL);
	str_set(g->t, &p.loader, NULL);
	str_set(g->t, &p.pexe, NULL);
	str_set(g->t, &p.cgroup, NULL);
	return fd >= 0;
}

/*
 * Read and answer the queued events, a bounded number of reads per
 * wake-up: under an exec storm, verdicts and deadlines get their turn.
 */
static int
read_events(struct gate *g)
{
	static char buf[GATE_BUF] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *m;
	int64_t t0;
	ssize_t len;
	int reads;

	for (reads = 0; reads < 16; reads++) {
		if ((len = read(g->a->fanfd, buf, sizeof(buf))) < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (len == 0)
			return 0;
		t0 = now_ns();
		for (m = (void *)buf; FAN_EVENT_OK(m, len);
		    m = FAN_EVENT_NEXT(m, len)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				log_warnx("gate: fanotify metadata version %u",
				    m->vers);
				return -EPROTO;
			}
			if (m->fd < 0)
				continue;
			/* A notification only: no answer. */
			if (!(m->mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM))) {
				script_note(g, m->fd, m->pid, m->mask);
				close(m->fd);
				continue;
			}
			g->st.events++;
			if (m->mask & FAN_OPEN_EXEC_PERM)
				(void)decide(g, m->fd, m->pid, false);
			else if ((m->mask & FAN_OPEN_PERM) &&
			    loader_open(g, m->fd, m->pid)) {
				g->st.by_loader++;
				(void)decide(g, m->fd, m->pid, true);
			} else {
				respond(g, m->fd, true);
				continue;
			}
			latency(g, t0);
		}
	}
	return 0;
}

/* The files of the plan's paths, and those of every plain rule path. */
static void
aliases(struct gate *g)
{
	const struct rule *r;
	const struct glob_list *gl[2];
	struct stat sb;
	size_t i, j, k, n = 0;

	for (i = 0; i < g->nalias; i++)
		free(g->alias[i].path);
	for (i = 0; i < g->nrules; i++) {
		r = &g->cfg->rules[g->rules[i]];
		gl[0] = &r->exe;
		gl[1] = &r->script;
		for (k = 0; k < 2; k++)
			for (j = 0; j < gl[k]->n && n < ALIAS_MAX; j++) {
				if (gl[k]->neg[j] || gl[k]->kind[j] !=
				    GLOB_LITERAL || stat(gl[k]->pat[j], &sb) < 0)
					continue;
				g->alias[n].path = strdup(gl[k]->pat[j]);
				if (g->alias[n].path == NULL)
					continue;
				g->alias[n].dev = sb.st_dev;
				g->alias[n].ino = sb.st_ino;
				g->alias[n].ctime = sb.st_ctim;
				n++;
			}
	}
	g->nalias = n;
}

/*
 * The marks on the plan's files: their execs, and their other opens, of
 * which decide() judges only the dynamic loader's (ld.so PROGRAM maps the
 * program it opens without an exec of it).
 */
#define INODE_MASK	(FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM)

/*
 * Mark the plan's files (a file replaced since is marked anew).  Returns
 * how many are marked; *unmarked: how many exist but could not be (warn:
 * say which).
 */
static unsigned
mark_paths(int fanfd, const struct gate_plan *plan, unsigned *unmarked,
    bool warn)
{
	unsigned n = 0;
	size_t i;

	*unmarked = 0;
	for (i = 0; i < plan->npaths; i++)
		if (fanotify_mark(fanfd, FAN_MARK_ADD, INODE_MASK, AT_FDCWD,
		    plan->paths[i]) == 0)
			n++;
		else if (errno != ENOENT && errno != ENOTDIR) {
			if (warn)
				log_warn("gate: cannot mark %s",
				    plan->paths[i]);
			(*unmarked)++;
		}
	return n;
}

/* Does path name one of the plan's files? */
static bool
plan_file(const struct gate_plan *plan, const char *path)
{
	struct stat a, b;
	size_t i;

	if (stat(path, &a) < 0)
		return false;
	for (i = 0; i < plan->npaths; i++)
		if (stat(plan->paths[i], &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return true;
	return false;
}

/*
 * Every exec of a dynamic program opens the loader too, and decide()
 * allows the loader at once (what it loads is the program judged, or one
 * the gate cannot see: ld.so PROGRAM falls back to kill).  With file
 * systems marked, an ignore mark on it spares that second wait per exec.
 */
static void
ignore_loader(int fanfd)
{
	char path[PATH_MAX];
	struct stat sb;

	if (exename_loader(path, sizeof(path)) < 0 || stat(path, &sb) < 0 ||
	    !exename_is_loader(&sb))
		return;
	if (fanotify_mark(fanfd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK |
	    FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN_EXEC_PERM, AT_FDCWD,
	    path) < 0)
		log_warn("gate: cannot spare the loader %s", path);
}

static unsigned
mark_filesystems(struct gate *g)
{
	unsigned n = 0;

	if (g->mountinfo < 0 || exe_mark_mounts_mask(g->a->fanfd,
	    g->mountinfo, FAN_OPEN_EXEC_PERM, &n) < 0)
		log_warnx("gate: cannot read the mounts");
	return n;
}

/*
 * The directories of the plan's files: a file created or renamed there
 * may be put at a marked path (a package upgrade renames a new file over
 * the old one), and is then marked at once, not at the next check.
 */
static void
watch_dirs(struct gate *g)
{
	char dir[PATH_MAX];
	size_t i;

	if (g->dirfan < 0)
		return;
	(void)fanotify_mark(g->dirfan, FAN_MARK_FLUSH, 0, AT_FDCWD, "/");
	for (i = 0; g->plan.mode == GATE_INODES && i < g->plan.npaths; i++) {
		snprintf(dir, sizeof(dir), "%s", g->plan.paths[i]);
		if (!gate_path_parent(dir))
			continue;
		if (fanotify_mark(g->dirfan, FAN_MARK_ADD, FAN_CREATE |
		    FAN_MOVED_TO, AT_FDCWD, dir) < 0)
			log_warn("gate: cannot watch %s", dir);
	}
}

/*
 * Marks for a new plan: the new ones first, then the old ones go, but for
 * a file the new plan names too (by a link, or another path), then the new
 * ones again: the count is of what is marked in the end, even if a path
 * changed meanwhile (a user's link swapped between the check and the
 * removal).  Returns the files that exist but could not be marked
 * (GATE_INODES).
 */
static unsigned
remark(struct gate *g, const struct gate_plan *old)
{
	unsigned n = 0, unmarked = 0;
	size_t i, j;
	bool kept;

	if (g->plan.mode == GATE_INODES)
		(void)mark_paths(g->a->fanfd, &g->plan, &unmarked, false);
	else if (g->plan.mode == GATE_FILESYSTEMS &&
	    old->mode != GATE_FILESYSTEMS)
		n = mark_filesystems(g);
	if (old->mode == GATE_FILESYSTEMS && g->plan.mode != GATE_FILESYSTEMS) {
		(void)exe_unmark_mounts(g->a->fanfd);
	}
	if (old->mode == GATE_INODES && g->plan.mode != GATE_INODES) {
		/* Every inode mark goes, the scripts' too. */
		(void)fanotify_mark(g->a->fanfd, FAN_MARK_FLUSH, 0, AT_FDCWD,
		    "/");
		for (i = 0; i < SCRIPTS_MAX; i++)
			if (g->scripts[i].pid != 0)
				script_forget(g, &g->scripts[i]);
	} else if (old->mode == GATE_INODES)
		for (i = 0; i < old->npaths; i++) {
			for (kept = false, j = 0; j < g->plan.npaths; j++)
				kept |= strcmp(old->paths[i],
				    g->plan.paths[j]) == 0;
			/* A mark is the file's: removing it unmarks both. */
			if (!kept && !plan_file(&g->plan, old->paths[i]))
				(void)fanotify_mark(g->a->fanfd,
				    FAN_MARK_REMOVE, INODE_MASK, AT_FDCWD,
				    old->paths[i]);
		}
	if (g->plan.mode == GATE_INODES)
		n = mark_paths(g->a->fanfd, &g->plan, &unmarked, true);
	if (g->plan.mode == GATE_FILESYSTEMS)
		ignore_loader(g->a->fanfd);
	watch_dirs(g);
	if (g->plan.mode == GATE_INODES)
		log_info("gate: %u files marked: only their execs wait", n);
	else if (g->plan.mode == GATE_FILESYSTEMS &&
	    old->mode != GATE_FILESYSTEMS)
		log_info("gate: %u file systems marked: every exec there waits "
		    "for the gate", n);
	return unmarked;
}

/*
 * Use cfg (taking it) with plan (taking its paths), placing its marks
 * unless they are placed already (then *unmarked: files that exist but
 * could not be marked); the rules change between two events.
 */
static int
set_config(struct gate *g, struct config *cfg, uint32_t gen,
    struct gate_plan *plan, bool marked, unsigned *unmarked)
{
	struct gate_plan old = g->plan;
	uint32_t *rules, *keys, *cand;
	size_t i, j, n = 0;

	rules = calloc(cfg->nrules + 1, sizeof(*rules));
	keys = calloc(cfg->nrules + 1, sizeof(*keys));
	cand = calloc(cfg->nrules + 1, sizeof(*cand));
	if (rules == NULL || keys == NULL || cand == NULL) {
		free(rules);
		free(keys);
		free(cand);
		return -ENOMEM;
	}
	g->need_host = false;
	for (i = 0; i < cfg->nrules; i++) {
		const struct rule *r = &cfg->rules[i];

		if (!ACT_GATED(r->action))
			continue;
		keys[n] = gate_rule_keys(r);
		rules[n++] = (uint32_t)i;
		for (j = 0; j < r->exe.n; j++)
			g->need_host |= r->exe.neg[j];
		for (j = 0; j < r->script.n; j++)
			g->need_host |= r->script.neg[j];
	}
	if (g->cfg != cfg)
		config_free(g->cfg);
	free(g->rules);
	free(g->keys);
	free(g->cand);
	g->cfg = cfg;
	g->rules = rules;
	g->keys = keys;
	g->cand = cand;
	g->nrules = n;
	g->gen = gen;
	g->plan = *plan;
	aliases(g);
	if (!marked)
		*unmarked = remark(g, &old);
	gate_plan_free(&old);
	memset(plan, 0, sizeof(*plan));
	return 0;
}

/* Tell the privileged part what is marked, if it is to be told. */
static void
send_marks(struct gate *g)
{
	static struct ipc_msg m;

	if (!g->report_due)
		return;
	memset(&m, 0, sizeof(m));
	m.type = IPC_GATE_APPLIED;
	m.u.applied.gen = g->gen;
	m.u.applied.unmarked = g->unmarked;
	if (ipc_send(g->a->ipc, &m) == 0) {
		g->reported = g->unmarked;
		g->report_due = false;
	}
}

/*
 * How many files of the configuration in force exist but are not marked:
 * the privileged part leaves execs to the gate on the word that none is,
 * and shows them to the event loop again when one is.  It is told of a new
 * configuration (fresh), and of any change since; a message that does not
 * fit is sent again from the poll loop.
 */
static void
note_marks(struct gate *g, unsigned unmarked, bool fresh)
{
	g->unmarked = unmarked;
	if (fresh || unmarked != g->reported)
		g->report_due = true;
	send_marks(g);
}

/* A chunk of a new configuration from the privileged part. */
static void
config_chunk(struct gate *g, const struct ipc_msg *m)
{
	struct gate_plan plan;
	struct config *cfg;
	unsigned unmarked = 0;
	int r;

	r = config_rx_add(&g->rx, m->u.cfg.gen, m->u.cfg.file, m->u.cfg.name,
	    m->u.cfg.data, m->len, m->u.cfg.last, &cfg);
	if (r == 0)
		return;
	if (r < 0 || cfg == NULL || gate_plan(cfg, &plan) < 0) {
		config_free(r > 0 ? cfg : NULL);
		log_warnx("gate: cannot apply the new configuration; the old "
		    "rules stay");
		return;
	}
	if (set_config(g, cfg, m->u.cfg.gen, &plan, false, &unmarked) < 0) {
		gate_plan_free(&plan);
		config_free(cfg);
		log_warnx("gate: out of memory; the old rules stay");
		return;
	}
	log_info("gate: configuration %u in force: %zu deny and ask rules",
	    g->gen, g->nrules);
	note_marks(g, unmarked, true);
}

/* The median and 99th percentile, to the power of two above. */
static uint64_t
lat_pct(const struct gate_stats *s, unsigned pct)
{
	uint64_t want = (s->lat_n * pct + 99) / 100, seen = 0;
	unsigned b;

	for (b = 0; b < sizeof(s->lat_hist) / sizeof(s->lat_hist[0]); b++)
		if ((seen += s->lat_hist[b]) >= want && want > 0)
			return 2ull << b;
	return 0;
}

static void
log_stats(struct gate *g)
{
	const struct gate_stats *s = &g->st;

	log_info("gate: %llu exec events: %llu allowed, %llu denied, %llu "
	    "asked (%llu allowed, %llu denied, %llu timed out, %llu could "
	    "not be asked), %llu of ours allowed, %llu with an unknown value "
	    "allowed, %llu loaders and interpreters of judged execs, %llu "
	    "programs opened by the loader run as a command judged, %llu "
	    "would be denied (dry run), %llu reports dropped, %llu paths "
	    "from the name cache; %zu waiting",
	    (unsigned long long)s->events, (unsigned long long)s->allowed,
	    (unsigned long long)s->denied, (unsigned long long)s->asked,
	    (unsigned long long)s->ask_allowed,
	    (unsigned long long)s->ask_denied,
	    (unsigned long long)s->ask_timeout,
	    (unsigned long long)s->ask_dropped, (unsigned long long)s->ours,
	    (unsigned long long)s->unknown, (unsigned long long)s->loaders,
	    (unsigned long long)s->by_loader, (unsigned long long)s->dry,
	    (unsigned long long)s->reports_dropped,
	    (unsigned long long)s->kept, g->nask);
	log_info("gate: answer latency: mean %llu ns, median under %llu ns, "
	    "99%% under %llu ns, max %llu ns",
	    (unsigned long long)(s->lat_n ? s->lat_sum_ns / s->lat_n : 0),
	    (unsigned long long)lat_pct(s, 50),
	    (unsigned long long)lat_pct(s, 99),
	    (unsigned long long)s->lat_max_ns);
}

static void
verdict(struct gate *g, const struct ipc_msg *m)
{
	size_t i;

	for (i = 0; i < g->nask; i++) {
		if (g->ask[i].cookie != m->u.verdict.cookie)
			continue;
		if (m->u.verdict.allow)
			g->st.ask_allowed++;
		else
			g->st.ask_denied++;
		ask_end(g, i, m->u.verdict.allow != 0);
		return;
	}
}

/* Messages from the privileged part; -EPIPE when it is gone. */
static int
from_privd(struct gate *g)
{
	static struct ipc_msg m;
	int r, n = 0;

	while (n++ < 64 && (r = ipc_recv(g->a->ipc, &m)) == 1) {
		switch (m.type) {
		case IPC_GATE_VERDICT:
			verdict(g, &m);
			break;
		case IPC_CONFIG:
			config_chunk(g, &m);
			break;
		case IPC_STATS:
			log_stats(g);
			break;
		default:
			break;
		}
	}
	if (n > 64)
		return 0;
	return r == -EPIPE ? -EPIPE : 0;
}

/*
 * Asks past their deadline are denied, and scripts whose interpreter did
 * not come are forgotten; returns ms to the next of those.
 */
static int
expire(struct gate *g)
{
	int64_t now = now_ns(), next = g->recheck_at, s;
	size_t i = 0;

	if ((s = scripts_expire(g, now)) != 0 && s < next)
		next = s;
	while (i < g->nask) {
		if (g->ask[i].deadline <= now) {
			g->st.ask_timeout++;
			log_warnx("gate: an ask got no verdict in time: denied");
			ask_end(g, i, false);
			continue;
		}
		if (g->ask[i].deadline < next)
			next = g->ask[i].deadline;
		i++;
	}
	return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

/*
 * Mark the plan's files again, saying which cannot be at most once a
 * second, and tell privd if fewer or more are marked.
 */
static void
mark_again(struct gate *g)
{
	int64_t now = now_ns();
	unsigned unmarked;
	bool warn = now - g->marks_warned_ns >= 1000000000ll;

	(void)mark_paths(g->a->fanfd, &g->plan, &unmarked, warn);
	if (warn && unmarked > 0)
		g->marks_warned_ns = now;
	note_marks(g, unmarked, false);
}

/*
 * Every second: a marked file replaced gets its new inode marked, and a
 * file the rules name that did not exist yet is marked once it does.
 */
static void
recheck(struct gate *g)
{
	struct stat sb;
	size_t i;
	bool moved = false;

	g->recheck_at = now_ns() + RECHECK_NS;
	exename_loader_recheck();
	for (i = 0; i < g->nalias; i++)
		if (stat(g->alias[i].path, &sb) == 0 &&
		    (sb.st_dev != g->alias[i].dev ||
		    sb.st_ino != g->alias[i].ino ||
		    sb.st_ctim.tv_sec != g->alias[i].ctime.tv_sec ||
		    sb.st_ctim.tv_nsec != g->alias[i].ctime.tv_nsec))
			moved = true;
	for (i = 0; !moved && i < g->plan.npaths; i++)
		if (stat(g->plan.paths[i], &sb) == 0 &&
		    alias_of(g, sb.st_dev, sb.st_ino) == NULL)
			moved = true;
	if (!moved)
		return;
	aliases(g);
	if (g->plan.mode == GATE_INODES) {
		log_info("gate: a marked file was replaced or created: "
		    "marking it again");
		mark_again(g);
	}
}

/*
 * The mounts changed.  File systems: mark the new ones.  Files: a file
 * system unmounted and mounted again lost the marks on its files and
 * keeps their inode numbers and change times, which recheck() would take
 * for the marked files: mark them all again.
 */
static void
mounts_changed(struct gate *g)
{
	if (g->plan.mode == GATE_FILESYSTEMS)
		(void)mark_filesystems(g);
	else if (g->plan.mode == GATE_INODES) {
		mark_again(g);
		watch_dirs(g);
	}
}

/* Files were created or renamed there: were marked paths among them? */
static void
dirs_changed(struct gate *g)
{
	static char buf[4096] __attribute__((aligned(8)));
	int64_t now = now_ns();

	while (read(g->dirfan, buf, sizeof(buf)) > 0)
		;
	/* A user creating files in a loop gets one check a millisecond. */
	if (now - g->dirs_at < DIRS_NS) {
		if (g->recheck_at > g->dirs_at + DIRS_NS)
			g->recheck_at = g->dirs_at + DIRS_NS;
		return;
	}
	g->dirs_at = now;
	recheck(g);
}

int
gate_open(const struct gate_plan *plan, unsigned *nmarks, unsigned *unmarked)
{
	int fd, mi;

	*nmarks = *unmarked = 0;
	/*
	 * Events name the thread (FAN_REPORT_TID): what the gate keeps of an
	 * exec under way (a script's interpreter to come, the exec's second
	 * open) belongs to the thread executing, not to another thread of its
	 * process racing it.
	 */
	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
	    FAN_UNLIMITED_QUEUE | FAN_REPORT_TID,
	    O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (plan->mode == GATE_INODES) {
		*nmarks = mark_paths(fd, plan, unmarked, true);
	} else if (plan->mode == GATE_FILESYSTEMS) {
		if ((mi = open("/proc/self/mountinfo", O_RDONLY |
		    O_CLOEXEC)) >= 0) {
			(void)exe_mark_mounts_mask(fd, mi, FAN_OPEN_EXEC_PERM,
			    nmarks);
			close(mi);
		}
		ignore_loader(fd);
	}
	return fd;
}

enum { PFD_FAN, PFD_IPC, PFD_MOUNTS, PFD_DIRS, PFD_MAX };

int
gate_main(struct gate_args *a)
{
	struct pollfd pfd[PFD_MAX];
	struct gate g;
	int r, timeout;
	size_t i;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < SCRIPTS_MAX; i++)
		g.scripts[i].fd = -1;
	g.reported = UINT_MAX;	/* main told privd of the start */
	g.a = a;
	g.privd = getppid();
	/* Told apart from the other parts in ps and pgrep. */
	(void)prctl(PR_SET_NAME, "prochook-gate", 0, 0, 0);
	g.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g.mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	g.dirfan = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
	    FAN_REPORT_DFID_NAME, O_RDONLY | O_CLOEXEC);
	g.t = table_new();
	g.names = namecache_new();
	if (g.procfd < 0 || g.t == NULL || g.names == NULL)
		fatalx(EXIT_PART, "gate: cannot start: %s", strerror(errno));
	/* gate_open() placed the plan's marks before the fork. */
	if (set_config(&g, a->cfg, 1, &a->plan, true, NULL) < 0)
		fatalx(EXIT_PART, "gate: out of memory");
	/* Mounts changed since then are changes mountinfo will not tell. */
	mounts_changed(&g);
	(void)exename_is_loader(NULL);	/* learnt before the marks, in main */
	if ((r = loop_sched_deadline(SCHED_DL_RUNTIME_NS,
	    SCHED_DL_PERIOD_NS)) < 0)
		log_debug("gate: no SCHED_DEADLINE budget (%s)", strerror(-r));
	if ((r = sandbox_keep_caps(gate_caps, sizeof(gate_caps) /
	    sizeof(gate_caps[0]))) < 0)
		fatalx(EXIT_PART, "gate: cannot drop capabilities: %s",
		    strerror(-r));
	if ((r = sandbox_seccomp_gate()) < 0)
		log_warnx("gate: no seccomp filter: %s", strerror(-r));
	g.recheck_at = now_ns() + RECHECK_NS;

	for (;;) {
		pfd[PFD_FAN] = (struct pollfd){ a->fanfd, POLLIN, 0 };
		pfd[PFD_IPC] = (struct pollfd){ a->ipc, POLLIN, 0 };
		pfd[PFD_MOUNTS] = (struct pollfd){ g.mountinfo, POLLPRI, 0 };
		pfd[PFD_DIRS] = (struct pollfd){ g.dirfan, POLLIN, 0 };
		send_marks(&g);
		timeout = expire(&g);
		if (g.report_due && (timeout < 0 || timeout > 100))
			timeout = 100;
		if (poll(pfd, PFD_MAX, timeout) < 0 && errno != EINTR)
			fatal(EXIT_PART, "gate: poll");
		if ((pfd[PFD_FAN].revents & POLLIN) &&
		    (r = read_events(&g)) < 0)
			fatalx(EXIT_PART, "gate: reading events: %s",
			    strerror(-r));
		if ((pfd[PFD_IPC].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    from_privd(&g) == -EPIPE)
			break;
		if (pfd[PFD_MOUNTS].revents & POLLPRI)
			mounts_changed(&g);
		if (pfd[PFD_DIRS].revents & POLLIN)
			dirs_changed(&g);
		if (now_ns() >= g.recheck_at)
			recheck(&g);
	}
	/* The privileged part is gone: nothing waits on an answer of ours. */
	for (i = g.nask; i > 0; i--)
		ask_end(&g, i - 1, false);
	return 0;
}
