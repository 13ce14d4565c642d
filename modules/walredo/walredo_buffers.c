/*
 * pg_bundle_walredo: the pages redo routines see.
 *
 * The target block of the current request (B) lives in private memory between records. While one
 * record is replayed, the redo routines reach blocks only through the wrapped entry points
 * (pgb_walredo_hooks.h), which this file implements:
 *
 *  - the target block: a shared buffer is created with RBM_ZERO_AND_[CLEANUP_]LOCK (no storage
 *    I/O), loaded with the private page, and handed out with the same locking, LSN check and
 *    full-page-image restore as upstream's XLogReadBufferForRedoExtended();
 *  - any other block: a zeroed, locked scratch buffer carrying the block's real tag, reported as
 *    BLK_DONE ("already up to date"), so the redo routine leaves it alone but can still ask for
 *    its block number (brin_xlog_insert_update stores BufferGetBlockNumber() of block 0 in the
 *    revmap page, block 1); where redo code writes into such a page (a block the record
 *    initialises, a full-page image xlog_redo insists on restoring, a visibility-map page) it
 *    gets the same kind of scratch buffer. No storage I/O in any case.
 *
 * After the record the target page is copied back to private memory and every buffer the record
 * used is dropped (DropDatabaseBuffers: invalidated without writing). Buffers are only ever taken
 * from the free list, and the pool (shared_buffers = 64) is larger than what one record can touch
 * (at most XLR_MAX_BLOCK_ID + 1 blocks plus visibility-map pages), so nothing is ever evicted and
 * nothing is ever written to a relation file: the process needs no data files at all.
 */
#include "walredo.h"

#include "access/visibilitymap.h"
#include "access/xlogrecord.h"
#include "access/xlogutils.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "utils/rel.h"

/* visibilitymap.c's private geometry (unchanged since 9.6) */
#ifndef BITS_PER_HEAPBLOCK
#define BITS_PER_HEAPBLOCK 2
#endif
#define PGB_VM_MAPSIZE (BLCKSZ - MAXALIGN(SizeOfPageHeaderData))
#define PGB_VM_HEAPBLOCKS_PER_PAGE (PGB_VM_MAPSIZE * (BITS_PER_BYTE / BITS_PER_HEAPBLOCK))

#define PGB_MAX_DBS (XLR_MAX_BLOCK_ID + 4)

typedef struct PgbTarget
{
	bool		set;			/* a B message has been received */
	PgbBlockTag tag;
	bool		have_page;		/* page holds an image (pushed or produced by redo) */
	PGAlignedBlock page;

	/* the current record */
	Buffer		buffer;			/* shared buffer holding the target, or InvalidBuffer */
	Oid			dbs[PGB_MAX_DBS];	/* databases of all buffers created */
	int			ndbs;
} PgbTarget;

static PgbTarget target;

/* ---- target state ---- */

void
pgb_target_begin(const PgbBlockTag *tag)
{
	target.set = true;
	target.tag = *tag;
	target.have_page = false;
	memset(target.page.data, 0, BLCKSZ);
	target.buffer = InvalidBuffer;
	target.ndbs = 0;
}

bool
pgb_target_is_set(void)
{
	return target.set;
}

static bool
is_target(PgbRelFile rlocator, ForkNumber forknum, BlockNumber blkno)
{
	return target.set &&
		blkno == target.tag.blkno &&
		forknum == target.tag.forknum &&
		PGB_REL_REL(rlocator) == PGB_REL_REL(target.tag.rlocator) &&
		PGB_REL_DB(rlocator) == PGB_REL_DB(target.tag.rlocator) &&
		PGB_REL_SPC(rlocator) == PGB_REL_SPC(target.tag.rlocator);
}

bool
pgb_target_matches(const PgbBlockTag *tag)
{
	return is_target(tag->rlocator, tag->forknum, tag->blkno);
}

void
pgb_target_push_page(const char *page)
{
	memcpy(target.page.data, page, BLCKSZ);
	target.have_page = true;
}

const PgbBlockTag *
pgb_target_tag(void)
{
	return &target.tag;
}

const char *
pgb_target_page(void)
{
	return target.page.data;
}

static bool
get_block_tag(XLogReaderState *record, uint8 block_id, PgbRelFile *rlocator,
			  ForkNumber *forknum, BlockNumber *blkno)
{
#if PG_VERSION_NUM >= 150000
	Buffer		prefetch_buffer;

	return XLogRecGetBlockTagExtended(record, block_id, rlocator, forknum, blkno,
									  &prefetch_buffer);
#else
	return XLogRecGetBlockTag(record, block_id, rlocator, forknum, blkno);
#endif
}

static uint8
block_flags(XLogReaderState *record, uint8 block_id)
{
#if PG_VERSION_NUM >= 150000
	return XLogRecGetBlock(record, block_id)->flags;
#else
	return record->blocks[block_id].flags;
#endif
}

bool
pgb_record_touches_target(XLogReaderState *record)
{
	int			block_id;

	for (block_id = 0; block_id <= XLogRecMaxBlockId(record); block_id++)
	{
		PgbRelFile	rlocator;
		ForkNumber	forknum;
		BlockNumber blkno;

		if (!XLogRecHasBlockRef(record, block_id))
			continue;
		if (get_block_tag(record, (uint8) block_id, &rlocator, &forknum, &blkno) &&
			is_target(rlocator, forknum, blkno))
			return true;
	}
	return false;
}

/* ---- per record ---- */

void
pgb_record_begin(void)
{
	target.buffer = InvalidBuffer;
	target.ndbs = 0;
}

static void
note_database(Oid db)
{
	int			i;

	for (i = 0; i < target.ndbs; i++)
		if (target.dbs[i] == db)
			return;
	if (target.ndbs == PGB_MAX_DBS)
		elog(ERROR, "walredo: a record touches more than %d databases", PGB_MAX_DBS);
	target.dbs[target.ndbs++] = db;
}

void
pgb_record_end(void)
{
	int			i;

	if (BufferIsValid(target.buffer))
	{
		memcpy(target.page.data, BufferGetPage(target.buffer), BLCKSZ);
		target.have_page = true;
		target.buffer = InvalidBuffer;
	}
	/* drop, without writing, every buffer this record created (they are all unpinned now) */
	for (i = 0; i < target.ndbs; i++)
		DropDatabaseBuffers(target.dbs[i]);
	target.ndbs = 0;
}

/* ---- buffers ---- */

static Buffer
zeroed_locked_buffer(PgbRelFile rlocator, ForkNumber forknum, BlockNumber blkno, bool cleanup)
{
	ReadBufferMode mode = cleanup ? RBM_ZERO_AND_CLEANUP_LOCK : RBM_ZERO_AND_LOCK;

	note_database(PGB_REL_DB(rlocator));
#if PG_VERSION_NUM >= 150000
	return ReadBufferWithoutRelcache(rlocator, forknum, blkno, mode, NULL, true);
#else
	return ReadBufferWithoutRelcache(rlocator, forknum, blkno, mode, NULL);
#endif
}

/* The target's buffer, locked (exclusively or for cleanup), loaded on first use in a record. */
static Buffer
target_buffer(bool cleanup, bool zero)
{
	Buffer		buf = zeroed_locked_buffer(target.tag.rlocator, target.tag.forknum,
										   target.tag.blkno, cleanup);

	if (!BufferIsValid(target.buffer))
	{
		target.buffer = buf;
		if (target.have_page && !zero)
			memcpy(BufferGetPage(buf), target.page.data, BLCKSZ);
		else
			memset(BufferGetPage(buf), 0, BLCKSZ);
	}
	else
	{
		if (buf != target.buffer)
			elog(ERROR, "walredo: the target block moved to another buffer within a record");
		if (zero)
			memset(BufferGetPage(buf), 0, BLCKSZ);
	}
	return buf;
}

/* Whether the target page has never been initialised (what upstream treats as "not found"). */
static bool
target_is_new(void)
{
	if (BufferIsValid(target.buffer))
		return PageIsNew(BufferGetPage(target.buffer));
	return !target.have_page || PageIsNew((Page) target.page.data);
}

static XLogRedoAction
hook_read_for_redo(XLogReaderState *record, uint8 block_id, ReadBufferMode mode,
				   bool get_cleanup_lock, Buffer *buf)
{
	XLogRecPtr	lsn = record->EndRecPtr;
	PgbRelFile	rlocator;
	ForkNumber	forknum;
	BlockNumber blkno;
	bool		zeromode;
	bool		willinit;
	Page		page;

	if (!get_block_tag(record, block_id, &rlocator, &forknum, &blkno))
		elog(ERROR, "failed to locate backup block with ID %d in WAL record", block_id);

	zeromode = (mode == RBM_ZERO_AND_LOCK || mode == RBM_ZERO_AND_CLEANUP_LOCK);
	willinit = (block_flags(record, block_id) & BKPBLOCK_WILL_INIT) != 0;
	if (willinit && !zeromode)
		elog(ERROR, "block with WILL_INIT flag in WAL record must be zeroed by redo routine");
	if (!willinit && zeromode)
		elog(ERROR, "block to be initialized in redo routine must be marked with WILL_INIT flag in the WAL record");

	if (!is_target(rlocator, forknum, blkno))
	{
		/* xlog_redo requires BLK_RESTORED for every image of an XLOG_FPI record */
		if (XLogRecBlockImageApply(record, block_id))
		{
			*buf = zeroed_locked_buffer(rlocator, forknum, blkno, get_cleanup_lock);
			return BLK_RESTORED;
		}
		/* redo routines write into pages they initialise without looking at the result */
		if (zeromode)
		{
			*buf = zeroed_locked_buffer(rlocator, forknum, blkno,
										mode == RBM_ZERO_AND_CLEANUP_LOCK);
			return BLK_NEEDS_REDO;
		}
		/*
		 * Not the concern of this request: "already up to date". A valid buffer (not
		 * InvalidBuffer) because some redo routines read the block number of every block
		 * they were handed.
		 */
		*buf = zeroed_locked_buffer(rlocator, forknum, blkno, get_cleanup_lock);
		return BLK_DONE;
	}

	if (XLogRecBlockImageApply(record, block_id))
	{
		*buf = target_buffer(get_cleanup_lock, true);
		page = BufferGetPage(*buf);
		if (!RestoreBlockImage(record, block_id, page))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg_internal("%s", record->errormsg_buf)));
		if (!PageIsNew(page))
			PageSetLSN(page, lsn);
		MarkBufferDirty(*buf);
		return BLK_RESTORED;
	}

	if (zeromode)
		*buf = target_buffer(mode == RBM_ZERO_AND_CLEANUP_LOCK, true);
	else
	{
		/* upstream: a page beyond the end of the relation, or never initialised */
		if ((mode == RBM_NORMAL || mode == RBM_NORMAL_NO_LOG) && target_is_new())
		{
			*buf = InvalidBuffer;
			return BLK_NOTFOUND;
		}
		*buf = target_buffer(get_cleanup_lock, false);
	}
	if (lsn <= PageGetLSN(BufferGetPage(*buf)))
		return BLK_DONE;
	return BLK_NEEDS_REDO;
}

static Buffer
hook_read_buffer(PgbRelFile rlocator, ForkNumber forknum, BlockNumber blkno, ReadBufferMode mode)
{
	bool		zeromode = (mode == RBM_ZERO_AND_LOCK || mode == RBM_ZERO_AND_CLEANUP_LOCK);
	Buffer		buf;

	if (is_target(rlocator, forknum, blkno))
	{
		if ((mode == RBM_NORMAL || mode == RBM_NORMAL_NO_LOG) && target_is_new())
			return InvalidBuffer;
		buf = target_buffer(mode == RBM_ZERO_AND_CLEANUP_LOCK, zeromode);
	}
	else if (zeromode || mode == RBM_ZERO_ON_ERROR)
		buf = zeroed_locked_buffer(rlocator, forknum, blkno, mode == RBM_ZERO_AND_CLEANUP_LOCK);
	else
		return InvalidBuffer;
	if (!zeromode)
		LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	return buf;
}

static void
hook_vm_pin(Relation rel, BlockNumber heapBlk, Buffer *vmbuf)
{
	BlockNumber mapBlock = heapBlk / PGB_VM_HEAPBLOCKS_PER_PAGE;
	PgbRelFile	rlocator = PGB_RELATION_FILE(rel);
	Buffer		buf;

	if (BufferIsValid(*vmbuf))
	{
		if (BufferGetBlockNumber(*vmbuf) == mapBlock)
			return;
		ReleaseBuffer(*vmbuf);
	}
	if (is_target(rlocator, VISIBILITYMAP_FORKNUM, mapBlock))
	{
		buf = target_buffer(false, false);
		/* as vm_readbuf() does for a page read as zeros */
		if (PageIsNew(BufferGetPage(buf)))
			PageInit(BufferGetPage(buf), BLCKSZ, 0);
	}
	else
		buf = zeroed_locked_buffer(rlocator, VISIBILITYMAP_FORKNUM, mapBlock, false);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	*vmbuf = buf;
}

const PgbWalRedoHooks pgb_walredo_buffer_hooks = {
	.read_for_redo = hook_read_for_redo,
	.read_buffer = hook_read_buffer,
	.vm_pin = hook_vm_pin,
};
