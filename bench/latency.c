/*
 * latency - time from execve() to the first instruction of the program
 * (bench/probe), N times: latency PROBE N
 *
 * Each round forks a child that reads CLOCK_MONOTONIC into a page shared
 * with the parent, then at once calls execve(PROBE); the probe's first
 * instruction reads the clock again and writes it to descriptor 3, a pipe
 * to the parent.  The difference covers the whole exec: the kernel's
 * loading of the file and whatever waits on it, such as a fanotify
 * permission event and its answer.  The first 50 rounds warm up and are
 * not counted.  Prints one line:
 *
 *   latency n=N failed=F median_us=M p90_us=X p99_us=P min_us=A max_us=B
 *
 * failed counts rounds in which the probe did not run (a refused exec).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WARMUP	50

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
us(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e6 +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

int
main(int argc, char **argv)
{
	struct timespec *t0, t1;
	double *v;
	long n, i, k = 0, failed = 0;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: latency PROBE N\n");
		return 2;
	}
	v = calloc((size_t)n, sizeof(*v));
	t0 = mmap(NULL, sizeof(*t0), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v == NULL || t0 == MAP_FAILED) {
		perror("latency");
		return 1;
	}
	for (i = 0; i < n + WARMUP; i++) {
		char *args[] = { argv[1], NULL }, *env[] = { NULL };
		int p[2];
		ssize_t r;
		pid_t pid;

		if (pipe(p) < 0) {
			perror("pipe");
			return 1;
		}
		if ((pid = fork()) < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			if (p[1] != 3 && (dup2(p[1], 3) < 0 || close(p[1]) < 0))
				_exit(126);
			clock_gettime(CLOCK_MONOTONIC, t0);
			execve(argv[1], args, env);
			_exit(127);
		}
		close(p[1]);
		r = read(p[0], &t1, sizeof(t1));
		close(p[0]);
		waitpid(pid, NULL, 0);
		if (i < WARMUP)
			continue;
		if (r != (ssize_t)sizeof(t1)) {
			failed++;
			continue;
		}
		v[k++] = us(t0, &t1);
	}
	if (k == 0) {
		printf("latency n=0 failed=%ld\n", failed);
		return 1;
	}
	qsort(v, (size_t)k, sizeof(*v), cmp);
	printf("latency n=%ld failed=%ld median_us=%.1f p90_us=%.1f p99_us=%.1f "
	    "min_us=%.1f max_us=%.1f\n", k, failed, v[k / 2], v[k * 90 / 100],
	    v[k * 99 / 100], v[0], v[k - 1]);
	return 0;
}
