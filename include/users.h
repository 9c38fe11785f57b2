/*
 * users.h - user names by uid, looked up once and cached.
 */
#ifndef PROCHOOK_USERS_H
#define PROCHOOK_USERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct users;

struct users	*users_new(void);
void		 users_free(struct users *);
/* The name of uid, or NULL if it has none. */
const char	*users_name(struct users *, uint32_t uid);
/*
 * The supplementary groups of user with primary group gid, into *groups
 * (allocated; free it) and *n.  0 or -errno.
 */
int		 users_groups(const char *user, gid_t gid, gid_t **groups,
		    size_t *n);
/* For struct out_ctx.user. */
const char	*users_lookup(void *, uint32_t uid);

#endif
