/*
 * Native timing harness for the walredo protocol (built by the bench with gcc -static), so that
 * no Node.js sits between the clock and the process:
 *
 *   harness cold <runs> ping|exit <prog> [args...]
 *       spawn (posix_spawn) -> first ping answered (or -> exit); one line of nanoseconds per run,
 *       then "faults <runs> <minor page faults of all runs>"
 *   harness latency <count> <request-file> <prog> [args...]
 *       one process; each request of the file in turn (a request ends with G or H), write ->
 *       8192 bytes read; one line of nanoseconds per request, then "rusage <requests> <user µs>
 *       <system µs> <voluntary cs> <involuntary cs> <minor faults>" of the child's whole life and
 *       "cpu <requests> <ns>": the child's time on a CPU during the timed requests (schedstat)
 *   harness scale <n> <request-file> <prog> [args...]
 *       n processes at once; prints "ready <ns> <failed>" and "pids ...", waits for a line on
 *       stdin, sends the file's first request to each: "redo <ns> <failed> <differing>", waits for
 *       a line, closes them all: "exit <ns> <unclean>"
 *
 * Children get the harness's environment, stdin/stdout pipes and stderr on /dev/null. Run as
 * root, the harness drops to uid/gid 65534 once its files are open, as the storage service runs
 * walredo unprivileged.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 8192
#define WARMUP 3

extern char **environ;

typedef struct {
  pid_t pid;
  int in;  /* write end of the child's stdin */
  int out; /* read end of the child's stdout */
  size_t got;
  int failed;
} child_t;

typedef struct {
  unsigned char *data;
  size_t *start; /* offset of each request */
  size_t *len;
  size_t count;
} requests_t;

static const unsigned char PING[5] = {'H', 0, 0, 0, 4};

static void die(const char *what) {
  fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void drop_privileges(void) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
  if (getuid() != 0) return;
  if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) die("drop to uid 65534");
}

static int spawn_child(child_t *c, char **argv) {
  int in[2], out[2];
  posix_spawn_file_actions_t fa;
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    errno = rc;
    close(in[1]);
    close(out[0]);
    return -1;
  }
  c->in = in[1];
  c->out = out[0];
  c->got = 0;
  c->failed = 0;
  return 0;
}

static int write_full(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int read_full(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* Closes stdin and reaps the child (its resource usage into *ru when given); 0 when it exited with code 0. */
static int finish_child(child_t *c, struct rusage *ru) {
  int status = 0;
  struct rusage ignored;
  close(c->in);
  close(c->out);
  if (wait4(c->pid, &status, 0, ru ? ru : &ignored) < 0) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static requests_t load_requests(const char *file) {
  requests_t q = {0};
  int fd = open(file, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) die(file);
  q.data = malloc((size_t)st.st_size + 1);
  if (read_full(fd, q.data, (size_t)st.st_size) != 0) die(file);
  close(fd);
  size_t cap = 1024, p = 0, begin = 0;
  q.start = malloc(cap * sizeof *q.start);
  q.len = malloc(cap * sizeof *q.len);
  while (p + 5 <= (size_t)st.st_size) {
    uint32_t len = (uint32_t)q.data[p + 1] << 24 | (uint32_t)q.data[p + 2] << 16 |
                   (uint32_t)q.data[p + 3] << 8 | q.data[p + 4];
    unsigned char type = q.data[p];
    p += 1 + len;
    if (type != 'G' && type != 'H') continue;
    if (q.count == cap) {
      cap *= 2;
      q.start = realloc(q.start, cap * sizeof *q.start);
      q.len = realloc(q.len, cap * sizeof *q.len);
    }
    q.start[q.count] = begin;
    q.len[q.count++] = p - begin;
    begin = p;
  }
  if (q.count == 0 || p != (size_t)st.st_size) {
    fprintf(stderr, "harness: %s: no whole requests ending with G or H\n", file);
    exit(2);
  }
  return q;
}

static int cold(int runs, int until_ping, char **argv) {
  static char page[PAGE];
  long faults = 0;
  for (int i = -WARMUP; i < runs; i++) {
    child_t c;
    struct rusage ru;
    int64_t t0 = now_ns(), t1;
    if (spawn_child(&c, argv) != 0) die("spawn");
    if (until_ping) {
      if (write_full(c.in, PING, sizeof PING) != 0 || read_full(c.out, page, PAGE) != 0) {
        fprintf(stderr, "harness: no answer to the ping\n");
        return 1;
      }
      t1 = now_ns();
      if (finish_child(&c, &ru) != 0) fprintf(stderr, "harness: child did not exit cleanly\n");
    } else {
      wait4(c.pid, NULL, 0, &ru);
      t1 = now_ns();
      close(c.in);
      close(c.out);
    }
    if (i < 0) continue;
    faults += ru.ru_minflt;
    printf("%lld\n", (long long)(t1 - t0));
  }
  /* minor page faults per start, the child's whole life (a ping answered, then exit) */
  printf("faults %ld %ld\n", (long)runs, faults);
  return 0;
}

/* Nanoseconds the process has run on a CPU (first field of /proc/<pid>/schedstat; not tick-sampled). */
static long long cpu_ns(pid_t pid) {
  char path[64];
  long long ns = -1;
  snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
  FILE *f = fopen(path, "r");
  if (f) {
    if (fscanf(f, "%lld", &ns) != 1) ns = -1;
    fclose(f);
  }
  return ns;
}

static int latency(long count, const requests_t *q, char **argv) {
  static char page[PAGE];
  child_t c;
  int64_t *ns = malloc((size_t)count * sizeof *ns);
  if (spawn_child(&c, argv) != 0) die("spawn");
  if (write_full(c.in, PING, sizeof PING) != 0 || read_full(c.out, page, PAGE) != 0) return 1;
  long warm = (long)q->count < 200 ? 200 : (long)q->count; /* each request once, discarded */
  long long cpu0 = 0;
  for (long i = -warm; i < count; i++) {
    size_t k = (size_t)((i + warm) % (long)q->count);
    if (i == 0) cpu0 = cpu_ns(c.pid);
    int64_t t0 = now_ns();
    if (write_full(c.in, q->data + q->start[k], q->len[k]) != 0 || read_full(c.out, page, PAGE) != 0) {
      fprintf(stderr, "harness: the process stopped answering at request %ld\n", i);
      return 1;
    }
    if (i >= 0) ns[i] = now_ns() - t0;
  }
  long long cpu1 = cpu_ns(c.pid);
  struct rusage ru;
  if (finish_child(&c, &ru) != 0) fprintf(stderr, "harness: child did not exit cleanly\n");
  for (long i = 0; i < count; i++) printf("%lld\n", (long long)ns[i]);
  /* the child's whole life: start-up, the warm-up and the timed requests */
  printf("rusage %ld %ld %ld %ld %ld %ld\n", warm + count,
         (long)(ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec),
         (long)(ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec), ru.ru_nvcsw, ru.ru_nivcsw, ru.ru_minflt);
  if (cpu0 >= 0 && cpu1 >= 0) printf("cpu %ld %lld\n", count, cpu1 - cpu0); /* the timed requests only */
  return 0;
}

/* Reads until every live child has sent PAGE bytes (or died); returns how many failed. */
static int await_pages(child_t *cs, int n, unsigned char *pages) {
  struct pollfd *fds = calloc((size_t)n, sizeof *fds);
  int pending = 0, failed = 0;
  for (int i = 0; i < n; i++) cs[i].got = 0, pending += !cs[i].failed;
  while (pending > 0) {
    for (int i = 0; i < n; i++) {
      fds[i].fd = cs[i].failed || cs[i].got == PAGE ? -1 : cs[i].out;
      fds[i].events = POLLIN;
    }
    if (poll(fds, (nfds_t)n, 120000) <= 0) break;
    for (int i = 0; i < n; i++) {
      if (fds[i].fd < 0 || !fds[i].revents) continue;
      ssize_t r = read(cs[i].out, pages + (size_t)i * PAGE + cs[i].got, PAGE - cs[i].got);
      if (r <= 0) cs[i].failed = 1, pending--;
      else if ((cs[i].got += (size_t)r) == PAGE) pending--;
    }
  }
  for (int i = 0; i < n; i++) failed += cs[i].failed || cs[i].got != PAGE;
  free(fds);
  return failed;
}

static void wait_for_line(void) {
  char line[64];
  fflush(stdout);
  if (!fgets(line, sizeof line, stdin)) exit(0);
}

static void send_all(child_t *cs, int n, const void *msg, size_t len) {
  for (int i = 0; i < n; i++)
    if (!cs[i].failed && write_full(cs[i].in, msg, len) != 0) cs[i].failed = 1;
}

static int scale(int n, const requests_t *q, char **argv) {
  child_t *cs = calloc((size_t)n, sizeof *cs);
  unsigned char *pages = malloc((size_t)n * PAGE);
  signal(SIGPIPE, SIG_IGN);
  int64_t t0 = now_ns();
  for (int i = 0; i < n; i++) {
    if (spawn_child(&cs[i], argv) != 0) die("spawn");
    if (write_full(cs[i].in, PING, sizeof PING) != 0) cs[i].failed = 1;
  }
  int failed = await_pages(cs, n, pages);
  printf("ready %lld %d\npids", (long long)(now_ns() - t0), failed);
  for (int i = 0; i < n; i++) printf(" %d", (int)cs[i].pid);
  printf("\n");
  wait_for_line();
  int64_t t1 = now_ns();
  send_all(cs, n, q->data + q->start[0], q->len[0]);
  failed = await_pages(cs, n, pages);
  int differing = 0;
  for (int i = 1; i < n; i++) differing += memcmp(pages, pages + (size_t)i * PAGE, PAGE) != 0;
  printf("redo %lld %d %d\n", (long long)(now_ns() - t1), failed, differing);
  wait_for_line();
  int64_t t2 = now_ns();
  int unclean = 0;
  for (int i = 0; i < n; i++) unclean += finish_child(&cs[i], NULL) != 0;
  printf("exit %lld %d\n", (long long)(now_ns() - t2), unclean);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "cold") == 0) {
    drop_privileges();
    return cold(atoi(argv[2]), strcmp(argv[3], "ping") == 0, argv + 4);
  }
  if (argc >= 5 && (strcmp(argv[1], "latency") == 0 || strcmp(argv[1], "scale") == 0)) {
    requests_t q = load_requests(argv[3]);
    drop_privileges();
    if (argv[1][0] == 'l') return latency(atol(argv[2]), &q, argv + 4);
    return scale(atoi(argv[2]), &q, argv + 4);
  }
  fprintf(stderr, "usage: harness cold <runs> ping|exit <prog> [args...]\n"
                  "       harness latency|scale <count> <request-file> <prog> [args...]\n");
  return 2;
}
