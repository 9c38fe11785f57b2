/*
 * notify.h - the service manager's readiness protocol, without libsystemd.
 */
#ifndef PROCHOOK_NOTIFY_H
#define PROCHOOK_NOTIFY_H

#include <sys/socket.h>
#include <sys/un.h>

/*
 * Take NOTIFY_SOCKET from the environment (and remove it, so that no hook
 * inherits it).  Returns 1 if set, 0 if not, -errno if it is malformed.
 */
int	notify_init(void);
/* Send a state ("READY=1"); a no-op without NOTIFY_SOCKET.  0 or -errno. */
int	notify_send(const char *state);
/* NOTIFY_SOCKET value to address: a path, or "@name" for an abstract one. */
int	notify_parse(const char *value, struct sockaddr_un *, socklen_t *);

#endif
