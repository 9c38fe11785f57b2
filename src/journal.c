/*
 * journal.c - the systemd journal's native protocol, without libsystemd.
 *
 * An entry is a list of fields, each KEY=VALUE\n, or, for a value that
 * holds a newline (or a NUL), KEY\n, the value's length as a 64-bit little-endian
 * number, the value, \n (systemd's "Native Journal Protocol").  One entry
 * is one datagram to /run/systemd/journal/socket.  The kernel refuses a
 * datagram larger than the sending socket's buffer (EMSGSIZE); then the
 * entry goes in a memfd, sealed so that it can no longer change, and only
 * the descriptor is sent, which journald reads as the entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "journal.h"

#define JOURNAL_KEY_MAX	64	/* journald's limit on a field name */

bool
journal_key_ok(const char *key)
{
	size_t i;

	if (key[0] == '\0' || key[0] == '_' ||
	    (key[0] >= '0' && key[0] <= '9'))
		return false;
	for (i = 0; key[i] != '\0'; i++) {
		if (i >= JOURNAL_KEY_MAX)
			return false;
		if (!((key[i] >= 'A' && key[i] <= 'Z') ||
		    (key[i] >= '0' && key[i] <= '9') || key[i] == '_'))
			return false;
	}
	return true;
}

/* Room for n more bytes. */
static bool
entry_room(struct journal_entry *e, size_t n)
{
	size_t cap;
	char *b;

	if (e->oom)
		return false;
	if (n <= e->cap - e->len)
		return true;
	if (n > SIZE_MAX / 2 - e->len) {
		e->oom = true;
		return false;
	}
	for (cap = e->cap ? e->cap : 1024; cap - e->len < n; cap *= 2)
		;
	if ((b = realloc(e->b, cap)) == NULL) {
		e->oom = true;
		return false;
	}
	e->b = b;
	e->cap = cap;
	return true;
}

static void
entry_put(struct journal_entry *e, const void *p, size_t n)
{
	memcpy(e->b + e->len, p, n);
	e->len += n;
}

void
journal_field(struct journal_entry *e, const char *key, const char *val,
    size_t len)
{
	size_t klen = strlen(key);
	unsigned char le[8];
	uint64_t v = len;
	int i;

	if (!journal_key_ok(key))
		return;
	if (memchr(val, '\n', len) == NULL &&
	    memchr(val, '\0', len) == NULL) {
		if (!entry_room(e, klen + 1 + len + 1))
			return;
		entry_put(e, key, klen);
		entry_put(e, "=", 1);
		entry_put(e, val, len);
		entry_put(e, "\n", 1);
		return;
	}
	if (!entry_room(e, klen + 1 + sizeof(le) + len + 1))
		return;
	for (i = 0; i < 8; i++, v >>= 8)
		le[i] = (unsigned char)(v & 0xff);
	entry_put(e, key, klen);
	entry_put(e, "\n", 1);
	entry_put(e, le, sizeof(le));
	entry_put(e, val, len);
	entry_put(e, "\n", 1);
}

void
journal_field_str(struct journal_entry *e, const char *key, const char *val)
{
	journal_field(e, key, val, strlen(val));
}

void
journal_field_num(struct journal_entry *e, const char *key, long long val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", val);

	journal_field(e, key, num, (size_t)n);
}

void
journal_entry_reset(struct journal_entry *e)
{
	e->len = 0;
	e->oom = false;
}

void
journal_entry_free(struct journal_entry *e)
{
	free(e->b);
	memset(e, 0, sizeof(*e));
}

int
journal_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return fd < 0 ? -errno : fd;
}

/* The entry in a memfd that can no longer change: fd or -errno. */
static int
sealed_memfd(const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;
	int fd, err;

	fd = memfd_create("prochookd-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	/* journald takes a descriptor only once nobody can change it. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	err = errno;
	close(fd);
	return -err;
}

int
journal_send(int fd, const char *path, const void *buf, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;
	int mfd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
		return 0;
	if (errno != EMSGSIZE && errno != ENOBUFS)
		return -errno;
	if ((mfd = sealed_memfd(buf, len)) < 0)
		return mfd;
	/* The descriptor alone, no payload: the entry is the file. */
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = NULL;
	mh.msg_iovlen = 0;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &mfd, sizeof(int));
	err = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? -errno : 0;
	close(mfd);
	return err;
}
