/*
 * fuzz.h - what every fuzz target shares: the libFuzzer entry point, a
 * reader of the fuzzer's bytes as values, and the check that stops a run
 * when the module and its model disagree.
 *
 * A target is built twice: with clang and libFuzzer (make fuzz), and with
 * the project's compiler and standalone.c, which feeds it the corpus and
 * the regression inputs (make unit).
 */
#ifndef PROCHOOK_FUZZ_H
#define PROCHOOK_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The module and its model disagree: say where, and stop the run. */
#define MODEL_CHECK(cond, ...) do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: model mismatch: ", __FILE__,	\
		    __LINE__);						\
		fprintf(stderr, __VA_ARGS__);				\
		fputc('\n', stderr);					\
		abort();						\
	}								\
} while (0)

/* The fuzzer's bytes, taken as values from the front; zeros when spent. */
struct fin {
	const uint8_t	*p;
	size_t		 n;
};

static inline uint8_t
fin_u8(struct fin *f)
{
	uint8_t v = 0;

	if (f->n > 0) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

static inline uint32_t
fin_u32(struct fin *f)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 8 | fin_u8(f);
	return v;
}

static inline uint64_t
fin_u64(struct fin *f)
{
	uint64_t hi = fin_u32(f);

	return hi << 32 | fin_u32(f);
}

/* Up to max bytes: a length byte, then that many (fewer when spent). */
static inline size_t
fin_bytes(struct fin *f, char *out, size_t max)
{
	size_t n = fin_u8(f);

	if (max < 255)
		n %= max + 1;
	if (n > max)
		n = max;
	if (n > f->n)
		n = f->n;
	memcpy(out, f->p, n);
	f->p += n;
	f->n -= n;
	return n;
}

#endif
