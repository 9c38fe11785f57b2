/*
 * journal.h - the systemd journal's native protocol, without libsystemd:
 * entries encoded as fields, sent as one datagram, or through a sealed
 * memfd when they are too large for one.
 */
#ifndef PROCHOOK_JOURNAL_H
#define PROCHOOK_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#define JOURNAL_SOCKET		"/run/systemd/journal/socket"

/* An entry being encoded; zero it first, journal_entry_free() after. */
struct journal_entry {
	char		*b;
	size_t		 len, cap;
	bool		 oom;		/* a field did not fit in memory */
};

/*
 * Is key a name the journal accepts from a client: 1-64 characters of
 * A-Z, 0-9 and _, not starting with _ or a digit?
 */
bool	journal_key_ok(const char *key);
/*
 * Append one field.  A value without a newline is written KEY=VALUE\n;
 * one with a newline or a NUL as KEY\n, its length as 64-bit
 * little-endian, the bytes, \n.  A key the journal would refuse is
 * skipped.  Memory runs out: oom is set.
 */
void	journal_field(struct journal_entry *, const char *key,
	    const char *val, size_t len);
void	journal_field_str(struct journal_entry *, const char *key,
	    const char *val);
void	journal_field_num(struct journal_entry *, const char *key,
	    long long val);
void	journal_entry_reset(struct journal_entry *);
void	journal_entry_free(struct journal_entry *);

/* A datagram socket to send entries from: fd or -errno. */
int	journal_socket(void);
/*
 * Send one entry to the socket at path: one datagram, or, if the kernel
 * says it is too large for one, a sealed memfd holding it, passed with
 * SCM_RIGHTS (as journald accepts).  Never blocks.  Returns 0 or -errno
 * (-EAGAIN: the journal is not keeping up).
 */
int	journal_send(int fd, const char *path, const void *buf, size_t len);

#endif
