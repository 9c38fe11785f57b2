/*
 * binfmt.h - what an executable file asks to be run with (its PT_INTERP
 * loader, its "#!" interpreter), as the kernel's binfmt handlers read it.
 */
#ifndef PROCHOOK_BINFMT_H
#define PROCHOOK_BINFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The PT_INTERP path of the ELF image whose first len bytes are in buf
 * (program headers included), or -ENOENT if it has none, -EINVAL if buf
 * is not a well-formed ELF header.  On success *off and *size locate the
 * path in the file.
 */
int	binfmt_elf_interp(const unsigned char *buf, size_t len, uint64_t *off,
	    uint64_t *size);
/*
 * The interpreter of a "#!" line as binfmt_script finds it, NUL ended in
 * place, or NULL if the file is no script.  hdr holds n bytes and has room
 * for 256.
 */
char	*binfmt_script_interp(unsigned char *hdr, size_t n);
/* The PT_INTERP path of the ELF file fd, NUL ended; 0 or -errno. */
int	binfmt_read_interp(int fd, char *path, size_t size);

#endif
