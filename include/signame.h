/*
 * signame.h - signal names and numbers.
 */
#ifndef PROCHOOK_SIGNAME_H
#define PROCHOOK_SIGNAME_H

#include <stddef.h>

/*
 * The signal a name or number means ("KILL", "SIGKILL", "kill",
 * "RTMIN+3", "9"; numbers 1-64), or 0 if none.
 */
int		 signame_lookup(const char *);
/* The canonical name of sig ("SEGV", "RTMIN+3"), or NULL. */
const char	*signame(int sig);
/* The same, or the number written into buf when sig has no name. */
const char	*signame_or_number(int sig, char *buf, size_t size);

#endif
