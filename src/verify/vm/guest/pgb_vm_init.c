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
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

enum
{
	/* host to guest */
	F_SPAWN = 1,
	F_STDIN = 2,
	F_STDIN_CLOSE = 3,
	F_KILL = 4,
	F_READ_FILE = 5,
	F_MOUNT = 6,
	F_POWEROFF = 7,
	/* guest to host */
	F_READY = 64,
	F_STARTED = 65,
	F_SPAWN_ERROR = 66,
	F_STDOUT = 67,
	F_STDERR = 68,
	F_STDOUT_EOF = 69,
	F_STDERR_EOF = 70,
	F_EXIT = 71,
	F_REPLY = 72,
	F_LOG = 73,
};

#define HEADER 12
#define MAX_PAYLOAD (16u << 20)
#define OUT_CHUNK (256 * 1024)
#define PORT_NAME "pgb.mux"
/* where a spawn's own empty root is mounted (in its own mount namespace) */
#define NEW_ROOT "/.pgb-root"

typedef struct Child
{
	uint32_t	channel;
	pid_t		pid;
	int			in_fd;			/* -1 once closed */
	int			out_fd;
	int			err_fd;
	char	   *queue;			/* stdin bytes not yet written */
	size_t		queue_len;
	size_t		queue_off;
	size_t		queue_cap;
	int			close_requested;
	int			exited;
	struct Child *next;
} Child;

static int	port = -1;
static Child *children;
static char *out_frame;

static void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

static uint32_t
get_u32(const unsigned char *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static void
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0)
	{
		ssize_t		n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
		{
			/* the host is gone: nothing left to serve */
			fprintf(stderr, "pgb_vm_init: write to the port failed: %s\n", strerror(errno));
			reboot(RB_POWER_OFF);
			_exit(1);
		}
		p += n;
		len -= (size_t) n;
	}
}

/* One frame whose payload is already at out_frame + HEADER. */
static void
send_prepared(uint32_t type, uint32_t channel, size_t len)
{
	put_u32((unsigned char *) out_frame, type);
	put_u32((unsigned char *) out_frame + 4, channel);
	put_u32((unsigned char *) out_frame + 8, (uint32_t) len);
	write_all(port, out_frame, HEADER + len);
}

static void
send_frame(uint32_t type, uint32_t channel, const void *payload, size_t len)
{
	unsigned char h[HEADER];

	put_u32(h, type);
	put_u32(h + 4, channel);
	put_u32(h + 8, (uint32_t) len);
	write_all(port, h, HEADER);
	if (len > 0)
		write_all(port, payload, len);
}

static void
send_u32s(uint32_t type, uint32_t channel, uint32_t a, uint32_t b)
{
	unsigned char p[8];

	put_u32(p, a);
	put_u32(p + 4, b);
	send_frame(type, channel, p, 8);
}

static void
send_log(const char *what, int err)
{
	char		msg[512];
	int			n = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));

	fprintf(stderr, "pgb_vm_init: %s\n", msg);
	if (port >= 0)
		send_frame(F_LOG, 0, msg, (size_t) n);
}

/* mkdir -p with mode 0755; errors are left to the caller's next step */
static void
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

static void
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
static void
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
static int
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

/* the strings of a spawn payload: cwd, argv[argc], env[envc], each NUL-terminated */
static int
split_strings(char *p, char *end, char **out, uint32_t n)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
	{
		char	   *nul = memchr(p, '\0', (size_t) (end - p));

		if (!nul)
			return -1;
		out[i] = p;
		p = nul + 1;
	}
	return 0;
}

/* A file or directory at `path` to mount `like` onto (a bind needs a target of the same kind). */
static void
make_mount_point(const char *path, const char *like)
{
	struct stat st;

	if (like && stat(like, &st) == 0 && !S_ISDIR(st.st_mode))
	{
		char		parent[4096];
		char	   *slash;
		int			fd;

		snprintf(parent, sizeof(parent), "%s", path);
		if ((slash = strrchr(parent, '/')) != NULL)
		{
			*slash = '\0';
			make_dirs(parent);
		}
		if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
			close(fd);
	}
	else
		make_dirs(path);
}

/*
 * An empty read-only root as bwrap makes one (src/verify/vm/bwrap.ts reads its arguments): new
 * mount, IPC, network and UTS namespaces, a tmpfs with only the entries asked for (kind, source,
 * target: "ro-bind", "dev-bind", "proc"), remounted read-only, then chroot into it.
 */
static int
enter_root(char **entries, uint32_t n)
{
	char		dst[4096];
	uint32_t	i;

	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS) != 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -1;
	if (mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m") != 0)
		return -1;
	for (i = 0; i < n; i++)
	{
		const char *kind = entries[3 * i],
				   *src = entries[3 * i + 1],
				   *target = entries[3 * i + 2];

		snprintf(dst, sizeof(dst), NEW_ROOT "%s", target);
		if (strcmp(kind, "proc") == 0)
		{
			make_dirs(dst);
			if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
				return -1;
			continue;
		}
		make_mount_point(dst, src);
		if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) != 0)
			return -1;
		if (strcmp(kind, "ro-bind") == 0 &&
			mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0)
			return -1;
	}
	if (mount(NULL, NEW_ROOT, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
		return -1;
	if (chdir(NEW_ROOT) != 0 || chroot(".") != 0)
		return -1;
	return chdir("/");
}

/* A classic-BPF seccomp program (sock_filter entries), as bwrap --seccomp loads one. */
static int
load_filter(const unsigned char *prog, uint32_t len)
{
	struct sock_fprog fprog;

	fprog.len = (unsigned short) (len / sizeof(struct sock_filter));
	fprog.filter = (struct sock_filter *) prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
}

/* In the forked child: the descriptors, root, identity, directory and filter asked for, then exec. */
static void
exec_child(int in_r, int out_w, int err_w, int report, uint32_t uid, uint32_t gid, const char *cwd,
		   char **argv, char **envp, char **root, uint32_t nroot, const unsigned char *filter,
		   uint32_t filter_len)
{
	sigset_t	all;
	int			stage = 0;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		stage = 1;
	else if (nroot > 0 && enter_root(root, nroot) != 0)
		stage = 6;
	else if (cwd[0])
	{
		struct stat st;

		/* host directories (a scratch cwd) do not exist here: made on demand (not in a new root) */
		if (nroot == 0 && stat(cwd, &st) != 0)
			make_dirs(cwd);
		if (chdir(cwd) != 0)
			stage = 2;
	}
	if (stage == 0 && gid != UINT32_MAX && (setgroups(0, NULL) != 0 || setgid(gid) != 0))
		stage = 3;
	if (stage == 0 && uid != UINT32_MAX && setuid(uid) != 0)
		stage = 4;
	if (stage == 0 && filter_len > 0 && load_filter(filter, filter_len) != 0)
		stage = 7;
	if (stage == 0)
	{
		execve(argv[0], argv, envp);
		stage = 5;
	}
	{
		int			r[2] = {stage, errno};

		(void) !write(report, r, sizeof(r));
	}
	_exit(127);
}

/* A SPAWN frame's request (protocol.ts encodeSpawn); the seccomp program points into the frame. */
typedef struct SpawnRequest
{
	uint32_t	uid;
	uint32_t	gid;
	uint32_t	argc;
	uint32_t	envc;
	uint32_t	nroot;
	uint32_t	filter_len;
	unsigned char *filter;
	char	  **strings;		/* cwd, argv, NULL, env, NULL, root entries; the caller frees it */
} SpawnRequest;

/* Reads a SPAWN frame into `req`; -1 (and a log line saying why) when it is malformed. */
static int
parse_spawn(unsigned char *p, uint32_t len, SpawnRequest *req)
{
	uint32_t	argc, envc, nroot;

	if (len < 24)
	{
		send_log("spawn: short frame", EINVAL);
		return -1;
	}
	req->uid = get_u32(p);
	req->gid = get_u32(p + 4);
	argc = req->argc = get_u32(p + 8);
	envc = req->envc = get_u32(p + 12);
	nroot = req->nroot = get_u32(p + 16);
	req->filter_len = get_u32(p + 20);
	if (argc == 0 || argc > 65536 || envc > 65536 || nroot > 256 || req->filter_len % 8 != 0 ||
		req->filter_len > 8 * 4096 || req->filter_len > len - 24)
	{
		send_log("spawn: bad counts", EINVAL);
		return -1;
	}
	/* the seccomp program is the frame's tail, after the strings */
	req->filter = p + len - req->filter_len;
	req->strings = calloc(1 + argc + 1 + envc + 1 + 3 * nroot, sizeof(char *));
	if (split_strings((char *) p + 24, (char *) req->filter, req->strings, 1 + argc + envc + 3 * nroot) != 0)
	{
		free(req->strings);
		send_log("spawn: bad strings", EINVAL);
		return -1;
	}
	/* argv = strings[1..argc], NULL; envp after it: shift env and root two slots for the NULLs */
	memmove(req->strings + 1 + argc + 1, req->strings + 1 + argc, (envc + 3 * nroot) * sizeof(char *));
	memmove(req->strings + 1 + argc + 1 + envc + 1, req->strings + 1 + argc + 1 + envc,
			3 * nroot * sizeof(char *));
	req->strings[1 + argc] = NULL;
	req->strings[1 + argc + 1 + envc] = NULL;
	return 0;
}

/* Tells the host why a spawn failed: errno, and the child's stage that failed (0: fork itself). */
static void
send_spawn_error(uint32_t channel, int stage, int err)
{
	static const char *const stages[] = {"", "dup2", "chdir", "setgid", "setuid", "execve", "new root", "seccomp"};
	char		msg[64];
	unsigned char payload[8 + sizeof(msg)];
	int			n = snprintf(msg, sizeof(msg), "%s", stage > 0 && stage <= 7 ? stages[stage] : "fork");

	put_u32(payload, (uint32_t) err);
	put_u32(payload + 4, (uint32_t) stage);
	memcpy(payload + 8, msg, (size_t) n);
	send_frame(F_SPAWN_ERROR, channel, payload, 8 + (size_t) n);
}

/* A started child, its stdin (non-blocking) and its output pipes, among those the loop serves. */
static void
add_child(uint32_t channel, pid_t pid, int in_fd, int out_fd, int err_fd)
{
	Child	   *c = calloc(1, sizeof(Child));

	(void) fcntl(in_fd, F_SETFL, O_NONBLOCK);
	c->channel = channel;
	c->pid = pid;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	c->err_fd = err_fd;
	c->next = children;
	children = c;
}

static void
spawn_child(uint32_t channel, unsigned char *p, uint32_t len)
{
	SpawnRequest req;
	char	  **s;
	int			in[2], out[2], err[2], rep[2];
	int			r[2] = {0, 0};
	pid_t		pid;

	if (parse_spawn(p, len, &req) != 0)
		return;
	s = req.strings;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(rep, O_CLOEXEC))
	{
		free(s);
		send_u32s(F_SPAWN_ERROR, channel, (uint32_t) errno, 0);
		return;
	}
	(void) fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
	(void) fcntl(in[1], F_SETPIPE_SZ, 1 << 20);
	pid = fork();
	if (pid == 0)
		exec_child(in[0], out[1], err[1], rep[1], req.uid, req.gid, s[0], s + 1, s + 1 + req.argc + 1,
				   s + 1 + req.argc + 1 + req.envc + 1, req.nroot, req.filter, req.filter_len);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(rep[1]);
	free(s);
	/* the child reports a failed stage before exec; exec closes the report pipe */
	if (pid > 0 && read(rep[0], r, sizeof(r)) == (ssize_t) sizeof(r))
	{
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	else if (pid < 0)
		r[0] = 0, r[1] = errno;
	close(rep[0]);
	if (pid < 0)
	{
		send_spawn_error(channel, r[0], r[1]);
		close(in[1]);
		close(out[0]);
		close(err[0]);
		return;
	}
	add_child(channel, pid, in[1], out[0], err[0]);
	send_u32s(F_STARTED, channel, (uint32_t) pid, 0);
}

static void
close_stdin(Child *c)
{
	if (c->in_fd >= 0)
		close(c->in_fd);
	c->in_fd = -1;
	c->queue_len = c->queue_off = 0;
}

/* Writes what stdin can take now; the rest waits for POLLOUT. */
static void
flush_stdin(Child *c)
{
	while (c->in_fd >= 0 && c->queue_off < c->queue_len)
	{
		ssize_t		n = write(c->in_fd, c->queue + c->queue_off, c->queue_len - c->queue_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
		{
			/* EPIPE: the process stopped reading; its exit tells the host */
			close_stdin(c);
			return;
		}
		c->queue_off += (size_t) n;
	}
	c->queue_len = c->queue_off = 0;
	if (c->close_requested)
		close_stdin(c);
}

static void
queue_stdin(Child *c, const unsigned char *p, uint32_t len)
{
	if (c->in_fd < 0)
		return;
	if (c->queue_off > 0 && c->queue_off == c->queue_len)
		c->queue_len = c->queue_off = 0;
	if (c->queue_len + len > c->queue_cap)
	{
		size_t		live = c->queue_len - c->queue_off;

		memmove(c->queue, c->queue + c->queue_off, live);
		c->queue_len = live;
		c->queue_off = 0;
		if (live + len > c->queue_cap)
		{
			c->queue_cap = (live + len) * 2;
			c->queue = realloc(c->queue, c->queue_cap);
		}
	}
	memcpy(c->queue + c->queue_len, p, len);
	c->queue_len += len;
	flush_stdin(c);
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
