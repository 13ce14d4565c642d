/*
 * The floor of the walredo protocol on this machine: reads each message (type byte, big-endian
 * u32 length counting itself, payload) from stdin and answers G and H with 8192 zero bytes on
 * stdout, doing no other work. Built with gcc -static by the bench.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static int read_full(void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(0, p, n);
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int main(void) {
  static char page[8192], payload[65536];
  unsigned char head[5];
  while (read_full(head, 5) == 0) {
    uint32_t len = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 | head[4];
    for (uint32_t left = len - 4; left > 0;) {
      uint32_t chunk = left < sizeof payload ? left : sizeof payload;
      if (read_full(payload, chunk) != 0) return 1;
      left -= chunk;
    }
    if (head[0] == 'G' || head[0] == 'H') {
      for (size_t off = 0; off < sizeof page;) {
        ssize_t w = write(1, page + off, sizeof page - off);
        if (w <= 0) return 1;
        off += (size_t)w;
      }
    }
  }
  return 0;
}
