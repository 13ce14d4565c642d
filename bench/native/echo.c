/*
 * The floor of the walredo protocol on this machine: reads each message (type byte, big-endian
 * u32 length counting itself, payload) from stdin and answers G and H with 8192 zero bytes on
 * stdout, doing no other work. Reads are buffered (64 KiB at a time, as walredo reads) so that a
 * request costs as few system calls as it can. Built with gcc -static by the bench.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[65536];
static size_t have, at;

/* Next n bytes of stdin (n <= sizeof buf), or NULL at the end. */
static unsigned char *take(size_t n) {
  if (have - at < n) {
    memmove(buf, buf + at, have - at);
    have -= at;
    at = 0;
    while (have < n) {
      ssize_t r = read(0, buf + have, sizeof buf - have);
      if (r <= 0) return NULL;
      have += (size_t)r;
    }
  }
  at += n;
  return buf + at - n;
}

int main(void) {
  static char page[8192];
  unsigned char *head;
  while ((head = take(5)) != NULL) {
    unsigned char type = head[0];
    uint32_t len = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 | head[4];
    if (len < 4) return 1;
    for (uint32_t left = len - 4; left > 0;) { /* payloads larger than the buffer go by in pieces */
      uint32_t piece = left < sizeof buf ? left : sizeof buf;
      if (take(piece) == NULL) return 1;
      left -= piece;
    }
    if (type == 'G' || type == 'H') {
      for (size_t off = 0; off < sizeof page;) {
        ssize_t w = write(1, page + off, sizeof page - off);
        if (w <= 0) return 1;
        off += (size_t)w;
      }
    }
  }
  return 0;
}
