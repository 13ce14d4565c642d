/*
 * pg_bundle_walredo: internal declarations.
 */
#ifndef PGB_WALREDO_H
#define PGB_WALREDO_H

#include "postgres.h"

#include "access/xlogreader.h"
#include "common/relpath.h"
#include "lib/stringinfo.h"
#include "storage/block.h"

#include "pgb_walredo_hooks.h"

#if PG_VERSION_NUM >= 160000
#define PGB_REL_SPC(r) ((r).spcOid)
#define PGB_REL_DB(r) ((r).dbOid)
#define PGB_REL_REL(r) ((r).relNumber)
#define PGB_RELATION_FILE(rel) ((rel)->rd_locator)
#else
#define PGB_REL_SPC(r) ((r).spcNode)
#define PGB_REL_DB(r) ((r).dbNode)
#define PGB_REL_REL(r) ((r).relNode)
#define PGB_RELATION_FILE(rel) ((rel)->rd_node)
#endif

#if PG_VERSION_NUM < 150000
/* v15 added the accessor; v14's decoded record keeps the field in the reader state itself */
#define XLogRecMaxBlockId(decoder) ((decoder)->max_block_id)
#endif

/* ---- protocol (walredo_protocol.c) ---- */

/* Sizes on the wire: 1 type byte, then a big-endian u32 length that counts itself. */
#define PGB_TAG_SIZE 17			/* forknum u8, spc u32, db u32, rel u32, blk u32 */
#define PGB_LEN_SIZE 4

typedef struct PgbBlockTag
{
	PgbRelFile	rlocator;
	ForkNumber	forknum;
	BlockNumber blkno;
} PgbBlockTag;

/* Reads the next message; returns its type byte, or EOF at a clean end of input. */
extern int	pgb_read_message(StringInfo payload);
extern void pgb_parse_tag(const char *data, PgbBlockTag *tag);
extern uint64 pgb_parse_u64(const char *data);
extern void pgb_write_page(const char *page);

/* ---- buffers (walredo_buffers.c) ---- */

extern const PgbWalRedoHooks pgb_walredo_buffer_hooks;

extern void pgb_target_begin(const PgbBlockTag *tag);
extern bool pgb_target_is_set(void);
extern bool pgb_target_matches(const PgbBlockTag *tag);
extern void pgb_target_push_page(const char *page);
extern const char *pgb_target_page(void);
extern const PgbBlockTag *pgb_target_tag(void);
extern bool pgb_record_touches_target(XLogReaderState *record);
extern void pgb_record_begin(void);
extern void pgb_record_end(void);

/* ---- sandbox (walredo_sandbox.c) ---- */

extern void pgb_close_inherited_fds(void);
extern void pgb_enter_seccomp(void);
extern void pgb_report_fatal_signals(void);

/*
 * The record being replayed, for error messages and crash reports. Only its fields are set per
 * record (cheap); the text is made when it is needed, by pgb_describe_record, which is
 * async-signal-safe (the crash handlers call it).
 */
typedef struct PgbCurrentRecord
{
	bool		set;
	XLogRecPtr	end_lsn;
	const char *rmgr_name;
	uint8		rmid;
	uint8		info;
} PgbCurrentRecord;

extern PgbCurrentRecord pgb_current_record;
extern size_t pgb_describe_record(char *buf, size_t size);
extern void pgb_seccomp_selftest(void);	/* does not return */

#endif							/* PGB_WALREDO_H */
