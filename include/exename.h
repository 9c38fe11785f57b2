/*
 * exename.h - the name of an executed file as the host sees it.
 */
#ifndef PROCHOOK_EXENAME_H
#define PROCHOOK_EXENAME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/stat.h>

#include "table.h"

/* What a path that does not name the file in the host's view starts with. */
#define EXENAME_UNREACHABLE	"(unreachable)"

/*
 * The name of the file dev/ino that the kernel calls path, as the host's
 * mount namespace sees it: path itself where it resolves here to that very
 * file, and for a memfd (the kernel's "/memfd:NAME (deleted)"); otherwise
 * EXENAME_UNREACHABLE followed by path, so that no rule on a host path matches
 * a file that only a private mount (or a deleted file) put there.
 */
int	exename_host(const char *path, dev_t dev, ino_t ino, char *buf,
	    size_t size);
/*
 * The executable of the process whose /proc directory is dirfd, as
 * exename_host() names it.  When it is the system's dynamic loader run as
 * a command (ld.so PROGRAM), the name is PROGRAM's and the loader's goes
 * to loader (empty otherwise; NULL: not asked).  *id is the file the
 * kernel executed (the loader, for ld.so PROGRAM).  Needs the right to read
 * the process's exe, cwd and root.
 */
int	exename_proc(int dirfd, char *buf, size_t size, char *loader,
	    size_t lsize, struct exe_id *id);
/*
 * Is the file sb the system's dynamic loader (our own PT_INTERP), with the
 * same device, inode and change time?  NULL: just learn the loader.
 */
bool	exename_is_loader(const struct stat *sb);
/*
 * The same, but when sb is not it, the loader's path is looked at again
 * first (a C library upgrade replaces the loader while we run).
 */
bool	exename_is_loader_now(const struct stat *sb);
/*
 * Learn the loader's file again from its path (a library upgrade replaces
 * it, a chmod or a new link changes its change time); once it is known.
 */
void	exename_loader_recheck(void);
/* The path of the system's dynamic loader (our own PT_INTERP), or -errno. */
int	exename_loader(char *path, size_t size);
/* arg resolved as the process at dirfd would, named as the host sees it. */
int	exename_resolve(int dirfd, const char *arg, char *buf, size_t size);
/* The program of a loader's NUL-separated arguments, or NULL. */
const char *exename_loader_program(const char *argv, size_t len);

#endif
