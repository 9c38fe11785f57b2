/*
 * hookfile.c - is a hook file safe to run as root?  Checked when the
 * configuration is loaded (config.c, for -t and at start-up) and again by
 * the supervisor before every run, which then executes the descriptor
 * returned here: the file run is the file checked.
 *
 * The path is resolved here, one name at a time from /, not by the
 * kernel: each name is looked up through the descriptor of its directory
 * without following it (O_PATH | O_NOFOLLOW) and each object checked
 * through its own descriptor, so a rename or a swapped symlink between
 * the check and the exec changes nothing.  Whoever can write a directory
 * on the way can replace what the path leads to, so every directory a
 * name is looked up in must be root's alone, up to / and including those
 * that hold a symlink followed; symlinks count against the kernel's own
 * limit of 40 per path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hookfile.h"

#define HOOK_MAXLINKS		40	/* symlinks in one path, as the kernel */

/* A resolution in progress. */
struct walk {
	const char	*path;		/* as asked, for messages */
	char		 rest[PATH_MAX];	/* what is left to resolve */
	const char	*p;		/* the next name, in rest */
	char		 at[PATH_MAX];	/* where the walk is, for messages */
	char		 via[PATH_MAX];	/* the last symlink followed, or "" */
	int		 dfd;		/* the directory p is looked up in */
	int		 links;		/* symlinks followed */
};

/* What a step of the walk leaves to do. */
enum { WALK_DONE, WALK_NEXT };

/*
 * Refuse st, which the walk reached as name, unless it is root's alone:
 * owned by root and writable by no group or other user; a hook file must
 * also be regular and executable.  A world-writable sticky directory
 * (/tmp) is refused too: its owner-only rename rule does not stop other
 * users from planting names in it.
 */
static int
hook_check(const struct stat *st, const char *name, bool file, char *why,
    size_t whylen)
{
	const char *what = file ? "" : "directory ";

	if (file && !S_ISREG(st->st_mode))
		snprintf(why, whylen, "%s: not a regular file", name);
	else if (!file && !S_ISDIR(st->st_mode)) {
		snprintf(why, whylen, "%s: not a directory", name);
		return -ENOTDIR;
	} else if (st->st_uid != 0)
		snprintf(why, whylen, "%s: %sowned by uid %u, not root", name,
		    what, (unsigned)st->st_uid);
	else if (file && !(st->st_mode & S_IXUSR))
		snprintf(why, whylen, "%s: not executable", name);
	else if (st->st_mode & S_IWOTH)
		snprintf(why, whylen, "%s: %swritable by others", name, what);
	else if (st->st_mode & S_IWGRP)
		snprintf(why, whylen, "%s: %swritable by group", name, what);
	else
		return 0;
	return -EPERM;
}

/* Open / and check it: the walk's start, again after an absolute link. */
static int
hook_root(char *at, char *why, size_t whylen)
{
	struct stat st;
	int fd, e;

	strcpy(at, "/");
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		e = -errno;
		snprintf(why, whylen, "/: %s", strerror(-e));
		if (fd >= 0)
			close(fd);
		return e;
	}
	if ((e = hook_check(&st, "/", false, why, whylen)) < 0) {
		close(fd);
		return e;
	}
	return fd;
}

/*
 * Where the walk is, for messages: name appended to at, or at's parent
 * for "..".
 */
static int
hook_at(char *at, const char *name)
{
	char *slash;
	size_t len = strlen(at);

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		slash = strrchr(at, '/');
		slash[slash == at] = '\0';
		return 0;
	}
	if (len + 1 + strlen(name) >= PATH_MAX)
		return -ENAMETOOLONG;
	snprintf(at + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "", name);
	return 0;
}

/*
 * Follow the symlink fd: the rest of the path, from next (within rest,
 * of PATH_MAX bytes), becomes the link's target followed by next.
 */
static int
hook_follow(int fd, char *rest, const char *next)
{
	char target[PATH_MAX];
	size_t tail = strlen(next);
	ssize_t k;

	if ((k = readlinkat(fd, "", target, sizeof(target))) < 0)
		return -errno;
	if ((size_t)k + tail >= PATH_MAX)
		return -ENAMETOOLONG;
	memmove(rest + k, next, tail + 1);
	memcpy(rest, target, (size_t)k);
	return 0;
}

/* A lookup on the way failed: "PATH: reason". */
static int
walk_lookup_err(const struct walk *w, int e, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s", w->path, strerror(-e));
	return e;
}

/* hook_check() where the walk is; a refusal names the symlink followed. */
static int
walk_check(const struct walk *w, const struct stat *st, bool file,
    char *why, size_t whylen)
{
	size_t len;
	int e;

	e = hook_check(st, w->at, file, why, whylen);
	if (e == -EPERM && w->via[0] != '\0') {
		len = strlen(why);
		snprintf(why + len, whylen - len, " (through the symlink %s)",
		    w->via);
	}
	return e;
}

/*
 * The name just looked up is the symlink fd: go on from its target,
 * from / again if the target is absolute.  Closes fd.
 */
static int
walk_link(struct walk *w, int fd, const char *name, const char *next,
    char *why, size_t whylen)
{
	int e;

	e = ++w->links > HOOK_MAXLINKS ? -ELOOP :
	    hook_follow(fd, w->rest, next);
	close(fd);
	if (e < 0)
		return walk_lookup_err(w, e, why, whylen);
	w->p = w->rest;
	strcpy(w->via, w->at);
	if (hook_at(w->via, name) < 0)
		w->via[0] = '\0';
	if (w->rest[0] == '/') {
		close(w->dfd);
		if ((w->dfd = hook_root(w->at, why, whylen)) < 0)
			return w->dfd;
	}
	return WALK_NEXT;
}

/*
 * Look the next name up in the current directory and check it.  Returns
 * WALK_NEXT, WALK_DONE with the file's descriptor in *fdp, or -errno with
 * why filled.
 */
static int
walk_step(struct walk *w, int *fdp, char *why, size_t whylen)
{
	char name[NAME_MAX + 1];
	const char *next;
	struct stat st;
	size_t n;
	int fd, e;

	w->p += strspn(w->p, "/");
	if (*w->p == '\0') {
		/* The path names a directory. */
		if (fstat(w->dfd, &st) < 0)
			return walk_lookup_err(w, -errno, why, whylen);
		return walk_check(w, &st, true, why, whylen);
	}
	if ((n = strcspn(w->p, "/")) > NAME_MAX)
		return walk_lookup_err(w, -ENAMETOOLONG, why, whylen);
	memcpy(name, w->p, n);
	name[n] = '\0';
	next = w->p += n;
	if ((fd = openat(w->dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		e = -errno;
		if (fd >= 0)
			close(fd);
		return walk_lookup_err(w, e, why, whylen);
	}
	if (S_ISLNK(st.st_mode))
		return walk_link(w, fd, name, next, why, whylen);
	if ((e = hook_at(w->at, name)) < 0)
		e = walk_lookup_err(w, e, why, whylen);
	else if ((e = walk_check(w, &st, *next == '\0', why, whylen)) == 0 &&
	    *next == '\0') {
		*fdp = fd;
		return WALK_DONE;
	}
	if (e < 0) {
		close(fd);
		return e;
	}
	close(w->dfd);
	w->dfd = fd;
	return WALK_NEXT;
}

int
config_hook_open(const char *path, char *why, size_t whylen)
{
	struct walk w;
	int fd = -1, e;

	if (path[0] != '/') {
		snprintf(why, whylen, "%s: not an absolute path", path);
		return -EINVAL;
	}
	if (strlen(path) >= sizeof(w.rest)) {
		snprintf(why, whylen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	w.path = path;
	strcpy(w.rest, path);
	w.p = w.rest;
	w.via[0] = '\0';
	w.links = 0;
	if ((w.dfd = hook_root(w.at, why, whylen)) < 0)
		return w.dfd;
	while ((e = walk_step(&w, &fd, why, whylen)) == WALK_NEXT)
		;
	if (w.dfd >= 0)
		close(w.dfd);
	return e < 0 ? e : fd;
}

int
config_hook_safe(const char *path, char *why, size_t whylen)
{
	int fd;

	if ((fd = config_hook_open(path, why, whylen)) < 0)
		return fd;
	close(fd);
	return 0;
}
