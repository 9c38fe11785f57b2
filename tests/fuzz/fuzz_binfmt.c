/*
 * fuzz_binfmt.c - what an executable asks to be run with (binfmt.c),
 * against the kernel's own rules.
 *
 * The input is the file.  Model of "#!": fs/binfmt_script.c load_script()
 * as of Linux 5.1+, on the 256-byte BINPRM_BUF_SIZE buffer that
 * prepare_binprm() zero-fills before reading the file into it; note that
 * strnchr() stops at a NUL.  Model of PT_INTERP: fs/binfmt_elf.c
 * load_elf_binary() and load_elf_phdrs() on x86-64 (with the compat
 * 32-bit loader), up to opening the interpreter.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <sys/mman.h>

#include "binfmt.h"
#include "fuzz.h"

#define BUF_SIZE	256		/* BINPRM_BUF_SIZE */
#define HDR_READ	4096		/* what exe.c reads of a file */
#define EM_486_K	6		/* linux/elf-em.h EM_486, not in glibc */

static bool
spacetab(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
next_non_spacetab(const char *first, const char *last)
{
	for (; first <= last; first++)
		if (!spacetab(*first))
			return first;
	return NULL;
}

static const char *
next_terminator(const char *first, const char *last)
{
	for (; first <= last; first++)
		if (spacetab(*first) || !*first)
			return first;
	return NULL;
}

static const char *
strnchr_k(const char *s, size_t count, int c)
{
	while (count--) {
		if (*s == (char)c)
			return s;
		if (*s++ == '\0')
			break;
	}
	return NULL;
}

/*
 * The interpreter the kernel would open for this file, into name, or
 * false for -ENOEXEC.  An empty name is open_exec("") failing: no script
 * runs either.
 */
static bool
model_script(const uint8_t *file, size_t len, char *name)
{
	char buf[BUF_SIZE];
	const char *i_name, *i_sep, *i_end, *buf_end;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, file, len < sizeof(buf) ? len : sizeof(buf));
	if (buf[0] != '#' || buf[1] != '!')
		return false;
	buf_end = buf + sizeof(buf) - 1;
	i_end = strnchr_k(buf, sizeof(buf), '\n');
	if (!i_end) {
		i_end = next_non_spacetab(buf + 2, buf_end);
		if (!i_end)
			return false;
		if (!next_terminator(i_end, buf_end))
			return false;
		i_end = buf_end;
	}
	while (spacetab(i_end[-1]))
		i_end--;
	i_name = next_non_spacetab(buf + 2, i_end);
	if (!i_name || i_name == i_end)
		return false;
	i_sep = next_terminator(i_name, i_end);
	/* *i_end and *i_sep are overwritten with NULs: the name ends there. */
	if (i_sep == NULL || i_sep > i_end)
		i_sep = i_end;
	memcpy(name, i_name, (size_t)(i_sep - i_name));
	name[i_sep - i_name] = '\0';
	return name[0] != '\0';
}

enum elf_verdict { ELF_REFUSED, ELF_NO_INTERP, ELF_INTERP };

/*
 * Would the kernel run this ELF file, and with which PT_INTERP (the first
 * one)?  *off and *size locate it.
 */
static enum elf_verdict
model_elf(const uint8_t *file, size_t len, uint64_t *off, uint64_t *size)
{
	uint64_t phoff, phsz, i;
	unsigned phentsize, phnum, type, machine;
	bool is64;

	if (len < EI_NIDENT || memcmp(file, ELFMAG, SELFMAG) != 0)
		return ELF_REFUSED;
	is64 = file[EI_CLASS] == ELFCLASS64;
	if (is64) {
		Elf64_Ehdr e;

		if (len < sizeof(e))
			return ELF_REFUSED;
		memcpy(&e, file, sizeof(e));
		type = e.e_type;
		machine = e.e_machine;
		phoff = e.e_phoff;
		phentsize = e.e_phentsize;
		phnum = e.e_phnum;
		if (machine != EM_X86_64 || phentsize != sizeof(Elf64_Phdr))
			return ELF_REFUSED;
	} else if (file[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr e;

		if (len < sizeof(e))
			return ELF_REFUSED;
		memcpy(&e, file, sizeof(e));
		type = e.e_type;
		machine = e.e_machine;
		phoff = e.e_phoff;
		phentsize = e.e_phentsize;
		phnum = e.e_phnum;
		/* ia32, and x32 (EM_X86_64 in a 32-bit class). */
		if ((machine != EM_386 && machine != EM_486_K &&
		    machine != EM_X86_64) || phentsize != sizeof(Elf32_Phdr))
			return ELF_REFUSED;
	} else
		return ELF_REFUSED;
	if (type != ET_EXEC && type != ET_DYN)
		return ELF_REFUSED;
	/* load_elf_phdrs(): at most a page of them, all read. */
	phsz = (uint64_t)phentsize * phnum;
	if (phsz == 0 || phsz > 65536 || phsz > 4096)
		return ELF_REFUSED;
	if (phoff > len || phsz > len - phoff)
		return ELF_REFUSED;
	for (i = 0; i < phnum; i++) {
		const uint8_t *ph = file + phoff + i * phentsize;
		uint64_t o, s;

		if (is64) {
			Elf64_Phdr p;

			memcpy(&p, ph, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			o = p.p_offset;
			s = p.p_filesz;
		} else {
			Elf32_Phdr p;

			memcpy(&p, ph, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			o = p.p_offset;
			s = p.p_filesz;
		}
		if (s > PATH_MAX || s < 2)
			return ELF_REFUSED;
		if (o > len || s > len - o)
			return ELF_REFUSED;	/* elf_read(): -EIO */
		if (file[o + s - 1] != '\0')
			return ELF_REFUSED;
		*off = o;
		*size = s;
		return ELF_INTERP;
	}
	return ELF_NO_INTERP;
}

static void
check_script(const uint8_t *data, size_t size)
{
	static unsigned char hdr[HDR_READ];
	char want[BUF_SIZE];
	size_t n = size < sizeof(hdr) ? size : sizeof(hdr);
	bool is;
	char *got;

	/* exe.c reads the first 4096 bytes into such a buffer. */
	memset(hdr, 0xa5, sizeof(hdr));
	memcpy(hdr, data, n);
	got = binfmt_script_interp(hdr, n);
	is = model_script(data, size, want);
	MODEL_CHECK((got != NULL) == is, "#! of %zu bytes: binfmt says %s, "
	    "the kernel %s", size, got ? got : "none", is ? want : "none");
	if (is)
		MODEL_CHECK(strcmp(got, want) == 0, "#! interpreter '%s', the "
		    "kernel's '%s'", got, want);
}

static void
check_elf(const uint8_t *data, size_t size)
{
	static int fd = -1;
	uint64_t off = 0, sz = 0, woff = 0, wsz = 0;
	char path[PATH_MAX + 1];
	enum elf_verdict v;
	int r, rr;

	/* exe.c sees 4096 bytes: a file within them is all of it. */
	if (size > HDR_READ)
		size = HDR_READ;
	r = binfmt_elf_interp(data, size, &off, &sz);
	MODEL_CHECK(r == 0 || r == -ENOENT || r == -EINVAL, "returned %d", r);
	v = model_elf(data, size, &woff, &wsz);
	if (v == ELF_NO_INTERP)
		MODEL_CHECK(r == -ENOENT, "an ELF without PT_INTERP the kernel "
		    "runs: binfmt returns %d", r);
	if (v == ELF_INTERP) {
		MODEL_CHECK(r == 0 && off == woff && sz == wsz, "PT_INTERP at "
		    "%llu+%llu, binfmt says %d at %llu+%llu",
		    (unsigned long long)woff, (unsigned long long)wsz, r,
		    (unsigned long long)off, (unsigned long long)sz);
	}
	/* The same through a file, as binfmt_read_interp() reads it. */
	if (fd < 0 && (fd = memfd_create("fuzz-binfmt", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	rr = binfmt_read_interp(fd, path, sizeof(path));
	if (v == ELF_INTERP) {
		MODEL_CHECK(rr == 0, "binfmt_read_interp: %d", rr);
		MODEL_CHECK(strcmp(path, (const char *)data + woff) == 0,
		    "loader '%s', the kernel's '%s'", path,
		    (const char *)data + woff);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_script(data, size);
	check_elf(data, size);
	return 0;
}
