/*
 * child.c: the processes the host starts (SPAWN): the request, the child's root, identity and
 * seccomp filter before exec, and the queue of stdin bytes the child has not read yet.
 */
#include "pgb_vm_init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* the strings of a spawn payload: cwd, argv[argc], env[envc], each NUL-terminated */
int
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

void
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

void
close_stdin(Child *c)
{
	if (c->in_fd >= 0)
		close(c->in_fd);
	c->in_fd = -1;
	c->queue_len = c->queue_off = 0;
}

/* Writes what stdin can take now; the rest waits for POLLOUT. */
void
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

void
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
