/*
 * pg_bundle_walredo: the sandbox entered after start-up, before the first request.
 *
 * 1. Every descriptor but 0, 1 and 2 is closed (close_range(2), Linux >= 5.9; a close() loop
 *    otherwise).
 * 2. A seccomp filter (libseccomp) allows only the system calls the request loop needs; any other
 *    kills the process with SIGSYS. glibc's malloc is told never to use mmap first
 *    (mallopt(M_MMAP_MAX, 0)), so memory comes from brk alone. The list and the reasons are in
 *    README.md; keep the two in sync.
 *
 * Built without libseccomp (make WITH_SECCOMP=no), step 2 is skipped with a warning.
 */
#include "walredo.h"

#include <fcntl.h>
#include <malloc.h>
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

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		ereport(FATAL, (errmsg("walredo: seccomp_init failed")));

	/* requests in, pages out, error messages to stderr */
	ALLOW_IF(read, SCMP_A0(SCMP_CMP_EQ, 0));
	ALLOW_IF(write, SCMP_A0(SCMP_CMP_EQ, 1));
	ALLOW_IF(write, SCMP_A0(SCMP_CMP_EQ, 2));
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
