/*-------------------------------------------------------------------------
 *
 * ivfvacuum.c
 *	  VACUUM for ruivf: remove the TIDs of dead rows and compact blocks.
 *
 * Every chain is walked block by block, each block locked exclusively
 * (its pages in ascending order; no other lock is held meanwhile).  In a
 * block of up to RUIVF_MAX_BLOCK_PAGES pages the surviving lanes move down
 * over the dead ones, code columns and TIDs alike, and nlanes shrinks, so
 * later inserts fill the freed lanes.  In a larger block, and in every
 * block of an index with rerank = index (whose scans re-rank by lane
 * position, and whose lanes' vectors would have to move too), the dead
 * lanes' TIDs are set invalid instead (scans skip them, and inserts fill
 * them: ivfinsert.c).  Each changed block is one GenericXLog record.  The
 * first block after a list's head that has free lanes, at its end or
 * freed in place, becomes the list's free-block hint in the directory
 * (ivf.h), where inserts go once the head block is full.  Concurrent scans
 * are safe: they hold TIDs, not lane positions (a re-rank from the index's
 * own vectors checks that the lane still holds its TID, ivfscan.c), and
 * fetch rows with an MVCC snapshot, which never sees a newer row that
 * reuses a dead row's TID.
 *
 * EMPTY BLOCKS
 * A block left without a row (rows deleted in a range, say by age, empty
 * whole blocks of a list) is unlinked from its chain and its pages become
 * FREE, in the free space map, where any list's next new block and the
 * next training take them (ivfinsert.c, ivftrain.c): scans stop reading
 * it, and the file stops growing for rows that go to other lists.  Not a
 * list's head (where its inserts go).  Scans and inserts hold block numbers
 * of a chain without a lock (the next block, a head or a free-block hint
 * read a moment before), and rely on a block never leaving its list while
 * they run; so the unlinking is done with the index to itself
 * (AccessExclusiveLock, only tried, as VACUUM truncates a table:
 * RuIvfLockIndexBriefly), each block the bulk delete found looked at again
 * under the lock.  A hot standby's queries on the index conflict with the
 * lock's replay, as with a table's truncation, so none of them follows a
 * link that is gone either; the standby holds the lock until the VACUUM's
 * transaction ends, and its queries on the index wait meanwhile, so the
 * unlinking comes last, at the end of amvacuumcleanup, after any training.
 * Without the lock the blocks stay in their chains (as they were: correct,
 * and found again by the next VACUUM).  One
 * record unlinks a block and frees its first page; its further pages are
 * freed in the records after it (a crash in between leaves pages that no
 * chain reaches, which the checker allows, ivfcheck.c).  A free-block
 * hint that named an unlinked block moves to the block after it.
 *
 * src/ivf/ivfvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/indexfsm.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf.h"

/* Remove dead lanes from one block; returns the lanes still in use. */
static int
vacuum_block(Relation index, const RuIvfMetaData *meta, BlockNumber blkno,
			 IndexBulkDeleteCallback callback, void *callback_state,
			 IndexBulkDeleteResult *stats, BlockNumber *next, bool *room)
{
	int			ppb = meta->pages_per_block;
	bool		compact = ppb <= RUIVF_MAX_BLOCK_PAGES && meta->vec_pages_per_block == 0;
	int			nlock = compact ? ppb : 1;
	Buffer		bufs[RUIVF_MAX_BLOCK_PAGES];
	Page		page;
	RuIvfPageOpaque opaque;
	ItemPointerData *tids;
	bool		dead[RUIVF_MAX_LANES];
	int			ndead = 0,
				live = 0;

	/* the block's pages in ascending order (only the first for tombstones) */
	for (int k = 0; k < nlock; k++)
	{
		bufs[k] = ReadBufferExtended(index, MAIN_FORKNUM, blkno + k, RBM_NORMAL, NULL);
		LockBuffer(bufs[k], BUFFER_LOCK_EXCLUSIVE);
		RuIvfCheckPage(index, meta, BufferGetPage(bufs[k]), blkno + k,
					   k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
	}
	page = BufferGetPage(bufs[0]);
	opaque = RuIvfPageGetOpaque(page);
	*next = opaque->next;
	tids = RuIvfPageTids(page, meta);
	for (int l = 0; l < opaque->nlanes; l++)
	{
		dead[l] = ItemPointerIsValid(&tids[l]) && callback(&tids[l], callback_state);
		if (dead[l])
			ndead++;
		else if (ItemPointerIsValid(&tids[l]))
			live++;
	}

	if (ndead > 0)
	{
		GenericXLogState *xs = GenericXLogStart(index);
		Page		wpages[RUIVF_MAX_BLOCK_PAGES];
		RuIvfPageOpaque wop;
		ItemPointerData *wtids;

		for (int k = 0; k < nlock; k++)
			wpages[k] = GenericXLogRegisterBuffer(xs, bufs[k], 0);
		wop = RuIvfPageGetOpaque(wpages[0]);
		wtids = RuIvfPageTids(wpages[0], meta);

		if (compact)
		{
			int			to = 0;

			/* slide the lanes in use (valid and not dead) down, on every page */
			for (int l = 0; l < wop->nlanes; l++)
			{
				if (dead[l] || !ItemPointerIsValid(&wtids[l]))
					continue;
				if (to != l)
				{
					RuIvfLaneFactors f = RuIvfGetFactors(wpages[0], meta, l);

					for (int k = 0; k < ppb; k++)
						RuIvfMoveLanePage(wpages[k], meta, l, to);
					wtids[to] = wtids[l];
					RuIvfSetFactors(wpages[0], meta, to, &f);
				}
				to++;
			}
			for (int l = to; l < wop->nlanes; l++)
				ItemPointerSetInvalid(&wtids[l]);
			wop->nlanes = to;
		}
		else
		{
			for (int l = 0; l < wop->nlanes; l++)
				if (dead[l])
					ItemPointerSetInvalid(&wtids[l]);
		}
		GenericXLogFinish(xs);
		stats->tuples_removed += ndead;
	}
	/*
	 * Room for later inserts: fewer rows than lanes, so free lanes at its
	 * end or (blocks not compacted) lanes freed in place, which inserts
	 * fill (ivfinsert.c)
	 */
	*room = live < meta->lanes;
	for (int k = 0; k < nlock; k++)
		UnlockReleaseBuffer(bufs[k]);
	return live;
}

/*
 * Point list's free-block hint (ivf.h) at `hint`, the first block after the
 * head with free lanes, if the directory says otherwise.
 */
static void
set_hint(Relation index, const RuIvfMetaData *meta, int list, BlockNumber hint)
{
	int			slot;
	Buffer		buf = ReadBuffer(index, RuIvfListDirBlock(meta, list, &slot));

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (RuIvfListDirHints(BufferGetPage(buf))[slot] != hint)
	{
		GenericXLogState *xs = GenericXLogStart(index);
		Page		page = GenericXLogRegisterBuffer(xs, buf, 0);

		RuIvfListDirHints(page)[slot] = hint;
		GenericXLogFinish(xs);
	}
	UnlockReleaseBuffer(buf);
}

/* A block VACUUM found empty, and the block before it in its chain. */
typedef struct RuIvfEmptyBlock
{
	int			list;
	BlockNumber prev;
	BlockNumber blkno;
	BlockNumber next;			/* its next block, once unlinked */
	bool		unlinked;
} RuIvfEmptyBlock;

/*
 * The empty blocks a bulk delete pass found, kept for its index's
 * amvacuumcleanup (EMPTY BLOCKS, above), in this backend: both run in the
 * VACUUM's backend and transaction unless the VACUUM is parallel, and then
 * nothing is unlinked anyway.  One entry an index: a VACUUM runs every
 * index's bulk delete before any index's cleanup.  An entry belongs to the
 * transaction that made it (lxid); one left by a VACUUM interrupted by an
 * error is freed by the next bulk delete of another transaction.  Each
 * block is looked at again under the lock, so a stale entry would do no
 * harm either.
 */
typedef struct RuIvfPending
{
	Oid			index;
	uint64		build_id;
	LocalTransactionId lxid;
	bool		complete;		/* the pass finished: blocks[] is all of them */
	RuIvfEmptyBlock *blocks;	/* in TopMemoryContext */
	int			nblocks;
	int			cap;
} RuIvfPending;

static RuIvfPending *pending = NULL;	/* in TopMemoryContext */
static int	npending = 0;
static int	pending_cap = 0;

/* Free entry i of pending[] (the last takes its place). */
static void
forget_pending(int i)
{
	if (pending[i].blocks != NULL)
		pfree(pending[i].blocks);
	pending[i] = pending[--npending];
}

/* This transaction's entry for the index, or NULL. */
static RuIvfPending *
find_pending(Relation index)
{
	for (int i = 0; i < npending; i++)
		if (pending[i].index == RelationGetRelid(index) && pending[i].lxid == MyProc->lxid)
			return &pending[i];
	return NULL;
}

/*
 * A new entry for the index's bulk delete, replacing its earlier one and
 * every entry of another transaction.
 */
static RuIvfPending *
start_pending(Relation index, uint64 build_id)
{
	RuIvfPending *p;

	for (int i = npending - 1; i >= 0; i--)
		if (pending[i].lxid != MyProc->lxid || pending[i].index == RelationGetRelid(index))
			forget_pending(i);
	if (npending == pending_cap)
	{
		pending_cap = Max(4, pending_cap * 2);
		pending = pending == NULL
			? MemoryContextAlloc(TopMemoryContext, sizeof(RuIvfPending) * pending_cap)
			: repalloc(pending, sizeof(RuIvfPending) * pending_cap);
	}
	p = &pending[npending++];
	memset(p, 0, sizeof(RuIvfPending));
	p->index = RelationGetRelid(index);
	p->build_id = build_id;
	p->lxid = MyProc->lxid;
	return p;
}

/*
 * Whether this VACUUM will try to unlink empty blocks of generation
 * build_id of the index at its end (its training decision counts the
 * chains without them, ivftrain.c).
 */
bool
RuIvfEmptyBlocksPending(Relation index, uint64 build_id)
{
	RuIvfPending *p = find_pending(index);

	return p != NULL && p->complete && p->build_id == build_id && p->nblocks > 0;
}

/* Whether the locked first page of a block has no lane in use. */
static bool
block_is_empty(const RuIvfMetaData *meta, Page page)
{
	ItemPointerData *tids = RuIvfPageTids(page, meta);

	for (int l = 0; l < RuIvfPageGetOpaque(page)->nlanes; l++)
		if (ItemPointerIsValid(&tids[l]))
			return false;
	return true;
}

/*
 * Unlink block e->blkno from its chain, after block `prev`, and free its
 * pages (EMPTY BLOCKS, above), if the chain still links them and the block
 * is still empty.  The caller holds the index exclusively.  Lock order:
 * `prev`'s first page, then the block's pages in ascending order.  Returns
 * the pages freed.
 */
static int
unlink_block(Relation index, const RuIvfMetaData *meta, BlockNumber prev, RuIvfEmptyBlock *e)
{
	int			npages = meta->pages_per_block + meta->vec_pages_per_block;
	Buffer		pbuf;
	Buffer		bufs[4];
	Page		page;
	GenericXLogState *xs;
	int			done;

	pbuf = ReadBuffer(index, prev);
	LockBuffer(pbuf, BUFFER_LOCK_EXCLUSIVE);
	RuIvfCheckPage(index, meta, BufferGetPage(pbuf), prev, RUIVF_PAGE_DATA);
	if (RuIvfPageGetOpaque(BufferGetPage(pbuf))->next != e->blkno)
	{
		UnlockReleaseBuffer(pbuf);
		return 0;
	}
	bufs[0] = ReadBuffer(index, e->blkno);
	LockBuffer(bufs[0], BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(bufs[0]);
	RuIvfCheckPage(index, meta, page, e->blkno, RUIVF_PAGE_DATA);
	if (!block_is_empty(meta, page))
	{
		UnlockReleaseBuffer(bufs[0]);
		UnlockReleaseBuffer(pbuf);
		return 0;
	}
	e->next = RuIvfPageGetOpaque(page)->next;

	/* one record: the link around it, its first page and up to two more */
	done = Min(npages, 3);
	for (int k = 1; k < done; k++)
	{
		bufs[k] = ReadBuffer(index, e->blkno + k);
		LockBuffer(bufs[k], BUFFER_LOCK_EXCLUSIVE);
	}
	xs = GenericXLogStart(index);
	RuIvfPageGetOpaque(GenericXLogRegisterBuffer(xs, pbuf, 0))->next = e->next;
	for (int k = 0; k < done; k++)
		RuIvfInitFreePage(GenericXLogRegisterBuffer(xs, bufs[k], GENERIC_XLOG_FULL_IMAGE));
	GenericXLogFinish(xs);
	for (int k = 0; k < done; k++)
		UnlockReleaseBuffer(bufs[k]);
	UnlockReleaseBuffer(pbuf);

	/* the rest of its pages (further code pages, vector pages), four a record */
	while (done < npages)
	{
		int			n = Min(npages - done, 4);

		for (int k = 0; k < n; k++)
		{
			bufs[k] = ReadBuffer(index, e->blkno + done + k);
			LockBuffer(bufs[k], BUFFER_LOCK_EXCLUSIVE);
		}
		xs = GenericXLogStart(index);
		for (int k = 0; k < n; k++)
			RuIvfInitFreePage(GenericXLogRegisterBuffer(xs, bufs[k], GENERIC_XLOG_FULL_IMAGE));
		GenericXLogFinish(xs);
		for (int k = 0; k < n; k++)
			UnlockReleaseBuffer(bufs[k]);
		done += n;
	}
	for (int k = 0; k < npages; k++)
		RecordFreeIndexPage(index, e->blkno + k);
	e->unlinked = true;
	return npages;
}

/*
 * Unlink the empty blocks the pass found (EMPTY BLOCKS, above), in chain
 * order, a list at a time, if the index can be had to itself; then move
 * any free-block hint that named one of them.
 */
static void
unlink_empty_blocks(Relation index, const RuIvfMetaData *meta, RuIvfEmptyBlock *e, int n,
					IndexBulkDeleteResult *stats)
{
	RuIvfMetaData now;
	double		freed = 0;

	if (n == 0 || !RuIvfLockIndexBriefly(index))
		return;
	RuIvfReadMeta(index, &now);
	if (now.build_id != meta->build_id || now.closing)
	{
		UnlockRelation(index, AccessExclusiveLock);
		return;
	}
	for (int first = 0; first < n;)
	{
		int			list = e[first].list;
		int			end = first;
		int			slot;
		Buffer		dirbuf;
		BlockNumber hint;

		while (end < n && e[end].list == list)
			end++;
		for (int i = first; i < end; i++)
		{
			BlockNumber prev = e[i].prev;

			CHECK_FOR_INTERRUPTS();
			/* the block before it may have gone too: the one before that */
			for (int j = i - 1; j >= first; j--)
				if (e[j].unlinked && e[j].blkno == prev)
					prev = e[j].prev;
			e[i].prev = prev;
			freed += unlink_block(index, meta, prev, &e[i]);
		}
		/* a hint that named an unlinked block names the block after it */
		dirbuf = ReadBuffer(index, RuIvfListDirBlock(meta, list, &slot));
		LockBuffer(dirbuf, BUFFER_LOCK_SHARE);
		hint = RuIvfListDirHints(BufferGetPage(dirbuf))[slot];
		UnlockReleaseBuffer(dirbuf);
		for (int i = first; i < end; i++)
			if (e[i].unlinked && e[i].blkno == hint)
				hint = e[i].next;
		set_hint(index, meta, list, hint);
		first = end;
	}
	UnlockRelation(index, AccessExclusiveLock);
	if (freed > 0)
	{
		IndexFreeSpaceMapVacuum(index);
		stats->pages_newly_deleted += (BlockNumber) freed;
		stats->pages_deleted += (BlockNumber) freed;
		stats->pages_free += (BlockNumber) freed;
		elog(DEBUG1, "ruivf index \"%s\": %.0f pages of empty blocks unlinked and freed",
			 RelationGetRelationName(index), freed);
	}
}

/* ambulkdelete */
IndexBulkDeleteResult *
ruivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	RuIvfMetaData meta;
	double		live = 0;
	RuIvfPending *p;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	RuIvfReadMeta(index, &meta);

	/*
	 * The empty blocks are gathered straight into the index's entry kept
	 * for amvacuumcleanup (EMPTY BLOCKS, above), in TopMemoryContext; it
	 * counts only once the pass is complete, and a pass interrupted by an
	 * error leaves it for the next to free.
	 */
	p = start_pending(index, meta.build_id);

	for (int list = 0; list < Max(meta.lists, 1); list++)
	{
		int			slot;
		Buffer		dirbuf = ReadBuffer(index, RuIvfListDirBlock(&meta, list, &slot));
		BlockNumber blkno;
		BlockNumber head;
		BlockNumber prev = InvalidBlockNumber;
		BlockNumber hint = InvalidBlockNumber;

		LockBuffer(dirbuf, BUFFER_LOCK_SHARE);
		blkno = head = RuIvfListDirHeads(BufferGetPage(dirbuf))[slot];
		UnlockReleaseBuffer(dirbuf);

		while (blkno != InvalidBlockNumber)
		{
			BlockNumber this = blkno;
			bool		room;
			int			kept;

			vacuum_delay_point();
			kept = vacuum_block(index, &meta, blkno, callback, callback_state, stats, &blkno,
								&room);
			live += kept;
			if (room && this != head && hint == InvalidBlockNumber)
				hint = this;
			/* empty, and not the head: to be unlinked (EMPTY BLOCKS, above) */
			if (kept == 0 && this != head && meta.version >= 4)
			{
				RuIvfEmptyBlock *e;

				if (p->nblocks == p->cap)
				{
					p->cap = Max(64, p->cap * 2);
					p->blocks = p->blocks == NULL
						? MemoryContextAlloc(TopMemoryContext, sizeof(RuIvfEmptyBlock) * p->cap)
						: repalloc(p->blocks, sizeof(RuIvfEmptyBlock) * p->cap);
				}
				e = &p->blocks[p->nblocks++];
				e->list = list;
				e->prev = prev;
				e->blkno = this;
				e->next = InvalidBlockNumber;
				e->unlinked = false;
			}
			prev = this;
		}
		if (meta.version >= 4)
			set_hint(index, &meta, list, hint);
	}
	/* for amvacuumcleanup, at the end of the VACUUM (EMPTY BLOCKS, above) */
	if (p->nblocks > 0 && RuIvfMayLockIndex(index))
		p->complete = true;
	else
		forget_pending(p - pending);
	stats->num_index_tuples = live;
	stats->estimated_count = false;
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/* amvacuumcleanup */
IndexBulkDeleteResult *
ruivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	RuIvfPending *p;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
	{
		/* no bulkdelete pass ran: report an estimate */
		stats = palloc0(sizeof(IndexBulkDeleteResult));
		stats->num_index_tuples = info->num_heap_tuples;
		stats->estimated_count = true;
	}
	/* a growing table's index trains its lists again here (ivftrain.c) */
	RuIvfTrainAfterVacuum(info->index, stats);

	/*
	 * Then the empty blocks the bulk delete found, last, so that a hot
	 * standby, whose queries on the index wait for the lock from its replay
	 * to the end of this VACUUM's transaction, waits for little else.  (A
	 * training just now replaced the generation they were in: the build
	 * differs, and they are left.)
	 */
	p = find_pending(info->index);
	if (p != NULL && p->complete)
	{
		RuIvfMetaData meta;

		RuIvfReadMeta(info->index, &meta);
		if (meta.build_id == p->build_id)
			unlink_empty_blocks(info->index, &meta, p->blocks, p->nblocks, stats);
	}
	if (p != NULL)
		forget_pending(p - pending);
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
