/*
 * gateplan.c - which files the gate marks for a configuration, and the
 * ids an exec will give.
 *
 * An inode mark makes only the execs of that file wait for the gate; a
 * file system mark makes every exec there wait.  So inode marks are used
 * whenever the rules allow: when every gated rule names its files exactly.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gate.h"
#include "rule.h"

/* Does the key name its files exactly: plain absolute paths, no '!'? */
static bool
exact(const struct glob_list *g)
{
	size_t i;

	if (g->n == 0)
		return false;
	for (i = 0; i < g->n; i++)
		if (g->neg[i] || g->kind[i] != GLOB_LITERAL ||
		    g->pat[i][0] != '/')
			return false;
	return true;
}

static int
add_path(struct gate_plan *p, const char *path)
{
	char **np, *s;
	size_t i;

	for (i = 0; i < p->npaths; i++)
		if (strcmp(p->paths[i], path) == 0)
			return 0;
	if ((np = reallocarray(p->paths, p->npaths + 1, sizeof(*np))) == NULL)
		return -ENOMEM;
	p->paths = np;
	if ((s = strdup(path)) == NULL)
		return -ENOMEM;
	p->paths[p->npaths++] = s;
	return 0;
}

uint32_t
gate_rule_keys(const struct rule *r)
{
	uint32_t k = 0;

#define K(key, list)	do { if ((list).n > 0) k |= RK_BIT(key); } while (0)
	K(RK_EXE, r->exe);
	K(RK_SCRIPT, r->script);
	K(RK_COMM, r->comm);
	K(RK_CGROUP, r->cgroup);
	K(RK_PARENT, r->parent);
	K(RK_ANCESTOR, r->ancestor);
	K(RK_UID, r->uid);
	K(RK_GID, r->gid);
	K(RK_EUID, r->euid);
	K(RK_EGID, r->egid);
#undef K
	return k;
}

int
gate_plan(const struct config *cfg, struct gate_plan *p)
{
	const struct rule *r;
	const struct glob_list *g;
	bool inodes = true, any = false;
	size_t i, j;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < cfg->nrules; i++) {
		r = &cfg->rules[i];
		if (!ACT_GATED(r->action))
			continue;
		any = true;
		p->keys |= gate_rule_keys(r);
		/* A script key decides at the script's own open. */
		g = r->script.n > 0 ? &r->script : &r->exe;
		if (!exact(g)) {
			inodes = false;
			continue;
		}
		for (j = 0; inodes && j < g->n; j++)
			if (add_path(p, g->pat[j]) < 0) {
				gate_plan_free(p);
				return -ENOMEM;
			}
	}
	p->mode = !any ? GATE_NONE : inodes ? GATE_INODES : GATE_FILESYSTEMS;
	if (p->mode != GATE_INODES) {
		uint32_t keys = p->keys;
		enum gate_mode mode = p->mode;

		gate_plan_free(p);
		p->keys = keys;
		p->mode = mode;
	}
	return 0;
}

bool
gate_path_parent(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash == NULL || (slash == path && path[1] == '\0'))
		return false;
	if (slash == path)
		path[1] = '\0';
	else
		*slash = '\0';
	return true;
}

/*
 * Is every directory above path (an absolute path) root's and not group-
 * or other-writable, so that only root may change what the path names?
 * resolve: check the directories of its resolved parent too.
 */
static bool
root_only_dirs(const char *path, bool resolve)
{
	char dir[PATH_MAX], real[PATH_MAX];
	struct stat sb;
	size_t len = strlen(path);

	if (path[0] != '/' || len < 2 || len >= sizeof(dir))
		return false;
	memcpy(dir, path, len + 1);
	/* From the parent up to "/" itself. */
	while (gate_path_parent(dir)) {
		if (lstat(dir, &sb) < 0 || sb.st_uid != 0)
			return false;
		if (!S_ISLNK(sb.st_mode) && (!S_ISDIR(sb.st_mode) ||
		    (sb.st_mode & (S_IWGRP | S_IWOTH))))
			return false;
	}
	if (!resolve)
		return true;
	memcpy(dir, path, len + 1);
	(void)gate_path_parent(dir);
	if (realpath(dir, real) == NULL)
		return false;
	len = strlen(real);
	if (len + 3 > sizeof(real))
		return false;
	/* The resolved parent is checked as the last prefix of real/x. */
	memcpy(real + len, "/x", 3);
	return root_only_dirs(real, false);
}

bool
gate_plan_quiet(const struct config *cfg, const struct gate_plan *p)
{
	size_t i;

	if (p->mode != GATE_INODES)
		return false;
	for (i = 0; i < cfg->nrules; i++)
		if (!ACT_GATED(cfg->rules[i].action))
			return false;
	for (i = 0; i < p->npaths; i++) {
		char real[PATH_MAX];
		struct stat sb;

		if (!root_only_dirs(p->paths[i], true))
			return false;
		/* A link's target too: it is the file marked. */
		if (realpath(p->paths[i], real) != NULL) {
			if (!root_only_dirs(real, false))
				return false;
		} else if (lstat(p->paths[i], &sb) == 0)
			return false;	/* a link to nowhere: anywhere */
	}
	return true;
}

void
gate_plan_free(struct gate_plan *p)
{
	size_t i;

	for (i = 0; i < p->npaths; i++)
		free(p->paths[i]);
	free(p->paths);
	memset(p, 0, sizeof(*p));
}

void
gate_setid(mode_t mode, uid_t fuid, gid_t fgid, bool nosuid, uint32_t *euid,
    uint32_t *egid)
{
	if (nosuid)
		return;
	if (mode & S_ISUID)
		*euid = fuid;
	/* Set-group-ID without group execute is mandatory locking, not an id. */
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		*egid = fgid;
}
