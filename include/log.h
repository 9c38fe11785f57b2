/*
 * log.h - logging to stderr or syslog, chosen once at start.
 */
#ifndef PROCHOOK_LOG_H
#define PROCHOOK_LOG_H

#include <stdarg.h>

void	log_init(const char *ident, int use_syslog, int verbose);
/* Warn with strerror(errno) appended. */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Logged from -v on. */
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Log and exit with status. */
void	fatal(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
void	fatalx(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

#endif
