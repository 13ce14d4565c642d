/*
 * pg_bundle_walredo: framing of the walredo protocol on stdin/stdout.
 *
 * A message is 1 type byte, a big-endian u32 length that counts itself and the payload (not the
 * type byte), then the payload. Input is read with read(2) on descriptor 0 into a private buffer
 * (no stdio), output written with write(2) on descriptor 1: both allowed by the sandbox.
 */
#include "walredo.h"

#include <unistd.h>

#include "utils/memutils.h"

#define PGB_INPUT_CHUNK (128 * 1024)

/* The largest payload accepted: an A message with the largest record palloc can hold. */
#define PGB_MAX_PAYLOAD ((uint32) (MaxAllocSize - PGB_LEN_SIZE))

static char *inbuf;				/* lives in TopMemoryContext */
static size_t in_start;
static size_t in_end;

/* Refills the input buffer. Returns false at end of input. */
static bool
fill_input(void)
{
	ssize_t		n;

	if (inbuf == NULL)
		inbuf = MemoryContextAlloc(TopMemoryContext, PGB_INPUT_CHUNK);
	in_start = in_end = 0;
	for (;;)
	{
		n = read(0, inbuf, PGB_INPUT_CHUNK);
		if (n > 0)
		{
			in_end = (size_t) n;
			return true;
		}
		if (n == 0)
			return false;
		if (errno != EINTR)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not read walredo request from stdin: %m")));
	}
}

/* Copies n bytes of input to dst. Returns the number copied (< n only at end of input). */
static size_t
read_input(char *dst, size_t n)
{
	size_t		done = 0;

	while (done < n)
	{
		size_t		avail = in_end - in_start;

		if (avail == 0)
		{
			if (!fill_input())
				break;
			continue;
		}
		if (avail > n - done)
			avail = n - done;
		memcpy(dst + done, inbuf + in_start, avail);
		in_start += avail;
		done += avail;
	}
	return done;
}

static uint32
be_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *) p;

	return ((uint32) u[0] << 24) | ((uint32) u[1] << 16) | ((uint32) u[2] << 8) | (uint32) u[3];
}

uint64
pgb_parse_u64(const char *data)
{
	return ((uint64) be_u32(data) << 32) | (uint64) be_u32(data + 4);
}

void
pgb_parse_tag(const char *data, PgbBlockTag *tag)
{
	tag->forknum = (ForkNumber) (unsigned char) data[0];
	PGB_REL_SPC(tag->rlocator) = be_u32(data + 1);
	PGB_REL_DB(tag->rlocator) = be_u32(data + 5);
	PGB_REL_REL(tag->rlocator) = be_u32(data + 9);
	tag->blkno = be_u32(data + 13);
	if (tag->forknum < 0 || tag->forknum > MAX_FORKNUM)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid fork number %d in walredo buffer tag", (int) tag->forknum)));
}

int
pgb_read_message(StringInfo payload)
{
	char		type;
	char		lenbuf[PGB_LEN_SIZE];
	uint32		len;
	size_t		got;

	resetStringInfo(payload);
	if (read_input(&type, 1) == 0)
		return EOF;
	if (read_input(lenbuf, PGB_LEN_SIZE) != PGB_LEN_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("unexpected end of input in the length of a walredo '%c' message", type)));
	len = be_u32(lenbuf);
	if (len < PGB_LEN_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("invalid length %u in a walredo '%c' message (it counts itself: at least %d)",
						len, type, PGB_LEN_SIZE)));
	len -= PGB_LEN_SIZE;
	if (len > PGB_MAX_PAYLOAD)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("walredo '%c' message of %u bytes exceeds the limit of %u bytes",
						type, len, PGB_MAX_PAYLOAD)));
	enlargeStringInfo(payload, (int) len);
	got = read_input(payload->data, len);
	if (got != len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("unexpected end of input in a walredo '%c' message: got %zu of %u payload bytes",
						type, got, len)));
	payload->len = (int) len;
	payload->data[len] = '\0';
	return (unsigned char) type;
}

void
pgb_write_page(const char *page)
{
	size_t		done = 0;

	while (done < BLCKSZ)
	{
		ssize_t		n = write(1, page + done, BLCKSZ - done);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not write walredo response to stdout: %m")));
		}
		done += (size_t) n;
	}
}
