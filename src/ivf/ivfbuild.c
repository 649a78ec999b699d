/*-------------------------------------------------------------------------
 *
 * ivfbuild.c
 *	  Build a ruivf index.
 *
 * THE BUILD, IN PHASES (shown in pg_stat_progress_create_index)
 *	1. sampling: one heap scan draws a uniform reservoir sample of the
 *	   vectors, as large as maintenance_work_mem allows (half of it) and at
 *	   most 20 per list (more measured no better: see docs/TUNING.md); it
 *	   also counts the rows, from which `lists` is chosen when the option is
 *	   0 (default_lists).  Too little memory for even one sample
 *	   per list is an error that names the setting; less than the ideal
 *	   sample only shrinks the sample.
 *	2. k-means on the sample (kmeans.c), and the code parameters: per
 *	   dimension, the sample's minimum (m_d) and range / 255 (s_d); with
 *	   bits = 4 the range is at most mean +- 2.7 standard deviations.
 *	3. assigning: a second heap scan collects vectors in batches of
 *	   RUIVF_ASSIGN_BATCH (fewer past RUVECTOR_MAX_DIM bits), finds each
 *	   one's nearest centroid chunk by chunk (kmeans.c), codes it and
 *	   appends it to its list's block in memory (lists x one block); a full
 *	   block is written out and becomes the head of its list's chain.
 *	4. learning: one more pass over the rows finds the true 10 nearest rows
 *	   of ~100 sampled rows, and from their lists' ranks in each query's
 *	   probe order how many lists each recall target needs (ivflearn.c;
 *	   ruvector.target_recall reads it).
 *
 * PARALLEL BUILD
 * When plan_create_index_workers() grants workers (max_parallel_maintenance_
 * workers, the table's parallel_workers, its size), phase 3 runs in
 * parallel: the leader puts the centroids and SQ8 parameters in dynamic
 * shared memory, and every participant (the workers and the leader) takes
 * heap blocks from one parallel table scan, assigns and codes its vectors
 * exactly as above, and feeds (list, TID, code) tuples to its part of a
 * shared tuplesort.  The leader then merges the sorted runs and writes the
 * blocks, one list after the other: a single writer, so no page or
 * extension locks are shared, and each list's blocks come out consecutive.
 * Phases 1 and 2 stay serial in the leader; the index is the same as a
 * serial build's except for the order of lanes within a list.
 *
 * Memory: the sample, the centroids, and one block per list, all in the
 * building backend's memory context.  Pages are written through shared
 * buffers without WAL and logged at the end with log_newpage_range; the new
 * index is invisible to every other backend until the build commits, so
 * no page lock is taken and blocks of several pages come out consecutive.
 *
 * src/ivf/ivfbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "commands/defrem.h"
#include "catalog/pg_type.h"

#include <math.h>

#include "access/parallel.h"
#include "access/relation.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "executor/instrument.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/lmgr.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplesort.h"

#include "ivf.h"
#include "../type/vector.h"

#define RUIVF_SAMPLES_PER_LIST	20
/*
 * Rows sampled at least, whatever the lists: the codes' value ranges are
 * the sample's minimum and maximum, and a lane whose values fall outside
 * is clamped, its coding error (the re-rank's bound) growing by as much.
 * A sample of 20 rows a list was too small for that: on 100,000 x 128
 * clustered floats (158 lists) the 3,160-row sample's ranges left so many
 * lanes clamped that a query re-ranked 223 rows, against 37 with 20,000
 * sampled rows, and ran at 0.65x the QPS.
 */
#define RUIVF_MIN_SAMPLE		20000
#define RUIVF_ASSIGN_BATCH		1024
/* and at most as many floats as that many vectors of RUVECTOR_MAX_DIM */
#define RUIVF_ASSIGN_BATCH_FLOATS	(RUIVF_ASSIGN_BATCH * RUVECTOR_MAX_DIM)

/* shm_toc keys of a parallel build */
#define RUIVF_KEY_SHARED		UINT64CONST(0xB1F0000000000001)
#define RUIVF_KEY_TUPLESORT		UINT64CONST(0xB1F0000000000002)
#define RUIVF_KEY_FLOATS		UINT64CONST(0xB1F0000000000003)
#define RUIVF_KEY_BUFFER_USAGE	UINT64CONST(0xB1F0000000000004)
#define RUIVF_KEY_WAL_USAGE		UINT64CONST(0xB1F0000000000005)

typedef struct RuIvfBuildState
{
	Relation	index;
	RuIvfMetric metric;
	RuIvfInput	input;			/* what the column holds (widened to float4) */
	int			dim;

	/* phase 1 */
	float	   *sample;
	int			sample_cap;
	int			nsample;
	double		seen;
	pg_prng_state rng;

	/* phase 3 */
	RuIvfState st;
	char	   *blocks;			/* lists x block pages, or one block (single_block) */
	bool		single_block;	/* input sorted by list: one block in memory */
	BlockNumber *heads;
	int32	   *list_blocks;	/* blocks written to each list */
	double		indtuples;
	unsigned char *code;
	float	   *chunks;			/* centroids in assignment chunks */
	float	   *batch;			/* batch_cap prepared vectors */
	int			batch_cap;		/* RUIVF_ASSIGN_BATCH, fewer past RUVECTOR_MAX_DIM */
	ItemPointerData *batch_tids;
	float	   *batch_raw;		/* the vectors as given (rerank = index), else NULL */
	int		   *batch_list;
	float	   *batch_best;
	int			nbatch;

	/* phase 3 of a parallel build: coded vectors go to a tuplesort */
	Tuplesortstate *sortstate;
	TupleTableSlot *slot;
	bytea	   *sortcode;		/* factors, then the code */
	pg_atomic_uint64 *shared_done;	/* tuples done by all participants */

	float	   *tmp;
	MemoryContext tmpcxt;

	/* a training of a live index (ivftrain.c), else NULL */
	RuIvfGeneration *gen;
	int		   *slot_of;		/* a split: list number -> in-memory block slot */

	/*
	 * A split's carried lists: per slot, half the distance from its centroid
	 * to the nearest new one (a lane farther than that from its own centroid
	 * may now be nearer to a new one), and the TIDs of such lanes, placed
	 * from the table instead of copied
	 */
	const double *keep;
	ItemPointerData *moved;
	int		   *moved_lists;	/* ... and their lists */
	int64		nmoved;
	int64		moved_cap;
} RuIvfBuildState;

/*
 * What the participants of a parallel build share (in the DSM segment):
 * this, then the parallel table scan at RUIVF_SCAN_OFFSET; the centroid
 * chunks and SQ8 parameters under RUIVF_KEY_FLOATS; the Sharedsort under
 * RUIVF_KEY_TUPLESORT.
 */
typedef struct RuIvfShared
{
	Oid			heaprelid;
	Oid			indexrelid;
	bool		isconcurrent;
	int			scantuplesortstates;	/* participants with a sort */
	RuIvfMetaData meta;

	/* the rest is written by the participants, under mutex */
	slock_t		mutex;
	ConditionVariable workersdonecv;
	int			nparticipantsdone;
	double		reltuples;
	double		indtuples;
	pg_atomic_uint64 tuples_done;	/* progress, without the mutex */
} RuIvfShared;

#define RUIVF_SCAN_OFFSET		BUFFERALIGN(sizeof(RuIvfShared))
#define RuIvfSharedScan(shared) \
	((ParallelTableScanDesc) ((char *) (shared) + RUIVF_SCAN_OFFSET))

PGDLLEXPORT void RuIvfParallelBuildMain(dsm_segment *seg, shm_toc *toc);

/*
 * The float4 elements of an index tuple's value (returned, in bs->tmpcxt
 * or the value's own), prepared for the metric into bs->tmp.
 */
static const float *
prepare_value(RuIvfBuildState *bs, Datum value)
{
	const float *x = RuIvfInputFloats(bs->input, value, bs->dim, NULL);

	RuIvfPrepareVector(bs->metric, x, bs->dim, bs->tmp);
	return x;
}

/* Phase 1 callback: reservoir sampling and counting. */
static void
sample_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	RuIvfBuildState *bs = (RuIvfBuildState *) state;
	MemoryContext old;
	int			slot = -1;

	(void) index;
	(void) tid;
	(void) tupleIsAlive;

	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(bs->tmpcxt);
	prepare_value(bs, values[0]);
	if (bs->nsample < bs->sample_cap)
		slot = bs->nsample++;
	else
	{
		uint64		j = pg_prng_uint64_range(&bs->rng, 0, (uint64) bs->seen);

		if (j < (uint64) bs->sample_cap)
			slot = (int) j;
	}
	if (slot >= 0)
		memcpy(bs->sample + (Size) slot * bs->dim, bs->tmp, sizeof(float) * bs->dim);
	bs->seen += 1;
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmpcxt);
}

/* Pages of one block: its code pages, then its vector pages (rerank = index). */
static inline int
block_pages(const RuIvfMetaData *meta)
{
	return meta->pages_per_block + meta->vec_pages_per_block;
}

/* Page k of list's in-memory block. */
static inline Page
mem_page(RuIvfBuildState *bs, int list, int k)
{
	return (Page) (bs->blocks + ((Size) (bs->single_block ? 0 : list) * block_pages(&bs->st.meta) + k)
				   * BLCKSZ);
}

/* Reset a list's in-memory block to empty. */
static void
reset_block(RuIvfBuildState *bs, int list)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	ItemPointerData *tids;

	for (int k = 0; k < block_pages(meta); k++)
		RuIvfInitPage(mem_page(bs, list, k),
					  k == 0 ? RUIVF_PAGE_DATA :
					  k < meta->pages_per_block ? RUIVF_PAGE_DATA_MORE : RUIVF_PAGE_VECTORS);
	for (int k = 0; k < block_pages(meta); k++)
		RuIvfPageGetOpaque(mem_page(bs, list, k))->gen = (uint16) meta->generation;
	tids = RuIvfPageTids(mem_page(bs, list, 0), meta);
	for (int l = 0; l < meta->lanes; l++)
		ItemPointerSetInvalid(&tids[l]);
}

/*
 * Write `npages` pages from `src` on new consecutive blocks of the main
 * fork; returns the first.  A new index is written without WAL (the build
 * logs it whole at the end); a new generation of a live index (gen) is
 * written beside inserters that extend the relation too, so its pages are
 * added under one extension lock, each logged as a full image, and
 * remembered as the generation's.
 */
/* Note a block as the new generation's own (it is not retired at the switch). */
static void
remember_new_block(RuIvfGeneration *gen, BlockNumber blkno)
{
	if (gen->nnew == gen->maxnew)
	{
		gen->maxnew = Max(1024, gen->maxnew * 2);
		gen->newblocks = gen->newblocks == NULL
			? palloc(sizeof(BlockNumber) * gen->maxnew)
			: repalloc(gen->newblocks, sizeof(BlockNumber) * gen->maxnew);
	}
	gen->newblocks[gen->nnew++] = blkno;
}

static BlockNumber
write_new_pages(Relation index, RuIvfGeneration *gen, const char *src, int npages)
{
	BlockNumber first = InvalidBlockNumber;

	if (gen == NULL)
	{
		for (int k = 0; k < npages; k++)
		{
			Buffer		buf = RuIvfNewBuffer(index, MAIN_FORKNUM);

			if (k == 0)
				first = BufferGetBlockNumber(buf);
			Assert(BufferGetBlockNumber(buf) == first + k);
			memcpy(BufferGetPage(buf), src + (Size) k * BLCKSZ, BLCKSZ);
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
		}
		return first;
	}

	/* free blocks an earlier generation left, if there are (ivftrain.c) */
	if (npages <= RUIVF_REUSE_MAX_PAGES && !gen->no_reuse)
	{
		Buffer		bufs[RUIVF_REUSE_MAX_PAGES];

		first = RuIvfReuseBlocks(index, npages, bufs);
		if (first != InvalidBlockNumber)
		{
			for (int k = 0; k < npages; k++)
			{
				START_CRIT_SECTION();
				memcpy(BufferGetPage(bufs[k]), src + (Size) k * BLCKSZ, BLCKSZ);
				RuIvfPageGetOpaque(BufferGetPage(bufs[k]))->gen = (uint16) gen->generation;
				MarkBufferDirty(bufs[k]);
				if (RelationNeedsWAL(index))
					log_newpage_buffer(bufs[k], true);
				END_CRIT_SECTION();
				UnlockReleaseBuffer(bufs[k]);
				remember_new_block(gen, first + k);
			}
			return first;
		}
	}

	/* the blocks, consecutive: added all-zero under the extension lock */
	LockRelationForExtension(index, ExclusiveLock);
	for (int k = 0; k < npages; k++)
	{
		Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);

		if (k == 0)
			first = BufferGetBlockNumber(buf);
		Assert(BufferGetBlockNumber(buf) == first + k);
		ReleaseBuffer(buf);
	}
	UnlockRelationForExtension(index, ExclusiveLock);

	/* then filled: no chain reaches them before the generation is switched in */
	for (int k = 0; k < npages; k++)
	{
		Buffer		buf = ReadBuffer(index, first + k);

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		START_CRIT_SECTION();
		memcpy(BufferGetPage(buf), src + (Size) k * BLCKSZ, BLCKSZ);
		/* every page of a generation carries its number (the checker's question) */
		RuIvfPageGetOpaque(BufferGetPage(buf))->gen = (uint16) gen->generation;
		MarkBufferDirty(buf);
		if (RelationNeedsWAL(index))
			log_newpage_buffer(buf, true);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(buf);
		remember_new_block(gen, first + k);
	}
	return first;
}

/* Write a list's in-memory block out as the new head of its chain. */
static void
flush_block(RuIvfBuildState *bs, int list)
{
	const RuIvfMetaData *meta = &bs->st.meta;

	RuIvfPageGetOpaque(mem_page(bs, list, 0))->next = bs->heads[list];
	bs->heads[list] = write_new_pages(bs->index, bs->gen, (const char *) mem_page(bs, list, 0),
									  block_pages(meta));
	bs->list_blocks[list]++;
	reset_block(bs, list);
}

/* Append one coded vector to its list's block in memory, writing it out when full. */
static void
append_lane(RuIvfBuildState *bs, int list, const unsigned char *code,
			RuIvfLaneFactors factors, ItemPointer tid, const float *raw)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	Page		first = mem_page(bs, list, 0);
	RuIvfPageOpaque opaque = RuIvfPageGetOpaque(first);
	Page		pages[RUIVF_MAX_PAGES_PER_BLOCK];

	for (int k = 0; k < meta->pages_per_block; k++)
		pages[k] = mem_page(bs, list, k);
	RuIvfWriteLane(pages, meta, opaque->nlanes, code);
	if (meta->rerank == RUIVF_RERANK_INDEX)
	{
		int			firstpage,
					npages,
					offset;

		RuIvfLaneVectorSpan(meta, opaque->nlanes, &firstpage, &npages, &offset);
		for (int q = firstpage; q < firstpage + npages; q++)
			RuIvfLaneVectorPage(meta, mem_page(bs, list, meta->pages_per_block + q), q,
								opaque->nlanes, (float *) raw, true);
	}
	RuIvfPageTids(first, meta)[opaque->nlanes] = *tid;
	RuIvfSetFactors(first, meta, opaque->nlanes, &factors);
	opaque->nlanes++;
	if (opaque->nlanes == meta->lanes)
		flush_block(bs, list);
}

/*
 * Code the batched vectors and append each to its nearest list's block or,
 * in a parallel build, feed it to this participant's sort.
 */
static void
assign_batch(RuIvfBuildState *bs)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	int64		done;

	if (bs->nbatch == 0)
		return;
	if (meta->lists > 0)
		RuIvfAssignNearest(bs->chunks, meta->lists, bs->dim, bs->batch, bs->nbatch,
						   bs->batch_list, bs->batch_best);
	else
		memset(bs->batch_list, 0, sizeof(int) * bs->nbatch);

	for (int i = 0; i < bs->nbatch; i++)
	{
		const float *x = bs->batch + (Size) i * bs->dim;

		if (bs->sortstate == NULL)
		{
			int			list = bs->slot_of ? bs->slot_of[bs->batch_list[i]] : bs->batch_list[i];
			RuIvfLaneFactors factors = RuIvfEncodeForList(&bs->st, x, list, bs->code);

			append_lane(bs, list, bs->code, factors, &bs->batch_tids[i],
						bs->batch_raw ? bs->batch_raw + (Size) i * bs->dim : NULL);
		}
		else
		{
			unsigned char *code = (unsigned char *) VARDATA(bs->sortcode) + sizeof(RuIvfLaneFactors);
			RuIvfLaneFactors factors = RuIvfEncodeForList(&bs->st, x, bs->batch_list[i], code);

			memcpy(VARDATA(bs->sortcode), &factors, sizeof(RuIvfLaneFactors));
			if (bs->batch_raw)
				memcpy(code + bs->dim, bs->batch_raw + (Size) i * bs->dim, sizeof(float) * bs->dim);
			ExecClearTuple(bs->slot);
			bs->slot->tts_values[0] = Int32GetDatum(bs->batch_list[i]);
			bs->slot->tts_values[1] = PointerGetDatum(&bs->batch_tids[i]);
			bs->slot->tts_values[2] = PointerGetDatum(bs->sortcode);
			memset(bs->slot->tts_isnull, 0, sizeof(bool) * 3);
			ExecStoreVirtualTuple(bs->slot);
			tuplesort_puttupleslot(bs->sortstate, bs->slot);
		}
	}
	bs->indtuples += bs->nbatch;
	done = (int64) bs->indtuples;
	if (bs->shared_done != NULL)
		done = (int64) pg_atomic_add_fetch_u64(bs->shared_done, bs->nbatch);
	bs->nbatch = 0;
	if (bs->shared_done == NULL || !IsParallelWorker())
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, done);
}

/* Phase 3 callback: add the prepared vector to the batch. */
static void
assign_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	RuIvfBuildState *bs = (RuIvfBuildState *) state;
	MemoryContext old;
	const float *x;

	(void) index;
	(void) tupleIsAlive;
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(bs->tmpcxt);
	x = prepare_value(bs, values[0]);
	memcpy(bs->batch + (Size) bs->nbatch * bs->dim, bs->tmp, sizeof(float) * bs->dim);
	if (bs->batch_raw)
		memcpy(bs->batch_raw + (Size) bs->nbatch * bs->dim, x, sizeof(float) * bs->dim);
	bs->batch_tids[bs->nbatch++] = *tid;
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmpcxt);
	if (bs->nbatch == bs->batch_cap)
		assign_batch(bs);
}

/* Size of a sorted tuple's third column: factor, code, and the vector in index mode. */
static Size
sort_code_size(const RuIvfMetaData *meta)
{
	return VARHDRSZ + sizeof(RuIvfLaneFactors) + meta->dim +
		(meta->rerank == RUIVF_RERANK_INDEX ? sizeof(float) * meta->dim : 0);
}

/* The tuples of a parallel build's sort: (list, heap TID, factor || code [|| vector]). */
static TupleDesc
sort_tupdesc(void)
{
	TupleDesc	desc = CreateTemplateTupleDesc(3);

	TupleDescInitEntry(desc, 1, "list", INT4OID, -1, 0);
	TupleDescInitEntry(desc, 2, "tid", TIDOID, -1, 0);
	TupleDescInitEntry(desc, 3, "code", BYTEAOID, -1, 0);
	return desc;
}

/* A sort on the list number: a participant's part, the leader's merge, or a serial sort. */
static Tuplesortstate *
begin_sort(TupleDesc desc, int sortmem, Sharedsort *sharedsort, int nparticipants)
{
	SortCoordinate coordinate = NULL;
	AttrNumber	attno = 1;
	Oid			op = Int4LessOperator;
	Oid			coll = InvalidOid;
	bool		nullsfirst = false;

	if (sharedsort != NULL)
	{
		coordinate = palloc0(sizeof(SortCoordinateData));
		coordinate->isWorker = (nparticipants < 0);
		coordinate->nParticipants = nparticipants;
		coordinate->sharedsort = sharedsort;
	}
	return tuplesort_begin_heap(desc, 1, &attno, &op, &coll, &nullsfirst,
								Max(sortmem, 64), coordinate, TUPLESORT_NONE);
}

/*
 * The batch buffers of phase 3 (the raw vectors only for rerank = index):
 * RUIVF_ASSIGN_BATCH vectors, fewer for bit strings past RUVECTOR_MAX_DIM
 * bits, so that the buffer is never larger than at RUVECTOR_MAX_DIM.
 */
static void
alloc_batch(RuIvfBuildState *bs)
{
	Size		floats;

	bs->batch_cap = Min(RUIVF_ASSIGN_BATCH, RUIVF_ASSIGN_BATCH_FLOATS / bs->dim);
	floats = sizeof(float) * (Size) bs->batch_cap * bs->dim;
	bs->batch = palloc_extended(floats, MCXT_ALLOC_HUGE);
	bs->batch_tids = palloc(sizeof(ItemPointerData) * bs->batch_cap);
	bs->batch_list = palloc(sizeof(int) * bs->batch_cap);
	bs->batch_best = palloc(sizeof(float) * bs->batch_cap);
	if (bs->st.meta.rerank == RUIVF_RERANK_INDEX)
		bs->batch_raw = palloc_extended(floats, MCXT_ALLOC_HUGE);
}

/*
 * Make assign_batch feed coded vectors to a sort by list: a serial one
 * (sharedsort NULL) or this participant's part of a shared one.  Returns the
 * sort's tuple descriptor.
 */
static TupleDesc
start_coding_sort(RuIvfBuildState *bs, int sortmem, Sharedsort *sharedsort)
{
	TupleDesc	desc = sort_tupdesc();

	bs->slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);
	bs->sortcode = palloc(sort_code_size(&bs->st.meta));
	SET_VARSIZE(bs->sortcode, sort_code_size(&bs->st.meta));
	bs->sortstate = begin_sort(desc, sortmem, sharedsort, sharedsort != NULL ? -1 : 0);
	return desc;
}

/*
 * Write coded vectors that come sorted by list as blocks, one list after the
 * other, with one block in memory (bs->single_block); each list's last
 * block is written when the next list begins.
 */
static void
write_sorted(RuIvfBuildState *bs, Tuplesortstate *sort, TupleDesc desc)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			cur = -1;

	Assert(bs->single_block);
	while (tuplesort_gettupleslot(sort, true, false, slot, NULL))
	{
		bool		isnull;
		int			list = DatumGetInt32(slot_getattr(slot, 1, &isnull));
		ItemPointer tid = (ItemPointer) DatumGetPointer(slot_getattr(slot, 2, &isnull));
		struct varlena *code = (struct varlena *) DatumGetPointer(slot_getattr(slot, 3, &isnull));
		RuIvfLaneFactors factors;

		Assert(VARSIZE_ANY_EXHDR(code) == sort_code_size(meta) - VARHDRSZ);
		if (list != cur)
		{
			if (cur >= 0 && RuIvfPageGetOpaque(mem_page(bs, cur, 0))->nlanes > 0)
				flush_block(bs, cur);
			cur = list;
		}
		memcpy(&factors, VARDATA_ANY(code), sizeof(RuIvfLaneFactors));
		if (meta->rerank == RUIVF_RERANK_INDEX)
			memcpy(bs->tmp, VARDATA_ANY(code) + sizeof(RuIvfLaneFactors) + meta->dim,
				   sizeof(float) * meta->dim);
		append_lane(bs, list, (unsigned char *) VARDATA_ANY(code) + sizeof(RuIvfLaneFactors),
					factors, tid,
					bs->tmp);
		CHECK_FOR_INTERRUPTS();
	}
	if (cur >= 0 && RuIvfPageGetOpaque(mem_page(bs, cur, 0))->nlanes > 0)
		flush_block(bs, cur);
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * Phase 3 in one backend when one block per list would not fit in half of
 * maintenance_work_mem: the coded vectors go through a sort by list (which
 * spills to disk as it must) and are written with one block in memory.
 */
static void
serial_sorted_assign(RuIvfBuildState *bs, Relation heap, Relation index, IndexInfo *indexInfo)
{
	TupleDesc	desc = start_coding_sort(bs, maintenance_work_mem, NULL);

	elog(DEBUG1, "ruivf build: lists written through a sort, one block in memory");
	table_index_build_scan(heap, index, indexInfo, true, true, assign_callback, bs, NULL);
	assign_batch(bs);
	tuplesort_performsort(bs->sortstate);
	write_sorted(bs, bs->sortstate, desc);
	tuplesort_end(bs->sortstate);
	bs->sortstate = NULL;
	ExecDropSingleTupleTableSlot(bs->slot);
	bs->slot = NULL;
}

/*
 * One participant of a parallel build (a worker, or the leader too): scan
 * its share of the heap, assign and code each vector, and sort the coded
 * vectors by list into its part of the shared sort.
 */
static void
participate(RuIvfShared *shared, Sharedsort *sharedsort, float *floats,
			Relation heap, Relation index, int sortmem, bool progress)
{
	RuIvfBuildState bs;
	const RuIvfMetaData *meta = &shared->meta;
	IndexInfo  *indexInfo = BuildIndexInfo(index);
	TableScanDesc scan;
	double		reltuples;

	memset(&bs, 0, sizeof(bs));
	bs.index = index;
	bs.metric = (RuIvfMetric) meta->metric;
	bs.input = RuIvfGetInput(index);
	bs.dim = meta->dim;
	bs.st.meta = *meta;
	bs.chunks = floats;
	bs.st.sq_m = floats + (Size) meta->lists * meta->dim;
	bs.st.sq_s = bs.st.sq_m + meta->dim;
	bs.st.code_m = bs.st.sq_m + 2 * meta->dim;
	bs.st.code_s = bs.st.sq_m + 3 * meta->dim;
	bs.st.centroids = RuIvfKeepsCentroids(meta) ? bs.st.sq_m + 4 * meta->dim : NULL;
	bs.tmp = palloc(sizeof(float) * bs.dim);
	bs.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf build temporary",
									  ALLOCSET_DEFAULT_SIZES);
	alloc_batch(&bs);
	start_coding_sort(&bs, sortmem, sharedsort);
	bs.shared_done = &shared->tuples_done;

	indexInfo->ii_Concurrent = shared->isconcurrent;
	scan = table_beginscan_parallel(heap, RuIvfSharedScan(shared));
	reltuples = table_index_build_scan(heap, index, indexInfo, true, progress,
									   assign_callback, &bs, scan);
	assign_batch(&bs);
	tuplesort_performsort(bs.sortstate);

	SpinLockAcquire(&shared->mutex);
	shared->nparticipantsdone++;
	shared->reltuples += reltuples;
	shared->indtuples += bs.indtuples;
	SpinLockRelease(&shared->mutex);
	ConditionVariableSignal(&shared->workersdonecv);

	tuplesort_end(bs.sortstate);
	ExecDropSingleTupleTableSlot(bs.slot);
	MemoryContextDelete(bs.tmpcxt);
}

/* Entry point of a parallel build worker (CreateParallelContext names it). */
void
RuIvfParallelBuildMain(dsm_segment *seg, shm_toc *toc)
{
	RuIvfShared *shared = shm_toc_lookup(toc, RUIVF_KEY_SHARED, false);
	Sharedsort *sharedsort = shm_toc_lookup(toc, RUIVF_KEY_TUPLESORT, false);
	float	   *floats = shm_toc_lookup(toc, RUIVF_KEY_FLOATS, false);
	LOCKMODE	heaplock = shared->isconcurrent ? ShareUpdateExclusiveLock : ShareLock;
	LOCKMODE	indexlock = shared->isconcurrent ? RowExclusiveLock : AccessExclusiveLock;
	Relation	heap;
	Relation	index;

	BufferUsage *bufferusage;
	WalUsage   *walusage;

	InstrStartParallelQuery();
	/* the leader holds the same locks: these cannot wait */
	heap = table_open(shared->heaprelid, heaplock);
	index = index_open(shared->indexrelid, indexlock);
	tuplesort_attach_shared(sharedsort, seg);
	participate(shared, sharedsort, floats, heap, index,
				maintenance_work_mem / shared->scantuplesortstates, false);
	index_close(index, indexlock);
	table_close(heap, heaplock);

	/* this worker's buffer and WAL usage, for the leader to add up */
	bufferusage = shm_toc_lookup(toc, RUIVF_KEY_BUFFER_USAGE, false);
	walusage = shm_toc_lookup(toc, RUIVF_KEY_WAL_USAGE, false);
	InstrEndParallelQuery(&bufferusage[ParallelWorkerNumber], &walusage[ParallelWorkerNumber]);
}

/*
 * Phase 3 with nworkers parallel workers, the leader taking part: returns
 * false, having done nothing, when no worker could be launched (the caller
 * then builds serially).
 */
static bool
parallel_assign(RuIvfBuildState *bs, Relation heap, Relation index, IndexInfo *indexInfo,
				int nworkers)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	ParallelContext *pcxt;
	Snapshot	snapshot;
	Size		sharedsz;
	Size		floatsz = sizeof(float) * ((Size) meta->lists * meta->dim * (RuIvfKeepsCentroids(meta) ? 2 : 1) +
										   4 * (Size) meta->dim);
	int			nparticipants = nworkers + 1;
	RuIvfShared *shared;
	Sharedsort *sharedsort;
	float	   *floats;
	Tuplesortstate *merge;
	TupleDesc	desc;
	BufferUsage *bufferusage;
	WalUsage   *walusage;

	EnterParallelMode();
	pcxt = CreateParallelContext("ruvector", "RuIvfParallelBuildMain", nworkers);
	snapshot = indexInfo->ii_Concurrent ? RegisterSnapshot(GetTransactionSnapshot()) : SnapshotAny;

	sharedsz = add_size(RUIVF_SCAN_OFFSET, table_parallelscan_estimate(heap, snapshot));
	shm_toc_estimate_chunk(&pcxt->estimator, sharedsz);
	shm_toc_estimate_chunk(&pcxt->estimator, tuplesort_estimate_shared(nparticipants));
	shm_toc_estimate_chunk(&pcxt->estimator, floatsz);
	shm_toc_estimate_chunk(&pcxt->estimator, mul_size(sizeof(BufferUsage), pcxt->nworkers));
	shm_toc_estimate_chunk(&pcxt->estimator, mul_size(sizeof(WalUsage), pcxt->nworkers));
	shm_toc_estimate_keys(&pcxt->estimator, 5);
	InitializeParallelDSM(pcxt);
	if (pcxt->seg == NULL)
		goto serial;			/* no dynamic shared memory */

	shared = shm_toc_allocate(pcxt->toc, sharedsz);
	memset(shared, 0, sizeof(RuIvfShared));
	shared->heaprelid = RelationGetRelid(heap);
	shared->indexrelid = RelationGetRelid(index);
	shared->isconcurrent = indexInfo->ii_Concurrent;
	shared->scantuplesortstates = nparticipants;
	shared->meta = *meta;
	SpinLockInit(&shared->mutex);
	ConditionVariableInit(&shared->workersdonecv);
	pg_atomic_init_u64(&shared->tuples_done, 0);
	table_parallelscan_initialize(heap, RuIvfSharedScan(shared), snapshot);

	sharedsort = shm_toc_allocate(pcxt->toc, tuplesort_estimate_shared(nparticipants));
	tuplesort_initialize_shared(sharedsort, nparticipants, pcxt->seg);

	floats = shm_toc_allocate(pcxt->toc, floatsz);
	/* chunks, sq_m, sq_s, code_m, code_s, and for residual or binary codes the centroids */
	{
		float	   *p = floats + (Size) meta->lists * meta->dim;

		memcpy(floats, bs->chunks, sizeof(float) * (Size) meta->lists * meta->dim);
		memcpy(p, bs->st.sq_m, sizeof(float) * meta->dim);
		memcpy(p + meta->dim, bs->st.sq_s, sizeof(float) * meta->dim);
		memcpy(p + 2 * meta->dim, bs->st.code_m, sizeof(float) * meta->dim);
		memcpy(p + 3 * meta->dim, bs->st.code_s, sizeof(float) * meta->dim);
		if (RuIvfKeepsCentroids(meta))
			memcpy(p + 4 * meta->dim, bs->st.centroids,
				   sizeof(float) * (Size) meta->lists * meta->dim);
	}

	shm_toc_insert(pcxt->toc, RUIVF_KEY_SHARED, shared);
	shm_toc_insert(pcxt->toc, RUIVF_KEY_TUPLESORT, sharedsort);
	shm_toc_insert(pcxt->toc, RUIVF_KEY_FLOATS, floats);
	bufferusage = shm_toc_allocate(pcxt->toc, mul_size(sizeof(BufferUsage), pcxt->nworkers));
	shm_toc_insert(pcxt->toc, RUIVF_KEY_BUFFER_USAGE, bufferusage);
	walusage = shm_toc_allocate(pcxt->toc, mul_size(sizeof(WalUsage), pcxt->nworkers));
	shm_toc_insert(pcxt->toc, RUIVF_KEY_WAL_USAGE, walusage);

	LaunchParallelWorkers(pcxt);
	if (pcxt->nworkers_launched == 0)
	{
		WaitForParallelWorkersToFinish(pcxt);
		goto serial;
	}
	nparticipants = pcxt->nworkers_launched + 1;
	elog(DEBUG1, "ruivf build: %d parallel workers launched (%d planned)",
		 pcxt->nworkers_launched, nworkers);

	/* the leader takes part like a worker, reporting the scan's progress */
	participate(shared, sharedsort, floats, heap, index,
				maintenance_work_mem / shared->scantuplesortstates, true);
	WaitForParallelWorkersToAttach(pcxt);
	ConditionVariablePrepareToSleep(&shared->workersdonecv);
	for (;;)
	{
		int			done;

		SpinLockAcquire(&shared->mutex);
		done = shared->nparticipantsdone;
		SpinLockRelease(&shared->mutex);
		if (done >= nparticipants)
			break;
		ConditionVariableSleep(&shared->workersdonecv, WAIT_EVENT_PARALLEL_CREATE_INDEX_SCAN);
	}
	ConditionVariableCancelSleep();

	/* merge the participants' runs; write the lists in order */
	desc = sort_tupdesc();
	merge = begin_sort(desc, maintenance_work_mem, sharedsort, nparticipants);
	tuplesort_performsort(merge);
	write_sorted(bs, merge, desc);
	tuplesort_end(merge);
	bs->indtuples = shared->indtuples;

	WaitForParallelWorkersToFinish(pcxt);
	for (int i = 0; i < pcxt->nworkers_launched; i++)
		InstrAccumParallelQuery(&bufferusage[i], &walusage[i]);
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	return true;

serial:
	if (IsMVCCSnapshot(snapshot))
		UnregisterSnapshot(snapshot);
	DestroyParallelContext(pcxt);
	ExitParallelMode();
	return false;
}

/* Append n floats on new consecutive float pages; returns the first block. */
static BlockNumber
write_floats(Relation index, ForkNumber fork, const float *data, Size n, RuIvfGeneration *gen)
{
	BlockNumber first = InvalidBlockNumber;

	if (gen != NULL)
	{
		/* a live index's generation: all pages in one go (write_new_pages) */
		int			npages = (int) ((n + RUIVF_FLOATS_PER_PAGE - 1) / RUIVF_FLOATS_PER_PAGE);
		char	   *pages = palloc_extended((Size) Max(npages, 1) * BLCKSZ, MCXT_ALLOC_HUGE);

		for (int p = 0; p < npages; p++)
		{
			Size		chunk = Min(n - (Size) p * RUIVF_FLOATS_PER_PAGE, (Size) RUIVF_FLOATS_PER_PAGE);

			RuIvfInitPage((Page) (pages + (Size) p * BLCKSZ), RUIVF_PAGE_FLOATS);
			memcpy(pages + (Size) p * BLCKSZ + RUIVF_CODES_OFFSET,
				   data + (Size) p * RUIVF_FLOATS_PER_PAGE, chunk * sizeof(float));
		}
		first = write_new_pages(index, gen, pages, npages);
		pfree(pages);
		return first;
	}
	do
	{
		Size		chunk = Min(n, (Size) RUIVF_FLOATS_PER_PAGE);
		Buffer		buf = RuIvfNewBuffer(index, fork);
		Page		page = BufferGetPage(buf);

		RuIvfInitPage(page, RUIVF_PAGE_FLOATS);
		memcpy((char *) page + RUIVF_CODES_OFFSET, data, chunk * sizeof(float));
		if (first == InvalidBlockNumber)
			first = BufferGetBlockNumber(buf);
		MarkBufferDirty(buf);
		if (fork == INIT_FORKNUM)
			log_newpage_buffer(buf, true);
		UnlockReleaseBuffer(buf);
		data += chunk;
		n -= chunk;
	} while (n > 0);
	return first;
}

/*
 * Write the metapage's placeholder, the float pages and the list directory
 * (all heads empty) to `fork`, filling meta's block numbers.  The metapage
 * contents are written by write_meta once the heads are known.
 */
static void
write_header(Relation index, ForkNumber fork, RuIvfMetaData *meta,
			 const float *centroids, const float *sq_params, RuIvfGeneration *gen)
{
	Buffer		buf;
	int			nlists = Max(meta->lists, 1);

	if (gen == NULL)
	{
		buf = RuIvfNewBuffer(index, fork);
		Assert(BufferGetBlockNumber(buf) == RUIVF_METAPAGE_BLKNO);
		RuIvfInitPage(BufferGetPage(buf), RUIVF_PAGE_META);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}

	meta->centroid_start = meta->lists > 0
		? write_floats(index, fork, centroids, (Size) meta->lists * meta->dim, gen)
		: InvalidBlockNumber;
	meta->sq_start = write_floats(index, fork, sq_params,
								  (Size) meta->dim * (meta->residual ? 4 : 2), gen);
	meta->listdir_npages = (nlists + RuIvfListsPerDirPage(meta) - 1) / RuIvfListsPerDirPage(meta);
	if (gen != NULL)
		return;					/* the directory comes last (write_listdir) */
	for (int p = 0; p < meta->listdir_npages; p++)
	{
		Page		page;
		BlockNumber *heads;

		buf = RuIvfNewBuffer(index, fork);
		page = BufferGetPage(buf);
		RuIvfInitPage(page, RUIVF_PAGE_LISTDIR);
		heads = RuIvfListDirHeads(page);
		for (int i = 0; i < RUIVF_LISTS_PER_PAGE; i++)
			heads[i] = InvalidBlockNumber;
		if (p == 0)
			meta->listdir_start = BufferGetBlockNumber(buf);
		MarkBufferDirty(buf);
		if (fork == INIT_FORKNUM)
			log_newpage_buffer(buf, true);
		UnlockReleaseBuffer(buf);
	}
}

/* A live index's new generation: its list directory, heads filled, on new pages. */
static void
write_listdir(Relation index, RuIvfMetaData *meta, const BlockNumber *heads, RuIvfGeneration *gen)
{
	int			nlists = Max(meta->lists, 1);
	char	   *pages = palloc((Size) meta->listdir_npages * BLCKSZ);

	for (int p = 0; p < meta->listdir_npages; p++)
	{
		Page		page = (Page) (pages + (Size) p * BLCKSZ);
		BlockNumber *h;

		RuIvfInitPage(page, RUIVF_PAGE_LISTDIR);
		h = RuIvfListDirHeads(page);
		for (int i = 0; i < RUIVF_LISTS_PER_PAGE; i++)
		{
			int			list = p * RuIvfListsPerDirPage(meta) + i;

			h[i] = i < RuIvfListsPerDirPage(meta) && list < nlists ? heads[list] : InvalidBlockNumber;
		}
	}
	meta->listdir_start = write_new_pages(index, gen, pages, meta->listdir_npages);
	pfree(pages);
}

/* Write the metapage contents and the list heads. */
static void
write_meta(Relation index, ForkNumber fork, const RuIvfMetaData *meta, const BlockNumber *heads)
{
	Buffer		buf;

	if (heads != NULL)
	{
		for (int list = 0; list < Max(meta->lists, 1); list++)
		{
			int			slot;
			BlockNumber blk = RuIvfListDirBlock(meta, list, &slot);

			buf = ReadBufferExtended(index, fork, blk, RBM_NORMAL, NULL);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			RuIvfListDirHeads(BufferGetPage(buf))[slot] = heads[list];
			MarkBufferDirty(buf);
			UnlockReleaseBuffer(buf);
		}
	}
	buf = ReadBufferExtended(index, fork, RUIVF_METAPAGE_BLKNO, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	memcpy(PageGetContents(BufferGetPage(buf)), meta, sizeof(RuIvfMetaData));
	MarkBufferDirty(buf);
	if (fork == INIT_FORKNUM)
		log_newpage_buffer(buf, true);
	UnlockReleaseBuffer(buf);
}

/*
 * A build's or a generation's build_id: scans and inserts key their state
 * by it.  The time it began, in microseconds, then the low
 * RUIVF_BUILD_ID_PID_BITS bits of the process id (two builds of one index
 * in the same microsecond would be two processes whose ids share those
 * bits); RuIvfBuildTime reads the time back.
 */
#define RUIVF_BUILD_ID_PID_BITS 12

static uint64
new_build_id(void)
{
	return ((uint64) GetCurrentTimestamp() << RUIVF_BUILD_ID_PID_BITS) |
		((uint64) MyProcPid & ((UINT64CONST(1) << RUIVF_BUILD_ID_PID_BITS) - 1));
}

/*
 * When a build whose id new_build_id made began; an id an older ruvector
 * made (the time and the process id mixed) gives a time of no meaning,
 * which sibling_centroids takes only when it falls in its window.
 */
TimestampTz
RuIvfBuildTime(uint64 build_id)
{
	return (TimestampTz) (build_id >> RUIVF_BUILD_ID_PID_BITS);
}

/* Dimensions of the indexed column, which must be declared. */
static int
index_dimensions(Relation index)
{
	int			dim = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	/* bit varying: values of any length up to the typmod, no fixed dimensions */
	if (TupleDescAttr(RelationGetDescr(index), 0)->atttypid == VARBITOID)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("type not supported for %s index", RuIvfAmName(index)),
				 errhint("Index bit strings of one length: a bit(n) column, or an expression "
						 "cast to bit(n).")));
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column as ruvector(n), e.g. ruvector(768); "
						 "cast an indexed expression to a type with dimensions, "
						 "e.g. ((v + w)::ruvector(768)).")));
	if (dim > RuIvfMaxDim(RuIvfGetInput(index)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 RuIvfGetInput(index) == RUIVF_INPUT_BIT ?
				 errmsg("column cannot have more than %d bits for a ruivf index",
						RUIVF_MAX_BIT_DIM) :
				 errmsg("column cannot have more than %d dimensions for a ruivf index",
						RUVECTOR_MAX_DIM),
				 RuIvfGetInput(index) == RUIVF_INPUT_SPARSE ?
				 errdetail("ruivf codes a sparse vector in its dense form.") : 0,
				 RuIvfGetInput(index) == RUIVF_INPUT_SPARSE ?
				 errhint("ORDER BY col <-> ... (or <#>, <=>, <+>) works without an index, as an "
						 "exact scan.") : 0));
	return dim;
}

/*
 * The re-rank representation an index gets: its option, auto resolved by
 * the bytes of the column's value (the table keeps a value inline up to
 * about RUIVF_RERANK_AUTO_DIM float4s: as many halves take half of that,
 * a bit string always fits).
 */
static int
index_rerank(Relation index, int dim)
{
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	int			rerank = opts ? opts->rerank : RUIVF_RERANK_AUTO;

	RuIvfInput	input = RuIvfGetInput(index);

	if (input == RUIVF_INPUT_SPARSE)
	{
		/* the exact distance is the sparse type's own, from the table's values */
		if (rerank == RUIVF_RERANK_INDEX)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("rerank = index is not supported for sparse vectors"),
					 errhint("Leave rerank at auto (or heap): the re-rank reads the sparse values "
							 "from the table.")));
		return RUIVF_RERANK_HEAP;
	}
	if (input == RUIVF_INPUT_BIT && dim > RUVECTOR_MAX_DIM)
	{
		/* a new block's code and vector pages are locked together (ivf.h) */
		if (rerank == RUIVF_RERANK_INDEX)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("rerank = index is not supported for bit strings of more than %d bits",
							RUVECTOR_MAX_DIM),
					 errhint("Leave rerank at auto (or heap): the re-rank reads the bit strings "
							 "from the table.")));
		return RUIVF_RERANK_HEAP;
	}
	if (rerank == RUIVF_RERANK_AUTO)
	{
		int			size = input == RUIVF_INPUT_BIT ? 0 :
			input == RUIVF_INPUT_HALF ? (dim + 1) / 2 : dim;

		rerank = size > RUIVF_RERANK_AUTO_DIM ? RUIVF_RERANK_INDEX : RUIVF_RERANK_HEAP;
	}
	return rerank;
}

/* The bits per code an index gets: its option (8 by default). */
static int
index_bits(Relation index)
{
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;

	return opts ? opts->bits : 8;
}

/* Refuse binary codes for more dimensions than one page holds (ivf.h). */
static void
check_bits_dim(int bits, int dim)
{
	if (bits == 1 && dim > RUIVF_BIT_MAX_DIM)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ruivf binary codes (bits = 1) support at most %d dimensions, not %d",
						RUIVF_BIT_MAX_DIM, dim),
				 errhint("Use bits = 8 or bits = 4 for this column.")));
}

/* Fill the parts of the metadata that depend only on dim, metric and options. */
static void
init_meta(RuIvfMetaData *meta, int dim, RuIvfMetric metric, int lists, int rerank, int bits)
{
	RuIvfGeometry g;

	check_bits_dim(bits, dim);
	g = RuIvfComputeGeometry(dim, rerank == RUIVF_RERANK_INDEX, bits);

	memset(meta, 0, sizeof(RuIvfMetaData));
	meta->magic = RUIVF_MAGIC;
	meta->version = RUIVF_VERSION;
	meta->dim = dim;
	meta->lists = lists;
	meta->metric = metric;
	meta->lanes = g.lanes;
	meta->dims_per_page = g.dims_per_page;
	meta->pages_per_block = g.pages_per_block;
	meta->rerank = rerank;
	meta->vec_pages_per_block = g.vec_pages_per_block;
	meta->bits = bits;
	meta->residual = (bits == 4 && lists > 0);
	meta->rotation_seed = bits == 1 ? RUIVF_DEFAULT_ROTATION_SEED : 0;
	meta->build_id = new_build_id();
}

/*
 * Code parameters from the sample: per dimension the minimum (m) and range
 * / 255 (s) of the values, or of the residuals from the sample's nearest
 * centroids (assign not NULL).  With clip, the range spans at most mean +-
 * RUIVF_SQ4_SIGMAS standard deviations: 4-bit codes have 16 levels, and
 * spread over the whole range the bulk of a bell-shaped dimension would get
 * a handful of them (this is about the best uniform 16-level quantizer for
 * a Gaussian); the rarer values beyond are clamped, and each lane's coding
 * error, which the re-rank's bounds use, says by how much.
 */
static void
sample_params(RuIvfBuildState *bs, const int *assign, const float *centroids, bool clip,
			  float *m, float *s)
{
	int			n = bs->nsample;

	for (int d = 0; d < bs->dim; d++)
	{
		float		lo = 0.0f,
					hi = 0.0f;
		double		sum = 0.0,
					sumsq = 0.0;

		for (int i = 0; i < n; i++)
		{
			float		v = bs->sample[(Size) i * bs->dim + d];

			if (assign)
				v -= centroids[(Size) assign[i] * bs->dim + d];
			if (i == 0 || v < lo)
				lo = v;
			if (i == 0 || v > hi)
				hi = v;
			sum += v;
			sumsq += (double) v * v;
		}
		if (clip && n > 1)
		{
			double		mean = sum / n;
			double		sd = sqrt(Max(0.0, sumsq / n - mean * mean));

			lo = (float) Max((double) lo, mean - RUIVF_SQ4_SIGMAS * sd);
			hi = (float) Min((double) hi, mean + RUIVF_SQ4_SIGMAS * sd);
		}
		m[d] = lo;
		s[d] = hi > lo ? (hi - lo) / 255.0f : 1.0f;
	}
}

/*
 * lists for a row count: sqrt(rows) / 2 (at least rows / 1000) up to a
 * million rows, then sqrt(rows).  rows / 1000, as for the incumbent's
 * IVFFlat, made fashion-mnist's 60,000 rows 60 lists, and at the default
 * probes (8) a scan read 13 % of the table: recall@10 0.9997 at 660 QPS.
 * sqrt(rows), 244 lists, gave 0.987 at 1,550-1,720 QPS, but on 200,000 x
 * 128 clustered floats only 0.875 at the default probes (rows / 1000: 0.962).
 * sqrt(rows) / 2 keeps the default's recall and is faster: fashion-mnist 122
 * lists, 0.995 at 960-1,070 QPS.
 */
static int
default_lists(double rows)
{
	double		l = rows <= 1000000 ? Max(rows / 1000, sqrt(rows) / 2) : sqrt(rows);

	return (int) Max(1, Min(l, RUIVF_MAX_LISTS));
}

/* Pick a sample of k of the n sampled rows to the front (partial shuffle). */
static void
shuffle_prefix(RuIvfBuildState *bs, int k)
{
	float	   *tmp = palloc(sizeof(float) * bs->dim);
	Size		sz = sizeof(float) * bs->dim;

	for (int i = 0; i < k; i++)
	{
		int			j = (int) pg_prng_uint64_range(&bs->rng, i, bs->nsample - 1);

		if (j != i)
		{
			memcpy(tmp, bs->sample + (Size) i * bs->dim, sz);
			memcpy(bs->sample + (Size) i * bs->dim, bs->sample + (Size) j * bs->dim, sz);
			memcpy(bs->sample + (Size) j * bs->dim, tmp, sz);
		}
	}
	pfree(tmp);
}

/* The rows of a new index: one scan of its table, as an index build does. */
static double
table_rows(Relation heap, Relation index, IndexInfo *indexInfo,
		   IndexBuildCallback callback, void *callback_state, void *arg)
{
	(void) arg;
	return table_index_build_scan(heap, index, indexInfo, true, true, callback,
								  callback_state, NULL);
}

/*
 * Build an index's lists: for CREATE INDEX (gen NULL) the whole index, from
 * a scan of the table; for a training of a live index (ivftrain.c) a new
 * generation beside the current one, from the rows gen's sources give,
 * returned in gen->meta for the caller to switch in.  Either way it reports
 * its phases as CREATE INDEX's (a training's caller has made the backend's
 * progress report its own: ivftrain.c, progress_begin).
 */
/*
 * Whether this partition's index takes its lists from a sibling's
 * (sibling_centroids): the shared_lists option, where `auto` is on for
 * the partitions of a hash-partitioned table, whose rows are spread over
 * them alike; a list or range partition may hold other rows than its
 * siblings', and lists trained on theirs would fit it worse than its own.
 */
static bool
index_shares_lists(Relation heap, Relation index)
{
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	int			mode = opts != NULL ? opts->shared_lists : RUIVF_SHARED_LISTS_AUTO;
	Oid			parent;
	HeapTuple	tp;
	char		strategy;

	if (mode == RUIVF_SHARED_LISTS_OFF || !index->rd_rel->relispartition ||
		!heap->rd_rel->relispartition)
		return false;
	if (mode == RUIVF_SHARED_LISTS_ON)
		return true;
	parent = get_partition_parent(RelationGetRelid(heap), true);
	tp = SearchSysCache1(PARTRELID, ObjectIdGetDatum(parent));
	if (!HeapTupleIsValid(tp))
		return false;
	strategy = ((Form_pg_partitioned_table) GETSTRUCT(tp))->partstrat;
	ReleaseSysCache(tp);
	return strategy == PARTITION_STRATEGY_HASH;
}

/* siblings examined at most for shared lists */
#define RUIVF_SIBLINGS_MAX		64

/*
 * Shared lists: the centroids of a sibling of this partition's index (the
 * index of another partition under the same partitioned index) with the
 * same access method, dimensions, metric, input type and bits and trained
 * lists (`want` of them, or any count when want is 0), copied into a new
 * array; NULL when there is none.  The scans of a query over the
 * partitions then read the same lists of each and order them once
 * (ivfscan.c, order_centroids), and recall at a given ruvector.probes is
 * about the single table's.
 *
 * Which sibling: the one built last.  A new index (CREATE INDEX on the
 * partitioned table, whose first partition trains and the others take its
 * lists; the index of a partition created or attached later) takes any; a
 * rebuild (REINDEX) only one built since its statement began, so that a
 * REINDEX of the partitioned index trains lists anew in its first
 * partition and the others take those, and a REINDEX of one partition's
 * index trains that index's own.  A sibling another transaction holds
 * locked is passed over rather than waited for.
 */
static float *
sibling_centroids(Relation index, int want, int dim, RuIvfMetric metric, RuIvfInput input,
				  int bits, int *lists, Oid *source)
{
	bool		created = index->rd_createSubid != InvalidSubTransactionId;
	TimestampTz since = created ? DT_NOBEGIN : GetCurrentStatementStartTimestamp();
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz best_time = DT_NOBEGIN;
	Oid			parent;
	List	   *siblings;
	ListCell   *lc;
	Oid			best = InvalidOid;
	int			examined = 0;
	float	   *out = NULL;

	parent = get_partition_parent(RelationGetRelid(index), true);
	siblings = find_inheritance_children(parent, NoLock);
	foreach(lc, siblings)
	{
		Oid			sib = lfirst_oid(lc);
		Relation	rel;

		if (sib == RelationGetRelid(index) || examined >= RUIVF_SIBLINGS_MAX)
			continue;
		if (!ConditionalLockRelationOid(sib, AccessShareLock))
			continue;
		/* (dropped since it was listed: nothing to open) */
		rel = try_relation_open(sib, NoLock);
		if (rel == NULL)
		{
			UnlockRelationOid(sib, AccessShareLock);
			continue;
		}
		if (rel->rd_rel->relkind == RELKIND_INDEX &&
			rel->rd_rel->relam == index->rd_rel->relam &&
			RelationGetNumberOfBlocks(rel) > RUIVF_METAPAGE_BLKNO)
		{
			RuIvfMetaData meta;
			TimestampTz built;

			examined++;
			if (RuIvfPeekMeta(rel, &meta) &&
				meta.dim == dim && meta.metric == (int32) metric && meta.bits == bits &&
				RuIvfGetInput(rel) == input && meta.lists > 0 &&
				(want == 0 || meta.lists == want))
			{
				built = RuIvfBuildTime(meta.build_id);
				if (built >= since && built <= now && built > best_time)
				{
					if (OidIsValid(best))
						UnlockRelationOid(best, AccessShareLock);
					best = sib;
					best_time = built;
				}
			}
		}
		relation_close(rel, NoLock);
		if (best != sib)
			UnlockRelationOid(sib, AccessShareLock);
	}
	if (OidIsValid(best))
	{
		Relation	rel = index_open(best, NoLock);
		RuIvfMetaData meta;

		RuIvfReadMeta(rel, &meta);
		*lists = meta.lists;
		*source = best;
		out = palloc_extended(sizeof(float) * (Size) meta.lists * dim, MCXT_ALLOC_HUGE);
		RuIvfReadFloats(rel, meta.centroid_start, (Size) meta.lists * dim, out);
		index_close(rel, NoLock);
		UnlockRelationOid(best, AccessShareLock);
	}
	list_free(siblings);
	return out;
}

static void
build_lists(Relation heap, Relation index, IndexInfo *indexInfo, RuIvfGeneration *gen,
			IndexBuildResult *result)
{
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	RuIvfBuildState bs;
	RuIvfMetaData *meta = &bs.st.meta;
	int			lists_opt = gen != NULL ? gen->lists : opts ? opts->lists : 0;
	RuIvfRowSource source = gen != NULL ? gen->source : table_rows;
	void	   *source_arg = gen != NULL ? gen->source_arg : NULL;
	int			lists;
	double		reltuples;
	Size		budget = (Size) maintenance_work_mem * 1024 / 2;
	int			want;
	int			ntrain;
	float	   *sq_params;
	double		heaptuples;
	int			nworkers;
	int			nlearn;
	float	   *learn_queries;
	TimestampTz t0 = GetCurrentTimestamp();
	TimestampTz t1;
	float	   *shared = NULL;	/* a sibling's centroids (sibling_centroids) */

	memset(&bs, 0, sizeof(bs));
	bs.gen = gen;
	bs.index = index;
	bs.metric = RuIvfGetMetric(index);
	bs.input = RuIvfGetInput(index);
	bs.dim = index_dimensions(index);
	check_bits_dim(index_bits(index), bs.dim);
	bs.tmp = palloc(sizeof(float) * bs.dim);
	bs.code = palloc(bs.dim);
	bs.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf build temporary",
									  ALLOCSET_DEFAULT_SIZES);
	pg_prng_seed(&bs.rng, 0x52754956464255ULL);

	/*
	 * The rows to sample for, estimated as the planner does
	 * (estimate_rel_size: the table's current pages at the density last
	 * measured), not from reltuples alone, which may be stale or unset.
	 */
	{
		BlockNumber pages;
		double		allvisfrac;

		estimate_rel_size(heap, NULL, &pages, &reltuples, &allvisfrac);
	}

	/* phase 1: sample */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_SAMPLE);
	want = RUIVF_SAMPLES_PER_LIST * (lists_opt > 0 ? lists_opt
									 : default_lists(reltuples > 0 ? reltuples : 1000000));
	want = Max(want, RUIVF_MIN_SAMPLE);
	bs.sample_cap = (int) Min((Size) want, budget / (sizeof(float) * bs.dim));
	if (lists_opt > 0 && bs.sample_cap < lists_opt)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("maintenance_work_mem is too small to train %d lists of %d dimensions",
						lists_opt, bs.dim),
				 errhint("Raise maintenance_work_mem to at least %zu kB, or use fewer lists.",
						 (Size) lists_opt * bs.dim * sizeof(float) * 2 / 1024 + 1)));
	bs.sample = palloc_extended(sizeof(float) * (Size) Max(bs.sample_cap, 1) * bs.dim,
								MCXT_ALLOC_HUGE);
	heaptuples = source(heap, index, indexInfo, sample_callback, &bs, source_arg);

	t1 = GetCurrentTimestamp();
	elog(DEBUG1, "ruivf build: sampled %d of %.0f rows in %.3f s",
		 bs.nsample, bs.seen, (double) (t1 - t0) / 1e6);
	t0 = t1;
	lists = lists_opt > 0 ? lists_opt : default_lists(bs.seen);
	if (gen == NULL && bs.nsample > 0 && index_shares_lists(heap, index))
	{
		Oid			source = InvalidOid;

		shared = sibling_centroids(index, lists_opt, bs.dim, bs.metric, bs.input,
								   index_bits(index), &lists, &source);
		if (shared != NULL)
			elog(DEBUG2, "ruivf index \"%s\" takes its %d lists from index \"%s\"",
				 RelationGetRelationName(index), lists, get_rel_name(source));
	}
	if (bs.nsample == 0)
		lists = 0;
	else if (shared != NULL)
		;						/* a sibling's lists, however many rows this has */
	else if (lists > bs.nsample)
	{
		ereport(gen != NULL ? DEBUG1 : NOTICE,
				(errmsg("ruivf index has %d lists for %d rows: using %d lists",
						lists, bs.nsample, bs.nsample),
				 errhint("Build the index after loading the data, or REINDEX after loading.")));
		lists = bs.nsample;
	}
	if (lists == 0 && gen == NULL)
		ereport(NOTICE,
				(errmsg("ruivf index built on an empty table: it trains its lists once the table has %d rows",
						RUIVF_TRAIN_MIN_ROWS),
				 errdetail("Until then every row goes to one list, scanned exactly.")));
	if ((double) lists * bs.dim * (sizeof(float) * 2 + sizeof(double)) > (double) budget * 2)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("maintenance_work_mem is too small for %d lists of %d dimensions", lists, bs.dim),
				 errhint("Raise maintenance_work_mem or use fewer lists.")));

	/* phase 2: k-means and SQ8 parameters */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_KMEANS);
	init_meta(meta, bs.dim, bs.metric, lists, index_rerank(index, bs.dim), index_bits(index));
	if (gen != NULL)
		meta->generation = gen->generation;
	/*
	 * The queries to learn the depth from (ivflearn.c) are sampled rows
	 * the k-means does not see, as a user's queries are not: trained on,
	 * they would find their neighbours in fewer lists than new queries do.
	 * At most a tenth of the sample, so that a small table's k-means keeps
	 * most of its rows.
	 */
	nlearn = lists > 1 && bs.nsample > lists ?
		RuIvfLearnQueries(bs.seen, bs.dim, Min(bs.nsample - lists, bs.nsample / 10)) : 0;
	ntrain = Min(bs.nsample - nlearn, RUIVF_SAMPLES_PER_LIST * Max(lists, 1));
	shuffle_prefix(&bs, ntrain + nlearn);	/* the training rows, then the queries */
	sq_params = palloc(sizeof(float) * bs.dim * 4);
	sample_params(&bs, NULL, NULL, meta->bits == 4 && !meta->residual,
				  sq_params, sq_params + bs.dim);
	bs.st.sq_m = sq_params;
	bs.st.sq_s = sq_params + bs.dim;
	if (lists > 0)
	{
		if (shared != NULL)
			bs.st.centroids = shared;
		else
		{
			bs.st.centroids = palloc_extended(sizeof(float) * (Size) lists * bs.dim,
											  MCXT_ALLOC_HUGE);
			RuIvfKmeans(bs.sample, ntrain, bs.dim, lists, bs.st.centroids,
						bs.metric == RUIVF_METRIC_COSINE);
		}
		bs.chunks = palloc_extended(sizeof(float) * (Size) lists * bs.dim, MCXT_ALLOC_HUGE);
		RuIvfCentroidChunks(bs.st.centroids, lists, bs.dim, bs.chunks);
	}
	bs.st.code_m = bs.st.sq_m;
	bs.st.code_s = bs.st.sq_s;
	if (meta->residual)
	{
		/* the residuals' parameters, from the sample and its nearest centroids */
		int		   *assign = palloc(sizeof(int) * bs.nsample);
		float	   *best = palloc(sizeof(float) * bs.nsample);

		RuIvfAssignNearest(bs.chunks, lists, bs.dim, bs.sample, bs.nsample, assign, best);
		bs.st.code_m = sq_params + 2 * bs.dim;
		bs.st.code_s = sq_params + 3 * bs.dim;
		sample_params(&bs, assign, bs.st.centroids, true, bs.st.code_m, bs.st.code_s);
		pfree(assign);
		pfree(best);
	}
	/* an inner-product index of rows of one norm ranks its lists by L2 (ivf.h) */
	meta->row_norm = lists >= 2 ? RuIvfRowNorm(bs.metric, bs.sample, bs.nsample, bs.dim) : 0.0f;
	/* the learning queries: the random rows right after the training ones */
	learn_queries = palloc(sizeof(float) * (Size) Max(nlearn, 1) * bs.dim);
	memcpy(learn_queries, bs.sample + (Size) ntrain * bs.dim,
		   sizeof(float) * (Size) nlearn * bs.dim);
	pfree(bs.sample);
	bs.sample = NULL;

	write_header(index, MAIN_FORKNUM, meta, bs.st.centroids, sq_params, gen);
	t1 = GetCurrentTimestamp();
	elog(DEBUG1, "ruivf build: %d lists trained on %d vectors in %.3f s",
		 lists, ntrain, (double) (t1 - t0) / 1e6);
	t0 = t1;

	/* phase 3: assign every row */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_ASSIGN);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs.seen);
	nworkers = lists > 0 && gen == NULL ? plan_create_index_workers(RelationGetRelid(heap),
													  RelationGetRelid(index)) : 0;
	/* one block per list in memory, unless too large or the input comes sorted */
	bs.single_block = nworkers > 0 || (gen == NULL &&
		(double) Max(lists, 1) * block_pages(meta) * BLCKSZ > (double) maintenance_work_mem * 1024 / 2);
	bs.blocks = palloc_extended((Size) (bs.single_block ? 1 : Max(lists, 1)) * block_pages(meta) * BLCKSZ,
								MCXT_ALLOC_HUGE);
	bs.heads = palloc(sizeof(BlockNumber) * Max(lists, 1));
	bs.list_blocks = palloc0(sizeof(int32) * Max(lists, 1));
	for (int l = 0; l < Max(lists, 1); l++)
	{
		bs.heads[l] = InvalidBlockNumber;
		if (!bs.single_block || l == 0)
			reset_block(&bs, l);
	}
	if (nworkers > 0 && parallel_assign(&bs, heap, index, indexInfo, nworkers))
		;						/* done by the participants and the leader's merge */
	else if (bs.seen > 0)
	{
		alloc_batch(&bs);		/* participants have their own */
		if (bs.single_block)
			serial_sorted_assign(&bs, heap, index, indexInfo);
		else
		{
			source(heap, index, indexInfo, assign_callback, &bs, source_arg);
			assign_batch(&bs);
		}
	}

	/*
	 * phase 4: how many lists each recall target needs, from the rows just
	 * assigned (a training learns before it closes: inserts do not wait)
	 */
	if (nlearn > 0)
	{
		t1 = GetCurrentTimestamp();
		elog(DEBUG1, "ruivf build: %.0f vectors assigned in %.3f s",
			 bs.indtuples, (double) (t1 - t0) / 1e6);
		t0 = t1;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_LEARN);
		RuIvfLearnDepth(heap, index, indexInfo, source, source_arg, NULL, 0, learn_queries, nlearn,
						bs.chunks, meta);
		t1 = GetCurrentTimestamp();
		elog(DEBUG1, "ruivf build: depth learned from %d queries in %.3f s",
			 nlearn, (double) (t1 - t0) / 1e6);
		t0 = t1;
	}
	pfree(learn_queries);
	if (gen != NULL)
	{
		/* the rows added meanwhile, while inserts wait */
		if (bs.batch == NULL)
			alloc_batch(&bs);
		pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_DELTA);
		gen->close(index, gen->delta_arg);
		gen->delta(heap, index, indexInfo, assign_callback, &bs, gen->delta_arg);
		assign_batch(&bs);
	}
	for (int l = 0; l < Max(lists, 1); l++)
		if (RuIvfPageGetOpaque(mem_page(&bs, l, 0))->nlanes > 0)
			flush_block(&bs, l);
	for (int l = 0; l < Max(lists, 1); l++)
		meta->trained_longest = Max(meta->trained_longest, bs.list_blocks[l]);
	if (gen != NULL)
		write_listdir(index, meta, bs.heads, gen);
	else
	{
		meta->trained_rows = bs.indtuples;
		meta->trained_nblocks = RelationGetNumberOfBlocks(index);
		meta->retired_start = InvalidBlockNumber;
		write_meta(index, MAIN_FORKNUM, meta, bs.heads);
	}
	t1 = GetCurrentTimestamp();
	elog(DEBUG1, "ruivf build: %.0f vectors written in %.3f s",
		 bs.indtuples, (double) (t1 - t0) / 1e6);
	t0 = t1;

	if (RelationNeedsWAL(index) && gen == NULL)
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	elog(DEBUG1, "ruivf build: WAL-logged in %.3f s",
		 (double) (GetCurrentTimestamp() - t0) / 1e6);
	MemoryContextDelete(bs.tmpcxt);
	if (gen != NULL)
	{
		meta->trained_rows = bs.indtuples;
		gen->meta = *meta;
	}
	result->heap_tuples = heaptuples;
	result->index_tuples = bs.indtuples;
}

/*
 * An upper bound of the distance from a lane's row (prepared) to its list's
 * centroid: a binary code's factor is that distance; an SQ code's decoded
 * value is within its coding error (f.err) of the row.
 */
static double
lane_radius(const RuIvfBuildState *bs, int list, const unsigned char *code, RuIvfLaneFactors f)
{
	const RuIvfState *st = &bs->st;
	const float *c = st->centroids + (Size) list * bs->dim;
	float		mult = st->meta.bits == 4 ? (float) RUIVF_SQ4_STEP : 1.0f;
	double		sum = 0.0;

	if (st->meta.bits == 1)
		return (double) f.factor * (1.0 + 1e-5) + 1e-6;
	for (int d = 0; d < bs->dim; d++)
	{
		double		decoded = (double) st->code_m[d] + (double) (st->code_s[d] * mult) * code[d];
		double		r = st->meta.residual ? decoded : decoded - c[d];

		sum += r * r;
	}
	return sqrt(sum) * (1.0 + 1e-5) + (double) f.err + 1e-6;
}

/* Add tid, of list `list`, to the rows a split places from the table (bs->moved). */
static void
note_moved(RuIvfBuildState *bs, ItemPointer tid, int list)
{
	if (bs->nmoved == bs->moved_cap)
	{
		Size		bytes;

		bs->moved_cap = Max(1024, bs->moved_cap * 2);
		bytes = sizeof(ItemPointerData) * (Size) bs->moved_cap;
		bs->moved = bs->moved == NULL ? MemoryContextAllocHuge(CurrentMemoryContext, bytes)
			: repalloc_huge(bs->moved, bytes);
		bytes = sizeof(int) * (Size) bs->moved_cap;
		bs->moved_lists = bs->moved_lists == NULL
			? MemoryContextAllocHuge(CurrentMemoryContext, bytes)
			: repalloc_huge(bs->moved_lists, bytes);
	}
	bs->moved_lists[bs->nmoved] = list;
	bs->moved[bs->nmoved++] = *tid;
}

/*
 * RuIvfBuildSplit's sink: a carried lane into its list's new blocks, as it
 * is; or, if its row may be nearer to one of the new lists than to its own
 * (keep[]), its TID to the rows placed from the table.
 */
static void
copy_lane(int list, const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid,
		  const float *raw, void *state)
{
	RuIvfBuildState *bs = (RuIvfBuildState *) state;

	if (lane_radius(bs, list, code, factors) > bs->keep[list])
	{
		note_moved(bs, tid, list);
		return;
	}
	append_lane(bs, list, code, factors, tid, raw);
	bs->indtuples += 1;
}

/*
 * keep[] of RuIvfBuildSplit for the carried lists (parts[l] == 1, their
 * centroids at their numbers in centroids[]): half the distance from each
 * one's centroid to the nearest of the nfresh centroids the split makes.
 * By the triangle inequality a row no farther than that from its list's
 * centroid is no nearer to any new centroid, and the lists that stay keep
 * their centroids, so it stays where it is; a row farther may have a new
 * list nearer (rows that drifted to where a list was split went to the
 * lists nearest to them then, anywhere around it).
 */
static double *
keep_radii(const float *centroids, int cur_lists, const float *fresh, int nfresh, int dim,
		   const int *parts)
{
	double	   *keep = palloc(sizeof(double) * cur_lists);
	float	   *chunks = palloc_extended(sizeof(float) * (Size) Max(nfresh, 1) * dim,
										 MCXT_ALLOC_HUGE);
	float	   *d = palloc(sizeof(float) * Max(nfresh, 1));

	RuIvfCentroidChunks(fresh, nfresh, dim, chunks);
	for (int l = 0; l < cur_lists; l++)
	{
		float		best = INFINITY;

		keep[l] = INFINITY;
		if (parts[l] != 1)
			continue;
		CHECK_FOR_INTERRUPTS();
		for (int c0 = 0; c0 < nfresh; c0 += RUIVF_CHUNK)
			rv_kernels.l2sq_batch(centroids + (Size) l * dim, chunks + (Size) c0 * dim, dim,
								  Min(RUIVF_CHUNK, nfresh - c0), d + c0);
		for (int c = 0; c < nfresh; c++)
			best = Min(best, d[c]);
		/* the float kernel's rounding, on the safe side */
		keep[l] = 0.5 * sqrt((double) best) * (1.0 - 1e-3);
	}
	pfree(chunks);
	pfree(d);
	return keep;
}

/*
 * Rows a split clusters (RuIvfBuildSplit): prepared vectors, all of them
 * or, past `limit`, a uniform sample (reservoir) of the `seen`.
 */
typedef struct RuIvfSplitRows
{
	RuIvfBuildState *bs;
	MemoryContext cxt;			/* where x lives (the callback runs in the
								 * walk's per-row context) */
	float	   *x;
	int			n;
	int			cap;			/* allocated */
	int			limit;
	double		seen;
} RuIvfSplitRows;

/* Keep the prepared vector bs->tmp in r. */
static void
split_keep(RuIvfSplitRows *r)
{
	RuIvfBuildState *bs = r->bs;
	int			dim = bs->dim;
	int			at = r->n;

	r->seen += 1;
	if (r->n == r->limit)
	{
		uint64		j = pg_prng_uint64_range(&bs->rng, 0, (uint64) r->seen - 1);

		if (j >= (uint64) r->limit)
			return;
		at = (int) j;
	}
	else if (r->n == r->cap)
	{
		Size		fbytes;

		r->cap = Min(Max(256, r->cap * 2), r->limit);
		fbytes = sizeof(float) * (Size) r->cap * dim;
		r->x = r->x == NULL ? MemoryContextAllocHuge(r->cxt, fbytes) : repalloc_huge(r->x, fbytes);
	}
	memcpy(r->x + (Size) at * dim, bs->tmp, sizeof(float) * dim);
	if (at == r->n)
		r->n++;
}

/* Start r, in the current memory context, keeping at most limit rows. */
static void
split_rows_init(RuIvfSplitRows *r, RuIvfBuildState *bs, int limit)
{
	memset(r, 0, sizeof(*r));
	r->bs = bs;
	r->cxt = CurrentMemoryContext;
	r->limit = Max(limit, 1);
}

/* gen->list_rows callback: keep a row of a list being split. */
static void
split_row_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				   bool tupleIsAlive, void *state)
{
	RuIvfSplitRows *r = (RuIvfSplitRows *) state;
	RuIvfBuildState *bs = r->bs;
	MemoryContext old;

	(void) index;
	(void) tid;
	(void) tupleIsAlive;
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(bs->tmpcxt);
	prepare_value(bs, values[0]);
	split_keep(r);
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmpcxt);
}

/*
 * The rows of the carried lists that may move (flag_lane), read to find
 * those nearer to one of a split's first parts than to their own list's
 * centroid: they are clustered with the split lists' rows.
 */
typedef struct RuIvfMovers
{
	RuIvfSplitRows rows;		/* those that move */
	const ItemPointerData *tids;	/* the rows read, in TID order */
	const int  *lists;			/* ... and their lists */
	int64		ntids;
	int64		at;				/* the next of them */
	const float *centroids;		/* the current lists' (by number) */
	const float *chunks;		/* the parts', in assignment chunks */
	int			nparts;
	float	   *d;				/* nparts distances */
} RuIvfMovers;

/* gen->fetch_rows callback of the sizing: keep the row if a part is nearer. */
static void
mover_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	RuIvfMovers *m = (RuIvfMovers *) state;
	RuIvfBuildState *bs = m->rows.bs;
	int			dim = bs->dim;
	MemoryContext old;
	float		own;
	float		best = INFINITY;

	(void) index;
	(void) tupleIsAlive;
	/* rows pruned dead are skipped: find this one's lane */
	while (m->at < m->ntids && !ItemPointerEquals((ItemPointer) &m->tids[m->at], tid))
		m->at++;
	if (isnull[0] || m->at == m->ntids)
		return;
	old = MemoryContextSwitchTo(bs->tmpcxt);
	prepare_value(bs, values[0]);
	rv_kernels.l2sq_batch(bs->tmp, m->centroids + (Size) m->lists[m->at] * dim, dim, 1, &own);
	for (int c0 = 0; c0 < m->nparts; c0 += RUIVF_CHUNK)
		rv_kernels.l2sq_batch(bs->tmp, m->chunks + (Size) c0 * dim, dim,
							  Min(RUIVF_CHUNK, m->nparts - c0), m->d + c0);
	for (int c = 0; c < m->nparts; c++)
		best = Min(best, m->d[c]);
	if (best < own)
		split_keep(&m->rows);
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmpcxt);
}

/* RuIvfBuildSplit's sink while it sizes the split: the lanes that may move, and their lists. */
static void
flag_lane(int list, const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid,
		  const float *raw, void *state)
{
	RuIvfBuildState *bs = (RuIvfBuildState *) state;

	(void) raw;
	bs->indtuples += 1;
	if (lane_radius(bs, list, code, factors) > bs->keep[list])
		note_moved(bs, tid, list);
}

/* qsort of flagged lanes (moved[], moved_lists[]) by TID */
typedef struct RuIvfFlagged
{
	ItemPointerData tid;
	int			list;
} RuIvfFlagged;

static int
cmp_flagged(const void *a, const void *b)
{
	return ItemPointerCompare((ItemPointer) &((const RuIvfFlagged *) a)->tid,
							  (ItemPointer) &((const RuIvfFlagged *) b)->tid);
}

/*
 * Drifting rows fill the lists around the one that grows, not only that
 * one: the rows of the carried lists nearer to one of the first parts
 * (k-means of the split lists' rows) than to their own list's centroid, in
 * *movers (a sample past its limit).  Their lanes are those flag_lane
 * finds against those parts; each is read from the table.  A split that
 * clustered the split lists' rows alone would leave its parts longer than
 * the others once those rows came (at 1,000,000 rows: 2.4 times), and
 * shaped to rows that are not all theirs.  Returns the rows of the carried
 * lists, and in *flagged how many were read.
 */
static double
find_movers(RuIvfBuildState *bs, Relation heap, Relation index, IndexInfo *indexInfo,
			const float *centroids, int cur_lists, const int *parts, const float *first,
			int nfirst, RuIvfMovers *movers, double *flagged)
{
	int			dim = bs->dim;
	double		carried;
	RuIvfFlagged *f;
	ItemPointerData *tids;
	int		   *lists;
	float	   *chunks;

	bs->keep = keep_radii(centroids, cur_lists, first, nfirst, dim, parts);
	for (int l = 0; l < cur_lists; l++)
		if (parts[l] == 1)
		{
			CHECK_FOR_INTERRUPTS();
			bs->gen->copy_list(index, l, flag_lane, bs, bs->gen->source_arg);
		}
	carried = bs->indtuples;
	bs->indtuples = 0;
	pfree((void *) bs->keep);
	bs->keep = NULL;

	/* in TID order (fetch_rows reads them so) */
	f = palloc_extended(sizeof(RuIvfFlagged) * (Size) Max(bs->nmoved, 1), MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < bs->nmoved; i++)
	{
		f[i].tid = bs->moved[i];
		f[i].list = bs->moved_lists[i];
	}
	qsort(f, bs->nmoved, sizeof(RuIvfFlagged), cmp_flagged);
	tids = bs->moved;
	lists = bs->moved_lists != NULL ? bs->moved_lists : palloc(sizeof(int));
	for (int64 i = 0; i < bs->nmoved; i++)
	{
		tids[i] = f[i].tid;
		lists[i] = f[i].list;
	}
	pfree(f);

	chunks = palloc_extended(sizeof(float) * (Size) Max(nfirst, 1) * dim, MCXT_ALLOC_HUGE);
	RuIvfCentroidChunks(first, nfirst, dim, chunks);
	movers->tids = tids;
	movers->lists = lists;
	movers->ntids = bs->nmoved;
	movers->at = 0;
	movers->centroids = centroids;
	movers->chunks = chunks;
	movers->nparts = nfirst;
	movers->d = palloc(sizeof(float) * Max(nfirst, 1));
	if (bs->nmoved > 0)
		bs->gen->fetch_rows(heap, index, indexInfo, tids, bs->nmoved, mover_callback, movers,
							bs->gen->source_arg);
	pfree(chunks);
	pfree(movers->d);
	*flagged = bs->nmoved;
	bs->nmoved = 0;				/* the copy flags them again, against the
								 * final parts */
	return carried;
}

/* Move a random n of r's rows to its front (a uniform subsample). */
static void
split_subsample(RuIvfSplitRows *r, int n)
{
	int			dim = r->bs->dim;
	float	   *tmp = palloc(sizeof(float) * dim);

	for (int i = 0; i < n && i < r->n; i++)
	{
		int			j = (int) pg_prng_uint64_range(&r->bs->rng, i, r->n - 1);

		memcpy(tmp, r->x + (Size) i * dim, sizeof(float) * dim);
		memcpy(r->x + (Size) i * dim, r->x + (Size) j * dim, sizeof(float) * dim);
		memcpy(r->x + (Size) j * dim, tmp, sizeof(float) * dim);
	}
	r->n = Min(r->n, n);
	pfree(tmp);
}

/*
 * A split of a live index's lists (ivftrain.c, SPLITS): a new generation in
 * which the lists with parts[l] > 1 are clustered anew, with the rows of
 * other lists that are nearer to their first parts than to their own list
 * (find_movers), into as many lists as those rows fill at the other lists'
 * mean length (the first parts take the split lists' places, the others
 * are added after the last list); each list with parts[l] == 0 is
 * dissolved (the lists after it move up one number each), and every other
 * list is carried over lane by lane: codes, factors, TIDs and vectors
 * copied into new blocks, since its centroid, the code parameters and the
 * rotation do not change; but for the lanes whose rows may be nearer to a
 * new list (keep_radii).  The rows of the split and dissolved lists and of
 * those lanes are read from the table (the split lists' twice: for the
 * k-means and to place them) and go to their nearest list of the new
 * generation, and so do the rows added during the split (gen->delta).
 * Fills gen->meta as RuIvfBuildGeneration does.
 *
 * In memory each list of the new generation has a block in a slot: the
 * current lists' numbers, then the new parts'; slot_of maps the new
 * generation's list numbers (the slots left after the dissolved ones) to
 * slots, for the rows assigned by their nearest centroid.
 *
 * False, having written nothing, where a training is better (below).
 */
bool
RuIvfBuildSplit(Relation heap, Relation index, IndexInfo *indexInfo, RuIvfGeneration *gen,
				const RuIvfMetaData *cur, const int *parts)
{
	RuIvfBuildState bs;
	RuIvfMetaData *meta = &bs.st.meta;
	int			dim = cur->dim;
	int			nparams = dim * (cur->residual ? 4 : 2);
	int			maxlists = cur->lists;
	int			next = cur->lists;
	int			nlists;
	float	   *centroids;
	float	   *listed;
	float	   *params;
	float	   *kc;				/* the parts' centroids */
	int			nsplit = 0;		/* lists split */
	int			ndissolved = 0; /* lists dissolved */
	int			nfirst = 0;		/* parts first */
	int			nparts = 0;		/* parts made */
	bool	   *gone;			/* split lists left without a part */
	RuIvfSplitRows splitrows;
	RuIvfMovers movers;
	bool	   *used;
	BlockNumber *heads;
	int			nfresh = 0;		/* the new lists, and the blocks they and all hold */
	int			fresh_longest = 0;
	double		fresh_blocks = 0,
				all_blocks = 0;
	float	   *region;			/* the split lists' rows (prepared), to learn from */
	int			nregion = 0;
	int			region_cap;

	Assert(cur->lists > 0 && cur->version == RUIVF_VERSION);

	memset(&bs, 0, sizeof(bs));
	bs.gen = gen;
	bs.index = index;
	bs.metric = RuIvfGetMetric(index);
	bs.input = RuIvfGetInput(index);
	bs.dim = dim;
	bs.tmp = palloc(sizeof(float) * dim);
	bs.code = palloc(dim);
	bs.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf split temporary",
									  ALLOCSET_DEFAULT_SIZES);

	/* the current generation's metapage, centroids and code parameters */
	*meta = *cur;
	meta->generation = gen->generation;
	meta->build_id = new_build_id();
	meta->closing = 0;
	meta->pending_from = 0;
	meta->inserted = 0;

	/*
	 * The length VACUUM measures growth against (ivftrain.c, WHEN): the
	 * last training's longest list, or a longer carried one; not the new
	 * lists, so that one that came out uneven is split again when it is
	 * twice that and four times the mean, instead of raising the bar
	 */
	meta->trained_longest = cur->trained_longest;
	centroids = palloc_extended(sizeof(float) * (Size) cur->lists * dim, MCXT_ALLOC_HUGE);
	RuIvfReadFloats(index, cur->centroid_start, (Size) cur->lists * dim, centroids);
	params = palloc(sizeof(float) * nparams);
	RuIvfReadFloats(index, cur->sq_start, nparams, params);
	bs.st.centroids = centroids;	/* by slot */
	bs.st.sq_m = params;
	bs.st.sq_s = params + dim;
	bs.st.code_m = cur->residual ? params + 2 * dim : params;
	bs.st.code_s = cur->residual ? params + 3 * dim : params + dim;
	region = NULL;
	region_cap = (int) Min((double) INT_MAX,
						   (double) maintenance_work_mem * 1024 / 4 / (sizeof(float) * dim));

	/*
	 * The split lists' rows (read from the table, a sample past half the
	 * memory it may use) by k-means into parts, first as many as the lists
	 * hold rows of the mean length (plan_split); then the rows of other
	 * lists nearer to those parts than to their own lists (find_movers)
	 * join them, and both are clustered into as many parts as they fill, as
	 * far as the memory for one block per list allows
	 */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_ASSIGN);
	pg_prng_seed(&bs.rng, 0x53706c6974ULL);
	split_rows_init(&splitrows, &bs, region_cap / 2);
	for (int l = 0; l < cur->lists; l++)
	{
		CHECK_FOR_INTERRUPTS();
		ndissolved += parts[l] == 0;
		if (parts[l] < 2)
			continue;
		nsplit++;
		nfirst += Min(parts[l], RUIVF_SPLIT_MAX_PARTS);
		gen->list_rows(heap, index, indexInfo, l, split_row_callback, &splitrows, gen->source_arg);
	}
	nfirst = Min(nfirst, splitrows.n);
	kc = palloc_extended(sizeof(float) * (Size) Max(nsplit, 1) * RUIVF_SPLIT_MAX_PARTS * dim,
						 MCXT_ALLOC_HUGE);
	gone = palloc0(sizeof(bool) * cur->lists);
	if (nfirst >= 1)
	{
		double		budget = Min((double) RUIVF_MAX_LISTS,
								 (double) maintenance_work_mem * 1024 / 2 /
								 ((double) block_pages(meta) * BLCKSZ));
		RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
		double		carried,
					flagged,
					rows,
					wanted,
					per_list;
		int			want;

		RuIvfKmeans(splitrows.x, splitrows.n, dim, nfirst, kc, bs.metric == RUIVF_METRIC_COSINE);
		split_rows_init(&movers.rows, &bs, region_cap / 2);
		carried = find_movers(&bs, heap, index, indexInfo, centroids, cur->lists, parts, kc,
							  nfirst, &movers, &flagged);

		/*
		 * Parts of the length a build of this many rows gives its lists (the
		 * lists option, or the default for the rows), not the carried
		 * lists' mean, which deletes shrink
		 */
		rows = carried + splitrows.seen;
		wanted = opts && opts->lists > 0 ? opts->lists : RuIvfDefaultLists(rows);
		per_list = Max(rows / wanted, 1.0);
		want = (int) ceil((splitrows.seen + movers.rows.seen) / per_list);
		want = (int) Min((double) want, (double) nsplit * RUIVF_SPLIT_MAX_PARTS);
		want = (int) Min((double) want, budget - (cur->lists - nsplit));
		nparts = Max(want, Min(2, nfirst));

		/*
		 * A training instead when a large share of the rows would move (the
		 * long lists' and those joining them: the data moved as a whole,
		 * cluster it anew; on 100,000 rows with half of them drifting each
		 * cycle, splits saved no time and lost recall against trainings),
		 * or when the split would leave the index with far more lists than
		 * a build would give it (lists that deletes thinned are only
		 * dissolved when nearly empty)
		 */
		if (splitrows.seen + movers.rows.seen > RUIVF_SPLIT_ROWS_MAX * rows ||
			cur->lists - nsplit - ndissolved + nparts > RUIVF_SPLIT_LISTS_MAX * wanted)
		{
			elog(DEBUG1, "ruivf split of index \"%s\" not done: %.0f of %.0f rows in the lists "
				 "to split, %.0f more would join them (%.0f read), %d lists after it (%.0f wanted): "
				 "trained whole instead",
				 RelationGetRelationName(index), splitrows.seen, rows, movers.rows.seen, flagged,
				 cur->lists - nsplit - ndissolved + nparts, wanted);
			if (splitrows.x != NULL)
				pfree(splitrows.x);
			if (movers.rows.x != NULL)
				pfree(movers.rows.x);
			pfree(kc);
			pfree(gone);
			pfree(centroids);
			MemoryContextDelete(bs.tmpcxt);
			return false;
		}

		/* one sample of both at the same rate */
		{
			double		rate = 1.0;

			if (splitrows.seen > 0)
				rate = Min(rate, splitrows.n / splitrows.seen);
			if (movers.rows.seen > 0)
				rate = Min(rate, movers.rows.n / movers.rows.seen);

			split_subsample(&splitrows, (int) ceil(rate * splitrows.seen));
			split_subsample(&movers.rows, (int) ceil(rate * movers.rows.seen));
		}
		nregion = splitrows.n + movers.rows.n;
		region = palloc_extended(sizeof(float) * (Size) Max(nregion, 1) * dim, MCXT_ALLOC_HUGE);
		memcpy(region, splitrows.x, sizeof(float) * (Size) splitrows.n * dim);
		if (movers.rows.n > 0)
			memcpy(region + (Size) splitrows.n * dim, movers.rows.x,
				   sizeof(float) * (Size) movers.rows.n * dim);
		nparts = Min(nparts, nregion);
		if (nparts >= 1)
			RuIvfKmeans(region, nregion, dim, nparts, kc, bs.metric == RUIVF_METRIC_COSINE);
		if (movers.rows.x != NULL)
			pfree(movers.rows.x);
		elog(DEBUG1, "ruivf split of index \"%s\": %.0f rows of %d lists, %.0f rows of others "
			 "nearer to them: %d lists of %.0f rows (a build's length)",
			 RelationGetRelationName(index), splitrows.seen, nsplit, movers.rows.seen, nparts,
			 per_list);
	}
	if (splitrows.x != NULL)
		pfree(splitrows.x);
	maxlists = cur->lists + Max(nparts - nsplit, 0);

	/* the parts in the split lists' places, the others after the last */
	centroids = repalloc_huge(centroids, sizeof(float) * (Size) maxlists * dim);
	bs.st.centroids = centroids;
	{
		int			j = 0;

		for (int l = 0; l < cur->lists; l++)
			if (parts[l] >= 2)
			{
				if (j < nparts)
					memcpy(centroids + (Size) l * dim, kc + (Size) j * dim, sizeof(float) * dim);
				else
					gone[l] = true; /* fewer parts than split lists */
				j++;
			}
		for (; j < nparts; j++)
			memcpy(centroids + (Size) next++ * dim, kc + (Size) j * dim, sizeof(float) * dim);
	}
	Assert(next == maxlists);

	/* one block per slot in memory */
	bs.blocks = palloc_extended((Size) maxlists * block_pages(meta) * BLCKSZ, MCXT_ALLOC_HUGE);
	bs.heads = palloc(sizeof(BlockNumber) * maxlists);
	bs.list_blocks = palloc0(sizeof(int32) * maxlists);
	used = palloc(sizeof(bool) * maxlists);
	for (int l = 0; l < maxlists; l++)
	{
		bs.heads[l] = InvalidBlockNumber;
		/* a dissolved list's rows wait for the final centroids */
		used[l] = l >= cur->lists || (parts[l] != 0 && !gone[l]);
		reset_block(&bs, l);
	}
	alloc_batch(&bs);

	/*
	 * The other lists' lanes, copied but for those whose rows may be nearer
	 * to a new list than to their own (keep_radii): rows that drifted went
	 * to the lists nearest to them when they came, around the split lists
	 * and beyond, and a row left in a list far from it is one a query near
	 * it ranks late
	 */
	bs.keep = keep_radii(centroids, cur->lists, kc, nparts, dim, parts);
	for (int l = 0; l < cur->lists; l++)
		if (parts[l] == 1)
		{
			CHECK_FOR_INTERRUPTS();
			gen->copy_list(index, l, copy_lane, &bs, gen->source_arg);
		}

	/* the new generation's lists: the slots in use, in order */
	bs.slot_of = palloc(sizeof(int) * next);
	nlists = 0;
	for (int slot = 0; slot < next; slot++)
		if (used[slot])
			bs.slot_of[nlists++] = slot;
	listed = palloc_extended(sizeof(float) * (Size) Max(nlists, 1) * dim, MCXT_ALLOC_HUGE);
	for (int j = 0; j < nlists; j++)
		memcpy(listed + (Size) j * dim, centroids + (Size) bs.slot_of[j] * dim, sizeof(float) * dim);
	meta->lists = nlists;
	write_header(index, MAIN_FORKNUM, meta, listed, params, gen);
	bs.chunks = palloc_extended(sizeof(float) * (Size) nlists * dim, MCXT_ALLOC_HUGE);
	RuIvfCentroidChunks(listed, nlists, dim, bs.chunks);

	elog(DEBUG1, "ruivf split of index \"%s\": %d lists split, %d dissolved, %.0f rows copied, "
		 INT64_FORMAT " placed anew from other lists: %d -> %d lists",
		 RelationGetRelationName(index), nsplit, ndissolved, bs.indtuples, bs.nmoved,
		 cur->lists, nlists);

	/*
	 * The split and dissolved lists' rows and the carried lists' rows that
	 * may have a new list nearer, each to its nearest list of the new
	 * generation (read from the table again for the split lists: a row of
	 * one split list can be nearest to a part of another, and a scan looks
	 * for it there)
	 */
	for (int l = 0; l < cur->lists; l++)
		if (parts[l] != 1)
			gen->list_rows(heap, index, indexInfo, l, assign_callback, &bs, gen->source_arg);
	if (bs.nmoved > 0)
		gen->fetch_rows(heap, index, indexInfo, bs.moved, bs.nmoved, assign_callback, &bs,
						gen->source_arg);
	assign_batch(&bs);

	/* the rows added meanwhile, while inserts wait */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_DELTA);
	gen->close(index, gen->delta_arg);
	gen->delta(heap, index, indexInfo, assign_callback, &bs, gen->delta_arg);
	assign_batch(&bs);
	heads = palloc(sizeof(BlockNumber) * Max(nlists, 1));
	for (int j = 0; j < nlists; j++)
	{
		int			slot = bs.slot_of[j];

		if (RuIvfPageGetOpaque(mem_page(&bs, slot, 0))->nlanes > 0)
			flush_block(&bs, slot);
		heads[j] = bs.heads[slot];
		if (slot >= cur->lists || parts[slot] >= 2)
		{
			nfresh++;
			fresh_blocks += bs.list_blocks[slot];
			fresh_longest = Max(fresh_longest, bs.list_blocks[slot]);
		}
		else
			meta->trained_longest = Max(meta->trained_longest, bs.list_blocks[slot]);
		all_blocks += bs.list_blocks[slot];
	}
	elog(DEBUG1, "ruivf split of index \"%s\": its %d new lists hold %.1f blocks each (the longest "
		 "%d), the others %.1f (growth is measured against %.0f)",
		 RelationGetRelationName(index), nfresh, fresh_blocks / Max(nfresh, 1), fresh_longest,
		 (all_blocks - fresh_blocks) / Max(nlists - nfresh, 1), meta->trained_longest);
	write_listdir(index, meta, heads, gen);
	meta->trained_rows = bs.indtuples;

	/*
	 * The depth for the recall targets: the lists carried over keep theirs;
	 * where the rows drifted to, a query needs as many of the new lists as
	 * its neighbours among the split lists' rows lie in, learned from those
	 * rows (queries spread over them, each left out of its own neighbours;
	 * neighbours outside those lists are not seen, so this is a lower
	 * bound): the larger of the two.  Without enough rows to learn from, the
	 * depth scales with the number of lists.
	 */
	if (cur->learned_queries > 0)
	{
		RuIvfMetaData learned = *meta;
		int			nq = nregion > RUIVF_SPLIT_LEARN_MIN ?
			RuIvfLearnQueries(nregion, dim, nregion / 10) : 0;
		float	   *queries = palloc(sizeof(float) * (Size) Max(nq, 1) * dim);

		for (int i = 0; i < nq; i++)
			memcpy(queries + (Size) i * dim, region + (Size) ((double) i * nregion / nq) * dim,
				   sizeof(float) * dim);
		learned.learned_queries = 0;
		if (nq > 0)
			RuIvfLearnDepth(heap, index, indexInfo, NULL, NULL, region, nregion, queries, nq,
							bs.chunks, &learned);
		for (int i = 0; i < RUIVF_RECALL_POINTS; i++)
		{
			if (learned.learned_queries > 0)
				meta->learned_probes[i] = Max(cur->learned_probes[i], learned.learned_probes[i]);
			else if (cur->learned_probes[i] > 0)
				meta->learned_probes[i] =
					Min(nlists, (int) ceil((double) cur->learned_probes[i] * nlists / cur->lists));
		}
		pfree(queries);
	}
	if (region != NULL)
		pfree(region);
	gen->meta = *meta;
	MemoryContextDelete(bs.tmpcxt);
	return true;
}

/* New pages of a live index's generation (ivftrain.c: its RETIRED pages). */
BlockNumber
RuIvfWriteNewPages(Relation index, RuIvfGeneration *gen, const char *src, int npages)
{
	return write_new_pages(index, gen, src, npages);
}

/* ambuild */
IndexBuildResult *
ruivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc0(sizeof(IndexBuildResult));

	build_lists(heap, index, indexInfo, NULL, result);
	return result;
}

/*
 * A new generation of a live index's lists (ivftrain.c): trained from the
 * rows gen->source gives, written on new blocks, every page WAL-logged;
 * gen->meta describes it.  The current generation is not touched.
 */
void
RuIvfBuildGeneration(Relation heap, Relation index, IndexInfo *indexInfo, RuIvfGeneration *gen)
{
	IndexBuildResult result;

	build_lists(heap, index, indexInfo, gen, &result);
}

/* lists for a row count (the build's default) */
int
RuIvfDefaultLists(double rows)
{
	return default_lists(rows);
}

/* ambuildempty: the init fork of an unlogged index, with no centroids. */
void
ruivfbuildempty(Relation index)
{
	RuIvfMetaData meta;
	int			dim = index_dimensions(index);
	float	   *sq_params = palloc(sizeof(float) * dim * 2);

	for (int d = 0; d < dim; d++)
	{
		sq_params[d] = 0.0f;
		sq_params[dim + d] = 1.0f;
	}
	init_meta(&meta, dim, RuIvfGetMetric(index), 0, index_rerank(index, dim), index_bits(index));
	write_header(index, INIT_FORKNUM, &meta, NULL, sq_params, NULL);
	meta.trained_nblocks = meta.listdir_start + meta.listdir_npages;
	meta.retired_start = InvalidBlockNumber;
	write_meta(index, INIT_FORKNUM, &meta, NULL);
}

/* ambuildphasename */
char *
ruivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case RUIVF_PHASE_SAMPLE:
			return "sampling vectors";
		case RUIVF_PHASE_KMEANS:
			return "computing centroids";
		case RUIVF_PHASE_ASSIGN:
			return "assigning vectors to lists";
		case RUIVF_PHASE_WAIT:
			return "waiting for locks";
		case RUIVF_PHASE_DELTA:
			return "assigning vectors inserted meanwhile";
		case RUIVF_PHASE_SWITCH:
			return "switching generations";
		case RUIVF_PHASE_LEARN:
			return "learning the depth of recall targets";
		default:
			return NULL;
	}
}
