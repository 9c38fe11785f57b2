/*
 * hookfile.h - is a hook file safe to run as root (hookfile.c)?  Used by
 * the configuration loader and, before every run, by the supervisor.
 *
 * The functions keep their config_ names from when config.c held them:
 * config.h includes this header, so callers did not change.
 */
#ifndef PROCHOOK_HOOKFILE_H
#define PROCHOOK_HOOKFILE_H

#include <stddef.h>

/*
 * A hook file is safe when it is a regular executable file owned by root
 * and not writable by group or others, and every directory in which its
 * path is looked up, symlinks followed, is owned by root and not
 * group/other-writable: from the file's up to /, and those that hold a
 * symlink on the way.  config_hook_open() returns an O_PATH descriptor
 * (close-on-exec) of the very file checked, to execute it from;
 * config_hook_safe() only checks.  Both return -errno with why (a
 * sentence) filled in when the hook is refused.
 */
int		 config_hook_open(const char *path, char *why, size_t whylen);
int		 config_hook_safe(const char *path, char *why, size_t whylen);

#endif
