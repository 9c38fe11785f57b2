/*
 * floorgate - an exec gate that does no work: what the kernel's
 * permission round trip alone costs every exec.  It marks the file systems
 * of the paths given (-m, default /) with FAN_OPEN_EXEC_PERM, spares the
 * dynamic loader as prochookd's gate does, and allows every event at once:
 * no name, no /proc read, no rule.  With a command, it runs it (a monitor
 * to measure beside it) and ends with it.  bench/run.sh's floor rows.
 *
 *   cc -O2 -o floorgate floorgate.c
 *   floorgate [-m PATH]... [-- COMMAND [ARG]...]
 */
#define _GNU_SOURCE
#include <sys/fanotify.h>
#include <sys/wait.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static pid_t child = -1;

static void
on_signal(int sig)
{
	if (sig == SIGCHLD) {
		stop = 1;
		return;
	}
	/* Passed on to the command; we end when it does, or is gone. */
	if (child <= 0 || kill(child, sig) < 0)
		stop = 1;
}

/* The ELF interpreter of this very program: the system's loader. */
static int
loader(char *buf, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd, i, r = -1;

	if ((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if (pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64)
		for (i = 0; i < eh.e_phnum && r < 0; i++) {
			if (pread(fd, &ph, sizeof(ph), (off_t)eh.e_phoff +
			    (off_t)i * eh.e_phentsize) != sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP && ph.p_filesz < size &&
			    pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset) ==
			    (ssize_t)ph.p_filesz) {
				buf[ph.p_filesz] = '\0';
				r = 0;
			}
		}
	close(fd);
	return r;
}

int
main(int argc, char **argv)
{
	static char buf[8192] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *m;
	struct fanotify_response resp;
	struct sigaction sa;
	char ld[256];
	int fan, i, first = 1, marked = 0, status = 0;
	ssize_t n;

	if ((fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC,
	    O_RDONLY | O_LARGEFILE | O_CLOEXEC)) < 0) {
		perror("floorgate: fanotify_init");
		return 1;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "-m") != 0 || i + 1 == argc) {
			fprintf(stderr, "usage: floorgate [-m PATH]... "
			    "[-- COMMAND [ARG]...]\n");
			return 2;
		}
		first = 0;
		if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
		    FAN_OPEN_EXEC_PERM, AT_FDCWD, argv[++i]) < 0) {
			fprintf(stderr, "floorgate: cannot mark %s: %s\n",
			    argv[i], strerror(errno));
			return 1;
		}
		marked++;
	}
	if (first) {
		if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
		    FAN_OPEN_EXEC_PERM, AT_FDCWD, "/") < 0) {
			perror("floorgate: cannot mark /");
			return 1;
		}
		marked++;
	}
	if (loader(ld, sizeof(ld)) < 0 || fanotify_mark(fan, FAN_MARK_ADD |
	    FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY,
	    FAN_OPEN_EXEC_PERM, AT_FDCWD, ld) < 0)
		fprintf(stderr, "floorgate: the loader is not spared\n");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	fprintf(stderr, "floorgate: %d file systems marked, every exec "
	    "allowed at once\n", marked);
	if (i < argc - 1) {
		/* Its exec waits for us: answered by the loop below. */
		if ((child = fork()) == 0) {
			execvp(argv[i + 1], argv + i + 1);
			fprintf(stderr, "floorgate: %s: %s\n", argv[i + 1],
			    strerror(errno));
			_exit(127);
		}
		if (child < 0) {
			perror("floorgate: fork");
			return 1;
		}
	}
	while (!stop) {
		if ((n = read(fan, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			perror("floorgate: read");
			break;
		}
		for (m = (const void *)buf; FAN_EVENT_OK(m, n);
		    m = FAN_EVENT_NEXT(m, n)) {
			if (m->fd < 0)
				continue;
			resp.fd = m->fd;
			resp.response = FAN_ALLOW;
			if (write(fan, &resp, sizeof(resp)) < 0)
				perror("floorgate: answer");
			close(m->fd);
		}
	}
	/* Closing the group releases any exec still waiting. */
	close(fan);
	if (child > 0) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	return 0;
}
