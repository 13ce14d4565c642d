/*
 * boot.c: the guest's own setup before it serves the host: directories, the basic mounts, the
 * kernel modules the host listed, and the virtio-serial port.
 */
#include "pgb_vm_init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* mkdir -p with mode 0755; errors are left to the caller's next step */
void
make_dirs(const char *path)
{
	char		buf[4096];
	size_t		i;

	if (strlen(path) >= sizeof(buf))
		return;
	strcpy(buf, path);
	for (i = 1; buf[i]; i++)
	{
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		(void) mkdir(buf, 0755);
		buf[i] = '/';
	}
	(void) mkdir(buf, 0755);
}

void
mount_basics(void)
{
	make_dirs("/proc");
	make_dirs("/sys");
	make_dirs("/dev");
	make_dirs("/tmp");
	make_dirs(NEW_ROOT);
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		send_log("mount /proc", errno);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) != 0)
		send_log("mount /sys", errno);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
		send_log("mount /dev", errno);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777") != 0)
		send_log("mount /tmp", errno);
}

/* /modules/order names the modules to load, dependencies first (the host resolved them). */
void
load_modules(void)
{
	FILE	   *f = fopen("/modules/order", "r");
	char		line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
	{
		char		path[600];
		int			fd;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		snprintf(path, sizeof(path), "/modules/%s", line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
		{
			fprintf(stderr, "pgb_vm_init: open %s: %s\n", path, strerror(errno));
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			fprintf(stderr, "pgb_vm_init: load %s: %s\n", path, strerror(errno));
		close(fd);
	}
	fclose(f);
}

/* The port appears once the host's virtio-serial control message arrives: wait for it. */
int
open_port(void)
{
	int			tries;

	for (tries = 0; tries < 3000; tries++)
	{
		DIR		   *d = opendir("/sys/class/virtio-ports");
		struct dirent *e;

		while (d && (e = readdir(d)))
		{
			char		path[512];
			char		name[64] = "";
			FILE	   *f;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(name, sizeof(name), f))
				name[strcspn(name, "\n")] = '\0';
			fclose(f);
			if (strcmp(name, PORT_NAME) == 0)
			{
				int			fd;

				snprintf(path, sizeof(path), "/dev/%s", e->d_name);
				fd = open(path, O_RDWR | O_CLOEXEC);
				closedir(d);
				return fd;
			}
		}
		if (d)
			closedir(d);
		usleep(10000);
	}
	return -1;
}
