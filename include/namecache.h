/*
 * namecache.h - the paths of executed files, kept by their identity.
 */
#ifndef PROCHOOK_NAMECACHE_H
#define PROCHOOK_NAMECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* How long a path is kept: what root renames is seen this much later. */
#define NAMECACHE_TTL_NS	1000000000ll

/* What identifies a file's path: see namecache.c. */
struct namecache_key {
	uint64_t	mnt;		/* mount id (STATX_MNT_ID) */
	uint64_t	dev;
	uint64_t	ino;
	int64_t		ctime_sec;
	uint32_t	ctime_nsec;
};

struct namecache;

struct namecache *namecache_new(void);
void	namecache_free(struct namecache *);
/*
 * The file's statx (basic stats and mount id) as namecache_key, as a
 * struct stat (for those who need one), or -errno.
 */
int	namecache_stat(int fd, struct namecache_key *, struct stat *);
/*
 * The path kept for key (its length in *len), or NULL: none, or older
 * than NAMECACHE_TTL_NS.
 */
const char *namecache_get(struct namecache *, const struct namecache_key *,
	    size_t *len);
/*
 * Keep path (len bytes) for the file fd whose key and stat these are --
 * only if no one but root can give that file another path without
 * changing its key (namecache.c); false otherwise.
 */
bool	namecache_put(struct namecache *, int fd,
	    const struct namecache_key *, const struct stat *,
	    const char *path, size_t len);
/* The test of namecache_put(), on the path alone (exported for tests). */
bool	namecache_root_only(const char *path, size_t len);

#endif
