/*
 * binfmt.c - what an executable file asks the kernel to run it with, read
 * from its first bytes as the kernel's binfmt handlers read them.
 *
 * fs/binfmt_elf.c: an ELF image names its dynamic loader in a PT_INTERP
 * program header; fs/binfmt_script.c: a script names its interpreter on a
 * "#!" line within its first 256 bytes.  Pure parsers of a buffer (and one
 * reader of a file descriptor), so that malformed files are cheap to test.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "binfmt.h"

int
binfmt_elf_interp(const unsigned char *buf, size_t len, uint64_t *off,
    uint64_t *size)
{
	uint64_t phoff;
	unsigned phentsize, phnum, i;
	bool is64;

	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return -EINVAL;
	is64 = buf[EI_CLASS] == ELFCLASS64;
	if (!is64 && buf[EI_CLASS] != ELFCLASS32)
		return -EINVAL;
	if (is64) {
		Elf64_Ehdr eh;

		if (len < sizeof(eh))
			return -EINVAL;
		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		if (phentsize != sizeof(Elf64_Phdr))
			return -EINVAL;
	} else {
		Elf32_Ehdr eh;

		if (len < sizeof(eh))
			return -EINVAL;
		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		phnum = eh.e_phnum;
		if (phentsize != sizeof(Elf32_Phdr))
			return -EINVAL;
	}
	if (phoff > len || phnum > (len - phoff) / phentsize)
		return -EINVAL;
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = buf + phoff + (uint64_t)i * phentsize;

		if (is64) {
			Elf64_Phdr p;

			memcpy(&p, ph, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			*off = p.p_offset;
			*size = p.p_filesz;
		} else {
			Elf32_Phdr p;

			memcpy(&p, ph, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			*off = p.p_offset;
			*size = p.p_filesz;
		}
		if (*size < 2 || *size > PATH_MAX)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

/*
 * The interpreter of a "#!" line, or NULL, as binfmt_script finds it: the
 * kernel reads 256 bytes, zero-padded when the file is shorter; without a
 * newline in them the line ends at the last byte, which is overwritten,
 * and an interpreter name that runs past it is taken as cut: no script.
 * hdr holds n bytes and has room for 256.
 */
char *
binfmt_script_interp(unsigned char *hdr, size_t n)
{
	const size_t bufsz = 256;
	unsigned char *end, *p, *q;

	if (n < 2 || hdr[0] != '#' || hdr[1] != '!')
		return NULL;
	if (n < bufsz)
		memset(hdr + n, 0, bufsz - n);
	end = memchr(hdr, '\n', bufsz);
	if (end == NULL) {
		/*
		 * The name must end by byte 255 included: a space, tab or NUL
		 * there ends a name that fills the rest of the buffer.
		 */
		for (p = hdr + 2; p < hdr + bufsz && (*p == ' ' || *p == '\t');
		    p++)
			;
		for (q = p; q < hdr + bufsz && *q != ' ' && *q != '\t' &&
		    *q != '\0'; q++)
			;
		if (p == hdr + bufsz || q == hdr + bufsz)
			return NULL;
		end = hdr + bufsz - 1;
	}
	*end = '\0';
	for (p = hdr + 2; *p == ' ' || *p == '\t'; p++)
		;
	for (q = p; *q != '\0' && *q != ' ' && *q != '\t'; q++)
		;
	if (q == p)
		return NULL;
	*q = '\0';
	return (char *)p;
}

int
binfmt_read_interp(int fd, char *path, size_t size)
{
	unsigned char hdr[4096];
	uint64_t off, n;
	ssize_t got;
	int r;

	if ((got = pread(fd, hdr, sizeof(hdr), 0)) <= 0)
		return -EIO;
	if ((r = binfmt_elf_interp(hdr, (size_t)got, &off, &n)) < 0)
		return r;
	if (n >= size || pread(fd, path, (size_t)n, (off_t)off) != (ssize_t)n)
		return -EIO;
	path[n] = '\0';
	return 0;
}
