/*
 * standalone.c - run a fuzz target without libFuzzer: feed it each file
 * named on the command line, and each file of each directory named, once.
 * This is how make unit replays the corpus and the regression inputs with
 * the project's own compiler.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	ssize_t got;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	/* One byte more, so that malloc(0) is never asked for. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -1;
	}
	while (len < (size_t)st.st_size &&
	    (got = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)got;
	close(fd);
	/* An exact copy: the sanitizers see a read past the input. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int
name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

int
main(int argc, char **argv)
{
	struct dirent **list;
	struct stat st;
	char path[4096];
	unsigned runs = 0;
	int i, j, n;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			/* A target without regression inputs yet has no directory. */
			if (errno == ENOENT)
				continue;
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) < 0)
				return 1;
			runs++;
			continue;
		}
		if ((n = scandir(argv[i], &list, not_hidden, name_cmp)) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		for (j = 0; j < n; j++) {
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    list[j]->d_name);
			free(list[j]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (run_file(path) < 0)
					return 1;
				runs++;
			}
		}
		free(list);
	}
	printf("%s: %u inputs, no mismatch\n", argv[0], runs);
	return 0;
}
