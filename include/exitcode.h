/*
 * exitcode.h - prochookd's exit statuses (SPEC.md, "Command line"), used
 * by every part that exits or hands back a status: main.c, the event
 * loop's process and the privileged part.
 */
#ifndef PROCHOOK_EXITCODE_H
#define PROCHOOK_EXITCODE_H

#define EXIT_CONFIG	1	/* configuration error, a missing user */
#define EXIT_USAGE	2	/* usage error */
#define EXIT_KERNEL	3	/* the proc connector cannot be opened or did not answer */
#define EXIT_PART	4	/* a part of prochookd died unexpectedly */

#endif
