/*
 * pg-bundle walredo: the interface between the link-time wrappers (runtime/pgb_walredo_main.c,
 * linked into the static postgres unrenamed) and the pg_bundle_walredo module.
 *
 * The static postgres is linked with -Wl,--wrap=<fn> for the functions below (see link-flags.txt).
 * Every wrapper calls the real function unless the walredo module has installed its hooks, which it
 * does only in a `postgres --wal-redo` process. Compiled against the headers of the tree being
 * bundled, so the types are that version's.
 */
#ifndef PGB_WALREDO_HOOKS_H
#define PGB_WALREDO_HOOKS_H

#include "access/xlogreader.h"
#include "access/xlogutils.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#if PG_VERSION_NUM >= 160000
#include "storage/relfilelocator.h"
typedef RelFileLocator PgbRelFile;
#else
#include "storage/relfilenode.h"
typedef RelFileNode PgbRelFile;
#endif

typedef struct PgbWalRedoHooks
{
	/* XLogReadBufferForRedo, XLogReadBufferForRedoExtended and XLogInitBufferForRedo */
	XLogRedoAction (*read_for_redo) (XLogReaderState *record, uint8 block_id,
									 ReadBufferMode mode, bool get_cleanup_lock,
									 Buffer *buf);
	/* XLogReadBufferExtended (the recent_buffer hint of v15+ is ignored) */
	Buffer		(*read_buffer) (PgbRelFile rlocator, ForkNumber forknum,
								BlockNumber blkno, ReadBufferMode mode);
	/* visibilitymap_pin */
	void		(*vm_pin) (Relation rel, BlockNumber heapBlk, Buffer *vmbuf);
} PgbWalRedoHooks;

/*
 * Defined by the shim; NULL except in a walredo process. The module refers to it weakly, so that a
 * build of the module loaded into a postgres without the shim fails with a clear message instead of
 * an unresolved symbol.
 */
extern PGDLLIMPORT const PgbWalRedoHooks *pgb_walredo_hooks;

/* Signature of the module's entry point, looked up with load_external_function(). */
typedef void (*PgbWalRedoMainFn) (int argc, char *argv[]);

#define PGB_WALREDO_LIBRARY "pg_bundle_walredo"	/* in $libdir */
#define PGB_WALREDO_ENTRY "WalRedoMain"

#endif							/* PGB_WALREDO_HOOKS_H */
