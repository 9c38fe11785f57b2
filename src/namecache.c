/*
 * namecache.c - the paths of executed files, kept by their identity.
 *
 * Every exec notification hands over a descriptor, and its path costs a
 * readlink of /proc/self/fd/N: a quarter of the event loop's time under an
 * exec storm, where the same few programs run again and again.  A path is
 * kept here for a second (NAMECACHE_TTL_NS), by the file's mount, device,
 * inode and ctime -- but only where no one but root can give that file
 * another path without changing that key:
 *
 *  - renaming a file, or linking it elsewhere, changes its ctime (ext2/3/4,
 *    xfs, btrfs, tmpfs: only those file systems are trusted to do so), and
 *    a file with a second link is never kept: which name it was run by is
 *    not known without the readlink;
 *  - renaming a directory above it does not: so every directory on the path
 *    must be root's and writable by no one else (a sticky directory, /tmp,
 *    lets others rename only their own entries: the next directory down is
 *    root's, or the entry is the file itself);
 *  - the path must resolve, here, to that very file.
 *
 * What root renames is seen within the second.  Mounts are part of the key:
 * the caller keeps paths of the host's own mounts only, which only root
 * can move.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "clock.h"
#include "namecache.h"

#define NAMECACHE_SLOTS	256	/* direct mapped by the key's hash */

/* File systems that change a file's ctime when it is renamed or linked. */
#define FS_EXT		0xEF53
#define FS_XFS		0x58465342
#define FS_BTRFS	0x9123683E
#define FS_TMPFS	0x01021994

struct namecache_slot {
	struct namecache_key key;
	int64_t		 at;		/* CLOCK_MONOTONIC; 0: empty */
	size_t		 len;
	char		*path;
};

struct namecache {
	struct namecache_slot slot[NAMECACHE_SLOTS];
};

struct namecache *
namecache_new(void)
{
	return calloc(1, sizeof(struct namecache));
}

void
namecache_free(struct namecache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NAMECACHE_SLOTS; i++)
		free(c->slot[i].path);
	free(c);
}

int
namecache_stat(int fd, struct namecache_key *k, struct stat *sb)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_MNT_ID,
	    &sx) < 0)
		return -errno;
	memset(k, 0, sizeof(*k));
	k->mnt = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
	k->dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	k->ino = sx.stx_ino;
	k->ctime_sec = sx.stx_ctime.tv_sec;
	k->ctime_nsec = sx.stx_ctime.tv_nsec;
	memset(sb, 0, sizeof(*sb));
	sb->st_dev = k->dev;
	sb->st_ino = k->ino;
	sb->st_mode = sx.stx_mode;
	sb->st_nlink = sx.stx_nlink;
	sb->st_uid = sx.stx_uid;
	sb->st_gid = sx.stx_gid;
	sb->st_size = (off_t)sx.stx_size;
	sb->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	sb->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	sb->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
	sb->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
	return 0;
}

static struct namecache_slot *
slot_of(struct namecache *c, const struct namecache_key *k)
{
	uint64_t h = k->mnt * 0x9E3779B97F4A7C15ull;

	h ^= k->dev + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
	h ^= k->ino + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	h ^= (uint64_t)k->ctime_nsec + (h << 6) + (h >> 2);
	return &c->slot[(h ^ (h >> 29)) % NAMECACHE_SLOTS];
}

static bool
key_eq(const struct namecache_key *a, const struct namecache_key *b)
{
	return a->mnt == b->mnt && a->dev == b->dev && a->ino == b->ino &&
	    a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec;
}

const char *
namecache_get(struct namecache *c, const struct namecache_key *k,
    size_t *len)
{
	struct namecache_slot *s = slot_of(c, k);

	if (s->at == 0 || !key_eq(&s->key, k) ||
	    clock_ns(CLOCK_MONOTONIC) - s->at >= NAMECACHE_TTL_NS)
		return NULL;
	*len = s->len;
	return s->path;
}

/* A path as d_path() writes one: absolute, no "//", "." or "..". */
static bool
plain_path(const char *path, size_t len)
{
	size_t i, j, n;

	if (len == 0 || path[0] != '/' || path[len - 1] == '/' ||
	    memchr(path, '\0', len) != NULL)
		return false;
	for (i = 0; i < len; i = j) {
		for (j = i + 1; j < len && path[j] != '/'; j++)
			;
		n = j - i - 1;
		if (n == 0 || (n == 1 && path[i + 1] == '.') ||
		    (n == 2 && path[i + 1] == '.' && path[i + 2] == '.'))
			return false;
	}
	return true;
}

/*
 * May no one but root give the file at path another path without changing
 * its ctime (see the top of this file)?  False when someone may, or when
 * it cannot be told.
 */
bool
namecache_root_only(const char *path, size_t len)
{
	char dir[PATH_MAX];
	struct stat sb;
	size_t i;

	if (len >= sizeof(dir) || !plain_path(path, len))
		return false;
	for (i = 0; i < len; i++) {
		if (path[i] != '/')
			continue;
		memcpy(dir, path, i == 0 ? 1 : i);
		dir[i == 0 ? 1 : i] = '\0';
		if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode) ||
		    sb.st_uid != 0)
			return false;
		/*
		 * Writable by others only if sticky: then they may rename
		 * their own entries, and the next directory down is root's
		 * (checked next), or the entry is the file.
		 */
		if ((sb.st_mode & (S_IWGRP | S_IWOTH)) &&
		    !(sb.st_mode & S_ISVTX))
			return false;
	}
	return true;
}

bool
namecache_put(struct namecache *c, int fd, const struct namecache_key *k,
    const struct stat *sb, const char *path, size_t len)
{
	struct namecache_slot *s;
	struct statfs fs;
	struct stat here;
	char *copy;

	if (k->mnt == 0 || !S_ISREG(sb->st_mode) || sb->st_nlink != 1 ||
	    fstatfs(fd, &fs) < 0)
		return false;
	switch ((unsigned long)fs.f_type) {
	case FS_EXT:
	case FS_XFS:
	case FS_BTRFS:
	case FS_TMPFS:
		break;
	default:
		return false;
	}
	if (!namecache_root_only(path, len))
		return false;
	/* The path names, here, that very file (not a deleted one's name). */
	if ((copy = malloc(len + 1)) == NULL)
		return false;
	memcpy(copy, path, len);
	copy[len] = '\0';
	if (lstat(copy, &here) < 0 || here.st_dev != sb->st_dev ||
	    here.st_ino != sb->st_ino) {
		free(copy);
		return false;
	}
	s = slot_of(c, k);
	free(s->path);
	s->key = *k;
	s->at = clock_ns(CLOCK_MONOTONIC);
	s->len = len;
	s->path = copy;
	return true;
}
