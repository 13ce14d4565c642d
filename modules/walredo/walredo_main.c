/*
 * pg_bundle_walredo: WalRedoMain(), a walredo process for upstream PostgreSQL.
 *
 * Reached from `postgres --wal-redo [...]` through the dispatch shim (runtime/pgb_walredo_main.c)
 * and the normal module loader. Speaks the walredo protocol on stdin/stdout (see README.md) and
 * replays records with PostgreSQL's own resource-manager redo routines.
 *
 * Start-up builds just enough of a standalone backend for redo: GUCs for a tiny shared memory,
 * shared memory and semaphores, a PGPROC, buffer manager access, InRecovery = true, rmgr start-up.
 * The "shared" memory is private anonymous memory (the dispatch shim wraps PGSharedMemoryCreate):
 * no SysV segment, no dynamic shared memory, no data directory, so the process needs no writable
 * file system and a killed process leaves nothing behind. Then descriptors are closed and seccomp
 * entered.
 */
#include "walredo.h"

#include <signal.h>
#include <unistd.h>

#include "access/xlog.h"
#include "access/xlog_internal.h"
#include "access/xlogutils.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "storage/ipc.h"
#include "storage/pg_shmem.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void WalRedoMain(int argc, char *argv[]);

/* Defined by the shim in the static postgres; absent elsewhere (see pgb_walredo_hooks.h). */
#pragma weak pgb_walredo_hooks

/*
 * Linked-in modules to load at start as shared_preload_libraries would (build option
 * --walredo-preload), NULL-terminated; generated into the static postgres's module table.
 */
extern const char *const pgb_walredo_preload[];
#pragma weak pgb_walredo_preload

/*
 * Whether redo sets the page LSN where upstream does so only when hint bits are WAL-logged
 * (heap visibility records): mirrors the clusters the storage service creates, which have data
 * checksums from v18 on (initdb's default) and not before.
 */
#ifndef PGB_WALREDO_WAL_LOG_HINTS
#if PG_VERSION_NUM >= 180000
#define PGB_WALREDO_WAL_LOG_HINTS "on"
#else
#define PGB_WALREDO_WAL_LOG_HINTS "off"
#endif
#endif

/* Largest message payloads kept between requests; bigger buffers are freed after use. */
#define PGB_KEEP_BUFFER (1024 * 1024)

static XLogReaderState *reader;
static MemoryContext request_context;
#if PG_VERSION_NUM < 150000
static MemoryContext decode_context;
#endif
static const PGAlignedBlock zero_page;

/* ---- start-up ---- */

static void
set_guc(const char *name, const char *value)
{
	SetConfigOption(name, value, PGC_POSTMASTER, PGC_S_ARGV);
}

static void
set_startup_gucs(void)
{
	/* a tiny private "shared" memory (see pgb_walredo_main.c) */
	set_guc("huge_pages", "off");
	/* more buffers than one record can touch (see walredo_buffers.c), nothing to spare */
	set_guc("shared_buffers", "64");
	set_guc("max_connections", "1");
	set_guc("autovacuum_max_workers", "1");
#if PG_VERSION_NUM >= 180000
	set_guc("autovacuum_worker_slots", "1");
	set_guc("io_method", "sync");
#endif
	set_guc("max_worker_processes", "0");
	set_guc("max_wal_senders", "0");
	set_guc("max_replication_slots", "0");
	set_guc("max_prepared_transactions", "0");
	set_guc("max_locks_per_transaction", "10");
	set_guc("max_pred_locks_per_transaction", "10");
	set_guc("update_process_title", "off");
	set_guc("fsync", "off");
	set_guc("wal_log_hints", PGB_WALREDO_WAL_LOG_HINTS);
}

/*
 * Modules that register custom resource managers can only do so while shared_preload_libraries
 * are processed (RegisterCustomRmgr checks it), so they are loaded the way the storage fork's
 * walredo loads its rmgr module: before shared memory is sized and before rmgr start-up. The
 * path is absolute for the same reason as in the dispatch shim (v18's $libdir handling).
 */
static void
load_preload_modules(void)
{
	if (&pgb_walredo_preload == NULL)
		return;
	process_shared_preload_libraries_in_progress = true;
	for (const char *const *name = pgb_walredo_preload; *name != NULL; name++)
		load_file(psprintf("%s/%s", pkglib_path, *name), false);
	process_shared_preload_libraries_in_progress = false;
}

static void
start_up(const char *argv0)
{
	sigset_t	none;

	InitStandaloneProcess(argv0);
	InitializeGUCOptions();
	set_startup_gucs();

	/*
	 * Semaphore set-up stat()s the data directory (to seed SysV keys it does not use for POSIX
	 * semaphores); "/" exists in every root. Nothing is ever written there.
	 */
	SetDataDir("/");

	load_preload_modules();

	InitializeMaxBackends();
#if PG_VERSION_NUM >= 180000
	InitPostmasterChildSlots();
	InitializeFastPathLocks();
#endif
#if PG_VERSION_NUM >= 150000
	process_shmem_requests();
	InitializeShmemGUCs();
	CreateSharedMemoryAndSemaphores();
#else
	BaseInit();					/* creates shared memory in a standalone backend */
#endif

	PgStartTime = GetCurrentTimestamp();
	InitProcess();
#if PG_VERSION_NUM >= 150000
	BaseInit();
#endif

	CreateAuxProcessResourceOwner();
	SetProcessingMode(NormalProcessing);

	/* redo routines expect to run in recovery */
	InRecovery = true;
#if PG_VERSION_NUM >= 150000
	RmgrStartup();
#else
	for (int rmid = 0; rmid <= RM_MAX_ID; rmid++)
		if (RmgrTable[rmid].rm_startup != NULL)
			RmgrTable[rmid].rm_startup();
#endif

	reader = XLogReaderAllocate(wal_segment_size, NULL, XL_ROUTINE(.page_read = NULL), NULL);
	if (reader == NULL)
		ereport(FATAL, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	request_context = AllocSetContextCreate(TopMemoryContext, "walredo request",
											ALLOCSET_DEFAULT_SIZES);
#if PG_VERSION_NUM < 150000
	decode_context = AllocSetContextCreate(TopMemoryContext, "walredo decoding",
										   ALLOCSET_DEFAULT_SIZES);
#endif

	/*
	 * The exit callbacks that would detach and remove what is already gone are dropped (the
	 * kernel frees the rest), and signals regain their default actions (InitStandaloneProcess
	 * blocked them).
	 */
	on_exit_reset();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* warm up what error reporting uses, so that it needs no new system calls later */
	(void) strerror(EIO);
	fflush(stderr);
}

/* ---- requests ---- */

static void
expect_length(int type, const StringInfo msg, int len)
{
	if (msg->len != len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("walredo '%c' message has a payload of %d bytes, expected %d",
						type, msg->len, len)));
}

static void
require_target(int type, const PgbBlockTag *tag)
{
	if (!pgb_target_is_set())
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("walredo '%c' message before any 'B' message", type)));
	if (tag != NULL && !pgb_target_matches(tag))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("walredo '%c' message for block %u/%u/%u fork %d blk %u, but the request (B) is for another block",
						type, PGB_REL_SPC(tag->rlocator), PGB_REL_DB(tag->rlocator),
						PGB_REL_REL(tag->rlocator), (int) tag->forknum, tag->blkno)));
}

static void
note_record(XLogRecPtr end_lsn, RmgrId rmid, uint8 info)
{
	pgb_current_record.set = true;
	pgb_current_record.end_lsn = end_lsn;
	pgb_current_record.rmid = (uint8) rmid;
	pgb_current_record.info = info;
#if PG_VERSION_NUM >= 150000
	pgb_current_record.rmgr_name = RmgrIdExists(rmid) ? GetRmgr(rmid).rm_name : NULL;
#else
	pgb_current_record.rmgr_name = rmid <= RM_MAX_ID ? RmgrTable[rmid].rm_name : NULL;
#endif
}

static void
record_error_context(void *arg)
{
	char		text[256];

	if (pgb_describe_record(text, sizeof(text)) > 0)
		errcontext("%s", text);
}

/*
 * A block's data never exceeds a page: redo routines copy it into page-sized stack buffers
 * (a heap tuple into a MaxHeapTupleSize union), so a longer one would overwrite the stack. A
 * partial check only: redo trusts other lengths inside a record; the stack protector and the
 * seccomp filter are what stop an overflow that gets past it.
 */
static void
check_block_data(XLogReaderState *record)
{
	for (int block_id = 0; block_id <= XLogRecMaxBlockId(record); block_id++)
	{
		Size		len = 0;

		if (!XLogRecHasBlockRef(record, block_id))
			continue;
		(void) XLogRecGetBlockData(record, (uint8) block_id, &len);
		if (len > BLCKSZ)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("block %d of the WAL record carries %zu bytes of data, more than a page (%d bytes)",
							block_id, len, BLCKSZ)));
	}
}

static void
apply_record(StringInfo msg)
{
	XLogRecPtr	end_lsn;
	XLogRecord *record;
	uint32		len;
	char	   *errormsg = NULL;
	RmgrId		rmid;

	require_target('A', NULL);
	if (msg->len < (int) (sizeof(uint64) + SizeOfXLogRecord))
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("walredo 'A' message of %d bytes is too short for a WAL record", msg->len)));
	end_lsn = (XLogRecPtr) pgb_parse_u64(msg->data);
	/* 8 bytes into a palloc'd buffer: the record is MAXALIGNed */
	record = (XLogRecord *) (msg->data + sizeof(uint64));
	len = (uint32) msg->len - sizeof(uint64);
	if (record->xl_tot_len != len)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("WAL record length %u does not match the walredo 'A' message (%u bytes)",
						record->xl_tot_len, len)));
	rmid = record->xl_rmid;
	note_record(end_lsn, rmid, record->xl_info);
#if PG_VERSION_NUM >= 150000
	if (!RmgrIdExists(rmid))
#else
	if (rmid > RM_MAX_ID)
#endif
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("WAL record at %X/%X has unknown resource manager ID %u",
						LSN_FORMAT_ARGS(end_lsn), (unsigned) rmid)));

	/* the record's start is not sent; only the end LSN is used by redo routines */
	reader->ReadRecPtr = end_lsn > len ? end_lsn - len : InvalidXLogRecPtr;
	reader->EndRecPtr = end_lsn;
#if PG_VERSION_NUM >= 150000
	{
		DecodedXLogRecord *decoded = palloc(DecodeXLogRecordRequiredSpace(len));

		decoded->oversized = true;
		if (!DecodeXLogRecord(reader, decoded, record, reader->ReadRecPtr, &errormsg))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("could not decode WAL record ending at %X/%X: %s",
							LSN_FORMAT_ARGS(end_lsn), errormsg ? errormsg : "unknown error")));
		decoded->next_lsn = end_lsn;
		reader->record = decoded;
	}
#else
	{
		MemoryContext old = MemoryContextSwitchTo(decode_context);
		bool		ok = DecodeXLogRecord(reader, record, &errormsg);

		MemoryContextSwitchTo(old);
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("could not decode WAL record ending at %X/%X: %s",
							LSN_FORMAT_ARGS(end_lsn), errormsg ? errormsg : "unknown error")));
	}
#endif

	/* A record that does not reference the target block cannot change it: skip it. */
	if (pgb_record_touches_target(reader))
	{
		check_block_data(reader);
		pgb_record_begin();
#if PG_VERSION_NUM >= 150000
		GetRmgr(rmid).rm_redo(reader);
#else
		RmgrTable[rmid].rm_redo(reader);
#endif
		pgb_record_end();
	}
#if PG_VERSION_NUM >= 150000
	reader->record = NULL;
#endif
}

static void
handle_message(int type, StringInfo msg)
{
	PgbBlockTag tag;

	switch (type)
	{
		case 'B':
			expect_length(type, msg, PGB_TAG_SIZE);
			pgb_parse_tag(msg->data, &tag);
			pgb_target_begin(&tag);
			break;
		case 'P':
			expect_length(type, msg, PGB_TAG_SIZE + BLCKSZ);
			pgb_parse_tag(msg->data, &tag);
			require_target(type, &tag);
			pgb_target_push_page(msg->data + PGB_TAG_SIZE);
			break;
		case 'A':
			apply_record(msg);
			break;
		case 'G':
			expect_length(type, msg, PGB_TAG_SIZE);
			pgb_parse_tag(msg->data, &tag);
			require_target(type, &tag);
			pgb_write_page(pgb_target_page());
			break;
		case 'H':
			expect_length(type, msg, 0);
			pgb_write_page(zero_page.data);
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_PROTOCOL_VIOLATION),
					 errmsg("unknown walredo message type 0x%02x", (unsigned) type)));
	}
}

void
WalRedoMain(int argc, char *argv[])
{
	sigjmp_buf	local_sigjmp_buf;
	ErrorContextCallback record_context;
	StringInfoData msg;
	bool		selftest = false;
	int			i;

	/* arguments after --wal-redo: --tenant-shard-id <id> (informational) is ignored */
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--seccomp-selftest") == 0)
			selftest = true;

	if (&pgb_walredo_hooks == NULL)
		ereport(FATAL,
				(errmsg("walredo: this postgres was not linked with the pg-bundle walredo shim"),
				 errhint("Build the bundle with the flags in modules/walredo/link-flags.txt.")));

	start_up(argv[0]);

	MemoryContextSwitchTo(TopMemoryContext);
	initStringInfo(&msg);

	pgb_walredo_hooks = &pgb_walredo_buffer_hooks;
	pgb_report_fatal_signals();
	pgb_close_inherited_fds();
	pgb_enter_seccomp();
	if (selftest)
		pgb_seccomp_selftest();

	/*
	 * Any ERROR ends the process: report it on stderr and exit(1). There is nothing to clean up,
	 * and the caller restarts walredo after an error anyway. sigsetjmp without saving the signal
	 * mask, so that the jump needs no system call.
	 */
	if (sigsetjmp(local_sigjmp_buf, 0) != 0)
	{
		HOLD_INTERRUPTS();
		error_context_stack = NULL;
		EmitErrorReport();
		_exit(1);
	}
	PG_exception_stack = &local_sigjmp_buf;

	/* every error names the record being replayed (its context is collected when it is raised) */
	record_context.callback = record_error_context;
	record_context.previous = NULL;

	for (;;)
	{
		int			type;

		MemoryContextSwitchTo(request_context);
		MemoryContextReset(request_context);
		if (msg.maxlen > PGB_KEEP_BUFFER)
		{
			pfree(msg.data);
			msg.data = MemoryContextAlloc(TopMemoryContext, 1024);
			msg.maxlen = 1024;
		}
		resetStringInfo(&msg);

		type = pgb_read_message(&msg);
		if (type == EOF)
			_exit(0);
		pgb_current_record.set = false;
		error_context_stack = type == 'A' ? &record_context : NULL;
		handle_message(type, &msg);
		error_context_stack = NULL;
	}
}
