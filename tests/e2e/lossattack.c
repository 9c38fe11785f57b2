/*
 * lossattack.c - an ordinary user's attempt to exec a forbidden program
 * unseen (issue 9, item 1), for t_loss.sh.
 *
 *   lossattack [-c N] [-s STORM] [-w GOFILE] NFAIL BADFILE PROG [ARG...]
 *
 * Forks NFAIL children and one victim child, all waiting on pipes, and
 * prints "forked VICTIMPID".  With -w it then waits until GOFILE exists
 * (the test stops the daemon's event loop meanwhile).  With -c, N children
 * call prctl(PR_SET_NAME) in a loop, which makes the kernel drop
 * connector events while comm events are subscribed; with -s it runs
 * STORM execs of /bin/true first, to fill the connector's queue.  Then
 * the victim execs PROG, and 1 ms later each of the NFAIL children makes
 * one failed exec of BADFILE (ENOEXEC), to fill prochookd's table of
 * unclaimed exec notifications.  Prints "released", waits for the victim
 * and prints "victim killed SIG" or "victim exited N".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* A child that waits for EOF on rfd, then execs argv. */
static pid_t
waiter(int rfd, char *const argv[])
{
	char c;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* No other end of any pipe stays open here. */
	if (rfd > 3)
		close_range(3, (unsigned)rfd - 1, 0);
	close_range((unsigned)rfd + 1, ~0u, 0);
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	execv(argv[0], argv);
	_exit(errno == ENOEXEC ? 0 : 127);
}

static void
flood_names(void)
{
	unsigned long i;

	for (i = 0;; i++)
		(void)prctl(PR_SET_NAME, (i & 1) ? "flood-a" : "flood-b", 0, 0, 0);
}

int
main(int argc, char **argv)
{
	const char *go = NULL;
	int vp[2], fp[2], opt, nfail, i, st, storm = 0, comm = 0;
	char *bad[2];
	pid_t victim, flooder[8], *kids;

	while ((opt = getopt(argc, argv, "+c:s:w:")) != -1) {
		switch (opt) {
		case 'c':
			comm = atoi(optarg);
			break;
		case 's':
			storm = atoi(optarg);
			break;
		case 'w':
			go = optarg;
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 3) {
		fprintf(stderr, "usage: lossattack [-c N] [-s STORM] [-w GOFILE] "
		    "NFAIL BADFILE PROG [ARG...]\n");
		return 2;
	}
	nfail = atoi(argv[optind]);
	bad[0] = argv[optind + 1];
	bad[1] = NULL;
	if (nfail < 0 || (kids = calloc((size_t)nfail + 1, sizeof(*kids))) == NULL ||
	    pipe2(vp, O_CLOEXEC) < 0 || pipe2(fp, O_CLOEXEC) < 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nfail; i++)
		if ((kids[i] = waiter(fp[0], bad)) < 0)
			return 3;
	close(fp[0]);
	if ((victim = waiter(vp[0], argv + optind + 2)) < 0)
		return 3;
	close(vp[0]);
	printf("forked %d\n", (int)victim);
	if (go != NULL) {
		struct stat sb;

		while (stat(go, &sb) < 0)
			usleep(1000);
	}
	if (comm > 8)
		comm = 8;
	for (i = 0; i < comm; i++) {
		if ((flooder[i] = fork()) == 0) {
			close(vp[1]);
			close(fp[1]);
			flood_names();
		}
	}
	if (comm > 0)
		usleep(200000);
	for (i = 0; i < storm; i++) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
	}
	close(vp[1]);		/* the victim execs */
	usleep(1000);
	close(fp[1]);		/* the failed execs */
	for (i = 0; i < nfail; i++)
		waitpid(kids[i], NULL, 0);
	printf("released\n");
	if (comm > 0)
		usleep(300000);
	for (i = 0; i < comm; i++) {
		kill(flooder[i], SIGKILL);
		waitpid(flooder[i], NULL, 0);
	}
	if (waitpid(victim, &st, 0) < 0)
		return 3;
	if (WIFSIGNALED(st))
		printf("victim killed %d\n", WTERMSIG(st));
	else
		printf("victim exited %d\n", WEXITSTATUS(st));
	return 0;
}
