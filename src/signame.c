/*
 * signame.c - signal names and numbers, one table for the whole daemon:
 * what rules accept (KILL, SIGKILL, kill, RTMIN+3, 9), and the one name
 * logs, the monitor and hooks print for each number.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signame.h"
#include "strnum.h"

/* Canonical names first: signame() returns the first match. */
static const struct {
	const char	*name;
	int		 sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
	{ "IOT", SIGABRT }, { "POLL", SIGIO }, { "CLD", SIGCHLD },
};

static const char *const rt_names[] = {
	"RTMIN", "RTMIN+1", "RTMIN+2", "RTMIN+3", "RTMIN+4", "RTMIN+5",
	"RTMIN+6", "RTMIN+7", "RTMIN+8", "RTMIN+9", "RTMIN+10", "RTMIN+11",
	"RTMIN+12", "RTMIN+13", "RTMIN+14", "RTMIN+15", "RTMIN+16",
	"RTMIN+17", "RTMIN+18", "RTMIN+19", "RTMIN+20", "RTMIN+21",
	"RTMIN+22", "RTMIN+23", "RTMIN+24", "RTMIN+25", "RTMIN+26",
	"RTMIN+27", "RTMIN+28", "RTMIN+29", "RTMIN+30", "RTMIN+31",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define SIG_LAST	64	/* highest signal number on Linux */

int
signame_lookup(const char *s)
{
	uint32_t n;
	size_t i;
	int base, off;
	char *end;

	if (strnum_u32(s, strlen(s), SIG_LAST, &n) == 0)
		return n >= 1 ? (int)n : 0;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < NELEM(signals); i++)
		if (strcasecmp(s, signals[i].name) == 0)
			return signals[i].sig;
	if (strncasecmp(s, "RTMIN", 5) == 0)
		base = SIGRTMIN;
	else if (strncasecmp(s, "RTMAX", 5) == 0)
		base = SIGRTMAX;
	else
		return 0;
	s += 5;
	if (*s == '\0')
		return base;
	if ((*s != '+' && *s != '-') || !isdigit((unsigned char)s[1]))
		return 0;
	errno = 0;
	off = (int)strtol(s + 1, &end, 10);
	if (*end != '\0' || errno != 0 || off > SIG_LAST)
		return 0;
	base = *s == '+' ? base + off : base - off;
	if (base < SIGRTMIN || base > SIGRTMAX)
		return 0;
	return base;
}

const char *
signame(int sig)
{
	size_t i;

	for (i = 0; i < NELEM(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	if (sig == SIGRTMAX)
		return "RTMAX";
	if (sig >= SIGRTMIN && sig < SIGRTMAX &&
	    (size_t)(sig - SIGRTMIN) < NELEM(rt_names))
		return rt_names[sig - SIGRTMIN];
	return NULL;
}

const char *
signame_or_number(int sig, char *buf, size_t size)
{
	const char *s = signame(sig);

	if (s != NULL)
		return s;
	snprintf(buf, size, "%d", sig);
	return buf;
}
