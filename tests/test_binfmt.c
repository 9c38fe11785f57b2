/*
 * test_binfmt.c - what an executable asks to be run with: PT_INTERP of real
 * and malformed ELF images, and "#!" lines by the kernel's own rules
 * (fs/binfmt_script.c: 256 bytes read, zero-padded when the file is
 * shorter; without a newline the last byte is overwritten, and a name
 * that runs to it is taken as cut).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "binfmt.h"

static void
test_elf_real(void **state)
{
	unsigned char buf[4096];
	uint64_t off, size;
	ssize_t n;
	int fd = open("/bin/true", O_RDONLY);

	(void)state;
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(binfmt_elf_interp(buf, (size_t)n, &off, &size), 0);
	assert_true(size > 2 && off + size <= (uint64_t)n);
	assert_int_equal(buf[off], '/');
	/* A script is not ELF. */
	assert_int_equal(binfmt_elf_interp((const unsigned char *)"#!/bin/sh\n",
	    10, &off, &size), -EINVAL);
}

static void
test_elf_malformed(void **state)
{
	unsigned char buf[512];
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint64_t off, size;
	unsigned seed = 5;
	size_t i, j;

	(void)state;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_INTERP;
	ph.p_offset = 200;
	ph.p_filesz = 20;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(binfmt_elf_interp(buf, sizeof(buf), &off, &size), 0);
	assert_int_equal(off, 200);

	/* Program headers beyond the buffer, absurd counts and sizes. */
	for (i = 0; i < sizeof(eh) + sizeof(ph); i++)
		assert_true(binfmt_elf_interp(buf, i, &off, &size) < 0);
	eh.e_phnum = 0xffff;
	memcpy(buf, &eh, sizeof(eh));
	assert_int_equal(binfmt_elf_interp(buf, sizeof(buf), &off, &size),
	    -EINVAL);
	eh.e_phnum = 1;
	eh.e_phoff = (uint64_t)-8;
	memcpy(buf, &eh, sizeof(eh));
	assert_int_equal(binfmt_elf_interp(buf, sizeof(buf), &off, &size),
	    -EINVAL);
	eh.e_phoff = sizeof(eh);
	memcpy(buf, &eh, sizeof(eh));
	ph.p_filesz = (uint64_t)1 << 40;
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(binfmt_elf_interp(buf, sizeof(buf), &off, &size),
	    -EINVAL);

	/* Random mutations: no crash, no overread (ASan). */
	for (i = 0; i < 20000; i++) {
		unsigned char *m;
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);

		m = malloc(len ? len : 1);
		memcpy(m, buf, len);
		for (j = 0; j < 4 && len > 0; j++)
			m[(size_t)rand_r(&seed) % len] = (unsigned char)rand_r(&seed);
		(void)binfmt_elf_interp(m, len, &off, &size);
		free(m);
	}
}

/* The interpreter of a "#!" file of these bytes, or NULL. */
static const char *
interp(const char *file, size_t n)
{
	static unsigned char hdr[4096];

	memcpy(hdr, file, n);
	return binfmt_script_interp(hdr, n);
}

static void
test_script_lines(void **state)
{
	char big[300];
	const char *got;

	(void)state;
	assert_string_equal(interp("#!/bin/sh\nexit 0\n", 17), "/bin/sh");
	/* The whole file is "#!/bin/sh": zero-padded, so /bin/sh. */
	assert_string_equal(interp("#!/bin/sh", 9), "/bin/sh");
	assert_string_equal(interp("#! /usr/bin/env python3\n", 24),
	    "/usr/bin/env");
	assert_string_equal(interp("#!\t/bin/sh\t-e\n", 15), "/bin/sh");
	assert_string_equal(interp("#!/bin/sh \n", 11), "/bin/sh");
	assert_null(interp("#!\n", 3));
	assert_null(interp("#!   \n", 6));
	assert_null(interp("#!", 2));
	assert_null(interp("#/bin/sh\n", 9));
	assert_null(interp("\x7f" "ELF", 4));
	/* No newline in 256 bytes: a name that runs to byte 255 is cut. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "#!/", 3);
	assert_null(interp(big, sizeof(big)));
	/* ... but one that ends before it is a name, arguments cut. */
	big[100] = ' ';
	got = interp(big, sizeof(big));
	assert_non_null(got);
	assert_int_equal(strlen(got), 98);
	/*
	 * A name that fills bytes 2 to 254, ended by a NUL, space or tab at
	 * byte 255: the kernel runs it (found by the fuzzer's model).
	 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "#!/", 3);
	big[255] = '\0';
	got = interp(big, sizeof(big));
	assert_non_null(got);
	assert_int_equal(strlen(got), 253);
	memset(big, 'a', sizeof(big));
	memcpy(big, "#!/", 3);
	big[255] = ' ';
	got = interp(big, sizeof(big));
	assert_non_null(got);
	assert_int_equal(strlen(got), 253);
	/* ... but not one that goes on at byte 255. */
	big[255] = 'a';
	assert_null(interp(big, sizeof(big)));
	/* Only spaces after "#!" up to byte 255: no script. */
	memset(big + 2, ' ', sizeof(big) - 2);
	assert_null(interp(big, sizeof(big)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_real),
		cmocka_unit_test(test_elf_malformed),
		cmocka_unit_test(test_script_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
