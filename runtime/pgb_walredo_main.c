/*
 * pg-bundle runtime: `postgres --wal-redo` for upstream PostgreSQL, without patching main.c.
 *
 * Linked into the static postgres (NOT renamed like module objects) with the flags listed in
 * modules/walredo/link-flags.txt. Built by modules/walredo's Makefile (target pgb_walredo_main.o)
 * against the headers of the tree being bundled.
 *
 * Dispatch (-Wl,--wrap=main,--wrap=GucInfoMain):
 *   __wrap_main: if argv[1] is "--wal-redo", remember the arguments and call the real main() with
 *   argv[1] = "--describe-config". main() then does all of its normal start-up (memory contexts,
 *   locale, ps display) and dispatches to GucInfoMain(), whose wrapper checks for root like main()
 *   does for other modes, computes $libdir and calls WalRedoMain(argc, argv) of the module
 *   pg_bundle_walredo through the normal loader (load_external_function), with the original argv.
 *   "--describe-config" is used rather than "--single" because main() evaluates
 *   get_user_name_or_exit() for --single, which fails without an /etc/passwd entry for the uid,
 *   and rather than "--boot" because the function it reaches has a different signature in v14.
 *   GucInfoMain(void) has the same signature in v14..v18 and is only called from main().
 *
 * Private "shared" memory (-Wl,--wrap=PGSharedMemoryCreate,--wrap=dsm_postmaster_startup,
 * --wrap=SlruScanDirectory): a walredo process is the only process of its "cluster", so its shared
 * memory is private anonymous memory, with no SysV segment (the kernel's shmmni, 4096 by default,
 * would cap the processes per host), no dynamic shared memory control segment (a file or a /dev/shm
 * entry) and no data directory to scan: it needs no writable file system at all.
 *
 * Redo hooks (-Wl,--wrap=XLogReadBufferForRedo,... see link-flags.txt): each wrapper calls the
 * real function unless the walredo module has installed pgb_walredo_hooks, i.e. only inside a
 * walredo process. --wrap redirects references between object files only, so every entry point
 * that resource-manager redo code calls from another object file is wrapped.
 */
#include "postgres.h"

#include <sys/mman.h>
#include <unistd.h>

#include "access/slru.h"
#include "access/xlogreader.h"
#include "access/xlogutils.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/dsm.h"
#include "storage/freespace.h"
#include "storage/pg_shmem.h"
#include "storage/sinval.h"
#include "utils/inval.h"
#include "utils/rel.h"

#include "pgb_walredo_hooks.h"

const PgbWalRedoHooks *pgb_walredo_hooks = NULL;

static bool pgb_walredo_requested = false;
static int	pgb_walredo_argc;
static char **pgb_walredo_argv;

/* ---- dispatch ---- */

extern int	__real_main(int argc, char *argv[]);
extern int	__wrap_main(int argc, char *argv[]);
extern void __real_GucInfoMain(void);
extern void __wrap_GucInfoMain(void);

int
__wrap_main(int argc, char *argv[])
{
	if (argc > 1 && strcmp(argv[1], "--wal-redo") == 0)
	{
		char	  **copy = malloc(sizeof(char *) * (argc + 1));
		int			i;

		if (copy == NULL)
		{
			fprintf(stderr, "%s: out of memory\n", argv[0]);
			exit(1);
		}
		/* copies: main() may move or overwrite the original strings (ps display) */
		for (i = 0; i < argc; i++)
		{
			copy[i] = strdup(argv[i]);
			if (copy[i] == NULL)
			{
				fprintf(stderr, "%s: out of memory\n", argv[0]);
				exit(1);
			}
		}
		copy[argc] = NULL;
		pgb_walredo_requested = true;
		pgb_walredo_argc = argc;
		pgb_walredo_argv = copy;
		argv[1] = (char *) "--describe-config";
	}
	return __real_main(argc, argv);
}

/* Same checks as main.c's check_root(), which main() skips for --describe-config. */
static void
pgb_walredo_check_root(const char *progname_arg)
{
	if (geteuid() == 0)
	{
		fprintf(stderr,
				"\"root\" execution of the PostgreSQL server is not permitted.\n"
				"The server must be started under an unprivileged user ID to prevent\n"
				"possible system security compromise.  See the documentation for\n"
				"more information on how to properly start the server.\n");
		exit(1);
	}
	if (getuid() != geteuid())
	{
		fprintf(stderr, "%s: real and effective user IDs must match\n", progname_arg);
		exit(1);
	}
}

void
__wrap_GucInfoMain(void)
{
	PgbWalRedoMainFn walredo_main;

	if (!pgb_walredo_requested)
	{
		__real_GucInfoMain();
		abort();				/* not reached */
	}

	pgb_walredo_check_root(pgb_walredo_argv[0]);

	/* $libdir, as InitStandaloneProcess() computes it; the module needs it to be found */
	if (my_exec_path[0] == '\0' && find_my_exec(pgb_walredo_argv[0], my_exec_path) < 0)
		elog(FATAL, "%s: could not locate my own executable path", pgb_walredo_argv[0]);
	if (pkglib_path[0] == '\0')
		get_pkglib_path(my_exec_path, pkglib_path);

	/*
	 * An absolute path, not "$libdir/...": v18 strips a leading "$libdir/" and then searches
	 * dynamic_library_path, a GUC that is not initialised yet at this point.
	 */
	walredo_main = (PgbWalRedoMainFn)
		load_external_function(psprintf("%s/%s", pkglib_path, PGB_WALREDO_LIBRARY),
							   PGB_WALREDO_ENTRY, true, NULL);
	walredo_main(pgb_walredo_argc, pgb_walredo_argv);
	abort();					/* WalRedoMain does not return */
}

/* ---- private shared memory ---- */

extern PGShmemHeader *__real_PGSharedMemoryCreate(Size size, PGShmemHeader **shim);
extern PGShmemHeader *__wrap_PGSharedMemoryCreate(Size size, PGShmemHeader **shim);
extern void __real_dsm_postmaster_startup(struct PGShmemHeader *shim);
extern void __wrap_dsm_postmaster_startup(struct PGShmemHeader *shim);
extern bool __real_SlruScanDirectory(SlruCtl ctl, SlruScanCallback callback, void *data);
extern bool __wrap_SlruScanDirectory(SlruCtl ctl, SlruScanCallback callback, void *data);

PGShmemHeader *
__wrap_PGSharedMemoryCreate(Size size, PGShmemHeader **shim)
{
	PGShmemHeader *hdr;

	if (!pgb_walredo_requested)
		return __real_PGSharedMemoryCreate(size, shim);

	/* private and anonymous: only the pages initialisation touches become memory */
	hdr = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (hdr == MAP_FAILED)
		ereport(FATAL,
				(errmsg("walredo: could not allocate %zu bytes of private memory: %m", size)));
	hdr->magic = PGShmemMagic;
	hdr->creatorPID = getpid();
	hdr->totalsize = size;
	hdr->freeoffset = MAXALIGN(sizeof(PGShmemHeader));
	hdr->dsm_control = 0;
	hdr->device = 0;
	hdr->inode = 0;
	*shim = hdr;
	UsedShmemSegAddr = hdr;
	UsedShmemSegID = 0;
	return hdr;
}

/* No dynamic shared memory: nothing in a walredo process creates a DSM segment. */
void
__wrap_dsm_postmaster_startup(struct PGShmemHeader *shim)
{
	if (!pgb_walredo_requested)
		__real_dsm_postmaster_startup(shim);
}

/* Shared-memory set-up cleans pg_notify/ of a data directory; a walredo process has none. */
bool
__wrap_SlruScanDirectory(SlruCtl ctl, SlruScanCallback callback, void *data)
{
	if (pgb_walredo_requested)
		return false;
	return __real_SlruScanDirectory(ctl, callback, data);
}

/* ---- redo hooks ---- */

extern XLogRedoAction __real_XLogReadBufferForRedo(XLogReaderState *record, uint8 block_id,
												   Buffer *buf);
extern XLogRedoAction __wrap_XLogReadBufferForRedo(XLogReaderState *record, uint8 block_id,
												   Buffer *buf);
extern XLogRedoAction __real_XLogReadBufferForRedoExtended(XLogReaderState *record,
														   uint8 block_id,
														   ReadBufferMode mode,
														   bool get_cleanup_lock,
														   Buffer *buf);
extern XLogRedoAction __wrap_XLogReadBufferForRedoExtended(XLogReaderState *record,
														   uint8 block_id,
														   ReadBufferMode mode,
														   bool get_cleanup_lock,
														   Buffer *buf);
extern Buffer __real_XLogInitBufferForRedo(XLogReaderState *record, uint8 block_id);
extern Buffer __wrap_XLogInitBufferForRedo(XLogReaderState *record, uint8 block_id);

XLogRedoAction
__wrap_XLogReadBufferForRedo(XLogReaderState *record, uint8 block_id, Buffer *buf)
{
	if (pgb_walredo_hooks)
		return pgb_walredo_hooks->read_for_redo(record, block_id, RBM_NORMAL, false, buf);
	return __real_XLogReadBufferForRedo(record, block_id, buf);
}

XLogRedoAction
__wrap_XLogReadBufferForRedoExtended(XLogReaderState *record, uint8 block_id,
									 ReadBufferMode mode, bool get_cleanup_lock, Buffer *buf)
{
	if (pgb_walredo_hooks)
		return pgb_walredo_hooks->read_for_redo(record, block_id, mode, get_cleanup_lock, buf);
	return __real_XLogReadBufferForRedoExtended(record, block_id, mode, get_cleanup_lock, buf);
}

Buffer
__wrap_XLogInitBufferForRedo(XLogReaderState *record, uint8 block_id)
{
	Buffer		buf;

	if (!pgb_walredo_hooks)
		return __real_XLogInitBufferForRedo(record, block_id);
	pgb_walredo_hooks->read_for_redo(record, block_id, RBM_ZERO_AND_LOCK, false, &buf);
	return buf;
}

#if PG_VERSION_NUM >= 150000
extern Buffer __real_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum,
											BlockNumber blkno, ReadBufferMode mode,
											Buffer recent_buffer);
extern Buffer __wrap_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum,
											BlockNumber blkno, ReadBufferMode mode,
											Buffer recent_buffer);

Buffer
__wrap_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum, BlockNumber blkno,
							  ReadBufferMode mode, Buffer recent_buffer)
{
	if (pgb_walredo_hooks)
		return pgb_walredo_hooks->read_buffer(rlocator, forknum, blkno, mode);
	return __real_XLogReadBufferExtended(rlocator, forknum, blkno, mode, recent_buffer);
}
#else
extern Buffer __real_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum,
											BlockNumber blkno, ReadBufferMode mode);
extern Buffer __wrap_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum,
											BlockNumber blkno, ReadBufferMode mode);

Buffer
__wrap_XLogReadBufferExtended(PgbRelFile rlocator, ForkNumber forknum, BlockNumber blkno,
							  ReadBufferMode mode)
{
	if (pgb_walredo_hooks)
		return pgb_walredo_hooks->read_buffer(rlocator, forknum, blkno, mode);
	return __real_XLogReadBufferExtended(rlocator, forknum, blkno, mode);
}
#endif

extern void __real_visibilitymap_pin(Relation rel, BlockNumber heapBlk, Buffer *vmbuf);
extern void __wrap_visibilitymap_pin(Relation rel, BlockNumber heapBlk, Buffer *vmbuf);

void
__wrap_visibilitymap_pin(Relation rel, BlockNumber heapBlk, Buffer *vmbuf)
{
	if (pgb_walredo_hooks)
		pgb_walredo_hooks->vm_pin(rel, heapBlk, vmbuf);
	else
		__real_visibilitymap_pin(rel, heapBlk, vmbuf);
}

/*
 * Side effects of redo that never concern a page the caller asks for are skipped in a walredo
 * process: the free space map (not WAL-logged), flushing init-fork pages to disk, and the
 * relcache/catcache invalidations carried by some records.
 */
extern void __real_XLogRecordPageWithFreeSpace(PgbRelFile rlocator, BlockNumber heapBlk,
											   Size spaceAvail);
extern void __wrap_XLogRecordPageWithFreeSpace(PgbRelFile rlocator, BlockNumber heapBlk,
											   Size spaceAvail);
extern void __real_FlushOneBuffer(Buffer buffer);
extern void __wrap_FlushOneBuffer(Buffer buffer);
extern void __real_ProcessCommittedInvalidationMessages(SharedInvalidationMessage *msgs,
														int nmsgs, bool RelcacheInitFileInval,
														Oid dbid, Oid tsid);
extern void __wrap_ProcessCommittedInvalidationMessages(SharedInvalidationMessage *msgs,
														int nmsgs, bool RelcacheInitFileInval,
														Oid dbid, Oid tsid);

void
__wrap_XLogRecordPageWithFreeSpace(PgbRelFile rlocator, BlockNumber heapBlk, Size spaceAvail)
{
	if (!pgb_walredo_hooks)
		__real_XLogRecordPageWithFreeSpace(rlocator, heapBlk, spaceAvail);
}

void
__wrap_FlushOneBuffer(Buffer buffer)
{
	if (!pgb_walredo_hooks)
		__real_FlushOneBuffer(buffer);
}

void
__wrap_ProcessCommittedInvalidationMessages(SharedInvalidationMessage *msgs, int nmsgs,
											bool RelcacheInitFileInval, Oid dbid, Oid tsid)
{
	if (!pgb_walredo_hooks)
		__real_ProcessCommittedInvalidationMessages(msgs, nmsgs, RelcacheInitFileInval, dbid, tsid);
}
