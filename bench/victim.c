/*
 * victim - a program whose first act is to create a file: victim PATH
 *
 * Used by bench/enforce.sh: a kill or hold that comes too late lets it
 * create the file.
 */
#include <fcntl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		return 1;
	close(fd);
	sleep(1);
	return 0;
}
