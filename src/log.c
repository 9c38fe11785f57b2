/*
 * log.c - logging to stderr, syslog or the journal, chosen once at start.
 *
 * The journal gets each line as an entry of its own with fields (journal.c):
 * MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, and for a line about a rule or a
 * hook the PROCHOOK_* fields of struct log_fields, so that
 * `journalctl PROCHOOK_RULE=NAME` finds them.  Sending never blocks: a
 * line the journal has no room for is counted and the count logged with
 * the next one that goes through; a journal that stops answering sends
 * lines to stderr (said once) until it answers again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "journal.h"
#include "log.h"

static enum log_target log_to = LOG_TO_STDERR;
static int log_level;
static const char *log_ident = "prochookd";

static struct {
	int		 fd;		/* -1: opened for the next line */
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct journal_entry e;
	bool		 down;		/* said that lines go to stderr */
	unsigned long long dropped;	/* not sent: the journal was full */
} jrn = { .fd = -1 };

void
log_init(const char *ident, int use_syslog, int verbose)
{
	log_ident = ident;
	log_level = verbose;
	if (use_syslog)
		(void)log_set_target(LOG_TO_SYSLOG);
}

/* Does something listen at the journal's socket?  0 or -errno. */
static int
journal_probe(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = journal_socket()) < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}

int
log_set_target(enum log_target t)
{
	const char *path;
	int r;

	if (t == LOG_TO_SYSLOG && log_to != LOG_TO_SYSLOG)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (t != LOG_TO_SYSLOG && log_to == LOG_TO_SYSLOG)
		closelog();
	if (t != LOG_TO_JOURNAL) {
		log_to = t;
		return 0;
	}
	path = getenv(LOG_JOURNAL_ENV);
	if (path == NULL || path[0] == '\0')
		path = JOURNAL_SOCKET;
	if ((r = journal_probe(path)) < 0) {
		log_to = LOG_TO_STDERR;
		log_warnx("log_target = journal: %s: %s: logging to stderr",
		    path, strerror(-r));
		return r;
	}
	snprintf(jrn.path, sizeof(jrn.path), "%s", path);
	if ((r = journal_socket()) < 0) {
		log_to = LOG_TO_STDERR;
		log_warnx("log_target = journal: socket: %s: logging to "
		    "stderr", strerror(-r));
		return r;
	}
	jrn.fd = r;
	log_to = LOG_TO_JOURNAL;
	return 0;
}

enum log_target
log_get_target(void)
{
	return log_to;
}

void
log_close(void)
{
	/*
	 * glibc's syslog(), finding its socket gone, would close whatever
	 * descriptor took its number.
	 */
	closelog();
	if (jrn.fd >= 0)
		close(jrn.fd);
	jrn.fd = -1;
}

static void
to_stderr(const char *msg, const char *err)
{
	if (err)
		fprintf(stderr, "%s: %s: %s\n", log_ident, msg, err);
	else
		fprintf(stderr, "%s: %s\n", log_ident, msg);
}

/* The entry of one line, with the fields it is about. */
static void
journal_encode(int pri, const struct log_fields *f, const char *msg,
    int errnum)
{
	struct journal_entry *e = &jrn.e;
	char full[2304];

	journal_entry_reset(e);
	if (errnum != 0) {
		snprintf(full, sizeof(full), "%s: %s", msg, strerror(errnum));
		msg = full;
	}
	journal_field_str(e, "MESSAGE", msg);
	journal_field_num(e, "PRIORITY", pri);
	journal_field_num(e, "SYSLOG_FACILITY", LOG_DAEMON >> 3);
	journal_field_str(e, "SYSLOG_IDENTIFIER", log_ident);
	if (errnum != 0)
		journal_field_num(e, "ERRNO", errnum);
	if (f == NULL)
		return;
	if (f->rule != NULL)
		journal_field_str(e, "PROCHOOK_RULE", f->rule);
	if (f->hook != NULL)
		journal_field_str(e, "PROCHOOK_HOOK", f->hook);
	if (f->event != NULL)
		journal_field_str(e, "PROCHOOK_EVENT", f->event);
	if (f->action != NULL)
		journal_field_str(e, "PROCHOOK_ACTION", f->action);
	if (f->pid >= 0)
		journal_field_num(e, "PROCHOOK_PID", f->pid);
	if (f->exe != NULL)
		journal_field(e, "PROCHOOK_EXE", f->exe, f->exe_len);
	if (f->uid >= 0)
		journal_field_num(e, "PROCHOOK_UID", f->uid);
}

/* Send the entry; false if the line is to go to stderr instead. */
static bool
journal_write(void)
{
	int r;

	if (jrn.e.oom)
		return false;
	if (jrn.fd < 0 && (jrn.fd = journal_socket()) < 0) {
		r = jrn.fd;
		jrn.fd = -1;
	} else
		r = journal_send(jrn.fd, jrn.path, jrn.e.b, jrn.e.len);
	if (r == -EAGAIN) {
		jrn.dropped++;
		return true;
	}
	if (r < 0) {
		if (!jrn.down)
			fprintf(stderr, "%s: journal %s: %s: logging to stderr "
			    "until it answers\n", log_ident, jrn.path,
			    strerror(-r));
		jrn.down = true;
		return false;
	}
	jrn.down = false;
	return true;
}

static void
vlog(int pri, const struct log_fields *f, const char *fmt, va_list ap,
    int errnum)
{
	const char *err = errnum ? strerror(errnum) : NULL;
	unsigned long long dropped;
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to == LOG_TO_SYSLOG) {
		if (err)
			syslog(pri, "%s: %s", msg, err);
		else
			syslog(pri, "%s", msg);
		return;
	}
	if (log_to == LOG_TO_JOURNAL) {
		journal_encode(pri, f, msg, errnum);
		if (!journal_write()) {
			to_stderr(msg, err);
			return;
		}
		if (jrn.dropped == 0 || jrn.down)
			return;
		dropped = jrn.dropped;
		jrn.dropped = 0;
		snprintf(msg, sizeof(msg), "journal: %llu log line%s dropped: "
		    "the journal did not keep up", dropped,
		    dropped == 1 ? "" : "s");
		journal_encode(LOG_WARNING, NULL, msg, 0);
		if (!journal_write())
			to_stderr(msg, NULL);
		return;
	}
	to_stderr(msg, err);
}

void
log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, NULL, fmt, ap, err);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, NULL, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap, 0);
	va_end(ap);
}

void
log_event(int pri, const struct log_fields *f, const char *fmt, ...)
{
	va_list ap;

	if (pri == LOG_DEBUG && log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(pri, f, fmt, ap, 0);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap, err);
	va_end(ap);
	exit(status);
}

void
fatalx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap, 0);
	va_end(ap);
	exit(status);
}
