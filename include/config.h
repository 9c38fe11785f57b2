/*
 * config.h - the configuration: [daemon] keys and rules, from the main
 * file and every *.conf of rules_dir.
 */
#ifndef PROCHOOK_CONFIG_H
#define PROCHOOK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rule.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/prochook/prochook.conf"

enum log_format { LOGF_TEXT, LOGF_JSON };

struct config {
	char		*path;		/* main file */
	char		*hooks_dir;	/* absolute */
	char		*rules_dir;	/* absolute */
	char		*user;		/* event loop user */
	unsigned	 max_hooks;
	unsigned	 queue_size;
	unsigned	 hook_timeout;	/* seconds */
	size_t		 rcvbuf;	/* bytes */
	enum log_format	 log_format;
	struct rule	*rules;
	size_t		 nrules;
	uint32_t	 events;	/* EV_BIT() set the rules need */
	bool		 threads;	/* some rule asks for threads */
};

/* Called once per error, msg is "FILE:LINE: message". */
typedef void (*config_err_fn)(void *arg, const char *msg);

/*
 * Read path (and rules_dir).  Returns the configuration, or NULL after
 * reporting every error found through err.  Relative hooks_dir and
 * rules_dir are taken relative to the directory of path.
 */
struct config	*config_load(const char *path, config_err_fn err, void *arg);
void		 config_free(struct config *);
/* One line per rule, saying what it matches and does (for -t). */
void		 config_print(const struct config *, FILE *);
/* Warnings that do not make a configuration unusable (for -t). */
void		 config_warnings(const struct config *, config_err_fn, void *);

/*
 * A hook file is safe when, with symlinks resolved, it is a regular
 * executable file owned by root and not writable by group or others, and
 * every directory up to / is owned by root and not group/other-writable.
 * Returns 0, or -errno with why (a sentence) filled in.
 */
int		 config_hook_safe(const char *path, char *why, size_t whylen);

#endif
