/*
 * pgb_vm_init.h: what the files of the VM's /init share (pgb_vm_init.c has the overview): the frame
 * types, limits, the table of running children and the functions one file calls in another.
 *
 * The frame types are mirrored in src/verify/vm/protocol.ts; keep the two in sync.
 */
#ifndef PGB_VM_INIT_H
#define PGB_VM_INIT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* defined in pgb_vm_init.c */
extern int	port;				/* the virtio-serial port; -1 until open */
extern Child *children;
extern char *out_frame;			/* HEADER + OUT_CHUNK bytes for outgoing payloads */

/* frames.c: the frames the guest sends */
extern void put_u32(unsigned char *p, uint32_t v);
extern uint32_t get_u32(const unsigned char *p);
extern void send_prepared(uint32_t type, uint32_t channel, size_t len);
extern void send_frame(uint32_t type, uint32_t channel, const void *payload, size_t len);
extern void send_u32s(uint32_t type, uint32_t channel, uint32_t a, uint32_t b);
extern void send_log(const char *what, int err);

/* boot.c: the guest's own setup */
extern void make_dirs(const char *path);
extern void mount_basics(void);
extern void load_modules(void);
extern int	open_port(void);

/* child.c: the processes the host starts */
extern int	split_strings(char *p, char *end, char **out, uint32_t n);
extern void spawn_child(uint32_t channel, unsigned char *p, uint32_t len);
extern void close_stdin(Child *c);
extern void flush_stdin(Child *c);
extern void queue_stdin(Child *c, const unsigned char *p, uint32_t len);

#endif							/* PGB_VM_INIT_H */
