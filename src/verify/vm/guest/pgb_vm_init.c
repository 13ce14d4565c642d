/*
 * pgb_vm_init: /init of the verification VM (src/verify/vm). A test-harness tool, never part of a
 * bundle: compiled static for the guest when the VM boots.
 *
 * It mounts /proc, /sys, /dev and /tmp, loads the kernel modules named in /modules/order (virtio
 * console and 9p are modules in Debian's kernel), opens the virtio-serial port "pgb.mux" and serves
 * the host's requests on it: start processes, feed their stdin, send back their stdout, stderr and
 * exit, read a guest file (/proc/<pid>/status), mount a 9p share, power off.
 *
 * Every frame is a 12-byte header (type, channel, length: u32 little-endian) and `length` bytes.
 * The types are mirrored in src/verify/vm/protocol.ts; keep the two in sync.
 *
 * This file handles the host's frames and runs the loop; frames.c writes frames, boot.c sets the
 * guest up, child.c starts processes (pgb_vm_init.h: what they share).
 */
#include "pgb_vm_init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int			port = -1;
Child	   *children;
char	   *out_frame;

/* ---- the frames the host sends ---- */

static Child *
find_child(uint32_t channel)
{
	Child	   *c;

	for (c = children; c; c = c->next)
		if (c->channel == channel)
			return c;
	return NULL;
}

static void
read_file(uint32_t channel, const char *path)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t		len = 0;

	if (fd < 0)
	{
		send_u32s(F_REPLY, channel, (uint32_t) errno, 0);
		return;
	}
	for (;;)
	{
		ssize_t		n = read(fd, out_frame + HEADER + 4 + len, OUT_CHUNK - 4 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t) n;
	}
	close(fd);
	put_u32((unsigned char *) out_frame + HEADER, 0);
	send_prepared(F_REPLY, channel, 4 + len);
}

/* payload: flags u32, then source, target, fstype, options, NUL-terminated */
static void
mount_share(uint32_t channel, unsigned char *p, uint32_t len)
{
	char	   *s[4];

	if (len < 4 || split_strings((char *) p + 4, (char *) p + len, s, 4) != 0)
	{
		send_u32s(F_REPLY, channel, EINVAL, 0);
		return;
	}
	make_dirs(s[1]);
	if (mount(s[0], s[1], s[2], get_u32(p), s[3]) != 0)
		send_u32s(F_REPLY, channel, (uint32_t) errno, 0);
	else
		send_u32s(F_REPLY, channel, 0, 0);
}

static void
handle_frame(uint32_t type, uint32_t channel, unsigned char *p, uint32_t len)
{
	Child	   *c;

	switch (type)
	{
		case F_SPAWN:
			p[len] = '\0';
			spawn_child(channel, p, len);
			break;
		case F_STDIN:
			if ((c = find_child(channel)) != NULL)
				queue_stdin(c, p, len);
			break;
		case F_STDIN_CLOSE:
			if ((c = find_child(channel)) != NULL)
			{
				c->close_requested = 1;
				flush_stdin(c);
			}
			break;
		case F_KILL:
			if ((c = find_child(channel)) != NULL && !c->exited && len >= 4)
				kill(c->pid, (int) get_u32(p));
			break;
		case F_READ_FILE:
			p[len] = '\0';
			read_file(channel, (char *) p);
			break;
		case F_MOUNT:
			mount_share(channel, p, len);
			break;
		case F_POWEROFF:
			sync();
			reboot(RB_POWER_OFF);
			break;
		default:
			send_log("unknown frame type", EINVAL);
	}
}

/* ---- the loop ---- */

static unsigned char *in_buf;
static size_t in_len;

static void
read_port(void)
{
	ssize_t		n = read(port, in_buf + in_len, HEADER + MAX_PAYLOAD - in_len);
	size_t		at = 0;

	if (n < 0 && errno == EINTR)
		return;
	if (n < 0)
	{
		send_log("read from the port", errno);
		reboot(RB_POWER_OFF);
	}
	in_len += (size_t) (n > 0 ? n : 0);
	while (in_len - at >= HEADER)
	{
		uint32_t	len = get_u32(in_buf + at + 8);
		unsigned char save;

		if (len > MAX_PAYLOAD - 1)
		{
			send_log("frame too long", EMSGSIZE);
			reboot(RB_POWER_OFF);
		}
		if (in_len - at < HEADER + (size_t) len)
			break;
		/* handlers may NUL-terminate the payload: keep the next frame's first byte */
		save = in_len - at > HEADER + (size_t) len ? in_buf[at + HEADER + len] : 0;
		handle_frame(get_u32(in_buf + at), get_u32(in_buf + at + 4), in_buf + at + HEADER, len);
		if (in_len - at > HEADER + (size_t) len)
			in_buf[at + HEADER + len] = save;
		at += HEADER + len;
	}
	memmove(in_buf, in_buf + at, in_len - at);
	in_len -= at;
	if (n == 0)
		usleep(1000);			/* the host side is not connected: no busy loop */
}

/* Sends what the pipe holds now; EOF is a frame of its own. */
static void
forward_output(Child *c, int *fd, uint32_t type, uint32_t eof_type)
{
	ssize_t		n = read(*fd, out_frame + HEADER, OUT_CHUNK);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0)
	{
		send_prepared(type, c->channel, (size_t) n);
		return;
	}
	close(*fd);
	*fd = -1;
	send_frame(eof_type, c->channel, NULL, 0);
}

static void
reap(int sigfd)
{
	struct signalfd_siginfo si;
	int			status;
	pid_t		pid;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
	{
		Child	   *c;

		for (c = children; c; c = c->next)
			if (c->pid == pid && !c->exited)
				break;
		if (!c)
			continue;			/* an orphan adopted by init */
		c->exited = 1;
		if (WIFSIGNALED(status))
			send_u32s(F_EXIT, c->channel, UINT32_MAX, (uint32_t) WTERMSIG(status));
		else
			send_u32s(F_EXIT, c->channel, (uint32_t) WEXITSTATUS(status), 0);
	}
}

/* A child is forgotten once it exited, its output ended and its stdin is closed. */
static void
forget_finished(void)
{
	Child	  **link = &children;

	while (*link)
	{
		Child	   *c = *link;

		if (c->exited && c->out_fd < 0 && c->err_fd < 0)
		{
			close_stdin(c);
			*link = c->next;
			free(c->queue);
			free(c);
		}
		else
			link = &c->next;
	}
}

static void
serve(int sigfd)
{
	struct pollfd *fds = NULL;
	Child	  **owners = NULL;
	size_t		cap = 0;

	for (;;)
	{
		size_t		n = 2,
					i;
		Child	   *c;

		for (c = children; c; c = c->next)
			n += 3;
		if (n > cap)
		{
			cap = n * 2;
			fds = realloc(fds, cap * sizeof(*fds));
			owners = realloc(owners, cap * sizeof(*owners));
		}
		fds[0] = (struct pollfd) {.fd = port, .events = POLLIN};
		fds[1] = (struct pollfd) {.fd = sigfd, .events = POLLIN};
		n = 2;
		for (c = children; c; c = c->next)
		{
			owners[n] = c;
			fds[n++] = (struct pollfd) {.fd = c->out_fd, .events = POLLIN};
			owners[n] = c;
			fds[n++] = (struct pollfd) {.fd = c->err_fd, .events = POLLIN};
			owners[n] = c;
			fds[n++] = (struct pollfd) {.fd = c->queue_off < c->queue_len ? c->in_fd : -1, .events = POLLOUT};
		}
		if (poll(fds, n, -1) < 0)
			continue;
		/* children first: the port's frames may free them */
		for (i = 2; i < n; i++)
		{
			if (!fds[i].revents)
				continue;
			c = owners[i];
			if ((i - 2) % 3 == 0 && c->out_fd >= 0)
				forward_output(c, &c->out_fd, F_STDOUT, F_STDOUT_EOF);
			else if ((i - 2) % 3 == 1 && c->err_fd >= 0)
				forward_output(c, &c->err_fd, F_STDERR, F_STDERR_EOF);
			else if ((i - 2) % 3 == 2)
				flush_stdin(c);
		}
		if (fds[1].revents)
			reap(sigfd);
		forget_finished();
		if (fds[0].revents)
			read_port();
	}
}

int
main(void)
{
	sigset_t	chld;
	int			sigfd;
	struct utsname u;

	mount_basics();
	load_modules();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
	out_frame = malloc(HEADER + OUT_CHUNK);
	in_buf = malloc(HEADER + MAX_PAYLOAD + 1);
	port = open_port();
	if (port < 0)
	{
		fprintf(stderr, "pgb_vm_init: no virtio-serial port named " PORT_NAME " appeared\n");
		reboot(RB_POWER_OFF);
		return 1;
	}
	uname(&u);
	send_frame(F_READY, 0, u.release, strlen(u.release));
	serve(sigfd);
	return 0;
}
