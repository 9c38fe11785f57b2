/*
 * users.h - user names by uid, looked up once and cached.
 */
#ifndef PROCHOOK_USERS_H
#define PROCHOOK_USERS_H

#include <stdint.h>

struct users;

struct users	*users_new(void);
void		 users_free(struct users *);
/* The name of uid, or NULL if it has none. */
const char	*users_name(struct users *, uint32_t uid);
/* For struct out_ctx.user. */
const char	*users_lookup(void *, uint32_t uid);

#endif
