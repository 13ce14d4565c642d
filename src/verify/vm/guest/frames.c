/*
 * frames.c: the frames pgb_vm_init sends the host (a 12-byte header, type, channel and length as
 * u32 little-endian, then the payload), written whole to the port.
 */
#include "pgb_vm_init.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

void
put_u32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

uint32_t
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
void
send_prepared(uint32_t type, uint32_t channel, size_t len)
{
	put_u32((unsigned char *) out_frame, type);
	put_u32((unsigned char *) out_frame + 4, channel);
	put_u32((unsigned char *) out_frame + 8, (uint32_t) len);
	write_all(port, out_frame, HEADER + len);
}

void
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

void
send_u32s(uint32_t type, uint32_t channel, uint32_t a, uint32_t b)
{
	unsigned char p[8];

	put_u32(p, a);
	put_u32(p + 4, b);
	send_frame(type, channel, p, 8);
}

void
send_log(const char *what, int err)
{
	char		msg[512];
	int			n = snprintf(msg, sizeof(msg), "%s: %s", what, strerror(err));

	fprintf(stderr, "pgb_vm_init: %s\n", msg);
	if (port >= 0)
		send_frame(F_LOG, 0, msg, (size_t) n);
}
