/*
 * config.h - the configuration: [daemon] keys and rules, from the main
 * file and every *.conf of rules_dir.  Loaded by config.c, parsed by
 * confparse.c, [daemon] keys set by daemonkey.c.
 */
#ifndef PROCHOOK_CONFIG_H
#define PROCHOOK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hookfile.h"
#include "log.h"
#include "rule.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/prochook/prochook.conf"

enum log_format { LOGF_TEXT, LOGF_JSON };

/* The text of one file read, so that the other part can parse the same. */
struct config_file {
	char		*path;
	char		*text;
	size_t		 len;
};

struct config {
	char		*path;		/* main file */
	char		*hooks_dir;	/* absolute (once loaded) */
	char		*rules_dir;	/* absolute (once loaded) */
	char		*user;		/* event loop user */
	unsigned	 max_hooks;
	unsigned	 queue_size;
	unsigned	 hook_timeout;	/* seconds */
	size_t		 rcvbuf;	/* bytes */
	enum log_format	 log_format;
	enum log_target	 log_target;	/* taken at start, not on reload */
	struct rule	*rules;
	size_t		 nrules;
	uint32_t	 events;	/* EV_BIT() set the rules need */
	bool		 threads;	/* some rule asks for threads */
	struct config_file *files;	/* every file read: main file first */
	size_t		 nfiles;
};

/* Called once per error, msg is "FILE:LINE: message". */
typedef void (*config_err_fn)(void *arg, const char *msg);
/* A config_err_fn that logs each message with log_warnx(). */
void		 config_err(void *arg, const char *msg);

/*
 * Read path (and rules_dir).  Returns the configuration, or NULL after
 * reporting every error found through err.  Relative hooks_dir and
 * rules_dir are taken relative to the directory of path.
 */
struct config	*config_load(const char *path, config_err_fn err, void *arg);
/*
 * The same from texts read by another process (the privileged part, which
 * may read what the event loop may not): files[0] is the main file, the
 * others the rules_dir files in order.  Hook files are not checked; the
 * privileged part did, and does again before each run.
 */
struct config	*config_load_files(const struct config_file *, size_t n,
		    config_err_fn err, void *arg);
void		 config_free(struct config *);

/*
 * A configuration arriving from the privileged part as chunks of its files'
 * texts (IPC_CONFIG), for the event loop and the gate.
 */
struct config_rx {
	struct config_file *f;
	size_t		 n;
	uint32_t	 gen;
};

/*
 * Add one chunk of file index file (named name) of configuration gen.
 * Returns 0 while more is to come, 1 after the last chunk with *out the
 * configuration parsed (NULL if refused, errors through config_err), or
 * -EINVAL / -ENOMEM, the chunks received so far dropped.
 */
int		 config_rx_add(struct config_rx *, uint32_t gen, uint32_t file,
		    const char *name, const char *data, size_t len, bool last,
		    struct config **out);
void		 config_rx_free(struct config_rx *);
/* One line per rule, saying what it matches and does (for -t). */
void		 config_print(const struct config *, FILE *);
/* Warnings that do not make a configuration unusable (for -t). */
void		 config_warnings(const struct config *, config_err_fn, void *);

/* daemonkey.c: the keys of [daemon]. */
enum daemon_key {
	DK_HOOKS_DIR, DK_RULES_DIR, DK_USER, DK_MAX_HOOKS, DK_QUEUE_SIZE,
	DK_HOOK_TIMEOUT, DK_RCVBUF, DK_LOG_FORMAT, DK_LOG_TARGET, DK__MAX
};

enum daemon_key	 daemon_key_lookup(const char *);	/* DK__MAX if unknown */
const char	*daemon_key_name(enum daemon_key);
/*
 * Set key k of the configuration from one value (a word, quotes already
 * removed).  hooks_dir and rules_dir are stored as written.  Returns 0,
 * -EINVAL with a message ("bad max_hooks '0': expected 1-4096") in err,
 * or -ENOMEM.
 */
int		 daemon_key_set(struct config *, enum daemon_key, const char *,
		    char *err, size_t errlen);

#endif
