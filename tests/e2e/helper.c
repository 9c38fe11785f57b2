/*
 * helper.c - programs the end-to-end tests run: fork storms, threads,
 * a setuid() in a multi-threaded process, forged connector messages.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/connector.h>
#include <linux/netlink.h>

static FILE *tidfile;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *
sleeper(void *arg)
{
	(void)arg;
	if (tidfile != NULL) {
		pthread_mutex_lock(&lock);
		fprintf(tidfile, "%ld\n", (long)syscall(SYS_gettid));
		fflush(tidfile);
		pthread_mutex_unlock(&lock);
	}
	usleep(300000);
	return NULL;
}

static void
start_threads(int n, pthread_t *t)
{
	int i;

	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, sleeper, NULL) != 0)
			exit(2);
}

static void
join_threads(int n, pthread_t *t)
{
	int i;

	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* Fork n children that exit at once, from two workers. */
static int
forks(int n)
{
	int w, i;

	for (w = 0; w < 2; w++) {
		if (fork() == 0) {
			for (i = 0; i < n / 2; i++) {
				pid_t p = fork();

				if (p == 0)
					_exit(0);
				if (p > 0)
					waitpid(p, NULL, 0);
			}
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	return 0;
}

/*
 * Send a forged exec event for pid to every connector socket listening
 * to process events, as listed in /proc/net/netlink.
 */
static int
forge(pid_t pid)
{
	unsigned char buf[NLMSG_SPACE(sizeof(struct cn_msg) + 40)];
	struct nlmsghdr *nlh = (void *)buf;
	struct cn_msg *cn = NLMSG_DATA(nlh);
	uint32_t ev[6] = { 2, 0, 0, 0, (uint32_t)pid, (uint32_t)pid };
	char line[512];
	int fd, sent = 0;
	FILE *f;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(ev));
	nlh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(ev);
	memcpy(cn->data, ev, sizeof(ev));
	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
	if (fd < 0 || (f = fopen("/proc/net/netlink", "r")) == NULL) {
		perror("forge");
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long sk;
		int eth;
		unsigned port, groups;
		struct sockaddr_nl to;

		if (sscanf(line, "%llx %d %u %x", &sk, &eth, &port, &groups) != 4 ||
		    eth != NETLINK_CONNECTOR || port == 0 || !(groups & 1))
			continue;
		memset(&to, 0, sizeof(to));
		to.nl_family = AF_NETLINK;
		to.nl_pid = port;
		if (sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&to,
		    sizeof(to)) == (ssize_t)nlh->nlmsg_len)
			sent++;
		else
			fprintf(stderr, "forge: port %u: %s\n", port,
			    strerror(errno));
	}
	fclose(f);
	printf("%d\n", sent);
	return sent > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	pthread_t t[16];
	int n;

	if (argc >= 3 && strcmp(argv[1], "forks") == 0)
		return forks(atoi(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "threads") == 0) {
		n = atoi(argv[2]);
		if (n < 1 || n > 16 || (tidfile = fopen(argv[3], "w")) == NULL)
			return 2;
		start_threads(n, t);
		join_threads(n, t);
		fclose(tidfile);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "setuid-threads") == 0) {
		n = atoi(argv[2]);
		if (n < 1 || n > 16)
			return 2;
		start_threads(n, t);
		usleep(50000);
		/* glibc makes every thread call setuid() */
		if (setuid((uid_t)atoi(argv[3])) < 0)
			return 3;
		join_threads(n, t);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "forge") == 0)
		return forge(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
		/* Milliseconds; further arguments are only there to be seen. */
		usleep((useconds_t)atoi(argv[2]) * 1000);
		return 0;
	}
	fprintf(stderr, "usage: helper forks N | threads N FILE | "
	    "setuid-threads N UID | forge PID | exit N | sleep MS [ARG...]\n");
	return 2;
}
