/*
 * confparse.h - the state of one configuration load, shared by the loader
 * (config.c: files, directories, hooks) and the inih callbacks that turn
 * lines into [daemon] keys and rules (confparse.c).  Private to the two.
 */
#ifndef PROCHOOK_CONFPARSE_H
#define PROCHOOK_CONFPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"

#define NKEYS		((int)RK__MAX > (int)DK__MAX ? (int)RK__MAX : \
			 (int)DK__MAX)
#define KEY_NONE	(-1)	/* continuation lines go nowhere */
#define BIT(k)		(1u << (k))

enum line_kind {
	LK_COMMENT,		/* or blank */
	LK_CONT,		/* indented: continues the previous key */
	LK_SECTION,
	LK_BADSECTION,		/* '[' without ']' */
	LK_KEY,
	LK_BADKEY,		/* neither '=' nor ':' */
};

enum sec_kind { SEC_NONE, SEC_DAEMON, SEC_RULE, SEC_SKIP };

/* Hook names of one rule, checked once hooks_dir is known. */
struct pending_hooks {
	size_t		 rule;		/* index in config.rules */
	unsigned	*line;		/* line of each hook */
};

/* The state of one key table: the rule being built, or [daemon]. */
struct keys {
	unsigned	 line[NKEYS];	/* where given; 0: not given */
	unsigned	 nval[NKEYS];
	uint32_t	 bad;		/* keys whose values were refused */
};

struct parse {
	struct config	*cfg;
	config_err_fn	 errfn;
	void		*errarg;
	unsigned	 nerr;

	/* the file */
	const struct config_file *src;	/* texts to parse instead of files */
	size_t		 nsrc;
	const char	*file;
	bool		 main;
	FILE		*fp;
	int		 read_errno;
	char		*buf;
	size_t		 bufcap;
	unsigned	 lineno;	/* of the line most recently read */
	enum line_kind	 kind;		/* of that line */
	bool		 bad;		/* that line was refused (too long) */
	bool		 prev_name;	/* inih has a key to continue */
	unsigned	 syntax_line;	/* first line inih finds malformed */

	/* the section */
	enum sec_kind	 sec;
	unsigned	 sec_line;
	struct rule	 rule;		/* being built */
	bool		 keep;		/* add it to the configuration */
	unsigned	*hook_line;
	struct keys	 rk;		/* of the rule */
	struct keys	 dk;		/* of [daemon], across sections */
	int		 cur;		/* key continuation lines continue */
	unsigned	 daemon_line;

	/* the configuration */
	char		*main_dir;	/* absolute */
	dev_t		 main_dev;
	ino_t		 main_ino;
	struct pending_hooks *pend;
	size_t		 npend;
};

/* Report "FILE:LINE: message" through the error callback, and count it. */
void		 parse_err(struct parse *, unsigned line, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* Report a message that has no line ("FILE: reason"), and count it. */
void		 parse_errx(struct parse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * Parse the open file ps->fp with inih, adding [daemon] keys to ps->cfg
 * and the rules it defines, their hooks to ps->pend.  Returns what
 * ini_parse_stream() does: 0, the first line inih found malformed, or -2
 * (out of memory).
 */
int		 parse_stream(struct parse *);

#endif
