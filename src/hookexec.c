/*
 * hookexec.c - the child side of running a hook, in the supervisor's
 * children: the keeper, and the hook's set-up up to execveat().
 *
 * Everything the hook child needs (groups, environment, argv) is made by
 * the supervisor before it forks, because the child is made with vfork():
 * it shares the supervisor's (or keeper's) memory until it execs, so it
 * only makes system calls on memory ready before.
 *
 * The hook runs the very file the safety check opened (execveat() of its
 * O_PATH descriptor, AT_EMPTY_PATH), so a file swapped after the check is
 * never run.  A step that fails is written to the report pipe, which is
 * close-on-exec: EOF on it means execve succeeded (as s6 does).
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hookexec.h"
#include "users.h"

#define HOOKEXEC_PATH	"PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOKEXEC_HOOKFD	3	/* the hook file, in the hook child */
#define HOOKEXEC_KFD	3	/* the report to the supervisor, in a keeper */

static const char *const step_names[] = {
	"setsid", "signals", "stdin/stdout/stderr", "chdir /", "setgroups",
	"setresgid", "setresuid", "close_range", "execve"
};

const char *
hookexec_step_name(int step)
{
	if (step < 0 || step > HOOKEXEC_EXEC)
		return NULL;
	return step_names[step];
}

/* The hook environment: exactly what SPEC lists, nothing inherited. */
static char **
hookexec_envp(const struct spawn_job *job, const char *user)
{
	const char *home = job->home != NULL ? job->home : "/";
	char **envp;
	size_t n = 0, i = 0;

	while (job->env != NULL && job->env[n] != NULL)
		n++;
	if ((envp = calloc(n + 5, sizeof(*envp))) == NULL)
		return NULL;
	envp[i++] = (char *)HOOKEXEC_PATH;
	if (asprintf(&envp[i++], "HOME=%s", home) < 0)
		return NULL;
	if (user != NULL) {
		if (asprintf(&envp[i++], "USER=%s", user) < 0 ||
		    asprintf(&envp[i++], "LOGNAME=%s", user) < 0)
			return NULL;
	}
	memcpy(envp + i, job->env, n * sizeof(*envp));
	return envp;
}

/* The supplementary groups of run_as, looked up once per job. */
static int
hookexec_groups(struct hookexec *x, const struct spawn_job *job,
    const char *user)
{

	/* The privileged part, whose name service is loaded, looked them up. */
	if (job->groups != NULL && job->ngroups > 0) {
		if ((x->groups = reallocarray(NULL, job->ngroups,
		    sizeof(*x->groups))) == NULL)
			return -ENOMEM;
		memcpy(x->groups, job->groups,
		    job->ngroups * sizeof(*x->groups));
		x->ngroups = job->ngroups;
		return 0;
	}
	if (user == NULL) {
		if ((x->groups = malloc(sizeof(gid_t))) == NULL)
			return -ENOMEM;
		x->groups[0] = job->gid;
		x->ngroups = 1;
		return 0;
	}
	return users_groups(user, job->gid, &x->groups, &x->ngroups);
}

int
hookexec_prepare(struct hookexec *x, const struct spawn_job *job,
    const char *user, pid_t supervisor)
{
	int r;

	x->uid = job->uid;
	x->gid = job->gid;
	x->supervisor = supervisor;
	if ((r = hookexec_groups(x, job, user)) < 0)
		return r;
	if ((x->envp = hookexec_envp(job, user)) == NULL)
		return -ENOMEM;
	return 0;
}

/*
 * Default dispositions for the hook.  execve() resets caught signals by
 * itself; only ignored ones carry over, so those are the ones to reset,
 * as /proc says (one read instead of a call per signal).  The system call
 * is used because glibc keeps the signals it uses for threads (32 and 33)
 * out of sigaction()'s reach, and one ignored when prochookd was started
 * would stay ignored in every hook.
 */
static int
default_signals(void)
{
	struct {
		void		(*handler)(int);
		unsigned long	flags;
		void		(*restorer)(void);
		uint64_t	mask;
	} ksa;
	char buf[2048], *p;
	unsigned long long ign;
	ssize_t n;
	int fd, sig;

	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nSigIgn:")) == NULL ||
	    sscanf(p + 9, "%llx", &ign) != 1)
		return -EIO;
	memset(&ksa, 0, sizeof(ksa));
	ksa.handler = SIG_DFL;
	for (sig = 1; sig <= 64; sig++)
		if ((ign & (1ull << (sig - 1))) != 0 &&
		    syscall(SYS_rt_sigaction, sig, &ksa, NULL,
		    sizeof(ksa.mask)) < 0)
			return -errno;
	return 0;
}

/*
 * The hook child: its own session, stdin /dev/null, stdout and stderr to
 * the pipe, /, run_as, default signals, no descriptor beyond 2 (but see
 * below), exactly the environment built by the supervisor.  It executes
 * the file checked, from its descriptor hfd.  A failed step is written to
 * the close-on-exec report pipe.
 */
void
hookexec_child(const struct hookexec *x, char *const argv[], int hfd,
    int out, int rep)
{
	struct hookexec_fail f;
	sigset_t none;
	int step, fd;

	step = HOOKEXEC_SETSID;
	if (setsid() < 0)
		goto fail;
	step = HOOKEXEC_SIGNALS;
	if (default_signals() < 0)
		goto fail;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		goto fail;
	step = HOOKEXEC_STDIO;
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    dup2(fd, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		goto fail;
	step = HOOKEXEC_CHDIR;
	if (chdir("/") < 0)
		goto fail;
	step = HOOKEXEC_GROUPS;
	if (setgroups(x->ngroups, x->groups) < 0)
		goto fail;
	step = HOOKEXEC_GID;
	if (setresgid(x->gid, x->gid, x->gid) < 0)
		goto fail;
	step = HOOKEXEC_UID;
	if (setresuid(x->uid, x->uid, x->uid) < 0)
		goto fail;
	step = HOOKEXEC_FDS;
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ||
	    (hfd != HOOKEXEC_HOOKFD && dup3(hfd, HOOKEXEC_HOOKFD, O_CLOEXEC) < 0))
		goto fail;
	step = HOOKEXEC_EXEC;
	execveat(HOOKEXEC_HOOKFD, "", argv, x->envp, AT_EMPTY_PATH);
	/*
	 * A script executed from a descriptor is handed to its interpreter
	 * as /dev/fd/3, which the kernel refuses (ENOENT, in binfmt_script
	 * and binfmt_misc) while that descriptor would be closed by the
	 * exec.  Only then is it left open: a script's interpreter gets the
	 * O_PATH descriptor of the script as 3, a binary never has it.
	 */
	if (errno == ENOENT && fcntl(HOOKEXEC_HOOKFD, F_SETFD, 0) == 0)
		execveat(HOOKEXEC_HOOKFD, "", argv, x->envp, AT_EMPTY_PATH);
fail:
	f.step = step;
	f.err = errno;
	(void)!write(rep, &f, sizeof(f));
	_exit(127);
}

/*
 * The keeper: a child subreaper with every signal blocked that forks the
 * hook, writes its pid (or -errno) and later its wait status to kfd, and
 * reaps until it has no child left.  It dies with the supervisor, so that
 * the processes of a killed supervisor's job go up to the next subreaper,
 * as they would without keepers.
 */
void
hookexec_keeper(const struct hookexec *x, char *const argv[], int hfd,
    int out, int rep, int kfd)
{
	sigset_t all;
	int32_t msg;
	pid_t pid, p;
	int st;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		pid = -1;
	else if (getppid() != x->supervisor)
		_exit(1);
	/*
	 * vfork(): the hook's set-up is system calls only, on memory made
	 * ready before (hookexec_child), and copying this process's page tables
	 * for a child that execs at once is most of what a hook costs.
	 */
	else if ((pid = vfork()) == 0)
		hookexec_child(x, argv, hfd, out, rep);
	msg = pid < 0 ? -errno : (int32_t)pid;
	if (kfd != HOOKEXEC_KFD && dup2(kfd, HOOKEXEC_KFD) < 0)
		_exit(1);
	close_range(HOOKEXEC_KFD + 1, ~0U, 0);
	(void)!write(HOOKEXEC_KFD, &msg, sizeof(msg));
	if (pid < 0)
		_exit(1);
	for (;;) {
		if ((p = waitpid(-1, &st, __WALL)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p == pid) {
			msg = st;
			(void)!write(HOOKEXEC_KFD, &msg, sizeof(msg));
			close(HOOKEXEC_KFD);
		}
	}
	_exit(0);
}
