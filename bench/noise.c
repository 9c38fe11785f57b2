/*
 * noise - load for bench/enforce.sh, until killed: noise fork | comm
 *
 *   fork   fork a child that _exit(0)s at once, wait for it, again: a
 *          fork storm (two proc connector events per child)
 *   comm   prctl(PR_SET_NAME) in a loop: a comm event each time, with no
 *          fork at all (what an ordinary user can do to overflow the
 *          proc connector's queue)
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int
main(int argc, char **argv)
{
	unsigned long i;

	if (argc == 2 && strcmp(argv[1], "fork") == 0) {
		for (;;) {
			pid_t p = fork();

			if (p == 0)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
	}
	if (argc == 2 && strcmp(argv[1], "comm") == 0) {
		for (i = 0;; i++)
			prctl(PR_SET_NAME, (i & 1) ? "noise-a" : "noise-b", 0, 0, 0);
	}
	fprintf(stderr, "usage: noise fork | comm\n");
	return 2;
}
