/*
 * park - keep N processes alive: park N
 *
 * Forks N children that sleep until their parent goes (PR_SET_PDEATHSIG),
 * each with a short distinct command line ("park-child-<i>").  The parent
 * prints "ready" when all are forked, and waits for SIGTERM or SIGINT.
 * Used by bench/memory.sh to fill prochookd's process table.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int
main(int argc, char **argv)
{
	sigset_t set;
	long n, i;
	int sig;

	if (argc != 2 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: park N\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("park: fork");
			break;
		}
		if (p == 0) {
			char name[32];

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			snprintf(name, sizeof(name), "park-child-%ld", i);
			/* Rewrite argv so that every command line differs. */
			strncpy(argv[0], name, strlen(argv[0]));
			for (;;)
				pause();
		}
	}
	printf("ready %ld\n", i);
	fflush(stdout);
	sigwait(&set, &sig);
	return 0;
}
