/*
 * daemonkey.c - the keys of [daemon]: one table of their names, the
 * field of struct config each sets, the values allowed and what a bad
 * value is told it should have been.
 *
 * Numbers are decimal digits only, as in rules: no sign, no spaces, no
 * hexadecimal, which strtoul() would take ("-1" is ULONG_MAX to it).
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strnum.h"

/* How a value is read. */
enum dk_type { DT_STRING, DT_UINT, DT_SIZE, DT_LOG_FORMAT, DT_LOG_TARGET };

#define F(name)		offsetof(struct config, name)

static const struct {
	const char	*key;
	enum dk_type	 type;
	unsigned long	 min, max;
	size_t		 field;		/* in struct config */
	const char	*hint;		/* "bad KEY 'v': expected HINT" */
} dkeys[DK__MAX] = {
	[DK_HOOKS_DIR]	= { "hooks_dir", DT_STRING, 0, 0, F(hooks_dir), "" },
	[DK_RULES_DIR]	= { "rules_dir", DT_STRING, 0, 0, F(rules_dir), "" },
	[DK_USER]	= { "user", DT_STRING, 0, 0, F(user), "" },
	[DK_MAX_HOOKS]	= { "max_hooks", DT_UINT, 1, 4096, F(max_hooks),
			    "1-4096" },
	[DK_QUEUE_SIZE]	= { "queue_size", DT_UINT, 0, 1000000, F(queue_size),
			    "0-1000000" },
	[DK_HOOK_TIMEOUT] = { "hook_timeout", DT_UINT, 1, 86400,
			    F(hook_timeout), "seconds, 1-86400" },
	[DK_RCVBUF]	= { "rcvbuf", DT_SIZE, 64ul << 10, 1ul << 30, F(rcvbuf),
			    "bytes with an optional K, M or G, 64K-1G" },
	[DK_LOG_FORMAT]	= { "log_format", DT_LOG_FORMAT, 0, 0, F(log_format),
			    "text or json" },
	[DK_LOG_TARGET]	= { "log_target", DT_LOG_TARGET, 0, 0, F(log_target),
			    "stderr, syslog or journal" },
};

static const char *const log_formats[] = {
	[LOGF_TEXT] = "text",
	[LOGF_JSON] = "json",
};

static const char *const log_targets[] = {
	[LOG_TO_STDERR] = "stderr",
	[LOG_TO_SYSLOG] = "syslog",
	[LOG_TO_JOURNAL] = "journal",
};

enum daemon_key
daemon_key_lookup(const char *name)
{
	int k;

	for (k = 0; k < DK__MAX; k++)
		if (strcmp(name, dkeys[k].key) == 0)
			return k;
	return DK__MAX;
}

const char *
daemon_key_name(enum daemon_key k)
{
	if ((unsigned)k >= DK__MAX)
		return "?";
	return dkeys[k].key;
}

/* Decimal digits only, lo..hi. */
static int
parse_uint(const char *s, unsigned long lo, unsigned long hi,
    unsigned long *out)
{
	uint32_t v;
	int r;

	if ((r = strnum_u32(s, strlen(s), hi > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)hi, &v)) < 0)
		return r;
	if (v < lo)
		return -ERANGE;
	*out = v;
	return 0;
}

/* "4M": a number of bytes with an optional K, M or G (powers of 1024). */
static int
parse_size(const char *s, unsigned long lo, unsigned long hi, size_t *out)
{
	unsigned long long v = 0, mul = 1;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > hi)
			return -ERANGE;
	}
	switch (*p) {
	case '\0':		break;
	case 'k': case 'K':	mul = 1ull << 10; p++; break;
	case 'm': case 'M':	mul = 1ull << 20; p++; break;
	case 'g': case 'G':	mul = 1ull << 30; p++; break;
	default:		return -EINVAL;
	}
	if (*p != '\0')
		return -EINVAL;
	v *= mul;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = (size_t)v;
	return 0;
}

/* One of names[n], by index. */
static int
parse_word(const char *s, const char *const *names, size_t n, int *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return -EINVAL;
}

int
daemon_key_set(struct config *cfg, enum daemon_key k, const char *v,
    char *err, size_t errlen)
{
	void *field;
	char **slot;
	unsigned long n;
	size_t size;
	int i, r = -EINVAL;

	if ((unsigned)k >= DK__MAX) {
		snprintf(err, errlen, "unknown key");
		return -EINVAL;
	}
	field = (char *)cfg + dkeys[k].field;
	switch (dkeys[k].type) {
	case DT_STRING:
		slot = field;
		free(*slot);
		return (*slot = strdup(v)) == NULL ? -ENOMEM : 0;
	case DT_UINT:
		if ((r = parse_uint(v, dkeys[k].min, dkeys[k].max, &n)) == 0)
			*(unsigned *)field = (unsigned)n;
		break;
	case DT_SIZE:
		r = parse_size(v, dkeys[k].min, dkeys[k].max, &size);
		if (r == 0)
			*(size_t *)field = size;
		break;
	case DT_LOG_FORMAT:
		r = parse_word(v, log_formats, sizeof(log_formats) /
		    sizeof(log_formats[0]), &i);
		if (r == 0)
			*(enum log_format *)field = (enum log_format)i;
		break;
	case DT_LOG_TARGET:
		r = parse_word(v, log_targets, sizeof(log_targets) /
		    sizeof(log_targets[0]), &i);
		if (r == 0)
			*(enum log_target *)field = (enum log_target)i;
		break;
	}
	if (r < 0) {
		snprintf(err, errlen, "bad %s '%s': expected %s", dkeys[k].key,
		    v, dkeys[k].hint);
		return -EINVAL;
	}
	return 0;
}
