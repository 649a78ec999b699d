/*-------------------------------------------------------------------------
 *
 * ivfbuild.c
 *	  Build a ruivf index.
 *
 * THE BUILD, IN PHASES (shown in pg_stat_progress_create_index)
 *	1. sampling: one heap scan draws a uniform reservoir sample of the
 *	   vectors, as large as maintenance_work_mem allows (half of it) and at
 *	   most 50 per list; it also counts the rows, from which `lists` is
 *	   chosen when the option is 0 (rows / 1000 up to a million rows, then
 *	   sqrt(rows)).  Too little memory for even one sample per list is an
 *	   error that names the setting; less than the ideal sample only shrinks
 *	   the sample.
 *	2. k-means on the sample (kmeans.c), and the SQ8 parameters: per
 *	   dimension, the sample's minimum (m_d) and range / 255 (s_d).
 *	3. assigning: a second heap scan collects vectors in batches of
 *	   RUIVF_ASSIGN_BATCH, finds each one's nearest centroid chunk by chunk
 *	   (kmeans.c), codes it and appends it to its list's block in memory
 *	   (lists x one block); a full block is written out and becomes the
 *	   head of its list's chain.
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

#include <math.h>

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "ivf.h"
#include "../type/vector.h"

#define RUIVF_SAMPLES_PER_LIST	50
#define RUIVF_ASSIGN_BATCH		1024

/* progress sub-phases */
#define RUIVF_PHASE_SAMPLE		2
#define RUIVF_PHASE_KMEANS		3
#define RUIVF_PHASE_ASSIGN		4

typedef struct RuIvfBuildState
{
	Relation	index;
	RuIvfMetric metric;
	int			dim;

	/* phase 1 */
	float	   *sample;
	int			sample_cap;
	int			nsample;
	double		seen;
	pg_prng_state rng;

	/* phase 3 */
	RuIvfState st;
	char	   *blocks;			/* lists x pages_per_block pages */
	BlockNumber *heads;
	double		indtuples;
	unsigned char *code;
	float	   *chunks;			/* centroids in assignment chunks */
	float	   *batch;			/* RUIVF_ASSIGN_BATCH prepared vectors */
	ItemPointerData *batch_tids;
	int		   *batch_list;
	float	   *batch_best;
	int			nbatch;

	float	   *tmp;
	MemoryContext tmpcxt;
} RuIvfBuildState;

/* The vector of an index tuple, prepared for the metric into bs->tmp. */
static bool
prepare_value(RuIvfBuildState *bs, Datum value)
{
	RuVector   *v = DatumGetRuVector(value);

	if (v->dim != bs->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", bs->dim, v->dim)));
	RuIvfPrepareVector(bs->metric, v->x, bs->dim, bs->tmp);
	return true;
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

/* Page k of list's in-memory block. */
static inline Page
mem_page(RuIvfBuildState *bs, int list, int k)
{
	return (Page) (bs->blocks + ((Size) list * bs->st.meta.pages_per_block + k) * BLCKSZ);
}

/* Reset a list's in-memory block to empty. */
static void
reset_block(RuIvfBuildState *bs, int list)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	ItemPointerData *tids;

	for (int k = 0; k < meta->pages_per_block; k++)
		RuIvfInitPage(mem_page(bs, list, k), k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
	tids = RuIvfPageTids(mem_page(bs, list, 0), meta);
	for (int l = 0; l < meta->lanes; l++)
		ItemPointerSetInvalid(&tids[l]);
}

/* Write a list's in-memory block out as the new head of its chain. */
static void
flush_block(RuIvfBuildState *bs, int list)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	BlockNumber first = InvalidBlockNumber;

	RuIvfPageGetOpaque(mem_page(bs, list, 0))->next = bs->heads[list];
	for (int k = 0; k < meta->pages_per_block; k++)
	{
		Buffer		buf = RuIvfNewBuffer(bs->index, MAIN_FORKNUM);

		if (k == 0)
			first = BufferGetBlockNumber(buf);
		Assert(BufferGetBlockNumber(buf) == first + k);
		memcpy(BufferGetPage(buf), mem_page(bs, list, k), BLCKSZ);
		MarkBufferDirty(buf);
		UnlockReleaseBuffer(buf);
	}
	bs->heads[list] = first;
	reset_block(bs, list);
}

/* Code the batched vectors and append each to its nearest list's block. */
static void
assign_batch(RuIvfBuildState *bs)
{
	const RuIvfMetaData *meta = &bs->st.meta;
	Page		pages[64];

	if (bs->nbatch == 0)
		return;
	if (meta->lists > 0)
		RuIvfAssignNearest(bs->chunks, meta->lists, bs->dim, bs->batch, bs->nbatch,
						   bs->batch_list, bs->batch_best);
	else
		memset(bs->batch_list, 0, sizeof(int) * bs->nbatch);

	for (int i = 0; i < bs->nbatch; i++)
	{
		int			list = bs->batch_list[i];
		Page		first = mem_page(bs, list, 0);
		RuIvfPageOpaque opaque = RuIvfPageGetOpaque(first);
		float		factor = RuIvfEncode(&bs->st, bs->batch + (Size) i * bs->dim, bs->code);

		for (int k = 0; k < meta->pages_per_block; k++)
			pages[k] = mem_page(bs, list, k);
		RuIvfWriteLane(pages, meta, opaque->nlanes, bs->code);
		RuIvfPageTids(first, meta)[opaque->nlanes] = bs->batch_tids[i];
		RuIvfPageFactors(first, meta)[opaque->nlanes] = factor;
		opaque->nlanes++;
		if (opaque->nlanes == meta->lanes)
			flush_block(bs, list);
	}
	bs->indtuples += bs->nbatch;
	bs->nbatch = 0;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) bs->indtuples);
}

/* Phase 3 callback: add the prepared vector to the batch. */
static void
assign_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
				bool tupleIsAlive, void *state)
{
	RuIvfBuildState *bs = (RuIvfBuildState *) state;
	MemoryContext old;

	(void) index;
	(void) tupleIsAlive;
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(bs->tmpcxt);
	prepare_value(bs, values[0]);
	memcpy(bs->batch + (Size) bs->nbatch * bs->dim, bs->tmp, sizeof(float) * bs->dim);
	bs->batch_tids[bs->nbatch++] = *tid;
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmpcxt);
	if (bs->nbatch == RUIVF_ASSIGN_BATCH)
		assign_batch(bs);
}

/* Append n floats on new consecutive float pages; returns the first block. */
static BlockNumber
write_floats(Relation index, ForkNumber fork, const float *data, Size n)
{
	BlockNumber first = InvalidBlockNumber;

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
			 const float *centroids, const float *sq_params)
{
	Buffer		buf = RuIvfNewBuffer(index, fork);
	int			nlists = Max(meta->lists, 1);

	Assert(BufferGetBlockNumber(buf) == RUIVF_METAPAGE_BLKNO);
	RuIvfInitPage(BufferGetPage(buf), RUIVF_PAGE_META);
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);

	meta->centroid_start = meta->lists > 0
		? write_floats(index, fork, centroids, (Size) meta->lists * meta->dim)
		: InvalidBlockNumber;
	meta->sq_start = write_floats(index, fork, sq_params, (Size) meta->dim * 2);
	meta->listdir_npages = (nlists + RUIVF_LISTS_PER_PAGE - 1) / RUIVF_LISTS_PER_PAGE;
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

/* Dimensions of the indexed column, which must be declared. */
static int
index_dimensions(Relation index)
{
	int			dim = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column as ruvector(n), e.g. ruvector(768).")));
	return dim;
}

/* Fill the parts of the metadata that depend only on dim and metric. */
static void
init_meta(RuIvfMetaData *meta, int dim, RuIvfMetric metric, int lists)
{
	RuIvfGeometry g = RuIvfComputeGeometry(dim);

	memset(meta, 0, sizeof(RuIvfMetaData));
	meta->magic = RUIVF_MAGIC;
	meta->version = RUIVF_VERSION;
	meta->dim = dim;
	meta->lists = lists;
	meta->metric = metric;
	meta->lanes = g.lanes;
	meta->dims_per_page = g.dims_per_page;
	meta->pages_per_block = g.pages_per_block;
	meta->build_id = (uint64) GetCurrentTimestamp() ^ ((uint64) MyProcPid << 40);
}

/* lists for a row count: rows / 1000 up to a million rows, then sqrt(rows) */
static int
default_lists(double rows)
{
	double		l = rows <= 1000000 ? rows / 1000 : sqrt(rows);

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

/* ambuild */
IndexBuildResult *
ruivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IndexBuildResult *result = palloc0(sizeof(IndexBuildResult));
	RuIvfOptions *opts = (RuIvfOptions *) index->rd_options;
	RuIvfBuildState bs;
	RuIvfMetaData *meta = &bs.st.meta;
	int			lists_opt = opts ? opts->lists : 0;
	int			lists;
	double		reltuples = heap->rd_rel->reltuples;
	Size		budget = (Size) maintenance_work_mem * 1024 / 2;
	int			want;
	int			ntrain;
	float	   *sq_params;
	double		heaptuples;

	if (indexInfo->ii_IndexAttrNumbers[0] == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ruivf cannot index an expression"),
				 errhint("Index a ruvector column; re-ranking reads the column from the table.")));

	memset(&bs, 0, sizeof(bs));
	bs.index = index;
	bs.metric = RuIvfGetMetric(index);
	bs.dim = index_dimensions(index);
	bs.tmp = palloc(sizeof(float) * bs.dim);
	bs.code = palloc(bs.dim);
	bs.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf build temporary",
									  ALLOCSET_DEFAULT_SIZES);
	pg_prng_seed(&bs.rng, 0x52754956464255ULL);

	/* phase 1: sample */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_SAMPLE);
	want = RUIVF_SAMPLES_PER_LIST * (lists_opt > 0 ? lists_opt
									 : default_lists(reltuples > 0 ? reltuples : 1000000));
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
	heaptuples = table_index_build_scan(heap, index, indexInfo, true, true,
										sample_callback, &bs, NULL);

	lists = lists_opt > 0 ? lists_opt : default_lists(bs.seen);
	if (bs.nsample == 0)
		lists = 0;
	else if (lists > bs.nsample)
	{
		ereport(NOTICE,
				(errmsg("ruivf index has %d lists for %d rows: using %d lists",
						lists, bs.nsample, bs.nsample),
				 errhint("Build the index after loading the data, or REINDEX after loading.")));
		lists = bs.nsample;
	}
	if (lists == 0)
		ereport(NOTICE,
				(errmsg("ruivf index built on an empty table: every row goes to one list until REINDEX")));
	if ((double) lists * bs.dim * (sizeof(float) * 2 + sizeof(double)) > (double) budget * 2)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("maintenance_work_mem is too small for %d lists of %d dimensions", lists, bs.dim),
				 errhint("Raise maintenance_work_mem or use fewer lists.")));

	/* phase 2: k-means and SQ8 parameters */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_KMEANS);
	init_meta(meta, bs.dim, bs.metric, lists);
	ntrain = Min(bs.nsample, RUIVF_SAMPLES_PER_LIST * Max(lists, 1));
	shuffle_prefix(&bs, ntrain);
	sq_params = palloc(sizeof(float) * bs.dim * 2);
	for (int d = 0; d < bs.dim; d++)
	{
		float		lo = 0.0f,
					hi = 0.0f;

		for (int i = 0; i < bs.nsample; i++)
		{
			float		v = bs.sample[(Size) i * bs.dim + d];

			if (i == 0 || v < lo)
				lo = v;
			if (i == 0 || v > hi)
				hi = v;
		}
		sq_params[d] = lo;
		sq_params[bs.dim + d] = hi > lo ? (hi - lo) / 255.0f : 1.0f;
	}
	bs.st.sq_m = sq_params;
	bs.st.sq_s = sq_params + bs.dim;
	if (lists > 0)
	{
		bs.st.centroids = palloc(sizeof(float) * (Size) lists * bs.dim);
		RuIvfKmeans(bs.sample, ntrain, bs.dim, lists, bs.st.centroids,
					bs.metric == RUIVF_METRIC_COSINE);
		bs.chunks = palloc(sizeof(float) * (Size) lists * bs.dim);
		RuIvfCentroidChunks(bs.st.centroids, lists, bs.dim, bs.chunks);
	}
	pfree(bs.sample);
	bs.sample = NULL;

	write_header(index, MAIN_FORKNUM, meta, bs.st.centroids, sq_params);

	/* phase 3: assign every row */
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, RUIVF_PHASE_ASSIGN);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64) bs.seen);
	bs.blocks = palloc_extended((Size) Max(lists, 1) * meta->pages_per_block * BLCKSZ,
								MCXT_ALLOC_HUGE);
	bs.heads = palloc(sizeof(BlockNumber) * Max(lists, 1));
	for (int l = 0; l < Max(lists, 1); l++)
	{
		bs.heads[l] = InvalidBlockNumber;
		reset_block(&bs, l);
	}
	bs.batch = palloc(sizeof(float) * (Size) RUIVF_ASSIGN_BATCH * bs.dim);
	bs.batch_tids = palloc(sizeof(ItemPointerData) * RUIVF_ASSIGN_BATCH);
	bs.batch_list = palloc(sizeof(int) * RUIVF_ASSIGN_BATCH);
	bs.batch_best = palloc(sizeof(float) * RUIVF_ASSIGN_BATCH);
	if (bs.seen > 0)
		table_index_build_scan(heap, index, indexInfo, true, true, assign_callback, &bs, NULL);
	assign_batch(&bs);
	for (int l = 0; l < Max(lists, 1); l++)
		if (RuIvfPageGetOpaque(mem_page(&bs, l, 0))->nlanes > 0)
			flush_block(&bs, l);
	write_meta(index, MAIN_FORKNUM, meta, bs.heads);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	MemoryContextDelete(bs.tmpcxt);
	result->heap_tuples = heaptuples;
	result->index_tuples = bs.indtuples;
	return result;
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
	init_meta(&meta, dim, RuIvfGetMetric(index), 0);
	write_header(index, INIT_FORKNUM, &meta, NULL, sq_params);
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
		default:
			return NULL;
	}
}
