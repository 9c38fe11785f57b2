/*
 * exename.c - the name of an executed file as the host sees it.
 *
 * The kernel names a file by the path from the root of the mount namespace
 * it was opened in: a bind mount in a user's private namespace puts any
 * file at /usr/bin/true, and that path is what /proc/PID/exe and an exec
 * notification's descriptor say.  A name is kept only where it resolves,
 * in the host's namespace, to that very file (device and inode); memfd
 * files keep the kernel's "/memfd:NAME (deleted)"; anything else is
 * marked unreachable, so no rule on a host path can match it.  The dynamic
 * loader run as a command (ld.so PROGRAM) is named after PROGRAM, resolved
 * as the process would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "binfmt.h"
#include "exename.h"
#include "proc.h"

/* The device of memfd files: all share the kernel's internal tmpfs. */
static dev_t
memfd_dev(void)
{
	static dev_t dev;
	static bool known;
	struct stat sb;
	int fd;

	if (!known && (fd = memfd_create("prochook-probe", MFD_CLOEXEC)) >= 0) {
		if (fstat(fd, &sb) == 0) {
			dev = sb.st_dev;
			known = true;
		}
		close(fd);
	}
	return known ? dev : (dev_t)-1;
}

int
exename_host(const char *path, dev_t dev, ino_t ino, char *buf,
    size_t size)
{
	struct stat sb;
	int n;

	if (strncmp(path, "/memfd:", 7) == 0 && dev == memfd_dev())
		n = snprintf(buf, size, "%s", path);
	else if (stat(path, &sb) == 0 && sb.st_dev == dev && sb.st_ino == ino)
		n = snprintf(buf, size, "%s", path);
	else
		n = snprintf(buf, size, "%s%s", EXENAME_UNREACHABLE, path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static struct stat loader_sb;
static char loader_path[PATH_MAX];
static int loader_state;	/* 0: not looked up, 1: known, -1: none */

void
exename_loader_recheck(void)
{
	struct stat sb;

	if (loader_state == 1 && stat(loader_path, &sb) == 0)
		loader_sb = sb;
}

bool
exename_is_loader(const struct stat *sb)
{
	if (loader_state == 0)
		loader_state = exename_loader(loader_path,
		    sizeof(loader_path)) == 0 && stat(loader_path,
		    &loader_sb) == 0 ? 1 : -1;
	/* The change time too: a file given a freed inode number is not it. */
	return loader_state == 1 && sb != NULL &&
	    loader_sb.st_dev == sb->st_dev && loader_sb.st_ino == sb->st_ino &&
	    loader_sb.st_ctim.tv_sec == sb->st_ctim.tv_sec &&
	    loader_sb.st_ctim.tv_nsec == sb->st_ctim.tv_nsec;
}

bool
exename_is_loader_now(const struct stat *sb)
{
	if (exename_is_loader(sb))
		return true;
	exename_loader_recheck();
	return exename_is_loader(sb);
}

int
exename_loader(char *path, size_t size)
{
	int fd, r;

	/* Learnt once: our own file may be one the gate marks. */
	if (loader_state == 1) {
		r = snprintf(path, size, "%s", loader_path);
		return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
	}
	if ((fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	r = binfmt_read_interp(fd, path, size);
	close(fd);
	return r;
}

/*
 * The program a dynamic loader run as a command is to load: the first
 * argument after its options (glibc's ld.so: "ld.so [OPTION]... PROGRAM
 * [ARGS]"), or NULL.  argv holds len bytes of NUL-separated arguments.
 */
const char *
exename_loader_program(const char *argv, size_t len)
{
	static const char *const with_value[] = {
		"--library-path", "--inhibit-rpath", "--audit", "--preload",
		"--argv0", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask",
	};
	const char *a = argv, *end = argv + len;
	bool value = false;
	size_t i;

	if (len == 0 || argv[len - 1] != '\0')
		return NULL;
	a += strlen(a) + 1;			/* argv[0]: the loader */
	for (; a < end; a += strlen(a) + 1) {
		if (value) {
			value = false;
			continue;
		}
		if (strncmp(a, "--", 2) != 0)
			return *a != '\0' ? a : NULL;
		for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
			if (strcmp(a, with_value[i]) == 0)
				value = true;
	}
	return NULL;
}

/*
 * Resolve arg as the process at dirfd (/proc/PID) would: relative to its
 * working directory, or to its root when absolute.  The host's name of
 * the file found, into buf.
 */
int
exename_resolve(int dirfd, const char *arg, char *buf, size_t size)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	char link[32], path[PATH_MAX];
	struct stat sb;
	ssize_t n = 0;
	int base, fd, r = 0;

	if (arg[0] == '/')
		how.resolve = RESOLVE_IN_ROOT;
	base = openat(dirfd, arg[0] == '/' ? "root" : "cwd",
	    O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, base, arg, &how, sizeof(how));
	if (fd < 0)
		r = -errno;
	close(base);
	if (r < 0)
		return r;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (fstat(fd, &sb) < 0 ||
	    (n = readlink(link, path, sizeof(path) - 1)) <= 0)
		r = -errno;
	close(fd);
	if (r < 0)
		return r;
	path[n] = '\0';
	return exename_host(path, sb.st_dev, sb.st_ino, buf, size);
}

int
exename_proc(int dirfd, char *buf, size_t size, char *loader,
    size_t lsize, struct exe_id *id)
{
	char raw[PATH_MAX], argv[PROC_CMDLINE_MAX + 1];
	const char *prog;
	struct stat sb;
	size_t len;
	int r;

	memset(id, 0, sizeof(*id));
	if (loader != NULL && lsize > 0)
		loader[0] = '\0';
	if ((r = proc_read_exe(dirfd, raw, sizeof(raw))) < 0)
		return r;
	if (fstatat(dirfd, "exe", &sb, 0) < 0)
		return -errno;
	id->dev = sb.st_dev;
	id->ino = sb.st_ino;
	if (loader == NULL || !exename_is_loader_now(&sb) ||
	    proc_read_argv(dirfd, argv, sizeof(argv), &len) < 0 ||
	    (prog = exename_loader_program(argv, len)) == NULL)
		return exename_host(raw, sb.st_dev, sb.st_ino, buf, size);
	/* The loader run as a command: the name is the program it loads. */
	if ((r = exename_host(raw, sb.st_dev, sb.st_ino, loader, lsize)) < 0)
		return r;
	if (exename_resolve(dirfd, prog, buf, size) == 0)
		return 0;
	/* Not found as given (a name the loader looks up in its paths). */
	r = snprintf(buf, size, "%s%s", EXENAME_UNREACHABLE, prog);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

