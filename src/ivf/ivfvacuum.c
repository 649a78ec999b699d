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
 * src/ivf/ivfvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
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

/* ambulkdelete */
IndexBulkDeleteResult *
ruivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
				IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	RuIvfMetaData meta;
	double		live = 0;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	RuIvfReadMeta(index, &meta);

	for (int list = 0; list < Max(meta.lists, 1); list++)
	{
		int			slot;
		Buffer		dirbuf = ReadBuffer(index, RuIvfListDirBlock(&meta, list, &slot));
		BlockNumber blkno;
		BlockNumber head;
		BlockNumber hint = InvalidBlockNumber;

		LockBuffer(dirbuf, BUFFER_LOCK_SHARE);
		blkno = head = RuIvfListDirHeads(BufferGetPage(dirbuf))[slot];
		UnlockReleaseBuffer(dirbuf);

		while (blkno != InvalidBlockNumber)
		{
			BlockNumber this = blkno;
			bool		room;

			vacuum_delay_point();
			live += vacuum_block(index, &meta, blkno, callback, callback_state, stats, &blkno,
								 &room);
			if (room && this != head && hint == InvalidBlockNumber)
				hint = this;
		}
		if (meta.version >= 4)
			set_hint(index, &meta, list, hint);
	}
	stats->num_index_tuples = live;
	stats->estimated_count = false;
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/* amvacuumcleanup */
IndexBulkDeleteResult *
ruivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
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
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}
