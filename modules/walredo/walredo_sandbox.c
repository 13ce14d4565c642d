/*
 * pg_bundle_walredo: the sandbox entered after start-up, before the first request.
 *
 * 1. Every descriptor but 0, 1 and 2 is closed (close_range(2), Linux >= 5.9; a close() loop
 *    otherwise).
 * 2. A seccomp filter (libseccomp) allows only the system calls the request loop needs; any other
 *    traps: the handler prints "seccomp: bad syscall <nr>" (operators rely on that line) and the
 *    process dies of SIGSYS. glibc's malloc is told never to use mmap first
 *    (mallopt(M_MMAP_MAX, 0)), so memory comes from brk alone. The list and the reasons are in
 *    README.md; keep the two in sync.
 *
 * Built without libseccomp (make WITH_SECCOMP=no), step 2 is skipped with a warning.
 */
#include "walredo.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PGB_WALREDO_NO_SECCOMP
#include <seccomp.h>
#endif

void
pgb_close_inherited_fds(void)
{
	struct rlimit rl;
	long		fd;
	long		limit = 65536;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return;
#endif
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		limit = (long) rl.rlim_cur;
	for (fd = 3; fd < limit; fd++)
		(void) close((int) fd);
}

/* ---- reports from signal handlers (only write(2) and tgkill, both allowed by the filter) ---- */

static size_t
append(char *buf, size_t at, size_t size, const char *text)
{
	while (*text && at + 1 < size)
		buf[at++] = *text++;
	return at;
}

static size_t
append_number(char *buf, size_t at, size_t size, long n)
{
	char		digits[24];
	int			i = 0;

	if (n < 0)
	{
		at = append(buf, at, size, "-");
		n = -n;
	}
	do
		digits[i++] = (char) ('0' + n % 10);
	while ((n /= 10) > 0 && i < (int) sizeof(digits));
	while (i > 0 && at + 1 < size)
		buf[at++] = digits[--i];
	return at;
}

static size_t
append_hex(char *buf, size_t at, size_t size, uint32 n, int min_digits)
{
	char		digits[8];
	int			i = 0;

	do
		digits[i++] = "0123456789ABCDEF"[n % 16];
	while ((n /= 16) > 0 && i < (int) sizeof(digits));
	while (i < min_digits && i < (int) sizeof(digits))
		digits[i++] = '0';
	while (i > 0 && at + 1 < size)
		buf[at++] = digits[--i];
	return at;
}

PgbCurrentRecord pgb_current_record;

/*
 * "while replaying the WAL record ending at 0/1A2B3C4 (resource manager Heap, id 10, info 0x00)
 * onto block 1663/5/16384 fork 0 blk 0" into buf (NUL-terminated); 0 when no record is being
 * replayed. Async-signal-safe: no allocation, no locale, no stdio.
 */
size_t
pgb_describe_record(char *buf, size_t size)
{
	const PgbCurrentRecord *r = &pgb_current_record;
	const PgbBlockTag *tag = pgb_target_tag();
	size_t		at = 0;

	if (!r->set || size == 0)
		return 0;
	at = append(buf, at, size, "while replaying the WAL record ending at ");
	at = append_hex(buf, at, size, (uint32) (r->end_lsn >> 32), 1);
	at = append(buf, at, size, "/");
	at = append_hex(buf, at, size, (uint32) r->end_lsn, 1);
	at = append(buf, at, size, " (resource manager ");
	at = append(buf, at, size, r->rmgr_name ? r->rmgr_name : "unknown");
	at = append(buf, at, size, ", id ");
	at = append_number(buf, at, size, r->rmid);
	at = append(buf, at, size, ", info 0x");
	at = append_hex(buf, at, size, r->info, 2);
	at = append(buf, at, size, ") onto block ");
	at = append_number(buf, at, size, PGB_REL_SPC(tag->rlocator));
	at = append(buf, at, size, "/");
	at = append_number(buf, at, size, PGB_REL_DB(tag->rlocator));
	at = append(buf, at, size, "/");
	at = append_number(buf, at, size, PGB_REL_REL(tag->rlocator));
	at = append(buf, at, size, " fork ");
	at = append_number(buf, at, size, tag->forknum);
	at = append(buf, at, size, " blk ");
	at = append_number(buf, at, size, tag->blkno);
	buf[at] = '\0';
	return at;
}

/* Ends with the signal's default action (SA_RESETHAND restored it, SA_NODEFER lets it through). */
static void
die_of(int signo)
{
	(void) syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), signo);
	_exit(128 + signo);
}

static void
report_and_die(const char *what, long number, int signo)
{
	char		buf[512];
	size_t		at = append(buf, 0, sizeof(buf), what);

	if (number >= 0)
		at = append_number(buf, at, sizeof(buf), number);
	if (pgb_current_record.set)
	{
		at = append(buf, at, sizeof(buf), " ");
		at += pgb_describe_record(buf + at, sizeof(buf) - at);
	}
	at = append(buf, at, sizeof(buf), "\n");
	(void) write(2, buf, at);
	die_of(signo);
}

static void
on_sigsys(int signo, siginfo_t *info, void *ucontext)
{
	report_and_die("seccomp: bad syscall ", info->si_syscall, signo);
}

static void
on_crash(int signo, siginfo_t *info, void *ucontext)
{
	report_and_die(signo == SIGSEGV ? "walredo: segmentation fault"
				   : signo == SIGBUS ? "walredo: bus error"
				   : signo == SIGFPE ? "walredo: arithmetic exception"
				   : "walredo: aborted", -1, signo);
}

static void
install(int signo, void (*handler) (int, siginfo_t *, void *))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(signo, &sa, NULL) != 0)
		ereport(FATAL, (errmsg("walredo: could not install the handler of signal %d: %m", signo)));
}

/*
 * From here on a crash says which record was being replayed (pgb_current_record, kept up to
 * date by the request loop), and a refused system call says which one it was, before the process dies of the
 * same signal as it would have without the handler.
 */
void
pgb_report_fatal_signals(void)
{
	install(SIGSYS, on_sigsys);
	install(SIGSEGV, on_crash);
	install(SIGBUS, on_crash);
	install(SIGFPE, on_crash);
	install(SIGABRT, on_crash);
}

#ifndef PGB_WALREDO_NO_SECCOMP

static void
allow(scmp_filter_ctx ctx, int syscall_nr, const char *name, unsigned int nargs,
	  const struct scmp_arg_cmp *arg)
{
	int			rc;

	if (syscall_nr < 0)
		return;					/* not on this architecture (e.g. no gettimeofday on some) */
	rc = nargs == 0 ? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, syscall_nr, 0)
		: seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, syscall_nr, nargs, arg);
	if (rc != 0)
		ereport(FATAL,
				(errmsg("walredo: could not add seccomp rule for %s: %s", name, strerror(-rc))));
}

#define ALLOW(name) allow(ctx, SCMP_SYS(name), #name, 0, NULL)
#define ALLOW_IF(name, cmp) \
	do { struct scmp_arg_cmp c_ = cmp; allow(ctx, SCMP_SYS(name), #name, 1, &c_); } while (0)

void
pgb_enter_seccomp(void)
{
	scmp_filter_ctx ctx;
	int			rc;

	/* glibc: never serve malloc() with mmap() (not in the list); trimming uses brk() */
	mallopt(M_MMAP_MAX, 0);

	/* a refused call raises SIGSYS: on_sigsys names it, then the process dies of SIGSYS */
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (ctx == NULL)
		ereport(FATAL, (errmsg("walredo: seccomp_init failed")));

	/* requests in, pages out, error messages to stderr */
	ALLOW_IF(read, SCMP_A0(SCMP_CMP_EQ, 0));
	ALLOW_IF(write, SCMP_A0(SCMP_CMP_EQ, 1));
	ALLOW_IF(write, SCMP_A0(SCMP_CMP_EQ, 2));
	/* glibc's fatal messages (e.g. "stack smashing detected") go out with writev */
	ALLOW_IF(writev, SCMP_A0(SCMP_CMP_EQ, 2));
	/* memory (malloc/free via brk only) and uncontended futexes */
	ALLOW(brk);
	ALLOW(futex);
	/* ending: exit(), and abort() on PANIC (raise(SIGABRT): getpid, gettid, tgkill to itself) */
	ALLOW(exit);
	ALLOW(exit_group);
	ALLOW(getpid);
	ALLOW(gettid);
	ALLOW_IF(tgkill, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) getpid()));
	ALLOW(rt_sigprocmask);
	ALLOW(rt_sigreturn);
	/* log line time stamps (normally served by the vDSO without a system call) */
	ALLOW(clock_gettime);
	ALLOW(gettimeofday);

	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc != 0)
		ereport(FATAL,
				(errmsg("walredo: could not enter seccomp mode: %s", strerror(-rc))));
}

#else							/* PGB_WALREDO_NO_SECCOMP */

void
pgb_enter_seccomp(void)
{
	ereport(WARNING,
			(errmsg("walredo: built without libseccomp: running without a system call filter")));
}

#endif

/*
 * --seccomp-selftest: called after the sandbox is entered. Opening a file is not in the list, so
 * the process must die with SIGSYS here; if it survives, it says so and exits with code 3.
 */
void
pgb_seccomp_selftest(void)
{
	int			fd = open("/", O_RDONLY);

	fprintf(stderr, "walredo: seccomp self-test FAILED: open() returned %d\n", fd);
	_exit(3);
}
