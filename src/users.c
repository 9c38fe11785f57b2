/*
 * users.c - user names by uid, looked up once and cached.
 *
 * Events carry uids; a name service lookup per event would cost more than
 * everything else we do with it.  The cache is small and direct mapped:
 * a machine has few active uids.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "users.h"

#define USERS_SLOTS	256

struct user_slot {
	uint32_t	 uid;
	int		 valid;
	char		*name;		/* NULL: the uid has no name */
};

struct users {
	struct user_slot slot[USERS_SLOTS];
};

struct users *
users_new(void)
{
	return calloc(1, sizeof(struct users));
}

void
users_free(struct users *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < USERS_SLOTS; i++)
		free(u->slot[i].name);
	free(u);
}

const char *
users_name(struct users *u, uint32_t uid)
{
	struct user_slot *s = &u->slot[uid % USERS_SLOTS];
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (s->valid && s->uid == uid)
		return s->name;
	free(s->name);
	s->name = NULL;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		s->name = strdup(pw.pw_name);
	s->uid = uid;
	s->valid = 1;
	return s->name;
}

const char *
users_lookup(void *u, uint32_t uid)
{
	return users_name(u, uid);
}

int
users_groups(const char *user, gid_t gid, gid_t **groups, size_t *np)
{
	gid_t *g = NULL, *grown;
	int n = 16;

	for (;;) {
		if ((grown = reallocarray(g, (size_t)n, sizeof(*g))) == NULL) {
			free(g);
			return -ENOMEM;
		}
		g = grown;
		if (getgrouplist(user, gid, g, &n) >= 0)
			break;
		if (n > 65536) {
			free(g);
			return -E2BIG;
		}
	}
	*groups = g;
	*np = (size_t)n;
	return 0;
}
