/*
 * strnum.c - numbers in configuration words: digits only, no sign, no
 * spaces, no base prefix, bounded as they are read so nothing overflows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>

#include "strnum.h"

/* Parse a decimal number of digits only (no sign, no spaces) up to max. */
int
strnum_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > max)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

