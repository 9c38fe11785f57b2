/*
 * log.h - logging to stderr, syslog or the journal, chosen once at start.
 */
#ifndef PROCHOOK_LOG_H
#define PROCHOOK_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_JOURNAL };

/*
 * What a line about a rule, a hook or an event is about: in the journal,
 * each becomes a field (PROCHOOK_RULE, PROCHOOK_HOOK, PROCHOOK_EVENT,
 * PROCHOOK_ACTION, PROCHOOK_PID, PROCHOOK_EXE, PROCHOOK_UID) beside
 * MESSAGE.  NULL and -1: none.
 */
struct log_fields {
	const char	*rule;
	const char	*hook;
	const char	*event;
	const char	*action;
	const char	*exe;		/* exe_len bytes, any of them */
	size_t		 exe_len;
	long long	 pid;
	long long	 uid;
};
#define LOG_FIELDS_NONE	{ .pid = -1, .uid = -1 }

/* The journal's socket, unless PROCHOOKD_JOURNAL_SOCKET names another. */
#define LOG_JOURNAL_ENV	"PROCHOOKD_JOURNAL_SOCKET"

void	log_init(const char *ident, int use_syslog, int verbose);
/*
 * Log to target from now on.  The journal's socket is checked first: if
 * nothing answers there, that is logged once and lines go to stderr
 * (returns -errno then, else 0).
 */
int	log_set_target(enum log_target);
enum log_target log_get_target(void);
/*
 * Forget the sockets of syslog and the journal before closing every
 * descriptor (they are opened again for the next line).
 */
void	log_close(void);
/* Warn with strerror(errno) appended. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Logged from -v on. */
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* A line with fields, at a syslog priority (LOG_INFO, LOG_WARNING, ...). */
void	log_event(int pri, const struct log_fields *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Log and exit with status. */
void	fatal(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
