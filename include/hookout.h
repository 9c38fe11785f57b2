/*
 * hookout.h - a hook's output: read from its pipe, split into lines,
 * escaped, cut and counted, logged with the hook's and the rule's names.
 */
#ifndef PROCHOOK_HOOKOUT_H
#define PROCHOOK_HOOKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HOOKOUT_LINE_MAX	1024	/* longer output lines are cut */
#define HOOKOUT_LINES_MAX	100	/* lines logged per hook; the rest counted */

struct hookout;

/* Where a finished line goes: the log, or a test. */
typedef void (*hookout_line_fn)(const struct hookout *, const char *line,
    size_t len, bool cut);

struct hookout {
	int		 fd;		/* stdout and stderr, one pipe; -1 closed */
	const char	*hook;		/* for the log */
	const char	*rule;
	pid_t		 pid;		/* the event's */
	hookout_line_fn	 emit;
	unsigned	 nlines;	/* lines emitted */
	uint64_t	 dropped;	/* lines past HOOKOUT_LINES_MAX */
	size_t		 len;
	bool		 partial;	/* bytes since the last newline */
	bool		 skip;		/* line cut: skip to its end */
	char		 line[HOOKOUT_LINE_MAX];
};

/* Ready to read fd (or -1 for none), logging each line. */
void	hookout_init(struct hookout *, int fd, const char *hook,
	    const char *rule, pid_t pid);
/* Split n bytes of output into lines (pure: no I/O but emit). */
void	hookout_feed(struct hookout *, const char *p, size_t n);
/* The output ended: emit a last line that had no newline. */
void	hookout_end(struct hookout *);
/*
 * Read what is there, a bounded number of times so that endless output
 * cannot starve the caller's clock (drain: many more, the writer ended).
 * At EOF the last line is emitted and fd closed.
 */
void	hookout_read(struct hookout *, bool drain);
/* Stop reading: hookout_end, and close fd. */
void	hookout_close(struct hookout *);
/* Log how many lines were not, if any. */
void	hookout_log_dropped(const struct hookout *);

#endif
