/*
 * notify.c - the service manager's readiness protocol, without libsystemd.
 *
 * A state is one datagram to the AF_UNIX socket named by NOTIFY_SOCKET; a
 * name starting with '@' is in the abstract namespace.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un notify_sa;
static socklen_t notify_len;

int
notify_parse(const char *value, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(value);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n < 2 || n >= sizeof(sa->sun_path))
		return -EINVAL;
	if (value[0] != '/' && value[0] != '@')
		return -EINVAL;
	memcpy(sa->sun_path, value, n);
	if (value[0] == '@')
		sa->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (value[0] == '/' ? 1 : 0));
	return 0;
}

int
notify_init(void)
{
	const char *v = getenv("NOTIFY_SOCKET");
	int r;

	if (v == NULL)
		return 0;
	r = notify_parse(v, &notify_sa, &notify_len);
	unsetenv("NOTIFY_SOCKET");
	if (r < 0) {
		notify_len = 0;
		return r;
	}
	return 1;
}

int
notify_send(const char *state)
{
	ssize_t n;
	int fd, err = 0;

	if (notify_len == 0)
		return 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_sa, notify_len);
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}
