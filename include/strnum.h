/*
 * strnum.h - numbers in configuration words.
 */
#ifndef PROCHOOK_STRNUM_H
#define PROCHOOK_STRNUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The decimal number of the len bytes at s, digits only, into *out:
 * 0, -EINVAL (empty, or not a digit) or -ERANGE (above max).
 */
int	strnum_u32(const char *s, size_t len, uint32_t max, uint32_t *out);

#endif
