/*
 * storm — process-event storm generator for the prochookd benchmarks.
 *
 *   storm exec N WORKERS PROG [PIDFILE]
 *       WORKERS worker processes spawn N short-lived processes in all: each
 *       worker posix_spawn()s PROG with argv = { PROG, "storm-<w>-<i>" } and
 *       waits for it before spawning the next one.  Pass PROG as an absolute,
 *       canonical path: it is also argv[0].
 *   storm fork N WORKERS [PIDFILE]
 *       the same, but each child is a plain fork() that calls _exit(0) at
 *       once (no exec): the loss test.
 *
 * The workers are forked first and released together through a pipe, so the
 * timed interval covers spawning only.  The elapsed time and the rate go to
 * stderr; one machine-readable line goes to stdout:
 *
 *   storm mode=exec n=6000 workers=2 ok=6000 failed=0 elapsed=1.234567 rate=4861.2 cpu=2.345678
 *
 * cpu is the CPU time (user + system, s) of the storm itself, its workers and
 * every child they spawned (getrusage: self + waited-for children).
 * With PIDFILE, one line "PID ARG" per spawned child is written there after
 * the storm (ARG is the unique argument, also for fork children, which have
 * none), so that an analysis can tell exactly which events belong to the storm.
 *
 * Exit status: 0 if every spawn succeeded, 1 if some failed, 2 on usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void usage(void)
{
	fprintf(stderr,
		"usage: storm exec N WORKERS PROG [PIDFILE]\n"
		"       storm fork N WORKERS [PIDFILE]\n");
	exit(2);
}

static long parse_count(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		usage();
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spawn this worker's share; child pids go to slots[] (0 = failed). */
static int worker(int w, long count, int do_exec, const char *prog,
		  pid_t *slots, int go_fd)
{
	char arg[64], c;
	char *argv[3];
	long i;
	int failed = 0;

	argv[0] = (char *)prog;
	argv[1] = arg;
	argv[2] = NULL;

	/* wait for the start signal: the parent closes the write end */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	close(go_fd);

	for (i = 0; i < count; i++) {
		pid_t pid;
		int st;

		snprintf(arg, sizeof(arg), "storm-%d-%ld", w, i);
		if (do_exec) {
			int rc = posix_spawn(&pid, prog, NULL, NULL, argv, environ);

			if (rc != 0) {
				pid = 0;
				if (failed++ == 0)
					fprintf(stderr, "storm: posix_spawn %s: %s\n",
						prog, strerror(rc));
			}
		} else {
			pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid < 0) {
				pid = 0;
				if (failed++ == 0)
					perror("storm: fork");
			}
		}
		slots[i] = pid;
		if (pid > 0)
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
	}
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	int do_exec, go[2];
	long n, nw, w, i, ok = 0, failed = 0;
	const char *prog = NULL, *pidfile = NULL;
	pid_t *slots, *workers;
	long *start, *count;
	double t0, t1, cpu;
	struct rusage ru_self, ru_kids;

	if (argc < 4)
		usage();
	if (strcmp(argv[1], "exec") == 0) {
		do_exec = 1;
		if (argc != 5 && argc != 6)
			usage();
		prog = argv[4];
		if (argc == 6)
			pidfile = argv[5];
		if (access(prog, X_OK) != 0) {
			fprintf(stderr, "storm: %s: %s\n", prog, strerror(errno));
			return 2;
		}
	} else if (strcmp(argv[1], "fork") == 0) {
		do_exec = 0;
		if (argc != 4 && argc != 5)
			usage();
		if (argc == 5)
			pidfile = argv[4];
	} else {
		usage();
	}
	n = parse_count(argv[2], 1, 10000000);
	nw = parse_count(argv[3], 1, 1024);
	if (nw > n)
		nw = n;

	/* shared with the workers: one slot per child */
	slots = mmap(NULL, (size_t)n * sizeof(*slots), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	workers = calloc((size_t)nw, sizeof(*workers));
	start = calloc((size_t)nw, sizeof(*start));
	count = calloc((size_t)nw, sizeof(*count));
	if (slots == MAP_FAILED || !workers || !start || !count) {
		perror("storm: memory");
		return 1;
	}
	for (w = 0; w < nw; w++) {
		count[w] = n / nw + (w < n % nw ? 1 : 0);
		start[w] = w ? start[w - 1] + count[w - 1] : 0;
	}

	if (pipe(go) < 0) {
		perror("storm: pipe");
		return 1;
	}
	for (w = 0; w < nw; w++) {
		pid_t p = fork();

		if (p < 0) {
			perror("storm: fork worker");
			kill(0, SIGTERM);
			return 1;
		}
		if (p == 0) {
			close(go[1]);
			_exit(worker((int)w, count[w], do_exec, prog,
				     slots + start[w], go[0]));
		}
		workers[w] = p;
	}
	close(go[0]);
	usleep(20000);		/* let every worker reach its read() */

	t0 = now();
	close(go[1]);		/* go */
	for (w = 0; w < nw; w++) {
		int st;

		while (waitpid(workers[w], &st, 0) < 0 && errno == EINTR)
			;
	}
	t1 = now();
	getrusage(RUSAGE_SELF, &ru_self);
	getrusage(RUSAGE_CHILDREN, &ru_kids);
#define TV(tv) ((double)(tv).tv_sec + (double)(tv).tv_usec / 1e6)
	cpu = TV(ru_self.ru_utime) + TV(ru_self.ru_stime) +
	      TV(ru_kids.ru_utime) + TV(ru_kids.ru_stime);

	for (i = 0; i < n; i++) {
		if (slots[i] > 0)
			ok++;
		else
			failed++;
	}

	if (pidfile) {
		FILE *f = fopen(pidfile, "w");

		if (!f) {
			fprintf(stderr, "storm: %s: %s\n", pidfile, strerror(errno));
			return 1;
		}
		for (w = 0; w < nw; w++)
			for (i = 0; i < count[w]; i++)
				if (slots[start[w] + i] > 0)
					fprintf(f, "%d storm-%ld-%ld\n",
						(int)slots[start[w] + i], w, i);
		if (fclose(f) != 0) {
			fprintf(stderr, "storm: %s: %s\n", pidfile, strerror(errno));
			return 1;
		}
	}

	fprintf(stderr, "storm: %s: %ld spawned (%ld failed) by %ld workers in %.3f s: %.0f/s\n",
		do_exec ? "exec" : "fork", ok, failed, nw, t1 - t0,
		(double)ok / (t1 - t0));
	printf("storm mode=%s n=%ld workers=%ld ok=%ld failed=%ld elapsed=%.6f rate=%.1f cpu=%.6f\n",
	       do_exec ? "exec" : "fork", n, nw, ok, failed, t1 - t0,
	       (double)ok / (t1 - t0), cpu);
	return failed ? 1 : 0;
}
