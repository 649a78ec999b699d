/*-------------------------------------------------------------------------
 *
 * ivftrain.c
 *	  Online training of a ruivf index: an index created on an empty or
 *	  small table trains its lists once the table has grown, and trains
 *	  them again as the table keeps growing, with no REINDEX.
 *
 * GENERATIONS
 * A training writes a complete new set of lists (centroids, code
 * parameters, list directory, data blocks: a "generation") on new blocks
 * beside the current one, and then switches the metapage to it in one
 * WAL record.  The rows come from the current generation: its TIDs, each
 * row's value read from the table (SnapshotAny: every row the index holds,
 * live, dead or in progress, keeps its entry; the value of an expression
 * index is the expression evaluated on the row).  The build's own code
 * (ivfbuild.c, RuIvfBuildGeneration) samples, runs k-means, chooses
 * `lists` from the row count as CREATE INDEX does, and writes the lists;
 * every page it writes is logged as a full image.  Until the switch no
 * chain reaches those pages, so a crash or an error leaves the current
 * generation as it was, with unreachable pages above meta->pending_from.
 *
 * THE SWITCH, WITHOUT LOSING A CONCURRENT INSERT
 * Inserts go on into the current generation while the new one is built.
 * Then the training sets meta->closing: an insert checks the metapage
 * after it has locked the block (or the directory page) it writes to, and
 * one that finds the index closing, or switched, lets go and waits for the
 * training (RuIvfWaitForTraining), then inserts into the new generation.
 * With closing set, the training walks the current generation again and
 * copies the lanes added since its pass (an insert that saw no closing
 * still holds its block's lock, and the training's walk waits for it),
 * writes the last blocks, and switches.  Inserts wait for the copy of the
 * rows added during the training only, not for the training.  Scans never
 * wait: one that started before the switch reads the old generation to its
 * end (RuIvfGetState keys the metapage's contents by build_id), and no
 * page of it changes after the switch.
 *
 * RETIRED BLOCKS
 * The switch lists every block below the block count that the new
 * generation does not use (the old generation, and whatever an interrupted
 * training left) as ranges on RETIRED pages named by the metapage, with
 * the transaction ID horizon at the switch (retired_xid).  The index
 * checker allows them unreached.  A VACUUM after the horizon has passed
 * frees them (FREE pages in the free space map, for inserts and the next
 * training), and truncates the file when free pages make its end: the next
 * training writes on the older generation's blocks, so every other
 * training leaves the newer one's at the end.
 *
 * SPLITS (ruvector.split_lists, on by default: on 1,000,000 rows with a
 * tenth drifted a split took half a whole training's time, its queries at
 * 0.98-1.08x the training's codes; where half the data moved each cycle it
 * saved nothing, hence RUIVF_SPLIT_ROWS_MAX; docs/how-ruivf-works.md)
 * When the rows drift rather than grow (new rows all near a few lists,
 * the old ones deleted), VACUUM finds a few lists far longer than the
 * others and can split them instead of training every list: a split is a
 * generation too, written and switched in as above, but only the long
 * lists are clustered anew: their rows (read from the table) by k-means,
 * first into as many parts of the others' mean length as they hold; then
 * the rows of other lists nearer to one of those parts than to their own
 * list join them (rows that drifted went to whichever lists were nearest
 * to them when they came, around the long lists and beyond: at 1,000,000
 * rows as many as the long lists held), and both are clustered into as
 * many lists as they fill at the length a build gives its lists; the first
 * parts take the long lists' numbers, the others come after the last list.
 * A split also dissolves the lists left nearly empty (under
 * RUIVF_MERGE_FRACTION of the mean rows: the rows moved away from them),
 * so that the lists do not only grow in number.  Every other list keeps
 * its centroid, and the code parameters and rotation stay, so its lanes are
 * copied into the new blocks as they are (codes, factors, TIDs, vectors),
 * without reading the table or ranking centroids (RuIvfBuildSplit); but
 * for the lanes whose rows may now be nearer to a new list: a lane farther
 * from its list's centroid than half the distance from that centroid to
 * the nearest new one (a binary code's factor is that distance, an SQ
 * code's decoded value bounds it with its coding error).  Drifting rows
 * went to whichever lists were nearest to them, and a row left in a list
 * far from it is one that queries near it rank late (in a 1,000,000-row
 * drift bench, recall 0.45 there at the learned depth when only the 8
 * lists nearest to each split one were re-homed).  By the triangle inequality no other lane has a new
 * list nearer, so every row that may have to move is moved (and some that
 * need not).  The rows of the split and dissolved lists and of those lanes
 * are read from the table and go to their nearest list of the new
 * generation; so do the rows inserted meanwhile, as in a training.  The
 * depth learned for the recall targets is kept, and learned again from the
 * rows clustered (the larger of the two).  The index is trained whole
 * instead when over RUIVF_SPLIT_ROWS_MAX of the rows would move (the
 * long lists' and those joining them: the data moved as a whole) or the split would leave over
 * RUIVF_SPLIT_LISTS_MAX times the lists a build would make.  8-bit codes
 * are not residuals: when the long lists' rows drifted outside the range
 * those codes were trained for (their coding errors, against the
 * quantization's own, say so), the index is trained whole instead, and
 * learns the range anew.
 *
 * WHEN (measured on fashion-mnist and 1536-d embeddings: see docs/TUNING.md)
 *	- an index built empty (lists 0) trains at RUIVF_TRAIN_MIN_ROWS rows;
 *	- a trained one again each time its rows reach RUIVF_RETRAIN_GROWTH
 *	  times those it was trained with (the default `lists` grows with the
 *	  rows; with the option set, until k-means has its full sample, 20 rows
 *	  per list), from an insert up to RUIVF_INSERT_RETRAIN_MAX rows,
 *	  beyond that from VACUUM (amvacuumcleanup, so autovacuum too), whose
 *	  insert threshold triggers it on a growing table;
 *	- VACUUM trains anew when one list is RUIVF_IMBALANCE times the other
 *	  lists' mean and RUIVF_LIST_GROWTH times the longest at the last
 *	  training (it splits the long lists instead: SPLITS, unless
 *	  ruvector.split_lists is off), when the blocks are half empty, and
 *	  when the rows drifted away from the centroids (DRIFT, below);
 *	- ruvector_index_maintain(index) trains it now.
 * An insert that trains does it in a subtransaction: an error in the
 * training (say, memory) is reported as a WARNING and the insert goes on.
 *
 * DRIFT (on-disk version 8)
 * Data whose distribution moves (old rows deleted by age, new ones
 * elsewhere) need not make any list long: the new rows spread over the
 * lists nearest to them, VACUUM frees the blocks the old ones leave
 * (ivfvacuum.c), and the index keeps its size while its centroids lie ever
 * farther from its rows: the new rows crowd the few lists at the edge
 * nearest to them, and every query near them reads those (100,000 x 128
 * rows, half replaced each cycle by rows shifted one unit further in every
 * dimension, queries shifted alike: 778, 307, 233, 143 queries a second
 * over four cycles, a fresh build 1,850).  A
 * training records how far held-out rows lie from their nearest centroid
 * (meta->trained_residual, the mean squared distance, ivflearn.c); VACUUM
 * reads RUIVF_DRIFT_SAMPLE rows sampled uniformly from the lanes (their
 * values from the table) and trains anew when they lie over
 * RUIVF_DRIFT_RATIO times as far (a split, above, is tried first when the
 * lists are uneven).  Under churn without drift the sample measured 0.99 to
 * 1.02 times the training's (bench/churn.sh); in the run above, 1.03 before
 * the first shifted rows and 3.5 to 4.3 after, and the cycles ran 785-882
 * queries a second.  An index of version 7 or before has no baseline and
 * is not measured.
 *
 * LOCKS
 * One training at a time: the page lock (lmgr) on the metapage's block,
 * ExclusiveLock, taken conditionally by inserts and VACUUM, and waited for
 * by ruvector_index_maintain; an insert that waits for a training takes it
 * too.  VACUUM is kept out by ShareUpdateExclusiveLock on the table (held by
 * VACUUM itself, taken by the others), so no lane moves while a training
 * reads the lists.  Buffer locks: the metapage is a leaf (whoever holds
 * its lock takes no other page lock meanwhile); the walks lock one
 * directory page, then one block's first page, at a time.
 *
 * src/ivf/ivftrain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/generic_xlog.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "utils/snapmgr.h"
#include "catalog/index.h"
#include "common/pg_prng.h"
#include "catalog/storage.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/bufmgr.h"
#include "storage/indexfsm.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/backend_progress.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/lsyscache.h"
#include "utils/wait_event.h"

#include "ivf.h"

/* Rows a backend inserted into an index and has not yet counted on its metapage. */
#define RUIVF_COUNT_BATCH		64
struct InsertCount
{
	Oid			relid;
	uint64		build_id;
	double		n;
};
static struct InsertCount insert_counts[8];
static int	insert_counts_next = 0;

/* What the walks of the current generation share. */
typedef struct RuIvfWalk
{
	RuIvfMetaData meta;			/* the current generation */
	uint16	   *seen;			/* per block: 1 + lanes taken by the assign pass */
	BlockNumber nseen;
	bool		record;			/* this pass records seen[] (the assign pass) */
	bool		delta;			/* this pass takes only lanes past seen[] */
	int			passes;			/* passes done (the first samples, the second assigns) */
	IndexFetchTableData *fetch;
	TupleTableSlot *slot;
	EState	   *estate;			/* an expression index's expression */
	double		dropped;		/* entries whose row is gone (pruned dead) */
} RuIvfWalk;

/*
 * Read the metapage, change it with `fn`, write it back: under its
 * exclusive lock.  Returns the record's LSN.
 */
static XLogRecPtr
update_meta(Relation index, void (*fn) (RuIvfMetaData *meta, void *arg), void *arg)
{
	Buffer		buf = ReadBuffer(index, RUIVF_METAPAGE_BLKNO);
	GenericXLogState *xs;
	Page		page;
	RuIvfMetaData meta;
	XLogRecPtr	lsn;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	xs = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(xs, buf, 0);
	memcpy(&meta, PageGetContents(page), sizeof(RuIvfMetaData));
	fn(&meta, arg);
	memcpy(PageGetContents(page), &meta, sizeof(RuIvfMetaData));
	lsn = GenericXLogFinish(xs);
	UnlockReleaseBuffer(buf);
	return lsn;
}

/* update_meta's change that replaces the contents: a generation's switch */
static void
replace_meta(RuIvfMetaData *meta, void *arg)
{
	*meta = *(const RuIvfMetaData *) arg;
}

static void
set_closing(RuIvfMetaData *meta, void *arg)
{
	meta->closing = *(int32 *) arg;
}

static void
clear_pending(RuIvfMetaData *meta, void *arg)
{
	(void) arg;
	meta->pending_from = 0;
}

static void
set_pending(RuIvfMetaData *meta, void *arg)
{
	if (meta->pending_from == 0)
		meta->pending_from = *(BlockNumber *) arg;
}

/*
 * Whether the generation `build_id` is still the one inserts go to (not
 * switched, not closing).  Called by an insert while it holds the lock of
 * the block or directory page it is about to write: the metapage is a leaf.
 */
bool
RuIvfStructureCurrent(Relation index, uint64 build_id)
{
	Buffer		buf = ReadBuffer(index, RUIVF_METAPAGE_BLKNO);
	RuIvfMetaData *meta;
	bool		current;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	meta = (RuIvfMetaData *) PageGetContents(BufferGetPage(buf));
	current = meta->build_id == build_id && !meta->closing;
	UnlockReleaseBuffer(buf);
	return current;
}

/*
 * Wait for a training of the index to end (an insert that found it closing
 * or switched).  A closing flag that outlived its training (an error, or a
 * crash, after it was set) is cleared here.
 */
void
RuIvfWaitForTraining(Relation index)
{
	RuIvfMetaData meta;
	int32		zero = 0;

	LockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
	RuIvfReadMeta(index, &meta);
	if (meta.closing)
		update_meta(index, set_closing, &zero);
	UnlockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
}

/* The head of list `list` of generation meta, from its directory page. */
static BlockNumber
dir_head(Relation index, const RuIvfMetaData *meta, int list)
{
	int			slot;
	Buffer		buf = ReadBuffer(index, RuIvfListDirBlock(meta, list, &slot));
	BlockNumber head;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	if (RuIvfPageGetOpaque(BufferGetPage(buf))->kind != RUIVF_PAGE_LISTDIR)
		RuIvfPageCorrupted(index, meta, BufferGetPage(buf), BufferGetBlockNumber(buf),
						   RUIVF_PAGE_LISTDIR);
	head = RuIvfListDirHeads(BufferGetPage(buf))[slot];
	UnlockReleaseBuffer(buf);
	return head;
}

/* Hand the row at tid to the build's callback, with its value read from the table. */
static void
feed_row(RuIvfWalk *w, Relation heap, Relation index, IndexInfo *indexInfo, ItemPointer tid,
		 IndexBuildCallback callback, void *callback_state)
{
	bool		call_again = false;
	bool		all_dead = false;
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	ItemPointerData t = *tid;

	(void) heap;
	if (!table_index_fetch_tuple(w->fetch, &t, SnapshotAny, w->slot, &call_again, &all_dead))
	{
		/* pruned dead: VACUUM would remove the entry, and so does the training */
		w->dropped += 1;
		return;
	}
	if (indexInfo->ii_Expressions != NIL)
	{
		ExprContext *econtext = GetPerTupleExprContext(w->estate);

		econtext->ecxt_scantuple = w->slot;
		FormIndexDatum(indexInfo, w->slot, w->estate, values, isnull);
	}
	else
		values[0] = slot_getattr(w->slot, indexInfo->ii_IndexAttrNumbers[0], &isnull[0]);
	/* the index holds the root of the HOT chain: the TID the entry had */
	callback(index, tid, values, isnull, true, callback_state);
	ExecClearTuple(w->slot);
	if (w->estate != NULL)
		ResetExprContext(GetPerTupleExprContext(w->estate));
}

/* Note that the assign pass took block blkno's lanes below nlanes (seen[]). */
static void
record_seen(RuIvfWalk *w, BlockNumber blkno, int nlanes)
{
	if (blkno >= w->nseen)
	{
		BlockNumber grow = Max(blkno + 1, w->nseen * 2);
		uint16	   *seen = palloc0(sizeof(uint16) * grow);

		if (w->seen != NULL)
		{
			memcpy(seen, w->seen, sizeof(uint16) * w->nseen);
			pfree(w->seen);
		}
		w->seen = seen;
		w->nseen = grow;
	}
	w->seen[blkno] = (uint16) (nlanes + 1);
}

/* Fail on a chain longer than the index (a cycle). */
static void
check_hops(Relation index, int list, BlockNumber *hops)
{
	if (++*hops > RelationGetNumberOfBlocks(index))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("list %d of index \"%s\" has a cycle", list,
						RelationGetRelationName(index))));
}

/*
 * The rows of one list of the current generation for walk_rows: every lane
 * in use, or in the delta pass only the lanes added since the assign pass.
 * Each block's first page is read under its share lock and its TIDs copied
 * before the rows are read.
 */
static double
walk_list(RuIvfWalk *w, Relation heap, Relation index, IndexInfo *indexInfo, int list,
		  IndexBuildCallback callback, void *callback_state, MemoryContext cxt)
{
	const RuIvfMetaData *meta = &w->meta;
	ItemPointerData tids[RUIVF_MAX_LANES];
	BlockNumber blkno = dir_head(index, meta, list);
	BlockNumber hops = 0;
	double		rows = 0;

	while (blkno != InvalidBlockNumber)
	{
		Buffer		buf;
		Page		page;
		int			nlanes,
					from = 0,
					n = 0;
		BlockNumber next;

		/* VACUUM's cost delay, but not while inserts wait (the delta pass) */
		if (!w->delta)
			vacuum_delay_point();
		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		RuIvfCheckPage(index, meta, page, blkno, RUIVF_PAGE_DATA);
		nlanes = RuIvfPageGetOpaque(page)->nlanes;
		next = RuIvfPageGetOpaque(page)->next;
		if (w->delta && blkno < w->nseen && w->seen[blkno] > 0)
			from = w->seen[blkno] - 1;
		for (int l = from; l < nlanes; l++)
		{
			ItemPointer tid = &RuIvfPageTids(page, meta)[l];

			if (ItemPointerIsValid(tid))
				tids[n++] = *tid;
		}
		UnlockReleaseBuffer(buf);
		if (w->record)
			record_seen(w, blkno, nlanes);
		for (int i = 0; i < n; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			feed_row(w, heap, index, indexInfo, &tids[i], callback, callback_state);
			MemoryContextSwitchTo(old);
			MemoryContextReset(cxt);
		}
		rows += n;
		blkno = next;
		check_hops(index, list, &hops);
	}
	return rows;
}

/*
 * A walk of the current generation (a RuIvfRowSource): every lane in use
 * of every list, or in the delta pass only the lanes added since the
 * assign pass (walk_list).
 */
static double
walk_rows(Relation heap, Relation index, IndexInfo *indexInfo,
		  IndexBuildCallback callback, void *callback_state, void *arg)
{
	RuIvfWalk  *w = (RuIvfWalk *) arg;
	double		rows = 0;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf training walk",
											  ALLOCSET_DEFAULT_SIZES);

	w->record = (w->passes == 1);	/* the assign pass */
	for (int list = 0; list < Max(w->meta.lists, 1); list++)
		rows += walk_list(w, heap, index, indexInfo, list, callback, callback_state, cxt);
	MemoryContextDelete(cxt);
	w->passes++;
	return rows;
}

/* qsort comparator of TIDs */
static int
cmp_tid(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) a, (ItemPointer) b);
}

/* gen->list_rows of a split: the rows of one list, recorded for the delta pass. */
static double
split_list_rows(Relation heap, Relation index, IndexInfo *indexInfo, int list,
				IndexBuildCallback callback, void *callback_state, void *arg)
{
	RuIvfWalk  *w = (RuIvfWalk *) arg;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf split walk",
											  ALLOCSET_DEFAULT_SIZES);
	double		rows;

	w->record = true;
	rows = walk_list(w, heap, index, indexInfo, list, callback, callback_state, cxt);
	MemoryContextDelete(cxt);
	return rows;
}

/* gen->fetch_rows of a split: the rows at tids (sorted first: heap order). */
static void
split_fetch_rows(Relation heap, Relation index, IndexInfo *indexInfo, ItemPointerData *tids,
				 int64 ntids, IndexBuildCallback callback, void *callback_state, void *arg)
{
	RuIvfWalk  *w = (RuIvfWalk *) arg;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf split fetch",
											  ALLOCSET_DEFAULT_SIZES);

	qsort(tids, ntids, sizeof(ItemPointerData), cmp_tid);
	for (int64 i = 0; i < ntids; i++)
	{
		MemoryContext old;

		if (i % 256 == 0)
		{
			vacuum_delay_point();
			CHECK_FOR_INTERRUPTS();
		}
		old = MemoryContextSwitchTo(cxt);
		feed_row(w, heap, index, indexInfo, &tids[i], callback, callback_state);
		MemoryContextSwitchTo(old);
		MemoryContextReset(cxt);
	}
	MemoryContextDelete(cxt);
}

/*
 * gen->copy_list of a split: the lanes in use of one list as they are
 * (code, factors, TID, and the vector with rerank = index), recorded for
 * the delta pass.  Each block's pages are read under share locks, taken in
 * ascending order, and copied out before the sink writes anything.
 */
static void
split_copy_list(Relation index, int list, RuIvfLaneSink sink, void *sink_state, void *arg)
{
	RuIvfWalk  *w = (RuIvfWalk *) arg;
	const RuIvfMetaData *meta = &w->meta;
	int			dim = meta->dim;
	int			npages = meta->pages_per_block + meta->vec_pages_per_block;
	bool		vectors = meta->vec_pages_per_block > 0;
	unsigned char *codes = palloc((Size) meta->lanes * dim);
	float	   *raw = vectors ? palloc_extended(sizeof(float) * (Size) meta->lanes * dim,
											MCXT_ALLOC_HUGE) : NULL;
	RuIvfLaneFactors *factors = palloc(sizeof(RuIvfLaneFactors) * meta->lanes);
	ItemPointerData *tids = palloc(sizeof(ItemPointerData) * meta->lanes);
	Buffer	   *bufs = palloc(sizeof(Buffer) * npages);
	BlockNumber blkno = dir_head(index, meta, list);
	BlockNumber hops = 0;

	w->record = true;
	while (blkno != InvalidBlockNumber)
	{
		Page		first;
		int			nlanes,
					n = 0;
		BlockNumber next;

		vacuum_delay_point();
		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < npages; k++)
		{
			bufs[k] = ReadBuffer(index, blkno + k);
			LockBuffer(bufs[k], BUFFER_LOCK_SHARE);
			RuIvfCheckPage(index, meta, BufferGetPage(bufs[k]), blkno + k,
						   k == 0 ? RUIVF_PAGE_DATA :
						   k < meta->pages_per_block ? RUIVF_PAGE_DATA_MORE : RUIVF_PAGE_VECTORS);
		}
		first = BufferGetPage(bufs[0]);
		nlanes = RuIvfPageGetOpaque(first)->nlanes;
		next = RuIvfPageGetOpaque(first)->next;
		for (int l = 0; l < nlanes; l++)
		{
			ItemPointer tid = &RuIvfPageTids(first, meta)[l];

			if (!ItemPointerIsValid(tid))
				continue;
			tids[n] = *tid;
			factors[n] = RuIvfGetFactors(first, meta, l);
			for (int k = 0; k < meta->pages_per_block; k++)
				RuIvfReadLanePage(BufferGetPage(bufs[k]), meta, k, l, codes + (Size) n * dim);
			if (vectors)
			{
				int			vfirst,
							vn,
							offset;

				RuIvfLaneVectorSpan(meta, l, &vfirst, &vn, &offset);
				for (int q = vfirst; q < vfirst + vn; q++)
					RuIvfLaneVectorPage(meta, BufferGetPage(bufs[meta->pages_per_block + q]), q, l,
										raw + (Size) n * dim, false);
			}
			n++;
		}
		for (int k = npages - 1; k >= 0; k--)
			UnlockReleaseBuffer(bufs[k]);
		record_seen(w, blkno, nlanes);
		for (int i = 0; i < n; i++)
			sink(list, codes + (Size) i * dim, factors[i], &tids[i],
				 raw ? raw + (Size) i * dim : NULL, sink_state);
		blkno = next;
		check_hops(index, list, &hops);
	}
	pfree(codes);
	if (raw)
		pfree(raw);
	pfree(factors);
	pfree(tids);
	pfree(bufs);
}

/* The delta pass: the same walk, lanes added since the assign pass only. */
static double
walk_delta(Relation heap, Relation index, IndexInfo *indexInfo,
		   IndexBuildCallback callback, void *callback_state, void *arg)
{
	RuIvfWalk  *w = (RuIvfWalk *) arg;

	w->delta = true;
	w->passes = 2;				/* records nothing */
	return walk_rows(heap, index, indexInfo, callback, callback_state, arg);
}

/* gen->close: inserts into the current generation stop (they wait for us). */
static void
close_generation(Relation index, void *arg)
{
	int32		one = 1;

	(void) arg;
	update_meta(index, set_closing, &one);
}

static int
cmp_block(const void *a, const void *b)
{
	BlockNumber x = *(const BlockNumber *) a;
	BlockNumber y = *(const BlockNumber *) b;

	return x < y ? -1 : x > y;
}

/*
 * Write the RETIRED pages: every block in [1, nblocks) that the new
 * generation does not use, as ranges.  Fills meta's retired_*.
 */
static void
write_retired(Relation index, RuIvfGeneration *gen, BlockNumber nblocks, RuIvfMetaData *meta)
{
	BlockNumber *used = gen->newblocks;
	int			nused = gen->nnew;
	RuIvfBlockRange *ranges = NULL;
	int			nranges = 0,
				cap = 0;
	double		total = 0;
	int			u = 0;
	BlockNumber b = 1;
	int			npages;
	char	   *pages;

	qsort(used, nused, sizeof(BlockNumber), cmp_block);
	while (b < nblocks)
	{
		BlockNumber end;

		while (u < nused && used[u] < b)
			u++;
		if (u < nused && used[u] == b)
		{
			b++;
			continue;
		}
		end = (u < nused && used[u] < nblocks) ? used[u] : nblocks;
		if (nranges == cap)
		{
			cap = Max(64, cap * 2);
			ranges = ranges == NULL ? palloc(sizeof(RuIvfBlockRange) * cap)
				: repalloc(ranges, sizeof(RuIvfBlockRange) * cap);
		}
		ranges[nranges].start = b;
		ranges[nranges].count = end - b;
		total += end - b;
		nranges++;
		b = end;
	}
	meta->retired_blocks = total;
	meta->retired_npages = 0;
	meta->retired_start = InvalidBlockNumber;
	if (nranges == 0)
		return;
	npages = (nranges + RUIVF_RANGES_PER_PAGE - 1) / RUIVF_RANGES_PER_PAGE;
	pages = palloc0((Size) npages * BLCKSZ);
	for (int p = 0; p < npages; p++)
	{
		Page		page = (Page) (pages + (Size) p * BLCKSZ);
		int			n = Min(RUIVF_RANGES_PER_PAGE, nranges - p * RUIVF_RANGES_PER_PAGE);

		RuIvfInitPage(page, RUIVF_PAGE_RETIRED);
		memcpy(RuIvfPageRanges(page), ranges + (Size) p * RUIVF_RANGES_PER_PAGE,
			   sizeof(RuIvfBlockRange) * n);
		RuIvfPageGetOpaque(page)->nlanes = (uint16) n;
	}
	gen->no_reuse = true;		/* past nblocks: not on the ranges themselves */
	meta->retired_start = RuIvfWriteNewPages(index, gen, pages, npages);
	meta->retired_npages = npages;
	meta->retired_xid = U64FromFullTransactionId(ReadNextFullTransactionId());
	pfree(pages);
	pfree(ranges);
}

/*
 * Whether block blkno is on the index's RETIRED pages (the index checker's
 * question about a block no chain reaches).
 */
bool
RuIvfBlockRetired(Relation index, const RuIvfMetaData *meta, BlockNumber blkno)
{
	for (int p = 0; p < meta->retired_npages; p++)
	{
		Buffer		buf = ReadBuffer(index, meta->retired_start + p);
		Page		page;
		bool		found = false;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		RuIvfCheckPage(index, meta, page, meta->retired_start + p, RUIVF_PAGE_RETIRED);
		for (int i = 0; i < RuIvfPageGetOpaque(page)->nlanes; i++)
		{
			RuIvfBlockRange *r = &RuIvfPageRanges(page)[i];

			if (blkno >= r->start && blkno - r->start < r->count)
				found = true;
		}
		UnlockReleaseBuffer(buf);
		if (found)
			return true;
	}
	return false;
}

/*
 * Take `npages` consecutive FREE pages (RuIvfReclaim put them in the free
 * space map), locked exclusively in ascending order into bufs[]: returns
 * the first, or InvalidBlockNumber if the map offers no such run soon (the
 * caller extends the relation).  Buffer locks are only tried, never waited
 * for: a page another backend holds is not free.  The caller initializes
 * and WAL-logs every page as a full image.
 */
BlockNumber
RuIvfReuseBlocks(Relation index, int npages, Buffer *bufs)
{
	if (npages > RUIVF_REUSE_MAX_PAGES)
		return InvalidBlockNumber;
	for (int attempt = 0; attempt < 4; attempt++)
	{
		BlockNumber first = GetFreeIndexPage(index);
		BlockNumber nblocks;
		int			k;

		if (first == InvalidBlockNumber)
			return InvalidBlockNumber;
		nblocks = RelationGetNumberOfBlocks(index);
		for (k = 0; k < npages && first + k < nblocks; k++)
		{
			Page		page;

			bufs[k] = ReadBuffer(index, first + k);
			if (!ConditionalLockBuffer(bufs[k]))
			{
				ReleaseBuffer(bufs[k]);
				break;
			}
			page = BufferGetPage(bufs[k]);
			if (PageIsNew(page) || PageGetSpecialSize(page) != RUIVF_SPECIAL_SIZE ||
				RuIvfPageGetOpaque(page)->page_id != RUIVF_PAGE_ID ||
				RuIvfPageGetOpaque(page)->kind != RUIVF_PAGE_FREE)
			{
				UnlockReleaseBuffer(bufs[k]);
				break;
			}
		}
		if (k == npages)
		{
			for (k = 1; k < npages; k++)
				RecordUsedIndexPage(index, first + k);
			return first;
		}
		/* no run here: let go; the first page stays free if it was */
		for (int j = 0; j < k; j++)
			UnlockReleaseBuffer(bufs[j]);
		if (k > 0)
			RecordFreeIndexPage(index, first);
	}
	return InvalidBlockNumber;
}

/* Make block blkno FREE, logged (a free page logs no more than its header). */
static void
free_page(Relation index, BlockNumber blkno, uint16 current_gen)
{
	Buffer		buf = ReadBuffer(index, blkno);
	Page		page;
	RuIvfPageOpaque op;
	GenericXLogState *xs;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	op = RuIvfPageGetOpaque(page);
	if (!PageIsNew(page) && PageGetSpecialSize(page) == RUIVF_SPECIAL_SIZE &&
		op->page_id == RUIVF_PAGE_ID)
	{
		/* taken for the current generation since it was listed: it stays */
		if ((op->kind == RUIVF_PAGE_DATA || op->kind == RUIVF_PAGE_DATA_MORE ||
			 op->kind == RUIVF_PAGE_VECTORS) && op->gen == current_gen)
		{
			UnlockReleaseBuffer(buf);
			return;
		}
		if (op->kind == RUIVF_PAGE_FREE)
		{
			UnlockReleaseBuffer(buf);
			RecordFreeIndexPage(index, blkno);
			return;
		}
	}
	xs = GenericXLogStart(index);
	RuIvfInitFreePage(GenericXLogRegisterBuffer(xs, buf, GENERIC_XLOG_FULL_IMAGE));
	GenericXLogFinish(xs);
	UnlockReleaseBuffer(buf);
	RecordFreeIndexPage(index, blkno);
}

static void
clear_retired(RuIvfMetaData *meta, void *arg)
{
	(void) arg;
	meta->retired_start = InvalidBlockNumber;
	meta->retired_npages = 0;
	meta->retired_blocks = 0;
	meta->retired_xid = 0;
}

/*
 * Free the retired blocks once no scan can still read them: every snapshot
 * taken before the switch that retired them is gone (the horizon has passed
 * retired_xid, as nbtree recycles its deleted pages).  Each becomes a FREE
 * page in the free space map, for inserts and trainings to reuse; then the
 * RETIRED pages themselves.  The caller holds the training lock.
 */
void
RuIvfReclaim(Relation index)
{
	RuIvfMetaData meta;
	BlockNumber *listpages;
	int			nlist;

	RuIvfReadMeta(index, &meta);
	if (meta.retired_npages == 0 ||
		!GlobalVisCheckRemovableFullXid(NULL, FullTransactionIdFromU64(meta.retired_xid)))
		return;
	for (int p = 0; p < meta.retired_npages; p++)
	{
		Buffer		buf = ReadBuffer(index, meta.retired_start + p);
		Page		page;
		RuIvfBlockRange ranges[RUIVF_RANGES_PER_PAGE];
		int			n;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		RuIvfCheckPage(index, &meta, page, meta.retired_start + p, RUIVF_PAGE_RETIRED);
		n = Min(RuIvfPageGetOpaque(page)->nlanes, RUIVF_RANGES_PER_PAGE);
		memcpy(ranges, RuIvfPageRanges(page), sizeof(RuIvfBlockRange) * n);
		UnlockReleaseBuffer(buf);
		for (int i = 0; i < n; i++)
			for (BlockNumber b = 0; b < ranges[i].count; b++)
			{
				CHECK_FOR_INTERRUPTS();
				free_page(index, ranges[i].start + b, (uint16) meta.generation);
			}
	}
	/* the list goes, then its pages */
	nlist = meta.retired_npages;
	listpages = palloc(sizeof(BlockNumber) * nlist);
	for (int p = 0; p < nlist; p++)
		listpages[p] = meta.retired_start + p;
	update_meta(index, clear_retired, NULL);
	for (int p = 0; p < nlist; p++)
		free_page(index, listpages[p], (uint16) meta.generation);
	IndexFreeSpaceMapVacuum(index);
	elog(DEBUG1, "ruivf index \"%s\": %.0f retired blocks freed for reuse",
		 RelationGetRelationName(index), meta.retired_blocks);
}

/*
 * The first block of the index's tail of FREE pages (nblocks if the last
 * page is in use).  A page never initialized counts as free: an extension
 * an error or a crash cut off, which nothing reaches.
 */
static BlockNumber
free_tail_start(Relation index, BlockNumber nblocks)
{
	BlockNumber b = nblocks;

	while (b > RUIVF_METAPAGE_BLKNO + 1)
	{
		Buffer		buf;
		Page		page;
		bool		free;

		if ((nblocks - b) % 1024 == 0)
			CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, b - 1);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		free = PageIsNew(page) ||
			(PageGetSpecialSize(page) == RUIVF_SPECIAL_SIZE &&
			 RuIvfPageGetOpaque(page)->page_id == RUIVF_PAGE_ID &&
			 RuIvfPageGetOpaque(page)->kind == RUIVF_PAGE_FREE);
		UnlockReleaseBuffer(buf);
		if (!free)
			break;
		b--;
	}
	return b;
}

/* Whether RuIvfLockIndexBriefly may try at all (see there). */
bool
RuIvfMayLockIndex(Relation index)
{
	Relation	heap;
	StdRdOptions *opts;
	bool		allowed;

	if (IsInParallelMode())
		return false;
	heap = table_open(index->rd_index->indrelid, NoLock);
	opts = (StdRdOptions *) heap->rd_options;
	allowed = opts == NULL || opts->vacuum_truncate;
	table_close(heap, NoLock);
	return allowed;
}

/*
 * Take the index to itself for a moment (AccessExclusiveLock), as VACUUM
 * does a table to truncate it: so that VACUUM can change what no reader may
 * see change (the file's length, a chain's links).  Only tried, every
 * RUIVF_EXCLUSIVE_WAIT_MS up to RUIVF_EXCLUSIVE_TRIES times, so that no
 * insert or scan ever queues behind it; a hot standby's queries on the
 * index conflict with its replay as with a table's truncation.  Not if the
 * table's vacuum_truncate option is off (the user's way to keep VACUUM
 * from taking such locks), and not in a parallel VACUUM (its leader is in
 * parallel mode while the workers run, and the lock, logged for hot
 * standbys, would take a transaction ID; autovacuum is never parallel).
 * True if the caller holds the lock (and releases it).
 */
bool
RuIvfLockIndexBriefly(Relation index)
{
	if (!RuIvfMayLockIndex(index))
		return false;
	for (int i = 0; i < RUIVF_EXCLUSIVE_TRIES; i++)
	{
		if (ConditionalLockRelation(index, AccessExclusiveLock))
			return true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 RUIVF_EXCLUSIVE_WAIT_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return false;
}

/*
 * Give the tail of free pages back to the file system (RETIRED BLOCKS): a
 * training writes its generation beside the current one, so the file grows
 * to about twice the index, and the next one reuses the older blocks; when
 * the free ones are at the end, after every other training, they go, once
 * there are at least RUIVF_TRUNCATE_MIN of them and a sixteenth of the
 * index.  With the index to itself (RuIvfLockIndexBriefly), looked at
 * again under the lock.  The caller holds the training lock (no training
 * writes meanwhile).
 */
static void
truncate_tail(Relation index)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	BlockNumber keep;

	if (nblocks < RUIVF_TRUNCATE_MIN + 2 || IsInParallelMode())
		return;
	keep = free_tail_start(index, nblocks);
	if (nblocks - keep < Max(RUIVF_TRUNCATE_MIN, nblocks / 16))
		return;
	if (!RuIvfLockIndexBriefly(index))
		return;
	nblocks = RelationGetNumberOfBlocks(index);
	keep = free_tail_start(index, nblocks);
	if (keep < nblocks)
	{
		RelationTruncate(index, keep);
		elog(DEBUG1, "ruivf index \"%s\": truncated from %u to %u blocks",
			 RelationGetRelationName(index), nblocks, keep);
	}
	UnlockRelation(index, AccessExclusiveLock);
}

/* Rows an index holds: those its generation was trained with, and those inserted since. */
static inline double
generation_rows(const RuIvfMetaData *meta)
{
	return meta->trained_rows + meta->inserted;
}

/* A uniform sample of TIDs (reservoir sampling, a fixed seed: repeatable). */
typedef struct RuIvfTidSample
{
	ItemPointerData tids[RUIVF_DRIFT_SAMPLE];
	int			n;
	double		seen;
	pg_prng_state rng;
} RuIvfTidSample;

/* Offer one TID to the sample. */
static void
sample_tid(RuIvfTidSample *sample, ItemPointer tid)
{
	sample->seen += 1;
	if (sample->n < RUIVF_DRIFT_SAMPLE)
		sample->tids[sample->n++] = *tid;
	else
	{
		uint64		j = pg_prng_uint64_range(&sample->rng, 0, (uint64) sample->seen - 1);

		if (j < RUIVF_DRIFT_SAMPLE)
			sample->tids[j] = *tid;
	}
}

/* State of drift_residual's row callback. */
typedef struct DriftState
{
	RuIvfInput	input;
	RuIvfMetric metric;
	int			dim;
	int			n;
	float	   *rows;			/* prepared vectors */
} DriftState;

/* Keep a sampled row's prepared vector (an IndexBuildCallback). */
static void
drift_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive,
			   void *state)
{
	DriftState *ds = (DriftState *) state;
	const float *v;

	(void) index;
	(void) tid;
	(void) alive;
	if (isnull[0] || ds->n >= RUIVF_DRIFT_SAMPLE)
		return;
	v = RuIvfInputFloats(ds->input, values[0], ds->dim, NULL);
	RuIvfPrepareVector(ds->metric, v, ds->dim, ds->rows + (Size) ds->n * ds->dim);
	/* a zero vector has no direction to measure for cosine */
	if (ds->metric == RUIVF_METRIC_COSINE &&
		rv_kernels.dot(ds->rows + (Size) ds->n * ds->dim, ds->rows + (Size) ds->n * ds->dim,
					   ds->dim) == 0.0f)
		return;
	ds->n++;
}

/*
 * DRIFT: the mean squared distance from the sampled rows (their values
 * read from the table) to their nearest centroid of generation meta, as
 * ivflearn.c measured it for held-out rows at the training
 * (meta->trained_residual); 0 if no row could be read.
 */
static float
drift_residual(Relation heap, Relation index, const RuIvfMetaData *meta,
			   const RuIvfTidSample *sample)
{
	IndexInfo  *indexInfo = BuildIndexInfo(index);
	RuIvfWalk	w;
	DriftState	ds;
	float	   *centroids;
	float	   *chunks;
	float		residual = 0.0f;

	memset(&w, 0, sizeof(w));
	w.meta = *meta;
	w.fetch = table_index_fetch_begin(heap);
	w.slot = table_slot_create(heap, NULL);
	if (indexInfo->ii_Expressions != NIL)
		w.estate = CreateExecutorState();
	ds.input = RuIvfGetInput(index);
	ds.metric = meta->metric;
	ds.dim = meta->dim;
	ds.n = 0;
	ds.rows = palloc(sizeof(float) * (Size) RUIVF_DRIFT_SAMPLE * meta->dim);
	for (int i = 0; i < sample->n; i++)
	{
		ItemPointerData tid = sample->tids[i];

		CHECK_FOR_INTERRUPTS();
		feed_row(&w, heap, index, indexInfo, &tid, drift_callback, &ds);
	}
	table_index_fetch_end(w.fetch);
	ExecDropSingleTupleTableSlot(w.slot);
	if (w.estate != NULL)
		FreeExecutorState(w.estate);

	if (ds.n > 0)
	{
		centroids = palloc_extended(sizeof(float) * (Size) meta->lists * meta->dim,
									MCXT_ALLOC_HUGE);
		chunks = palloc_extended(sizeof(float) * (Size) meta->lists * meta->dim,
								 MCXT_ALLOC_HUGE);
		RuIvfReadFloats(index, meta->centroid_start, (Size) meta->lists * meta->dim, centroids);
		RuIvfCentroidChunks(centroids, meta->lists, meta->dim, chunks);
		residual = RuIvfMeanResidual(chunks, meta->lists, meta->dim, ds.rows, ds.n);
		pfree(centroids);
		pfree(chunks);
	}
	pfree(ds.rows);
	return residual;
}

/*
 * The data blocks the lists of generation meta hold (one first page read
 * each), and in *longest the most one list holds; per list (if asked) its
 * blocks and its lanes in use (dead ones too where VACUUM marks them), and
 * the sum and count of its live lanes' coding errors (SQ codes); and (if
 * asked) a uniform sample of the live lanes' TIDs.  With skip_empty, the
 * blocks with no row but a list's head are left out (this VACUUM unlinks
 * them at its end, ivfvacuum.c).
 */
static double
count_blocks(Relation index, const RuIvfMetaData *meta, double *longest, int *perlist,
			 double *perlanes, double *errsum, double *errn, RuIvfTidSample *sample,
			 bool skip_empty)
{
	double		n = 0;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	*longest = 0;
	for (int list = 0; list < Max(meta->lists, 1); list++)
	{
		BlockNumber blkno = dir_head(index, meta, list);
		BlockNumber hops = 0;
		BlockNumber kept = 0;	/* the list's blocks counted */
		double		lanes = 0;
		double		esum = 0,
					en = 0;

		while (blkno != InvalidBlockNumber && hops++ <= nblocks)
		{
			Buffer		buf = ReadBuffer(index, blkno);
			Page		page;
			ItemPointerData *tids;
			int			nl;
			int			valid = 0;

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			page = BufferGetPage(buf);
			RuIvfCheckPage(index, meta, page, blkno, RUIVF_PAGE_DATA);
			blkno = RuIvfPageGetOpaque(page)->next;
			nl = RuIvfPageGetOpaque(page)->nlanes;
			tids = RuIvfPageTids(page, meta);
			for (int l = 0; l < nl; l++)
			{
				if (!ItemPointerIsValid(&tids[l]))
					continue;
				valid++;
				if (sample != NULL)
					sample_tid(sample, &tids[l]);
				if (errsum != NULL)
				{
					esum += RuIvfGetFactors(page, meta, l).err;
					en += 1;
				}
			}
			UnlockReleaseBuffer(buf);
			/* a block VACUUM is about to unlink (ivfvacuum.c) is not counted */
			if (skip_empty && valid == 0 && hops > 1)
				continue;
			lanes += nl;
			kept++;
			n += 1;
		}
		if (errsum != NULL)
		{
			errsum[list] = esum;
			errn[list] = en;
		}
		*longest = Max(*longest, (double) kept);
		if (perlist != NULL)
			perlist[list] = (int) kept;
		if (perlanes != NULL)
			perlanes[list] = lanes;
	}
	return n;
}

/*
 * The mean length in blocks of the lists other than one of `len` blocks,
 * of `total` in `lists` lists: what a list is compared with (a list that
 * holds half of an index of 8 lists is 7 times the others, but only 4 times
 * the mean of all).
 */
static inline double
rest_mean(double total, double len, int lists)
{
	return (total - len) / Max(lists - 1, 1);
}

/*
 * Whether the lists a split would train anew hold rows outside the range
 * the index's 8-bit codes were trained for (the rows drifted away: their
 * codes clamp): a split keeps the code parameters, so the index is trained
 * whole instead, which learns them anew.  In range, a lane's coding error
 * is at most half a step per dimension, about sqrt(sum s^2 / 12) on
 * average; their mean error RUIVF_SPLIT_ERR_RATIO times that says they
 * clamp.  (Not against the other lists': when most rows drifted, theirs
 * clamp too.)  Other codes are residuals from their list's centroid, which
 * a split moves to the rows.
 */
static bool
out_of_range(Relation index, const RuIvfMetaData *meta, const int *parts, const double *errsum,
			 const double *errn)
{
	double		ssum = 0,
				sn = 0,
				expect = 0;
	float	   *params = palloc(sizeof(float) * meta->dim * 2);

	RuIvfReadFloats(index, meta->sq_start, (Size) meta->dim * 2, params);
	for (int d = 0; d < meta->dim; d++)
		expect += (double) params[meta->dim + d] * params[meta->dim + d] / 12.0;
	expect = sqrt(expect);
	pfree(params);
	for (int l = 0; l < meta->lists; l++)
		if (parts[l] >= 2)
		{
			ssum += errsum[l];
			sn += errn[l];
		}
	return sn > 0 && ssum / sn > RUIVF_SPLIT_ERR_RATIO * expect;
}

/*
 * How a VACUUM that found lists uneven splits them (SPLITS, above): into
 * parts[] per list, the lists RUIVF_IMBALANCE times as long as the others'
 * mean into as many lists of that length as they hold (at most
 * RUIVF_SPLIT_MAX_PARTS), and the lists holding less than
 * RUIVF_MERGE_FRACTION of the mean rows dissolved (0: their rows go to
 * their nearest lists).  False if the index cannot be split so (an older
 * version, too many lists, or its blocks in memory beyond
 * maintenance_work_mem) or the long lists alone hold more than
 * RUIVF_SPLIT_ROWS_MAX of the lanes (RuIvfBuildSplit would give way): it
 * is trained whole instead.
 */
static bool
plan_split(const RuIvfMetaData *meta, const int *blocks, double total, const double *lanes,
		   int *parts)
{
	int			lists = meta->lists;	/* of the new generation */
	int			slots;			/* lists in memory (RuIvfBuildSplit) */
	int			nsplit = 0;
	double		rows = 0,
				split_lanes = 0;

	if (meta->version != RUIVF_VERSION || lists < 2)
		return false;
	for (int l = 0; l < meta->lists; l++)
	{
		double		others = rest_mean(total, blocks[l], meta->lists);

		parts[l] = 1;
		if (blocks[l] > RUIVF_IMBALANCE * others + 2)
		{
			parts[l] = Min((int) ceil(blocks[l] / Max(others, 1.0)), RUIVF_SPLIT_MAX_PARTS);
			lists += parts[l] - 1;
			nsplit++;
		}
		rows += lanes[l];
	}
	slots = lists;
	for (int l = 0; l < meta->lists; l++)
		split_lanes += parts[l] >= 2 ? lanes[l] : 0;
	if (split_lanes > RUIVF_SPLIT_ROWS_MAX * rows)
		return false;			/* most rows moved: RuIvfBuildSplit would train whole */
	for (int l = 0; l < meta->lists && nsplit > 0; l++)
		if (parts[l] == 1 && lists > 2 &&
			lanes[l] < RUIVF_MERGE_FRACTION * rows / meta->lists)
		{
			parts[l] = 0;
			lists--;
		}
	return nsplit > 0 && slots <= RUIVF_MAX_LISTS &&
		(double) slots * (meta->pages_per_block + meta->vec_pages_per_block) * BLCKSZ <=
		(double) maintenance_work_mem * 1024 / 2;
}

/* Whether an index of `rows` rows is due for a training (see WHEN). */
static bool
training_due(Relation index, const RuIvfMetaData *meta, double rows, bool from_insert)
{
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	int			lists_opt = opts ? opts->lists : 0;

	if (meta->trained_nblocks == 0)
		return false;			/* a version 3 index: by hand only */
	if (meta->lists == 0)
		return rows >= RUIVF_TRAIN_MIN_ROWS;
	if (from_insert && meta->trained_rows >= RUIVF_INSERT_RETRAIN_MAX)
		return false;
	if (lists_opt > 0 && meta->trained_rows >= 20.0 * lists_opt)
		return false;
	return rows >= RUIVF_RETRAIN_GROWTH * Max(meta->trained_rows, 1.0);
}

/*
 * A training's progress report, under PROGRESS_COMMAND_CREATE_INDEX with a
 * command code of its own (the view ruvector_training_progress).  It may
 * run inside a command that reports its own progress (VACUUM, COPY): that
 * report is saved here and put back by progress_end.
 */
typedef struct RuIvfProgress
{
	ProgressCommandType command;
	Oid			relid;
	int64		param[PGSTAT_NUM_PROGRESS_PARAM];
} RuIvfProgress;

/*
 * Start reporting a training of index (relam may be unknown yet: 0), in
 * sub-phase `phase`: RUIVF_PHASE_WAIT before its locks are taken, else
 * PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE.
 */
static void
progress_begin(RuIvfProgress *saved, Oid heapoid, Oid indexoid, Oid relam, int command,
			   int phase)
{
	volatile PgBackendStatus *be = MyBEEntry;
	const int	idx[] = {PROGRESS_CREATEIDX_COMMAND, PROGRESS_CREATEIDX_INDEX_OID,
		PROGRESS_CREATEIDX_ACCESS_METHOD_OID, PROGRESS_CREATEIDX_PHASE,
	PROGRESS_CREATEIDX_SUBPHASE};
	const int64 val[] = {command, indexoid, relam, PROGRESS_CREATEIDX_PHASE_BUILD, phase};

	saved->command = PROGRESS_COMMAND_INVALID;
	if (be != NULL && be->st_progress_command != PROGRESS_COMMAND_INVALID)
	{
		saved->command = be->st_progress_command;
		saved->relid = be->st_progress_command_target;
		for (int i = 0; i < PGSTAT_NUM_PROGRESS_PARAM; i++)
			saved->param[i] = be->st_progress_param[i];
	}
	pgstat_progress_start_command(PROGRESS_COMMAND_CREATE_INDEX, heapoid);
	pgstat_progress_update_multi_param(lengthof(idx), idx, val);
}

/* Stop reporting the training; the command it ran in reports again. */
static void
progress_end(const RuIvfProgress *saved)
{
	int			idx[PGSTAT_NUM_PROGRESS_PARAM];

	pgstat_progress_end_command();
	if (saved->command == PROGRESS_COMMAND_INVALID)
		return;
	for (int i = 0; i < PGSTAT_NUM_PROGRESS_PARAM; i++)
		idx[i] = i;
	pgstat_progress_start_command(saved->command, saved->relid);
	pgstat_progress_update_multi_param(PGSTAT_NUM_PROGRESS_PARAM, idx, saved->param);
}

/*
 * A training (or split) that an error or a crash cut off left pages that
 * carry the number of the generation it was writing (meta->pending_from is
 * set then).  The next attempt writes the same number: once it is switched
 * in, those pages would pass for its own, and RuIvfReclaim, which keeps
 * the current generation's pages, would never free them (a leak, and data
 * pages no chain reaches).  So the next attempt makes them FREE first: every
 * page numbered generation + 1 (nothing else carries that number before the
 * attempt writes).  A whole pass over the index, after an interruption only.
 */
static void
scrub_interrupted(Relation index, const RuIvfMetaData *meta)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	uint16		next = (uint16) (meta->generation + 1);
	double		freed = 0;

	for (BlockNumber blkno = RUIVF_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		RuIvfPageOpaque op;
		bool		theirs;

		vacuum_delay_point();
		CHECK_FOR_INTERRUPTS();
		buf = ReadBuffer(index, blkno);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		op = RuIvfPageGetOpaque(page);
		theirs = !PageIsNew(page) && PageGetSpecialSize(page) == RUIVF_SPECIAL_SIZE &&
			op->page_id == RUIVF_PAGE_ID && op->kind != RUIVF_PAGE_FREE &&
			op->kind != RUIVF_PAGE_META && op->gen == next;
		UnlockReleaseBuffer(buf);
		if (theirs)
		{
			free_page(index, blkno, (uint16) meta->generation);
			freed++;
		}
	}
	if (freed > 0)
		IndexFreeSpaceMapVacuum(index);
	elog(DEBUG1, "ruivf index \"%s\": %.0f pages of an interrupted generation %d freed",
		 RelationGetRelationName(index), freed, meta->generation + 1);
}

/*
 * Switch the index to the generation gen wrote (inserts are waiting on its
 * closing flag, nothing else extends the index): the blocks it does not use
 * retired, the metapage replaced in one record, flushed.
 */
static void
switch_generation(Relation index, RuIvfGeneration *gen, RuIvfWalk *w)
{
	RuIvfMetaData meta;
	XLogRecPtr	lsn;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_SWITCH);
	meta = gen->meta;
	write_retired(index, gen, RelationGetNumberOfBlocks(index), &meta);
	meta.closing = 0;
	meta.pending_from = 0;
	meta.trained_nblocks = RelationGetNumberOfBlocks(index);
	lsn = update_meta(index, replace_meta, &meta);

	/*
	 * Durable before the caller hears of it: a training writes WAL without
	 * a transaction ID (ruvector_index_maintain, VACUUM), and a transaction
	 * without one commits without flushing its WAL, as an asynchronous
	 * commit does; a crash could then take the switch back after the
	 * caller was told of the new generation (test/t/012).
	 */
	if (RelationNeedsWAL(index))
		XLogFlush(lsn);
	elog(DEBUG1, "ruivf index \"%s\": generation %d, %d lists, %.0f rows (%.0f dropped), %.0f blocks retired",
		 RelationGetRelationName(index), meta.generation, meta.lists, meta.trained_rows,
		 w->dropped, meta.retired_blocks);
}

/*
 * Train a new generation now (see the file's header).  The caller holds
 * the training lock, keeps VACUUM out and has begun the progress report
 * (progress_begin).  False if the current generation has no rows to train
 * from.
 */
static bool
train(Relation heap, Relation index)
{
	RuIvfWalk	w;
	RuIvfGeneration gen;
	IndexInfo  *indexInfo = BuildIndexInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	int32		zero = 0;

	RuIvfReclaim(index);
	memset(&w, 0, sizeof(w));
	RuIvfReadMeta(index, &w.meta);
	if (w.meta.closing)
		update_meta(index, set_closing, &zero); /* an earlier training's, interrupted */
	if (w.meta.pending_from != 0)
		scrub_interrupted(index, &w.meta);
	update_meta(index, set_pending, &nblocks);
	pgstat_progress_update_param(RUIVF_PROGRESS_GENERATION, w.meta.generation + 1);
	w.fetch = table_index_fetch_begin(heap);
	w.slot = table_slot_create(heap, NULL);
	if (indexInfo->ii_Expressions != NIL)
		w.estate = CreateExecutorState();

	memset(&gen, 0, sizeof(gen));
	gen.source = walk_rows;
	gen.source_arg = &w;
	gen.delta = walk_delta;
	gen.delta_arg = &w;
	gen.close = close_generation;
	gen.lists = opts ? opts->lists : 0;
	gen.generation = w.meta.generation + 1;
	RuIvfBuildGeneration(heap, index, indexInfo, &gen);

	table_index_fetch_end(w.fetch);
	ExecDropSingleTupleTableSlot(w.slot);
	if (w.estate != NULL)
		FreeExecutorState(w.estate);

	if (gen.meta.lists == 0)
	{
		/* nothing to train from: the current generation stays */
		update_meta(index, set_closing, &zero);
		return false;
	}
	switch_generation(index, &gen, &w);
	return true;
}

/*
 * Split the lists whose parts[] are more than 1 (SPLITS, above): a new
 * generation in which those lists are split by k-means on their own rows
 * and the others are copied lane by lane (RuIvfBuildSplit), switched in as
 * a training's is; or, if RuIvfBuildSplit finds a training better, trained
 * whole.  cur is the current generation's metapage, read after
 * RuIvfReclaim; the caller is as train()'s.  True if it switched.
 */
static bool
split(Relation heap, Relation index, const RuIvfMetaData *cur, const int *parts)
{
	RuIvfWalk	w;
	RuIvfGeneration gen;
	IndexInfo  *indexInfo = BuildIndexInfo(index);
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	bool		done;

	memset(&w, 0, sizeof(w));
	w.meta = *cur;
	if (w.meta.pending_from != 0)
		scrub_interrupted(index, &w.meta);
	update_meta(index, set_pending, &nblocks);
	pgstat_progress_update_param(RUIVF_PROGRESS_GENERATION, cur->generation + 1);
	w.fetch = table_index_fetch_begin(heap);
	w.slot = table_slot_create(heap, NULL);
	if (indexInfo->ii_Expressions != NIL)
		w.estate = CreateExecutorState();

	memset(&gen, 0, sizeof(gen));
	gen.source_arg = &w;
	gen.delta = walk_delta;
	gen.delta_arg = &w;
	gen.close = close_generation;
	gen.copy_list = split_copy_list;
	gen.list_rows = split_list_rows;
	gen.fetch_rows = split_fetch_rows;
	gen.generation = cur->generation + 1;
	done = RuIvfBuildSplit(heap, index, indexInfo, &gen, cur, parts);

	table_index_fetch_end(w.fetch);
	ExecDropSingleTupleTableSlot(w.slot);
	if (w.estate != NULL)
		FreeExecutorState(w.estate);
	if (!done)
	{
		/* it wrote nothing: a training instead */
		update_meta(index, clear_pending, NULL);
		return train(heap, index);
	}
	switch_generation(index, &gen, &w);
	return true;
}

/*
 * Train from an insert, if due and if nobody else is: the training lock
 * and ShareUpdateExclusiveLock on the table, both without waiting.  In a
 * subtransaction, so that a failed training fails no insert.
 */
static void
maybe_train(Relation index, Relation heap, const RuIvfMetaData *meta)
{
	static Oid	backoff_relid = InvalidOid;
	static BlockNumber backoff_until = 0;
	BlockNumber nblocks;
	bool		heaplock;
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	RuIvfProgress progress;

	if (heap == NULL || !index->rd_index->indisvalid || !training_due(index, meta, generation_rows(meta), true))
		return;
	nblocks = RelationGetNumberOfBlocks(index);
	if (backoff_relid == RelationGetRelid(index) && nblocks < backoff_until)
		return;
	heaplock = !CheckRelationLockedByMe(heap, ShareUpdateExclusiveLock, true);
	if (heaplock && !ConditionalLockRelation(heap, ShareUpdateExclusiveLock))
		return;					/* VACUUM, or another session's DDL: later */
	if (!ConditionalLockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock))
	{
		if (heaplock)
			UnlockRelation(heap, ShareUpdateExclusiveLock);
		return;					/* another training */
	}

	progress_begin(&progress, RelationGetRelid(heap), RelationGetRelid(index),
				   index->rd_rel->relam, RUIVF_PROGRESS_INSERT,
				   PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		RuIvfMetaData now;

		RuIvfReadMeta(index, &now);
		if (now.build_id == meta->build_id && !now.closing)
			train(heap, index);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("could not train ruivf index \"%s\": %s",
						RelationGetRelationName(index), edata->message),
				 errhint("The index goes on with its current lists; "
						 "SELECT ruvector_index_maintain('%s') trains it.",
						 RelationGetRelationName(index))));
		FreeErrorData(edata);
		backoff_relid = RelationGetRelid(index);
		backoff_until = nblocks + nblocks / 4 + 1;
		/* a closing flag left set is cleared by the next waiter or training */
	}
	PG_END_TRY();
	progress_end(&progress);
	UnlockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
	if (heaplock)
		UnlockRelation(heap, ShareUpdateExclusiveLock);
}

static void
add_inserted(RuIvfMetaData *meta, void *arg)
{
	const struct InsertCount *c = (const struct InsertCount *) arg;

	if (meta->build_id == c->build_id)
		meta->inserted += c->n;
}

/*
 * After an insert: count it (each backend adds its count to the metapage
 * every RUIVF_COUNT_BATCH rows, and whenever it added a block), and train
 * the lists if that makes them due.
 */
void
RuIvfAfterInsert(Relation index, Relation heap, const RuIvfMetaData *meta, bool added_block)
{
	struct InsertCount *c = NULL;
	RuIvfMetaData now;

	for (int i = 0; i < (int) lengthof(insert_counts); i++)
		if (insert_counts[i].relid == RelationGetRelid(index))
			c = &insert_counts[i];
	if (c == NULL)
	{
		c = &insert_counts[insert_counts_next];
		insert_counts_next = (insert_counts_next + 1) % lengthof(insert_counts);
		c->relid = RelationGetRelid(index);
		c->n = 0;
	}
	if (c->build_id != meta->build_id)
	{
		c->build_id = meta->build_id;	/* rows of an older generation were copied */
		c->n = 0;
	}
	c->n++;
	if (c->n < RUIVF_COUNT_BATCH && !added_block)
		return;
	update_meta(index, add_inserted, c);
	c->n = 0;
	RuIvfReadMeta(index, &now);
	if (now.build_id == meta->build_id)
		maybe_train(index, heap, &now);
}

/*
 * From amvacuumcleanup (VACUUM holds ShareUpdateExclusiveLock on the
 * table): train if due.  True if it did.
 */
bool
RuIvfTrainAfterVacuum(Relation index, IndexBulkDeleteResult *stats)
{
	RuIvfMetaData meta;
	Relation	heap;
	bool		due;
	bool		done = false;
	int		   *parts = NULL;	/* a split of the lists, instead of a training */

	if (!index->rd_index->indisvalid)
		return false;
	if (!ConditionalLockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock))
		return false;			/* a training is under way */

	/* the retired blocks may be free by now, and the file shorter */
	RuIvfReclaim(index);
	truncate_tail(index);
	RuIvfReadMeta(index, &meta);
	due = training_due(index, &meta, generation_rows(&meta), false);
	if (stats != NULL && meta.trained_nblocks > 0 && !meta.closing)
	{
		/*
		 * After a bulk delete the count of live entries is exact: the rows
		 * since the training are what it says (deletes count too).  (A
		 * VACUUM that had nothing to delete, as autovacuum's insert
		 * threshold runs on a growing table, estimates it: then only the
		 * lists' lengths count.)  A
		 * generation whose blocks hold less than half the lanes they could
		 * (blocks whose rows were deleted stay in their chains) is written
		 * anew, compact, as if due.  One with a list RUIVF_IMBALANCE times
		 * as long as the others' mean and RUIVF_LIST_GROWTH times as long as the
		 * longest list was when trained has its long lists split (SPLITS,
		 * above; trained whole if it cannot be): the data moved away from
		 * the centroids it was trained with (new rows all go to the few
		 * lists nearest to them), and the probes of a query that reaches
		 * such a list read a large share of the table.  (Lists of
		 * clustered data are uneven from the start; splitting them would
		 * not make them even, so only growth counts.)
		 */
		struct InsertCount c;
		bool		exact = !stats->estimated_count;
		double		live = stats->num_index_tuples;
		double		longest;
		int		   *perlist = palloc(sizeof(int) * Max(meta.lists, 1));
		double	   *perlanes = palloc(sizeof(double) * Max(meta.lists, 1));
		double	   *errsum = palloc(sizeof(double) * Max(meta.lists, 1) * 2);
		double	   *errn = errsum + Max(meta.lists, 1);
		bool		sq8 = meta.bits == 8 && !meta.residual;
		/* drift is measured where the training measured a baseline (DRIFT) */
		bool		measure = meta.version >= 8 && meta.trained_residual > 0.0f &&
			meta.lists >= 2 && live >= RUIVF_TRAIN_MIN_ROWS;
		RuIvfTidSample *sample = measure ? palloc0(sizeof(RuIvfTidSample)) : NULL;
		double		blocks;
		float		residual = 0.0f;
		bool		drifted = false;
		double		drift_ms = 0;
		double		mean;
		bool		uneven;

		if (sample != NULL)
			pg_prng_seed(&sample->rng, 0x5275447269667421ULL);
		/* the 8-bit lanes' coding errors matter to a split only */
		blocks = count_blocks(index, &meta, &longest, perlist, perlanes,
							  sq8 && ruvector_split_lists ? errsum : NULL, errn, sample,
							  RuIvfEmptyBlocksPending(index, meta.build_id));
		mean = blocks / Max(meta.lists, 1);

		if (exact)
		{
			c.build_id = meta.build_id;
			c.n = live - generation_rows(&meta);
			update_meta(index, add_inserted, &c);
			meta.inserted += c.n;
		}
		due = training_due(index, &meta, generation_rows(&meta), false) ||
			(exact && live >= RUIVF_TRAIN_MIN_ROWS &&
			 blocks * meta.lanes > 2.0 * live + (double) Max(meta.lists, 1) * meta.lanes);
		if (!due && sample != NULL)
		{
			instr_time	t0,
						t1;

			INSTR_TIME_SET_CURRENT(t0);
			heap = table_open(index->rd_index->indrelid, NoLock);
			residual = drift_residual(heap, index, &meta, sample);
			table_close(heap, NoLock);
			INSTR_TIME_SET_CURRENT(t1);
			INSTR_TIME_SUBTRACT(t1, t0);
			drift_ms = INSTR_TIME_GET_MILLISEC(t1);
			drifted = residual > RUIVF_DRIFT_RATIO * meta.trained_residual;
		}
		if (sample != NULL)
			pfree(sample);
		uneven = live >= RUIVF_TRAIN_MIN_ROWS && meta.lists > 1 &&
			longest > RUIVF_IMBALANCE * rest_mean(blocks, longest, meta.lists) + 2 &&
			longest > RUIVF_LIST_GROWTH * meta.trained_longest;
		if (!due && uneven && ruvector_split_lists)
		{
			parts = palloc(sizeof(int) * meta.lists);
			if (!plan_split(&meta, perlist, blocks, perlanes, parts) ||
				(sq8 && out_of_range(index, &meta, parts, errsum, errn)))
			{
				pfree(parts);
				parts = NULL;	/* trained whole */
			}
		}
		due = due || uneven || drifted;
		pfree(perlist);
		pfree(perlanes);
		pfree(errsum);
		elog(DEBUG1, "ruivf index \"%s\" after VACUUM: %.0f live rows, %.0f blocks of %d lanes, "
			 "longest list %.0f blocks (mean %.1f), residual %g (trained %g, measured in %.1f ms): %s",
			 RelationGetRelationName(index), live, blocks, meta.lanes, longest, mean,
			 residual, meta.trained_residual, drift_ms,
			 parts ? "split" : due ? "training" : "no training");
	}
	if (due)
	{
		RuIvfProgress progress;

		heap = table_open(index->rd_index->indrelid, NoLock);
		progress_begin(&progress, RelationGetRelid(heap), RelationGetRelid(index),
					   index->rd_rel->relam, RUIVF_PROGRESS_VACUUM,
					   PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE);
		if (parts != NULL)
			done = split(heap, index, &meta, parts);
		else
			done = train(heap, index);
		progress_end(&progress);
		table_close(heap, NoLock);
	}
	UnlockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
	return done;
}

PG_FUNCTION_INFO_V1(ruvector_index_maintain);

/*
 * ruvector_index_maintain(index): train the index's lists now, from the
 * rows it holds (see the file's header); returns what the metapage says
 * afterwards.  The table's owner only, as for VACUUM.
 */
Datum
ruvector_index_maintain(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Oid			heapoid = IndexGetRelation(indexoid, true);
	Relation	heap;
	Relation	index;
	RuIvfMetaData meta;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {0};
	bool		trained;
	RuIvfProgress progress;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!OidIsValid(heapoid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not an index", get_rel_name(indexoid) ? get_rel_name(indexoid) : "?"),
				 errhint("Pass a ruivf index.")));
	/* reported from here on: the locks below may wait */
	progress_begin(&progress, heapoid, indexoid, InvalidOid, RUIVF_PROGRESS_MAINTAIN,
				   RUIVF_PHASE_WAIT);
	heap = table_open(heapoid, ShareUpdateExclusiveLock);
	if (!pg_class_ownercheck(heapoid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(heap->rd_rel->relkind),
					   RelationGetRelationName(heap));
	index = index_open(indexoid, RowExclusiveLock);
	if (index->rd_indam == NULL || index->rd_indam->ambuild != ruivfbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a ruivf index", RelationGetRelationName(index)),
				 errhint("Pass an index created with USING ruivf.")));
	RuIvfRequireStorage(index, "ruvector_index_maintain");
	if (!index->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s\" is not valid", RelationGetRelationName(index)),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	pgstat_progress_update_param(PROGRESS_CREATEIDX_ACCESS_METHOD_OID, index->rd_rel->relam);
	LockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE);
	trained = train(heap, index);
	UnlockPage(index, RUIVF_METAPAGE_BLKNO, ExclusiveLock);
	progress_end(&progress);
	RuIvfReadMeta(index, &meta);
	index_close(index, RowExclusiveLock);
	table_close(heap, ShareUpdateExclusiveLock);

	values[0] = BoolGetDatum(trained);
	values[1] = Int32GetDatum(meta.lists);
	values[2] = Int64GetDatum((int64) meta.trained_rows);
	values[3] = Int32GetDatum(meta.generation);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
