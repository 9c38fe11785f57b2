/*
 * main.c - options, the privileged start-up, and the fork.
 *
 * Start-up: subscribe to the proc connector and wait for the kernel's
 * acknowledgement, set up fanotify exec notifications, scan /proc, then
 * split.  Everything that needs privilege happens before the fork, so
 * that the event loop can drop it at once; each process then sets itself
 * up in its own file (loop.c:loop_main, privd.c:privd_main).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "config.h"
#include "enrich.h"
#include "exe.h"
#include "exename.h"
#include "exitcode.h"
#include "explain.h"
#include "gate.h"
#include "ipc.h"
#include "log.h"
#include "loop.h"
#include "netlink.h"
#include "notify.h"
#include "sandbox.h"
#include "privd.h"
#include "table.h"

#define DEFAULT_RCVBUF	(4u << 20)
#define SCHED_SLICE_NS	100000	/* the shortest EEVDF allows */

struct options {
	const char	*config;
	bool		 config_given;	/* -c: with -m, its deny rules act */
	bool		 check;
	bool		 dry_run;
	bool		 monitor;
	bool		 json;
	bool		 syslog;
	int		 verbose;
	const char	*explain;	/* -x PID, and its --event, --status, --signal */
	const char	*event, *status, *signal;
};

/* What the privileged start-up opened, for both parts. */
struct startup {
	struct config	*cfg;
	struct config	*gate_cfg;	/* -m -c: the deny rules only */
	struct sandbox_user user;
	struct nl	*nl[NL_NPARTS];
	struct exe_src	*exe;
	struct table	*t;
	struct enrich	 en;
	int		 procfd;
	int		 sigfd;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: prochookd [-c FILE] [-t] [-n] [-m [--json]] [--syslog] [-v] [-V] [-h]\n"
"       prochookd [-c FILE] -x PID [--event exit --status N | --signal NAME]\n"
"  -c, --config FILE  configuration file (default %s/prochook/prochook.conf)\n"
"  -t, --check        check the configuration and hooks, print the rules, exit\n"
"  -n, --dry-run      only log what each match would do\n"
"  -m, --monitor      print every process event, one line each\n"
"      --json         with -m: one JSON object per line\n"
"  -x, --explain PID  test every rule against a live process, key by key\n"
"      --event exit --status N | --signal NAME\n"
"                     with -x: as if it exited so (default: as if it exec'd)\n"
"      --syslog       log to syslog instead of stderr\n"
"  -v, --verbose      more logging (with -m: thread events too)\n"
"  -V, --version      print the version\n"
"  -h, --help         this help\n", SYSCONFDIR);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_JSON = 256, OPT_SYSLOG, OPT_EVENT, OPT_STATUS, OPT_SIGNAL };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "monitor", no_argument, NULL, 'm' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "explain", required_argument, NULL, 'x' },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "signal", required_argument, NULL, OPT_SIGNAL },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->config = SYSCONFDIR "/prochook/prochook.conf";
	while ((c = getopt_long(argc, argv, "c:tnmx:vVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			o->config_given = true;
			break;
		case 't':
			o->check = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'm':
			o->monitor = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'x':
			o->explain = optarg;
			break;
		case OPT_EVENT:
			o->event = optarg;
			break;
		case OPT_STATUS:
			o->status = optarg;
			break;
		case OPT_SIGNAL:
			o->signal = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("prochookd %s\n", VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "prochookd: unexpected argument '%s'\n",
		    argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (o->json && !o->monitor) {
		fprintf(stderr, "prochookd: --json needs --monitor\n");
		exit(EXIT_USAGE);
	}
	if ((o->event || o->status || o->signal) && !o->explain) {
		fprintf(stderr, "prochookd: --event, --status and --signal "
		    "need --explain\n");
		exit(EXIT_USAGE);
	}
	if (o->explain && (o->check || o->dry_run || o->monitor)) {
		fprintf(stderr, "prochookd: --explain: not with --check, "
		    "--dry-run or --monitor\n");
		exit(EXIT_USAGE);
	}
	if (o->monitor && (o->check || o->dry_run)) {
		fprintf(stderr, "prochookd: --monitor takes no rules: "
		    "not with --check or --dry-run\n");
		exit(EXIT_USAGE);
	}
}

/* What a failure to reach the proc connector means, for a person. */
static const char *
kernel_reason(int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
	case -ENOENT:
		return "this kernel has no proc connector "
		    "(CONFIG_CONNECTOR and CONFIG_PROC_EVENTS)";
	case -EPERM:
	case -EACCES:
		return "not permitted: run prochookd as root "
		    "(an ordinary user may monitor on Linux 6.6 and later)";
	case -ECONNREFUSED:
		return "connection refused: prochookd is not in the host's "
		    "network namespace, and the kernel delivers process "
		    "events only there";
	case -ETIMEDOUT:
		return "the kernel did not acknowledge the subscription: "
		    "prochookd is not in the host's pid and user namespaces, "
		    "and the kernel ignores subscriptions from any other";
	default:
		return strerror(-err);
	}
}

/* Open and subscribe a connector socket for a part; exits 3 on failure. */
static struct nl *
open_connector(enum nl_part part, size_t rcvbuf, bool threads, uint32_t what)
{
	enum nl_mode mode;
	struct nl *nl;
	bool forced;
	size_t got;
	int r;

	if ((r = nl_open(&nl, rcvbuf, &got, &forced)) < 0)
		fatalx(EXIT_KERNEL, "cannot open the proc connector: %s",
		    kernel_reason(r));
	/* got is what the kernel charges against: twice what we asked. */
	if (!forced && got < rcvbuf && part == NL_FAST)
		log_warnx("cannot force the receive buffer to %zu bytes "
		    "(not root?); got %zu, events may be lost under load",
		    rcvbuf, got);
	if ((r = nl_subscribe(nl, &mode)) < 0)
		fatalx(EXIT_KERNEL, "cannot subscribe to process events: %s",
		    kernel_reason(r));
	log_debug("%s events: subscribed (%s), receive buffer %zu bytes",
	    part == NL_FAST ? "exec and other" : "fork and exit",
	    mode == NL_MODE_FILTERED ? "Linux 6.6+: events filtered by type "
	    "in the kernel" : "before Linux 6.6: every event type", got);
	if ((r = nl_filter(nl, part, threads, true)) < 0)
		log_warnx("cannot filter events in the kernel: %s",
		    strerror(-r));
	if ((r = nl_narrow(nl, what & nl_part_events(part))) < 0)
		log_warnx("cannot narrow the subscription: %s", strerror(-r));
	return nl;
}

/* fanotify exec notifications, when we may have them. */
static struct exe_src *
open_exe(void)
{
	struct exe_src *exe;
	unsigned n;
	int r, fd;

	if ((r = exe_open(&exe)) < 0) {
		log_warnx("no fanotify exec notifications (%s): executables "
		    "are read from /proc, and a process that exits at once "
		    "may not be named", strerror(-r));
		return NULL;
	}
	if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0 ||
	    exe_mark_mounts(exe, fd, &n) < 0) {
		log_warn("cannot read /proc/self/mountinfo");
		n = 0;
	}
	if (fd >= 0)
		close(fd);
	log_debug("fanotify: exec notifications on %u file systems", n);
	return exe;
}

/*
 * Each held process keeps a pidfd open, each running hook a few pipes:
 * the usual soft limit of 1024 descriptors is too few for max_hooks and
 * queue_size at their defaults.  The hard limit is ours to take.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
print_err(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* -t: check the configuration and every hook, print the rules. */
static int
check(const struct options *o)
{
	struct config *cfg = config_load(o->config, print_err, NULL);
	struct sandbox_user u = { .uid = 1 };

	if (cfg == NULL) {
		fprintf(stderr, "%s: configuration refused\n", o->config);
		return EXIT_CONFIG;
	}
	config_print(cfg, stdout);
	config_warnings(cfg, print_err, NULL);
	if (sandbox_user(cfg->user, &u) < 0 || u.uid == 0) {
		fprintf(stderr, "%s: user %s: %s\n", o->config, cfg->user,
		    u.uid == 0 ? "the event loop may not run as root" :
		    "no such user (make install creates prochook)");
		config_free(cfg);
		return EXIT_CONFIG;
	}
	printf("%s: %zu rules, configuration OK\n", o->config, cfg->nrules);
	config_free(cfg);
	return 0;
}

/* -x PID: every rule against a live process; no socket, no action. */
static int
explain(const struct options *o)
{
	struct explain_args a;
	char err[256];

	if (explain_args_parse(&a, o->explain, o->event, o->status, o->signal,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "prochookd: %s\n", err);
		return EXIT_USAGE;
	}
	a.config = o->config;
	return explain_main(&a);
}

/*
 * The configuration (none for --monitor), and as root the user the event
 * loop is to become; exits 1 when either is unusable.
 */
static struct config *
load(const struct options *o, bool root, struct sandbox_user *u)
{
	struct config *cfg = NULL;
	const char *user;
	int r;

	if (!o->monitor) {
		if ((cfg = config_load(o->config, print_err, NULL)) == NULL)
			fatalx(EXIT_CONFIG, "%s: configuration refused",
			    o->config);
		if (!root)
			fatalx(EXIT_CONFIG, "rules need root (an ordinary user "
			    "may only --monitor)");
	}
	if (!root)
		return cfg;
	user = cfg ? cfg->user : "prochook";
	if ((r = sandbox_user(user, u)) < 0)
		fatalx(EXIT_CONFIG, "user %s: %s: the event loop runs as this "
		    "unprivileged user; create it (make install does, or "
		    "useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s)%s", user,
		    r == -ENOENT ? "no such user" : strerror(-r), user,
		    cfg ? ", or set another in [daemon] user" : "");
	if (u->uid == 0)
		fatalx(EXIT_CONFIG, "user %s is root: the event loop must run "
		    "as an unprivileged user", u->name);
	return cfg;
}

/*
 * -m -c FILE: the monitor prints every event, and the deny rules of FILE
 * refuse execs, shown as "deny" lines.  Nothing else of FILE acts: no
 * hooks run under the monitor.
 */
static struct config *
load_monitor_gate(const struct options *o)
{
	struct config *cfg;
	size_t i, ignored = 0;

	if ((cfg = config_load(o->config, print_err, NULL)) == NULL)
		fatalx(EXIT_CONFIG, "%s: configuration refused", o->config);
	for (i = 0; i < cfg->nrules; i++) {
		if (cfg->rules[i].action == ACT_ASK)
			fatalx(EXIT_USAGE, "%s: rule [%s]: --monitor runs no "
			    "hooks, so it cannot ask; run it without -m",
			    o->config, cfg->rules[i].name);
		if (cfg->rules[i].action != ACT_DENY)
			ignored++;
	}
	if (ignored > 0)
		log_warnx("%s: --monitor: %zu rules other than deny ignored",
		    o->config, ignored);
	return cfg;
}

/*
 * Everything that needs privilege, in the SPEC's order: the kernel's
 * acknowledgement of both subscriptions, fanotify, then the /proc scan.
 */
static void
start(const struct options *o, bool root, struct startup *s)
{
	bool threads;
	int r, i;

	memset(s, 0, sizeof(*s));
	s->cfg = load(o, root, &s->user);
	/* --syslog on the command line wins over log_target. */
	if (s->cfg != NULL && !o->syslog)
		(void)log_set_target(s->cfg->log_target);
	if (o->monitor && o->config_given && root)
		s->gate_cfg = load_monitor_gate(o);
	threads = s->cfg ? s->cfg->threads : o->verbose > 0;
	if ((s->procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		fatal(EXIT_KERNEL, "/proc");
	if ((s->t = table_new()) == NULL)
		fatalx(EXIT_PART, "out of memory");
	if ((s->sigfd = loop_signals()) < 0)
		fatalx(EXIT_PART, "signalfd: %s", strerror(-s->sigfd));
	if ((r = loop_sched_latency(SCHED_SLICE_NS)) < 0)
		log_debug("no short scheduler slice: %s", strerror(-r));
	for (i = 0; i < NL_NPARTS; i++)
		s->nl[i] = open_connector(i, s->cfg ? s->cfg->rcvbuf :
		    DEFAULT_RCVBUF, threads, nl_config_events(s->cfg));
	s->exe = root ? open_exe() : NULL;
	enrich_init(&s->en, s->t, s->procfd, s->exe);
	s->en.threads = threads;
	(void)enrich_scan(&s->en);
	enrich_mark(&s->en, getpid(), P_SELF);
}

/*
 * The fanotify group of the exec gate, its marks placed (as root, before
 * any part starts), or -1 when no rule needs it and it cannot be had.
 */
static int
open_gate(const struct config *cfg, struct gate_plan *plan, unsigned *unmarked)
{
	unsigned n;
	int fd;

	if (gate_plan(cfg, plan) < 0)
		fatalx(EXIT_PART, "out of memory");
	if ((fd = gate_open(plan, &n, unmarked)) < 0) {
		if (plan->mode != GATE_NONE)
			fatalx(EXIT_KERNEL, "cannot open fanotify permission "
			    "events for the deny and ask rules: %s (Linux 5.0 "
			    "or later with CONFIG_FANOTIFY_ACCESS_PERMISSIONS, "
			    "as root)", strerror(-fd));
		log_warnx("no exec gate (%s): deny and ask rules added by a "
		    "reload will act only after the exec", strerror(-fd));
		return -1;
	}
	if (plan->mode == GATE_INODES)
		log_info("exec gate: %u of %zu files marked: only their execs "
		    "wait", n, plan->npaths);
	else if (plan->mode == GATE_FILESYSTEMS)
		log_info("exec gate: %u file systems marked: every exec there "
		    "waits for the gate", n);
	return fd;
}

/*
 * Fork the gate, a child of the privileged part, with nothing but its
 * group, its end of the socket and the standard descriptors.
 */
static pid_t
fork_gate(const struct options *o, struct config *cfg, int fanfd,
    struct gate_plan *plan, int *ipc)
{
	struct gate_args ga;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		fatal(EXIT_PART, "socketpair");
	ipc_buffers(sv[0]);
	ipc_buffers(sv[1]);
	if ((pid = fork()) < 0)
		fatal(EXIT_PART, "fork");
	if (pid == 0) {
		/*
		 * The socket above the group: a dying process's files are
		 * released last closed first (task work runs as a stack),
		 * so the socket's hang-up comes before the execs the group
		 * held go on (see privd.c, gate_alive()).
		 */
		if ((fanfd = fcntl(fanfd, F_DUPFD_CLOEXEC, 16)) < 0 ||
		    dup2(fanfd, 3) < 0 || dup2(sv[1], 4) < 0)
			_exit(EXIT_PART);
		(void)close_range(5, ~0U, 0);
		memset(&ga, 0, sizeof(ga));
		/* Its own copy: the privileged part frees its own. */
		ga.cfg = config_load_files(cfg->files, cfg->nfiles, config_err,
		    NULL);
		if (ga.cfg == NULL)
			_exit(EXIT_PART);
		ga.plan = *plan;
		ga.fanfd = 3;
		ga.ipc = 4;
		ga.dry_run = o->dry_run;
		_exit(gate_main(&ga));
	}
	close(sv[1]);
	close(fanfd);
	*ipc = sv[0];
	return pid;
}

/* Fork the event loop as the unprivileged user; root stays here. */
static int
split(const struct options *o, struct startup *s, struct loop_args *la)
{
	struct privd_args pa;
	struct gate_plan plan;
	unsigned unmarked = 0;
	bool quiet;
	int sv[2], status, fanfd = -1, gate_ipc = -1;
	pid_t pid, gate = 0;

	memset(&plan, 0, sizeof(plan));
	/* Before any mark: our own file may be one (the gate opens it). */
	(void)exename_is_loader(NULL);
	if (s->cfg != NULL || s->gate_cfg != NULL)
		fanfd = open_gate(s->cfg ? s->cfg : s->gate_cfg, &plan,
		    &unmarked);
	/*
	 * The gate judges every rule alone: the loop needs no execs.  Not if
	 * a file that exists could not be marked.
	 */
	quiet = s->cfg != NULL && fanfd >= 0 && !o->dry_run &&
	    gate_plan_quiet(s->cfg, &plan);
	if (quiet && unmarked > 0) {
		log_warnx(PRIVD_UNMARKED_MSG, unmarked);
		quiet = false;
	}
	if (quiet) {
		privd_execs(s->nl, s->cfg, s->exe ? exe_fd(s->exe) : -1, -1,
		    false);
		log_info(PRIVD_QUIET_MSG);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		fatal(EXIT_PART, "socketpair");
	ipc_buffers(sv[0]);
	ipc_buffers(sv[1]);
	if ((pid = fork()) < 0)
		fatal(EXIT_PART, "fork");
	if (pid == 0) {
		close(sv[0]);
		if (fanfd >= 0)
			close(fanfd);
		la->ipc = sv[1];
		la->user = &s->user;
		_exit(loop_main(la));
	}
	close(sv[1]);
	if (fanfd >= 0)
		gate = fork_gate(o, s->cfg ? s->cfg : s->gate_cfg, fanfd, &plan,
		    &gate_ipc);
	gate_plan_free(&plan);
	memset(&pa, 0, sizeof(pa));
	pa.gate = gate;
	pa.gate_ipc = gate_ipc;
	pa.gate_cfg = s->gate_cfg;
	pa.cfg = s->cfg;
	pa.cfgpath = o->config;
	pa.ipc = sv[0];
	pa.loop = pid;
	memcpy(pa.nl, s->nl, sizeof(pa.nl));
	pa.fanfd = s->exe != NULL ? exe_fd(s->exe) : -1;
	pa.sigfd = s->sigfd;
	pa.dry_run = o->dry_run;
	pa.quiet = quiet;
	status = privd_main(&pa);
	exe_close(s->exe, s->t);
	table_free(s->t);
	close(s->procfd);
	return status;
}

static int
run(const struct options *o)
{
	struct startup s;
	struct loop_args la;
	bool root = sandbox_is_root();

	start(o, root, &s);
	memset(&la, 0, sizeof(la));
	memcpy(la.nl, s.nl, sizeof(la.nl));
	la.en = &s.en;
	la.exe = s.exe;
	la.sigfd = s.sigfd;
	la.cfg = s.cfg;
	la.monitor = o->monitor;
	la.json = o->json;
	la.dry_run = o->dry_run;
	la.ipc = -1;
	return root ? split(o, &s, &la) : loop_main(&la);
}

int
main(int argc, char **argv)
{
	struct options o;
	int closed;

	/*
	 * Descriptors we inherited (a pipe of the starting shell, a service
	 * manager's socket) are not ours: neither part nor any hook may
	 * keep them.  prochookd takes none over (no LISTEN_FDS; the
	 * readiness socket is a path), so all above 2 go before we open any.
	 */
	closed = close_range(3, ~0U, 0) < 0 ? -errno : 0;
	parse_options(argc, argv, &o);
	log_init("prochookd", o.syslog, o.verbose);
	if (closed < 0)
		log_warnx("cannot close inherited descriptors: %s",
		    strerror(-closed));
	raise_nofile();
	if (notify_init() < 0)
		log_warnx("ignoring a malformed NOTIFY_SOCKET");
	if (o.check)
		return check(&o);
	if (o.explain)
		return explain(&o);
	return run(&o);
}
