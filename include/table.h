/*
 * table.h - the live process table.
 *
 * One record per live process (thread group), kept from a /proc scan and
 * then by events, so that an exit can be reported with the executable of a
 * process that is already gone.  Strings are reference counted; paths are
 * interned, so ten thousand copies of /bin/bash cost one string.
 */
#ifndef PROCHOOK_TABLE_H
#define PROCHOOK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

struct str {
	uint32_t	ref;
	uint32_t	len;
	uint32_t	hash;
	uint32_t	interned;
	char		s[];
};

/*
 * How far two start times of one process may be apart: one read from
 * /proc is a clock tick's, one from an event is exact.
 */
#define TABLE_START_SLACK_NS	50000000ll

/* struct proc.flags */
#define P_EXE		0x0001	/* exe known */
#define P_CMDLINE	0x0002	/* cmdline known */
#define P_IDS		0x0004	/* uid/euid/gid/egid known */
#define P_COMM		0x0008	/* comm known */
#define P_CGROUP	0x0010	/* cgroup known */
#define P_PEXE		0x0020	/* parent exe known */
#define P_START		0x0040	/* start time known */
#define P_SCRIPT	0x0080	/* known whether (and which) script it runs */
#define P_HOOK		0x0100	/* a hook of ours, or a descendant of one */
#define P_SELF		0x0200	/* prochookd itself */
/*
 * Some of cmdline, comm and cgroup were not read at the last exec, because
 * no rule could need them then (enrich.needs): their P_ flags are clear,
 * and enrich_complete() reads them while the process lives.
 */
#define P_UNREAD	0x0400

/*
 * An executable's identity: the file itself, not its name, so that an exec
 * can be recognised by /proc after a loss whatever path it was run by.
 * ino 0: unknown.
 */
struct exe_id {
	dev_t		dev;
	ino_t		ino;
};

struct proc {
	pid_t		pid;		/* 0: free slot */
	pid_t		ppid;		/* the process that forked it */
	uint32_t	flags;
	uint32_t	uid, euid, gid, egid;
	uint64_t	start_ns;	/* CLOCK_BOOTTIME */
	uint64_t	gen;		/* table generation of the last rescan that saw it */
	char		comm[16];
	struct str	*exe;
	struct exe_id	exe_id;		/* the file exe names, when known */
	struct str	*pexe;		/* parent's exe at fork */
	struct str	*cmdline;
	struct str	*cgroup;
	struct str	*script;	/* the script exe interprets; NULL: none */
	struct str	*loader;	/* the loader that exe was run by; NULL: none */
};

struct table;

struct table	*table_new(void);
void		 table_free(struct table *);
size_t		 table_count(const struct table *);
struct proc	*table_get(struct table *, pid_t);
/* A fresh, zeroed record for pid, replacing any stale one. NULL on ENOMEM. */
struct proc	*table_add(struct table *, pid_t);
void		 table_del(struct table *, pid_t);
/* Calls fn for every record; fn may not add or delete. */
void		 table_foreach(struct table *, void (*fn)(struct proc *, void *), void *);
/* Deletes every record for which keep() returns false. */
void		 table_prune(struct table *, bool (*keep)(struct proc *, void *), void *);

/* Strings. str_intern() shares equal strings; str_new() does not. */
struct str	*str_intern(struct table *, const char *, size_t);
struct str	*str_new(const char *, size_t);
struct str	*str_ref(struct str *);
/* FNV-1a of len bytes of s. */
uint32_t	 str_hash(const char *s, size_t len);
void		 str_unref(struct table *, struct str *);
/* Replace *slot by s (which may be NULL), dropping the old reference. */
void		 str_set(struct table *, struct str **slot, struct str *s);

/*
 * An event as rules, output and hooks see it: the kernel's event and what
 * the table knows of its process.  p is never NULL (a zeroed record with
 * only pid set when nothing is known).
 */
struct pevent {
	const struct event *ev;
	const struct proc *p;
	uint32_t	prev_uid, prev_euid;	/* uid events: before the change */
	bool		has_prev;
};

#endif
