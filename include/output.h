/*
 * output.h - events as text lines and JSON objects.
 *
 * Both formats are built in an output buffer that is written out in one
 * go per batch of events.  Whatever a process put in its name or
 * arguments, a text event is one line and a JSON event one valid object.
 */
#ifndef PROCHOOK_OUTPUT_H
#define PROCHOOK_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "table.h"

struct obuf {
	char		*b;
	size_t		 len, cap;
	int		 fd;		/* -1: collect only */
	int		 err;		/* first write error, -errno */
};

int	ob_init(struct obuf *, int fd, size_t cap);
void	ob_free(struct obuf *);
/* Write what is buffered; returns 0 or -errno. */
int	ob_flush(struct obuf *);
void	ob_putn(struct obuf *, const char *, size_t);
void	ob_puts(struct obuf *, const char *);
void	ob_putc(struct obuf *, char);
void	ob_putu(struct obuf *, uint64_t);
void	ob_puti(struct obuf *, int64_t);

/* Escapers: text turns '\' and control characters into \xNN (and spaces
 * too when space is set); JSON escapes and replaces invalid UTF-8 with
 * U+FFFD, without the quotes. */
void	out_text_escape(struct obuf *, const char *, size_t, bool space);
void	out_json_escape(struct obuf *, const char *, size_t);

/* The same into buf (size > 0), cut to fit, NUL ended. */
void	out_text_escape_buf(char *buf, size_t size, const char *, size_t);

struct out_ctx {
	int64_t		 real_off_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int64_t		 boot_off_ns;	/* CLOCK_BOOTTIME - CLOCK_MONOTONIC */
	const char	*(*user)(void *, uint32_t);	/* uid to name, or NULL */
	void		*user_arg;
};

/* Read the clocks' offsets again (they move with a suspend or a clock set). */
void	out_ctx_clocks(struct out_ctx *);
/* One line: TIME EVENT PID PPID UID EXE [fields] -- CMDLINE */
void	out_text(struct obuf *, const struct pevent *, const struct out_ctx *);
/* The same with another word for EVENT ("deny": an exec refused). */
void	out_text_as(struct obuf *, const struct pevent *,
	    const struct out_ctx *, const char *name);
/* One JSON object and newline; rule and action are added when not NULL. */
void	out_json(struct obuf *, const struct pevent *, const struct out_ctx *,
	    const char *rule, const char *action);
/*
 * A hook's PROCHOOK_* environment: "NAME=value" strings, NULL ended, all
 * allocated (free with out_env_free).  Values are passed as they are.
 * signal is the one a kill sent, 0 for none.  NULL on ENOMEM.
 */
char	**out_env(const struct pevent *, const struct out_ctx *,
	    const char *rule, const char *action, int signal);
void	 out_env_free(char **);
/*
 * The journal fields of a line about a rule's match of the event: rule,
 * event, action, pid, exe and uid (those known).  Points into pe.
 */
void	out_log_fields(struct log_fields *, const struct pevent *,
	    const char *rule, const char *action);
/* "1764180000.123456789": event time since the epoch. */
void	out_epoch(struct obuf *, const struct pevent *, const struct out_ctx *);
/* Exit duration in seconds with 3 decimals, if known. */
bool	out_duration(struct obuf *, const struct pevent *,
	    const struct out_ctx *);
/* "SEGV" for 11, else the number. */
void	out_signal(struct obuf *, int sig);

#endif
