/*-------------------------------------------------------------------------
 *
 * ivfcheck.c
 *	  ruvector_index_check(index, heapallindexed): verify a ruivf index's
 *	  structure, and optionally that it holds every row of its table.
 *
 * WHAT IS CHECKED (a failed check is ERRCODE_INDEX_CORRUPTED, XX002, naming
 * the index, the block and, where it applies, the lane)
 *	1. The metapage: page kind, magic, version; dim equal to the column's
 *	   declared dimensions; metric equal to the operator class's; lists,
 *	   bits, rerank, residual within their domains; lanes, dims_per_page,
 *	   pages_per_block and vec_pages_per_block equal to what
 *	   RuIvfComputeGeometry gives; the float pages and the list directory
 *	   where the build puts them, and within the index's block count.
 *	2. The float pages and directory pages: page kind and page id; every
 *	   centroid and code parameter finite, the steps s_d >= 0; directory
 *	   slots past the last list empty.
 *	3. Every list's chain from its directory slot: each block within the
 *	   data blocks of the relation, its first page DATA, its further code
 *	   pages DATA_MORE, its vector pages (rerank = index) VECTORS; nlanes
 *	   <= lanes; no page reached twice (a cycle, or a block in two chains).
 *	4. Every lane in use: a valid TID points into the table (block below
 *	   its block count, offset 1 .. MaxOffsetNumber); an invalid TID is a
 *	   lane VACUUM deleted, allowed.  Code slots past the last dimension of
 *	   a page are 0 (the AM writes them so: the pad of an odd dimension
 *	   count, and with SQ4 the high nibble of the last pair).  The factor
 *	   and the coding error are finite and >= 0, and the factor equals
 *	   sum_d (step_d c_d)^2 of the lane's codes (RuIvfEncode).  Where the
 *	   full-precision vector is at hand (its vector pages; with
 *	   heapallindexed, the table row), its elements are finite and the
 *	   distance from the prepared vector (unit for cosine; minus the list's
 *	   centroid for residual codes) to the decoded code is within the
 *	   lane's stored error, and that error is no larger than the actual one
 *	   (both up to float slack).  Lanes past nlanes have invalid TIDs.
 *	5. Blocks no chain reaches (see UNREACHED BLOCKS).
 *	6. With heapallindexed: no TID appears twice in the index, and a scan
 *	   of the table as an index build makes it (table_index_build_scan:
 *	   HOT chains give their root TIDs; recently dead rows count) finds
 *	   every row with a non-NULL vector in the index exactly once; with
 *	   rerank = index the index's copy of the vector equals the row's,
 *	   otherwise the row's vector passes the coding-error check of 4.
 *	   Index TIDs the scan does not produce are rows dead to everyone that
 *	   VACUUM has not yet removed from the index: allowed.
 *
 * LOCKS
 * Without heapallindexed: AccessShareLock on the table and the index, so
 * inserts and VACUUM go on meanwhile; each page is read under its share
 * lock, in the AM's order (ivf.h): the directory page alone, then one block
 * at a time, its code pages in ascending order, and, while those are held,
 * its vector pages one at a time (an insert writes a lane's vector while it
 * holds the block's code pages, so every vector of a lane in use is in
 * place).  Each block's pages are copied and the locks released before the
 * block is checked.  A chain may grow at its head meanwhile (new blocks are
 * only ever linked in front of the head read from the directory), so a
 * block past the count taken at the start re-reads the count before it is
 * called out of range; the same for the table's block count.
 * With heapallindexed: ShareLock on both, which keeps out inserts, VACUUM
 * and REINDEX CONCURRENTLY for the duration of the check.
 *
 * UNREACHED BLOCKS
 * An insert that needs a new block extends the relation under the
 * directory page's exclusive lock and links the block into its chain in
 * the same WAL record that writes its first lane (ivfinsert.c); the later
 * code pages and the vector pages are logged before that record.  A crash
 * or an error between the extension and that record therefore leaves pages
 * no chain reaches: all-zero pages, DATA_MORE and VECTORS pages, and a
 * DATA page initialized in shared buffers with no lane in use.  A scan
 * never reads them, and they are allowed.  Any other unreached page (a DATA
 * page with lanes in use, whose rows no scan can find; a metapage, float
 * or directory page out of place) is reported.  Blocks added after the
 * check read the block count are not looked at: an insert running
 * concurrently may not have linked them yet.  Every block below that count
 * and linked before the directory slot of its list was read is reached,
 * since the insert holds the directory page exclusively from the extension
 * to the link.
 * A trained index (generation > 0, ivftrain.c) also leaves unreached: the
 * blocks its RETIRED pages list (earlier generations), FREE pages (retired
 * blocks freed for reuse), and every block from meta->pending_from on (a
 * training under way, or one a crash or an error interrupted).  Its float,
 * directory and RETIRED pages lie where the metapage says, no chain may
 * reach them, and every page of a reached block must carry the current
 * generation's number.
 *
 * src/ivf/ivfcheck.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf.h"
#include "../type/vector.h"

/* float slack of the coding-error and factor comparisons */
#define CHECK_REL_SLACK		1e-4
#define CHECK_ABS_SLACK		1e-5
/* a stored error may exceed the actual one by this much (it is rounded up by 1e-6) */
#define CHECK_ERR_REL_OVER	1e-3

/* Report a corrupted index: the message names the index and the block. */
#define corrupt(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INDEX_CORRUPTED), \
			 errmsg(__VA_ARGS__), \
			 errhint("REINDEX rebuilds the index from its table.")))

/* heapallindexed: a TID of the index and where it was found */
typedef struct RuIvfCheckTid
{
	ItemPointerData tid;		/* hash key */
	BlockNumber blkno;			/* first page of its block */
	int32		list;
	uint16		lane;
	bool		seen;			/* the table scan produced it */
} RuIvfCheckTid;

typedef struct RuIvfCheckState
{
	Relation	index;
	Relation	heap;
	const char *name;			/* the index's */
	RuIvfMetaData meta;
	RuIvfMetric metric;
	int			block_pages;	/* code pages + vector pages of a block */
	BlockNumber nblocks;		/* index blocks (re-read when a chain is past it) */
	BlockNumber nblocks_start;	/* index blocks when the check began */
	BlockNumber first_data;		/* first block after the list directory */
	BlockNumber heap_nblocks;	/* table blocks (likewise) */
	BufferAccessStrategy strategy;

	float	   *centroids;		/* lists x dim, residual and binary codes only */
	float	   *code_m;			/* dim: the list codes' parameters */
	float	   *code_s;
	float		mult;			/* step multiplier: RUIVF_SQ4_STEP for SQ4 */

	int32	   *owner;			/* per block: 1 + the list whose chain reached it */
	char	   *retired;		/* per block (below nblocks_start): on a RETIRED page */
	BlockNumber *hints;			/* per list: its free-block hint (version 4) */
	BlockNumber nowner;

	char	   *pages;			/* one block's pages, copied */
	unsigned char *code;		/* one lane's codes, dim */
	float	   *vec;			/* one lane's full-precision vector */
	float	   *prepared;		/* the same prepared for the metric */

	bool		heapallindexed;
	HTAB	   *tids;

	int64		blocks;			/* counts, for the DEBUG1 summary */
	int64		lanes;
	int64		deleted;
	int64		orphans;
	int64		rows;
} RuIvfCheckState;

/* A page kind's name, for messages. */
static const char *
kind_name(uint16 kind)
{
	switch (kind)
	{
		case RUIVF_PAGE_META:
			return "metapage";
		case RUIVF_PAGE_FLOATS:
			return "float page";
		case RUIVF_PAGE_LISTDIR:
			return "list directory page";
		case RUIVF_PAGE_DATA:
			return "data page";
		case RUIVF_PAGE_DATA_MORE:
			return "further data page";
		case RUIVF_PAGE_VECTORS:
			return "vector page";
		case RUIVF_PAGE_RETIRED:
			return "retired-blocks page";
		case RUIVF_PAGE_FREE:
			return "free page";
		default:
			return "unknown page kind";
	}
}

/* Whether a copied page has a ruivf special space (not all zeros, right size, page id). */
static bool
page_is_ruivf(Page page)
{
	return !PageIsNew(page) &&
		((PageHeader) page)->pd_special == BLCKSZ - RUIVF_SPECIAL_SIZE &&
		RuIvfPageGetOpaque(page)->page_id == RUIVF_PAGE_ID;
}

/* Check that a copied page is an initialized ruivf page of the given kind. */
static RuIvfPageOpaque
check_page(RuIvfCheckState *cs, Page page, BlockNumber blkno, uint16 kind)
{
	RuIvfPageOpaque op;

	if (PageIsNew(page))
		corrupt("index \"%s\" block %u: page is uninitialized (all zeros) where a %s belongs",
				cs->name, blkno, kind_name(kind));
	if (((PageHeader) page)->pd_special != BLCKSZ - RUIVF_SPECIAL_SIZE)
		corrupt("index \"%s\" block %u: special space at offset %u, not %u",
				cs->name, blkno, ((PageHeader) page)->pd_special,
				(unsigned) (BLCKSZ - RUIVF_SPECIAL_SIZE));
	op = RuIvfPageGetOpaque(page);
	if (op->page_id != RUIVF_PAGE_ID)
		corrupt("index \"%s\" block %u: page id 0x%04X, not 0x%04X",
				cs->name, blkno, op->page_id, RUIVF_PAGE_ID);
	if (op->kind != kind)
		corrupt("index \"%s\" block %u: page kind %u (%s) where a %s (kind %u) belongs",
				cs->name, blkno, op->kind, kind_name(op->kind), kind_name(kind), kind);
	return op;
}

/* Copy block blkno into out under its share lock. */
static void
copy_page(RuIvfCheckState *cs, BlockNumber blkno, char *out)
{
	Buffer		buf = ReadBufferExtended(cs->index, MAIN_FORKNUM, blkno, RBM_NORMAL, cs->strategy);

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(out, BufferGetPage(buf), BLCKSZ);
	UnlockReleaseBuffer(buf);
}

/*
 * Read n floats packed across float pages from block start, checking each
 * page's kind and that every value is finite, into out (NULL: only check).
 * what names the array in messages.
 */
static void
read_float_pages(RuIvfCheckState *cs, BlockNumber start, Size n, float *out, const char *what)
{
	char	   *page = palloc(BLCKSZ);
	BlockNumber blkno = start;
	Size		done = 0;

	while (done < n)
	{
		Size		chunk = Min(n - done, (Size) RUIVF_FLOATS_PER_PAGE);
		const float *f = (const float *) (page + RUIVF_CODES_OFFSET);

		copy_page(cs, blkno, page);
		check_page(cs, (Page) page, blkno, RUIVF_PAGE_FLOATS);
		for (Size i = 0; i < chunk; i++)
			if (!isfinite(f[i]))
				corrupt("index \"%s\" block %u: %s value %zu is %g",
						cs->name, blkno, what, done + i, (double) f[i]);
		if (out)
			memcpy(out + done, f, chunk * sizeof(float));
		done += chunk;
		blkno++;
	}
	pfree(page);
}

/* Float pages needed for n floats. */
static BlockNumber
float_pages(Size n)
{
	return (BlockNumber) ((n + RUIVF_FLOATS_PER_PAGE - 1) / RUIVF_FLOATS_PER_PAGE);
}

/* Check a metapage field against what it must be. */
static void
check_meta_field(RuIvfCheckState *cs, const char *field, int64 value, int64 want)
{
	if (value != want)
		corrupt("index \"%s\" block %u: metapage %s is " INT64_FORMAT ", it must be " INT64_FORMAT,
				cs->name, RUIVF_METAPAGE_BLKNO, field, value, want);
}

/*
 * Read and check the metapage, and derive the layout of the float pages
 * and the directory from it.
 */
static void
check_metapage(RuIvfCheckState *cs)
{
	char	   *page = palloc(BLCKSZ);
	RuIvfMetaData *meta = &cs->meta;
	int			typmod = TupleDescAttr(RelationGetDescr(cs->index), 0)->atttypmod;
	RuIvfGeometry g;
	Size		nparams;
	BlockNumber sq_start;
	BlockNumber listdir_start;
	int			listdir_npages;

	if (cs->nblocks == 0)
		corrupt("index \"%s\" block %u: the index has no blocks, not even a metapage",
				cs->name, RUIVF_METAPAGE_BLKNO);
	copy_page(cs, RUIVF_METAPAGE_BLKNO, page);
	check_page(cs, (Page) page, RUIVF_METAPAGE_BLKNO, RUIVF_PAGE_META);
	memcpy(meta, PageGetContents((Page) page), sizeof(RuIvfMetaData));
	pfree(page);

	if (meta->magic != RUIVF_MAGIC)
		corrupt("index \"%s\" block %u: metapage magic 0x%08X, not 0x%08X",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->magic, RUIVF_MAGIC);
	if (meta->version >= 1 && meta->version < RUIVF_VERSION_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ruivf index \"%s\" has on-disk version %u, this ruvector reads versions %d to %d",
						cs->name, meta->version, RUIVF_VERSION_MIN, RUIVF_VERSION),
				 errhint("REINDEX INDEX %s;", cs->name)));
	if (meta->version < RUIVF_VERSION_MIN || meta->version > RUIVF_VERSION)
		corrupt("index \"%s\" block %u: metapage version is %u, not within %d .. %d",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->version, RUIVF_VERSION_MIN, RUIVF_VERSION);
	if (meta->dim < 1 || meta->dim > RuIvfMaxDim(RuIvfGetInput(cs->index)))
		corrupt("index \"%s\" block %u: metapage dim is %d, not within 1 .. %d",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->dim, RuIvfMaxDim(RuIvfGetInput(cs->index)));
	check_meta_field(cs, "dim (the column's declared dimensions)", meta->dim, typmod);
	check_meta_field(cs, "metric (the operator class's)", meta->metric, cs->metric);
	if (meta->lists < 0 || meta->lists > RUIVF_MAX_LISTS)
		corrupt("index \"%s\" block %u: metapage lists is %d, not within 0 .. %d",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->lists, RUIVF_MAX_LISTS);
	if (meta->bits != 8 && meta->bits != 4 && !(meta->bits == 1 && meta->version >= 5))
		corrupt("index \"%s\" block %u: metapage bits is %d, not 8, 4 or (from version 5) 1",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->bits);
	if (meta->bits == 1 && meta->dim > RUIVF_BIT_MAX_DIM)
		corrupt("index \"%s\" block %u: metapage dim is %d, binary codes hold at most %d",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->dim, RUIVF_BIT_MAX_DIM);
	if (meta->bits == 1 && meta->rotation_seed == 0)
		corrupt("index \"%s\" block %u: binary codes with no rotation seed",
				cs->name, RUIVF_METAPAGE_BLKNO);
	if (meta->rerank != RUIVF_RERANK_HEAP && meta->rerank != RUIVF_RERANK_INDEX)
		corrupt("index \"%s\" block %u: metapage rerank is %d, not %d (heap) or %d (index)",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->rerank, RUIVF_RERANK_HEAP,
				RUIVF_RERANK_INDEX);
	check_meta_field(cs, "residual", meta->residual, meta->bits == 4 && meta->lists > 0);

	/* learned depth (version 6, ivflearn.c): probes non-decreasing, within the lists */
	if (meta->version < 6)
	{
		meta->learned_queries = 0;
		memset(meta->learned_probes, 0, sizeof(meta->learned_probes));
	}
	/* version 7: an inner-product index's row norm, finite, 0 for none */
	if (meta->version < 7)
		meta->row_norm = 0.0f;
	if (!(meta->row_norm >= 0.0f && meta->row_norm <= FLT_MAX) ||
		(meta->row_norm > 0.0f && (meta->metric != RUIVF_METRIC_IP || meta->lists < 2)))
		corrupt("index \"%s\" block %u: metapage row_norm is %g with metric %d and %d lists",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->row_norm, meta->metric, meta->lists);
	/* version 8: the training's mean residual, finite, 0 for none */
	if (meta->version < 8)
		meta->trained_residual = 0.0f;
	if (!(meta->trained_residual >= 0.0f && meta->trained_residual <= FLT_MAX) ||
		(meta->trained_residual > 0.0f && meta->lists < 2))
		corrupt("index \"%s\" block %u: metapage trained_residual is %g with %d lists",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->trained_residual, meta->lists);
	if (meta->learned_queries < 0 || (meta->learned_queries > 0 && meta->lists < 2))
		corrupt("index \"%s\" block %u: metapage learned_queries is %d with %d lists",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->learned_queries, meta->lists);
	for (int p = 0; p < RUIVF_RECALL_POINTS; p++)
	{
		int32		probes = meta->learned_probes[p];
		int32		prev = p > 0 ? meta->learned_probes[p - 1] : (meta->learned_queries > 0 ? 1 : 0);

		if (meta->learned_queries == 0 ? probes != 0 : (probes < prev || probes > meta->lists))
			corrupt("index \"%s\" block %u: metapage learned_probes[%d] is %d, %s",
					cs->name, RUIVF_METAPAGE_BLKNO, p, probes,
					meta->learned_queries == 0 ? "not 0 in an index that learned nothing" :
					"below the one before it or above the lists");
	}

	g = RuIvfComputeGeometry(meta->dim, meta->rerank == RUIVF_RERANK_INDEX, meta->bits);
	check_meta_field(cs, "lanes", meta->lanes, g.lanes);
	check_meta_field(cs, "dims_per_page", meta->dims_per_page, g.dims_per_page);
	check_meta_field(cs, "pages_per_block", meta->pages_per_block, g.pages_per_block);
	check_meta_field(cs, "vec_pages_per_block", meta->vec_pages_per_block, g.vec_pages_per_block);
	cs->block_pages = meta->pages_per_block + meta->vec_pages_per_block;

	/* training state (version 4, ivftrain.c) */
	if (meta->closing != 0 && meta->closing != 1)
		corrupt("index \"%s\" block %u: metapage closing is %d, not 0 or 1",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->closing);
	if (meta->generation < 0 || meta->retired_npages < 0 || !(meta->trained_rows >= 0))
		corrupt("index \"%s\" block %u: metapage generation %d, retired pages %d, trained rows %g: "
				"negative",
				cs->name, RUIVF_METAPAGE_BLKNO, meta->generation, meta->retired_npages,
				meta->trained_rows);
	nparams = (Size) meta->dim * (meta->residual ? 4 : 2);
	listdir_npages = (Max(meta->lists, 1) + RuIvfListsPerDirPage(meta) - 1) / RuIvfListsPerDirPage(meta);
	check_meta_field(cs, "listdir_npages", meta->listdir_npages, listdir_npages);
	if (meta->generation > 0)
	{
		/*
		 * A trained generation: its float pages, directory and RETIRED pages
		 * lie where the training wrote them, each run consecutive; they are
		 * marked (check_generation_pages) and the data blocks are all others.
		 */
		BlockNumber ends[4];

		if ((meta->lists > 0) != (meta->centroid_start != InvalidBlockNumber))
			corrupt("index \"%s\" block %u: metapage centroid_start %u with %d lists",
					cs->name, RUIVF_METAPAGE_BLKNO, meta->centroid_start, meta->lists);
		ends[0] = meta->lists > 0 ? meta->centroid_start + float_pages((Size) meta->lists * meta->dim) : 1;
		ends[1] = meta->sq_start + float_pages(nparams);
		ends[2] = meta->listdir_start + listdir_npages;
		ends[3] = meta->retired_npages > 0 ? meta->retired_start + meta->retired_npages : 1;
		for (int i = 0; i < 4; i++)
			if (ends[i] > cs->nblocks || (i == 0 && meta->lists > 0 && meta->centroid_start < 1) ||
				(i == 1 && meta->sq_start < 1) || (i == 2 && meta->listdir_start < 1) ||
				(i == 3 && meta->retired_npages > 0 && meta->retired_start < 1))
				corrupt("index \"%s\" block %u: the metapage's %s pages lie outside the index's "
						"%u blocks",
						cs->name, RUIVF_METAPAGE_BLKNO,
						i == 0 ? "centroid" : i == 1 ? "code parameter" : i == 2 ? "directory" : "retired",
						cs->nblocks);
		cs->first_data = 1;
		return;
	}

	/* the build's layout: metapage, centroids, code parameters, directory */
	check_meta_field(cs, "centroid_start", meta->centroid_start,
					 meta->lists > 0 ? 1 : InvalidBlockNumber);
	sq_start = 1 + (meta->lists > 0 ? float_pages((Size) meta->lists * meta->dim) : 0);
	check_meta_field(cs, "sq_start", meta->sq_start, sq_start);
	listdir_start = sq_start + float_pages(nparams);
	check_meta_field(cs, "listdir_start", meta->listdir_start, listdir_start);
	cs->first_data = listdir_start + listdir_npages;
	if (cs->first_data > cs->nblocks)
		corrupt("index \"%s\" block %u: the metapage's layout needs %u blocks before the data, "
				"the index has %u",
				cs->name, RUIVF_METAPAGE_BLKNO, cs->first_data, cs->nblocks);
}

/*
 * A trained generation's own non-data pages (float, directory, RETIRED),
 * marked as reached so that no chain may reach them; and the RETIRED
 * pages' ranges, read into cs->retired: blocks allowed unreached.
 */
static void
check_generation_pages(RuIvfCheckState *cs)
{
	const RuIvfMetaData *meta = &cs->meta;
	Size		nparams = (Size) meta->dim * (meta->residual ? 4 : 2);
	char	   *page = palloc(BLCKSZ);
	struct
	{
		BlockNumber start;
		BlockNumber n;
	}			runs[4];

	cs->retired = palloc0(Max(cs->nblocks, 1));
	if (meta->generation == 0)
		return;
	runs[0].start = meta->centroid_start;
	runs[0].n = meta->lists > 0 ? float_pages((Size) meta->lists * meta->dim) : 0;
	runs[1].start = meta->sq_start;
	runs[1].n = float_pages(nparams);
	runs[2].start = meta->listdir_start;
	runs[2].n = meta->listdir_npages;
	runs[3].start = meta->retired_start;
	runs[3].n = meta->retired_npages;
	for (int i = 0; i < 4; i++)
		for (BlockNumber b = 0; b < runs[i].n; b++)
		{
			if (cs->owner[runs[i].start + b] != 0)
				corrupt("index \"%s\" block %u: the metapage names it twice among its float, "
						"directory and retired pages",
						cs->name, runs[i].start + b);
			cs->owner[runs[i].start + b] = RUIVF_MAX_LISTS + 2;
		}
	for (int p = 0; p < meta->retired_npages; p++)
	{
		BlockNumber blkno = meta->retired_start + p;
		RuIvfBlockRange *r;

		copy_page(cs, blkno, page);
		check_page(cs, (Page) page, blkno, RUIVF_PAGE_RETIRED);
		r = RuIvfPageRanges((Page) page);
		if (RuIvfPageGetOpaque((Page) page)->nlanes > RUIVF_RANGES_PER_PAGE)
			corrupt("index \"%s\" block %u: %u block ranges, more than a page holds",
					cs->name, blkno, RuIvfPageGetOpaque((Page) page)->nlanes);
		for (int i = 0; i < RuIvfPageGetOpaque((Page) page)->nlanes; i++)
		{
			if (r[i].start < 1 || r[i].count < 1 || (uint64) r[i].start + r[i].count > cs->nblocks)
				corrupt("index \"%s\" block %u: retired range %d (%u blocks from %u) outside the "
						"index's %u blocks",
						cs->name, blkno, i, r[i].count, r[i].start, cs->nblocks);
			for (BlockNumber b = 0; b < r[i].count; b++)
			{
				if (cs->owner[r[i].start + b] != 0)
					corrupt("index \"%s\" block %u: retired, and yet one of the current "
							"generation's float, directory or retired pages",
							cs->name, r[i].start + b);
				cs->retired[r[i].start + b] = 1;
			}
		}
	}
	pfree(page);
}

/* Read and check the float pages: centroids and code parameters. */
static void
check_float_pages(RuIvfCheckState *cs)
{
	const RuIvfMetaData *meta = &cs->meta;
	int			dim = meta->dim;
	int			nparts = meta->residual ? 4 : 2;	/* m[], s[] (and m'[], s'[]) */
	float	   *params = palloc(sizeof(float) * dim * nparts);

	if (meta->lists > 0)
	{
		/* kept for residual and binary codes only */
		if (RuIvfKeepsCentroids(meta))
			cs->centroids = palloc_extended(sizeof(float) * (Size) meta->lists * dim,
											MCXT_ALLOC_HUGE);
		read_float_pages(cs, meta->centroid_start, (Size) meta->lists * dim, cs->centroids,
						 "centroid");
	}
	read_float_pages(cs, meta->sq_start, (Size) dim * nparts, params, "code parameter");
	for (int part = 1; part < nparts; part += 2)
		for (int d = 0; d < dim; d++)
			if (params[(Size) part * dim + d] < 0.0f)
				corrupt("index \"%s\" block %u: code step of dimension %d is %g, negative",
						cs->name,
						meta->sq_start + (BlockNumber) (((Size) part * dim + d) /
														RUIVF_FLOATS_PER_PAGE),
						d, (double) params[(Size) part * dim + d]);
	cs->code_m = params + (meta->residual ? 2 * (Size) dim : 0);
	cs->code_s = cs->code_m + dim;
	cs->mult = meta->bits == 4 ? (float) RUIVF_SQ4_STEP : 1.0f;
}

/* Check the directory pages' kinds, and that the slots past the last list are empty. */
static void
check_directory(RuIvfCheckState *cs)
{
	const RuIvfMetaData *meta = &cs->meta;
	char	   *page = palloc(BLCKSZ);
	int			nlists = Max(meta->lists, 1);

	cs->hints = palloc(sizeof(BlockNumber) * nlists);
	for (int p = 0; p < meta->listdir_npages; p++)
	{
		BlockNumber blkno = meta->listdir_start + p;
		const BlockNumber *heads;

		copy_page(cs, blkno, page);
		check_page(cs, (Page) page, blkno, RUIVF_PAGE_LISTDIR);
		heads = RuIvfListDirHeads((Page) page);
		for (int i = 0; i < RuIvfListsPerDirPage(meta); i++)
		{
			int			list = p * RuIvfListsPerDirPage(meta) + i;

			if (list < nlists)
				cs->hints[list] = meta->version >= 4 ? RuIvfListDirHints((Page) page)[i]
					: InvalidBlockNumber;

			if (list >= nlists && (heads[i] != InvalidBlockNumber ||
								   (meta->version >= 4 &&
									RuIvfListDirHints((Page) page)[i] != InvalidBlockNumber)))
				corrupt("index \"%s\" block %u: directory slot %d (past the last of %d lists) "
						"holds block %u",
						cs->name, blkno, list, nlists, heads[i]);
		}
	}
	pfree(page);
}

/*
 * Whether blocks [blkno, blkno + npages) are data blocks of the index,
 * re-reading its block count once if they seem to lie past the end.
 */
static bool
data_blocks_in_range(RuIvfCheckState *cs, BlockNumber blkno, int npages)
{
	if (blkno < cs->first_data || blkno == InvalidBlockNumber)
		return false;
	if ((uint64) blkno + npages <= cs->nblocks)
		return true;
	cs->nblocks = RelationGetNumberOfBlocks(cs->index);
	return (uint64) blkno + npages <= cs->nblocks;
}

/*
 * Mark the pages of the block at blkno as reached by list's chain (from
 * block `from`); a page reached before is an error.
 */
static void
mark_block(RuIvfCheckState *cs, BlockNumber blkno, int list, BlockNumber from)
{
	if (blkno + cs->block_pages > cs->nowner)
	{
		BlockNumber n = Max(blkno + cs->block_pages, cs->nowner * 2);

		cs->owner = repalloc_huge(cs->owner, sizeof(int32) * n);
		memset(cs->owner + cs->nowner, 0, sizeof(int32) * (n - cs->nowner));
		cs->nowner = n;
	}
	for (int k = 0; k < cs->block_pages; k++)
	{
		int32		other = cs->owner[blkno + k] - 1;

		if (other == list)
			corrupt("index \"%s\" block %u: the link to block %u closes a cycle in list %d's chain "
					"(block %u was reached before)",
					cs->name, from, blkno, list, blkno + k);
		if (other >= 0)
			corrupt("index \"%s\" block %u: block %u of list %d's chain was already reached "
					"by list %d's chain (linked from block %u)",
					cs->name, blkno + k, blkno, list, other, from);
	}
	for (int k = 0; k < cs->block_pages; k++)
		cs->owner[blkno + k] = list + 1;
}

/*
 * Copy the block at blkno into cs->pages: its code pages under share
 * locks taken in ascending order and, while those are held, its vector
 * pages one at a time (see LOCKS).
 */
static void
copy_block(RuIvfCheckState *cs, BlockNumber blkno)
{
	const RuIvfMetaData *meta = &cs->meta;
	Buffer		bufs[RUIVF_MAX_PAGES_PER_BLOCK];

	for (int k = 0; k < meta->pages_per_block; k++)
	{
		bufs[k] = ReadBufferExtended(cs->index, MAIN_FORKNUM, blkno + k, RBM_NORMAL, cs->strategy);
		LockBuffer(bufs[k], BUFFER_LOCK_SHARE);
		memcpy(cs->pages + (Size) k * BLCKSZ, BufferGetPage(bufs[k]), BLCKSZ);
	}
	for (int q = 0; q < meta->vec_pages_per_block; q++)
		copy_page(cs, blkno + meta->pages_per_block + q,
				  cs->pages + (Size) (meta->pages_per_block + q) * BLCKSZ);
	for (int k = 0; k < meta->pages_per_block; k++)
		UnlockReleaseBuffer(bufs[k]);
}

/*
 * Decode a lane's codes from the code pages of its block (pages[k] is
 * block blkno + k) into cs->code, checking that the code slots past the
 * last dimension of each page are 0.
 */
static void
decode_lane(RuIvfCheckState *cs, Page *pages, BlockNumber blkno, int lane)
{
	const RuIvfMetaData *meta = &cs->meta;
	int			B = meta->lanes;
	int			dpp = meta->dims_per_page;

	for (int k = 0; k < meta->pages_per_block; k++)
	{
		const unsigned char *codes = RuIvfPageCodes(pages[k]);
		int			d0 = k * dpp;
		int			n = Max(0, Min(meta->dim - d0, dpp));	/* dimensions on this page */

		for (int j = 0; j < dpp; j++)
		{
			unsigned int c;

			if (meta->bits == 1)
				c = (codes[RuIvfBitByte(j / 4, lane, RuIvfBitGroups(meta->dim))] >>
					 (RuIvfBitShift(lane) + (j & 3))) & 1;
			else if (meta->bits == 4)
			{
				unsigned char byte = codes[RuIvfSq4Pos(j / 2, lane, B)];

				c = (j & 1) ? byte >> 4 : byte & 15;
			}
			else
				c = codes[RuIvfCodePos(j, lane, B)];
			if (j < n)
				cs->code[d0 + j] = (unsigned char) c;
			else if (c != 0)
				corrupt("index \"%s\" block %u lane %d: code slot %d of the page, past its %d "
						"dimensions, is %u, not 0",
						cs->name, blkno + k, lane, j, n, c);
		}
	}
}

/* Check a lane's factor (and the sanity of its error) against its codes in cs->code. */
static void
check_factor(RuIvfCheckState *cs, BlockNumber blkno, int lane, RuIvfLaneFactors f)
{
	double		factor = 0.0;

	if (!isfinite(f.factor) || f.factor < 0.0f)
		corrupt("index \"%s\" block %u lane %d: factor %g is not a finite value >= 0",
				cs->name, blkno, lane, (double) f.factor);
	if (!isfinite(f.err) || f.err < 0.0f)
		corrupt("index \"%s\" block %u lane %d: coding error %g is not a finite value >= 0",
				cs->name, blkno, lane, (double) f.err);
	if (cs->meta.bits == 1)
	{
		int			pop = 0;

		for (int d = 0; d < cs->meta.dim; d++)
			pop += cs->code[d];
		if (!(f.err > 0.0f && f.err <= 1.0f + 1e-5f))
			corrupt("index \"%s\" block %u lane %d: binary code's <xbar, o'> is %g, not within (0, 1]",
					cs->name, blkno, lane, (double) f.err);
		if (f.popcount != (float) pop)
			corrupt("index \"%s\" block %u lane %d: popcount %g, the lane's code has %d bits set",
					cs->name, blkno, lane, (double) f.popcount, pop);
		if (!isfinite(f.sqnorm) || f.sqnorm < 0.0f)
			corrupt("index \"%s\" block %u lane %d: squared norm %g is not a finite value >= 0",
					cs->name, blkno, lane, (double) f.sqnorm);
		return;
	}
	/* as RuIvfEncode sums it */
	for (int d = 0; d < cs->meta.dim; d++)
	{
		float		step = cs->code_s[d] * cs->mult;

		factor += (double) (step * cs->code[d]) * (step * cs->code[d]);
	}
	if (!(fabs((double) f.factor - factor) <= CHECK_REL_SLACK * factor + CHECK_ABS_SLACK))
		corrupt("index \"%s\" block %u lane %d: factor %g, the lane's codes give %g",
				cs->name, blkno, lane, (double) f.factor, factor);
}

/*
 * Check a lane's binary code (in cs->code) and factors against the code of
 * its prepared vector (cs->prepared) in its list, made again: the bits
 * equal, the factors equal up to float rounding.
 */
static void
check_binary_coding(RuIvfCheckState *cs, BlockNumber blkno, int lane, int list,
					RuIvfLaneFactors f, const char *source)
{
	const RuIvfMetaData *meta = &cs->meta;
	const float *center = RuIvfKeepsCentroids(meta) ? cs->centroids + (Size) list * meta->dim : NULL;
	unsigned char *code = palloc(meta->dim);
	float	   *work = palloc(sizeof(float) * meta->dim);
	RuIvfLaneFactors want = RuIvfEncodeBits(cs->prepared, center, meta->dim,
											meta->rotation_seed, code, work);
	float		got[4] = {f.factor, f.err, f.popcount, f.sqnorm};
	float		exp[4] = {want.factor, want.err, want.popcount, want.sqnorm};
	static const char *const names[4] = {"norm", "<xbar, o'>", "popcount", "squared norm"};

	for (int d = 0; d < meta->dim; d++)
		if (code[d] != cs->code[d])
			corrupt("index \"%s\" block %u lane %d: bit %d of the binary code is %u, the vector (%s) "
					"gives %u",
					cs->name, blkno, lane, d, cs->code[d], source, code[d]);
	for (int i = 0; i < 4; i++)
		if (!(fabs((double) got[i] - exp[i]) <= CHECK_REL_SLACK * fabs((double) exp[i]) + CHECK_ABS_SLACK))
			corrupt("index \"%s\" block %u lane %d: %s is %g, the vector (%s) gives %g",
					cs->name, blkno, lane, names[i], (double) got[i], source, (double) exp[i]);
	pfree(code);
	pfree(work);
}

/*
 * Check a lane's codes (in cs->code) against its full-precision vector raw
 * (as given, from the vector pages or the table: source says which): the
 * elements finite, and the coding error within the lane's stored error.
 */
static void
check_coding(RuIvfCheckState *cs, BlockNumber blkno, int lane, int list, RuIvfLaneFactors f,
			 const float *raw, const char *source)
{
	const RuIvfMetaData *meta = &cs->meta;
	const float *x = cs->prepared;
	const float *center = meta->residual ? cs->centroids + (Size) list * meta->dim : NULL;
	double		err = 0.0;

	for (int d = 0; d < meta->dim; d++)
		if (!isfinite(raw[d]))
			corrupt("index \"%s\" block %u lane %d: element %d of the vector (%s) is %g",
					cs->name, blkno, lane, d, source, (double) raw[d]);
	RuIvfPrepareVector(cs->metric, raw, meta->dim, cs->prepared);
	if (meta->bits == 1)
	{
		check_binary_coding(cs, blkno, lane, list, f, source);
		return;
	}
	/* as RuIvfEncode measures it */
	for (int d = 0; d < meta->dim; d++)
	{
		float		xd = center ? x[d] - center[d] : x[d];
		float		step = cs->code_s[d] * cs->mult;
		double		decoded = (double) cs->code_m[d] + (double) step * cs->code[d];

		err += (xd - decoded) * (xd - decoded);
	}
	err = sqrt(err);
	if (!(err <= f.err * (1.0 + CHECK_REL_SLACK) + CHECK_ABS_SLACK))
		corrupt("index \"%s\" block %u lane %d: the code is %g from the vector (%s), beyond the "
				"lane's coding error bound %g",
				cs->name, blkno, lane, err, source, (double) f.err);
	if (!(f.err <= err * (1.0 + CHECK_ERR_REL_OVER) + CHECK_ABS_SLACK))
		corrupt("index \"%s\" block %u lane %d: stored coding error %g, but the code is %g from "
				"the vector (%s)",
				cs->name, blkno, lane, (double) f.err, err, source);
}

/* Copy lane's full-precision vector out of its block's vector pages (vpages[q]: vector page q). */
static void
lane_vector(RuIvfCheckState *cs, Page *vpages, int lane, float *out)
{
	int			first,
				npages,
				offset;

	RuIvfLaneVectorSpan(&cs->meta, lane, &first, &npages, &offset);
	for (int q = first; q < first + npages; q++)
		RuIvfLaneVectorPage(&cs->meta, vpages[q], q, lane, out, false);
}

/* Check a lane's TID: invalid (deleted by VACUUM) or within the table. */
static bool
check_tid(RuIvfCheckState *cs, BlockNumber blkno, int lane, ItemPointer tid)
{
	BlockNumber tblk;
	OffsetNumber off;

	if (!ItemPointerIsValid(tid))
		return false;
	tblk = ItemPointerGetBlockNumberNoCheck(tid);
	off = ItemPointerGetOffsetNumberNoCheck(tid);
	if (off > MaxOffsetNumber)
		corrupt("index \"%s\" block %u lane %d: TID (%u,%u) has an offset past %d",
				cs->name, blkno, lane, tblk, off, MaxOffsetNumber);
	if (tblk >= cs->heap_nblocks)
	{
		cs->heap_nblocks = RelationGetNumberOfBlocks(cs->heap);
		if (tblk >= cs->heap_nblocks)
			corrupt("index \"%s\" block %u lane %d: TID (%u,%u) points past the end of table "
					"\"%s\" (%u blocks)",
					cs->name, blkno, lane, tblk, off, RelationGetRelationName(cs->heap),
					cs->heap_nblocks);
	}
	return true;
}

/* heapallindexed: remember a TID of the index; one seen before is an error. */
static void
remember_tid(RuIvfCheckState *cs, BlockNumber blkno, int lane, int list, ItemPointer tid)
{
	bool		found;
	RuIvfCheckTid *e = hash_search(cs->tids, tid, HASH_ENTER, &found);

	if (found)
		corrupt("index \"%s\" block %u lane %d: TID (%u,%u) is also in block %u lane %d",
				cs->name, blkno, lane, ItemPointerGetBlockNumber(tid),
				ItemPointerGetOffsetNumber(tid), e->blkno, e->lane);
	e->blkno = blkno;
	e->lane = (uint16) lane;
	e->list = list;
	e->seen = false;
}

/* Check the block copied into cs->pages, which list's chain reached at blkno. */
static void
check_block(RuIvfCheckState *cs, BlockNumber blkno, int list)
{
	const RuIvfMetaData *meta = &cs->meta;
	Page		pages[RUIVF_MAX_PAGES_PER_BLOCK];
	Page	   *vpages = palloc(sizeof(Page) * Max(meta->vec_pages_per_block, 1));
	RuIvfPageOpaque op;
	ItemPointerData *tids;

	for (int k = 0; k < meta->pages_per_block; k++)
	{
		pages[k] = (Page) (cs->pages + (Size) k * BLCKSZ);
		check_page(cs, pages[k], blkno + k, k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
		if (cs->meta.version >= 4 && RuIvfPageGetOpaque(pages[k])->gen != (uint16) cs->meta.generation)
			corrupt("index \"%s\" block %u: written for generation %u, the index's is %d",
					cs->name, blkno + k, RuIvfPageGetOpaque(pages[k])->gen, cs->meta.generation);
	}
	for (int q = 0; q < meta->vec_pages_per_block; q++)
	{
		vpages[q] = (Page) (cs->pages + (Size) (meta->pages_per_block + q) * BLCKSZ);
		check_page(cs, vpages[q], blkno + meta->pages_per_block + q, RUIVF_PAGE_VECTORS);
	}
	op = RuIvfPageGetOpaque(pages[0]);
	if (op->nlanes > meta->lanes)
		corrupt("index \"%s\" block %u: %u lanes in use, a block has %d",
				cs->name, blkno, op->nlanes, meta->lanes);
	tids = RuIvfPageTids(pages[0], meta);

	for (int lane = 0; lane < op->nlanes; lane++)
	{
		ItemPointerData tid = tids[lane];
		RuIvfLaneFactors f = RuIvfGetFactors(pages[0], meta, lane);

		if (check_tid(cs, blkno, lane, &tid))
		{
			if (cs->heapallindexed)
				remember_tid(cs, blkno, lane, list, &tid);
		}
		else
			cs->deleted++;
		decode_lane(cs, pages, blkno, lane);
		if (meta->rerank == RUIVF_RERANK_INDEX)
		{
			lane_vector(cs, vpages, lane, cs->vec);
			check_coding(cs, blkno, lane, list, f, cs->vec, "the index's vector pages");
		}
		check_factor(cs, blkno, lane, f);
	}
	for (int lane = op->nlanes; lane < meta->lanes; lane++)
		if (ItemPointerIsValid(&tids[lane]))
			corrupt("index \"%s\" block %u lane %d: a lane past the %u in use holds TID (%u,%u)",
					cs->name, blkno, lane, op->nlanes,
					ItemPointerGetBlockNumberNoCheck(&tids[lane]),
					ItemPointerGetOffsetNumberNoCheck(&tids[lane]));
	cs->blocks++;
	cs->lanes += op->nlanes;
	pfree(vpages);
}

/* Walk every list's chain from its directory slot. */
static void
check_chains(RuIvfCheckState *cs)
{
	const RuIvfMetaData *meta = &cs->meta;

	for (int list = 0; list < Max(meta->lists, 1); list++)
	{
		int			slot;
		BlockNumber dirblk = RuIvfListDirBlock(meta, list, &slot);
		Buffer		buf = ReadBufferExtended(cs->index, MAIN_FORKNUM, dirblk, RBM_NORMAL,
											 cs->strategy);
		BlockNumber blkno;
		BlockNumber from = dirblk;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		blkno = RuIvfListDirHeads(BufferGetPage(buf))[slot];
		UnlockReleaseBuffer(buf);

		while (blkno != InvalidBlockNumber)
		{
			CHECK_FOR_INTERRUPTS();
			if (!data_blocks_in_range(cs, blkno, cs->block_pages))
			{
				if (from == dirblk)
					corrupt("index \"%s\" block %u: list %d's head, block %u, is out of range "
							"(data blocks, %d pages each, lie in %u .. %u)",
							cs->name, dirblk, list, blkno, cs->block_pages, cs->first_data,
							cs->nblocks - 1);
				corrupt("index \"%s\" block %u: next link %u (list %d) is out of range "
						"(data blocks, %d pages each, lie in %u .. %u)",
						cs->name, from, blkno, list, cs->block_pages, cs->first_data,
						cs->nblocks - 1);
			}
			mark_block(cs, blkno, list, from);
			copy_block(cs, blkno);
			check_block(cs, blkno, list);
			from = blkno;
			blkno = RuIvfPageGetOpaque((Page) cs->pages)->next;
		}
	}
}

/*
 * Check the data blocks no chain reached, below the block count taken at
 * the start: only pages an interrupted insert leaves (see UNREACHED
 * BLOCKS) are allowed.
 */
static void
check_unreached(RuIvfCheckState *cs)
{
	char	   *page = palloc(BLCKSZ);

	for (BlockNumber blkno = cs->first_data; blkno < cs->nblocks_start; blkno++)
	{
		RuIvfPageOpaque op;

		if (blkno < cs->nowner && cs->owner[blkno] != 0)
			continue;
		/* an earlier generation's, or a training's not switched in (ivftrain.c) */
		if (cs->retired[blkno] ||
			(cs->meta.pending_from != 0 && blkno >= cs->meta.pending_from))
			continue;
		CHECK_FOR_INTERRUPTS();
		copy_page(cs, blkno, page);
		cs->orphans++;
		if (PageIsNew((Page) page))
			continue;
		if (!page_is_ruivf((Page) page))
			corrupt("index \"%s\" block %u: no list's chain reaches it, and it is not a ruivf page",
					cs->name, blkno);
		op = RuIvfPageGetOpaque((Page) page);
		if (op->kind == RUIVF_PAGE_FREE)
			continue;			/* retired, freed for reuse (ivftrain.c) */
		if (cs->meta.pending_from != 0 && op->kind != RUIVF_PAGE_META &&
			op->gen == (uint16) (cs->meta.generation + 1))
			continue;			/* a training's, under way or interrupted, on a reused block */
		if (op->kind == RUIVF_PAGE_DATA_MORE || op->kind == RUIVF_PAGE_VECTORS ||
			(op->kind == RUIVF_PAGE_DATA && op->nlanes == 0))
			continue;
		if (op->kind == RUIVF_PAGE_DATA)
			corrupt("index \"%s\" block %u: a data page with %u lanes in use that no list's "
					"chain reaches",
					cs->name, blkno, op->nlanes);
		corrupt("index \"%s\" block %u: a %s (kind %u) among the data blocks, which no list's "
				"chain reaches",
				cs->name, blkno, kind_name(op->kind), op->kind);
	}
	pfree(page);
}

/*
 * heapallindexed: a row the table scan says the index must hold (its root
 * TID for a HOT chain): it must be in the index, and its vector must agree
 * with the lane's.
 */
static void
heap_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	RuIvfCheckState *cs = (RuIvfCheckState *) state;
	const RuIvfMetaData *meta = &cs->meta;
	RuIvfCheckTid *e;
	float	   *v;
	int			vdim;
	Buffer		bufs[RUIVF_MAX_PAGES_PER_BLOCK];
	Page		pages[RUIVF_MAX_PAGES_PER_BLOCK];
	RuIvfLaneFactors f;

	(void) index;
	(void) tupleIsAlive;
	if (isnull[0])
		return;
	cs->rows++;
	e = hash_search(cs->tids, tid, HASH_FIND, NULL);
	if (e == NULL)
		corrupt("index \"%s\": row (%u,%u) of table \"%s\" is not in the index",
				cs->name, ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
				RelationGetRelationName(cs->heap));
	if (e->seen)
		return;					/* a table scan gives each TID once */
	e->seen = true;

	v = RuIvfInputQuery(RuIvfGetInput(cs->index), values[0], &vdim);
	if (vdim != meta->dim)
		corrupt("index \"%s\" block %u lane %d: row (%u,%u) of the table has %d dimensions, "
				"the index %d",
				cs->name, e->blkno, e->lane, ItemPointerGetBlockNumber(tid),
				ItemPointerGetOffsetNumber(tid), vdim, meta->dim);

	if (meta->rerank == RUIVF_RERANK_INDEX)
	{
		/* the walk checked the codes against this copy: it must be the row's */
		int			first,
					npages,
					offset;

		RuIvfLaneVectorSpan(meta, e->lane, &first, &npages, &offset);
		for (int q = first; q < first + npages; q++)
		{
			Buffer		buf = ReadBufferExtended(cs->index, MAIN_FORKNUM,
												 e->blkno + meta->pages_per_block + q,
												 RBM_NORMAL, cs->strategy);

			LockBuffer(buf, BUFFER_LOCK_SHARE);
			RuIvfLaneVectorPage(meta, BufferGetPage(buf), q, e->lane, cs->vec, false);
			UnlockReleaseBuffer(buf);
		}
		for (int d = 0; d < meta->dim; d++)
			if (memcmp(&cs->vec[d], &v[d], sizeof(float)) != 0)
				corrupt("index \"%s\" block %u lane %d: element %d of the index's copy of the "
						"vector is %.9g, row (%u,%u) of the table has %.9g",
						cs->name, e->blkno, e->lane, d, (double) cs->vec[d],
						ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid),
						(double) v[d]);
	}
	else
	{
		/* the lane's codes against the row's vector */
		for (int k = 0; k < meta->pages_per_block; k++)
		{
			bufs[k] = ReadBufferExtended(cs->index, MAIN_FORKNUM, e->blkno + k, RBM_NORMAL,
										 cs->strategy);
			LockBuffer(bufs[k], BUFFER_LOCK_SHARE);
			pages[k] = BufferGetPage(bufs[k]);
		}
		f = RuIvfGetFactors(pages[0], meta, e->lane);
		decode_lane(cs, pages, e->blkno, e->lane);
		for (int k = 0; k < meta->pages_per_block; k++)
			UnlockReleaseBuffer(bufs[k]);
		check_coding(cs, e->blkno, e->lane, e->list, f, v, "the table row");
	}
	pfree(v);
}

/* heapallindexed: scan the table as an index build would, checking each row. */
static void
check_heap(RuIvfCheckState *cs)
{
	IndexInfo  *ii = BuildIndexInfo(cs->index);

	/* SnapshotAny under ShareLock, as a build: recently dead rows are in the index too */
	ii->ii_Concurrent = false;
	table_index_build_scan(cs->heap, cs->index, ii, true, false, heap_callback, cs, NULL);
}

/* Error for a relation that is not an index. */
static void
not_an_index(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("could not open relation with OID %u", relid)));
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is not a ruivf index", name),
			 errdetail("It is not an index."),
			 errhint("Pass an index created with USING ruivf.")));
}

/*
 * Open the index and its table with lockmode, the table first (as every
 * index operation does), and refuse what cannot be checked.  Returns false
 * for an unlogged index during recovery, which has no contents to check.
 */
static bool
open_relations(Oid indexoid, LOCKMODE lockmode, Relation *heap, Relation *index)
{
	Oid			heapoid = IndexGetRelation(indexoid, true);
	const char *name;

	if (!OidIsValid(heapoid))
		not_an_index(indexoid);
	*heap = table_open(heapoid, lockmode);
	*index = index_open(indexoid, lockmode);
	name = RelationGetRelationName(*index);
	if (IndexGetRelation(indexoid, false) != heapoid)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("could not open the table of index \"%s\"", name)));
	RuIvfRequireStorage(*index, "ruvector_index_check");
	if ((*index)->rd_indam == NULL || (*index)->rd_indam->ambuild != ruivfbuild)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a ruivf index", name),
				 errhint("Pass an index created with USING ruivf.")));
	if (RELATION_IS_OTHER_TEMP(*index))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot access temporary tables of other sessions")));
	if (!(*index)->rd_index->indisvalid)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot check index \"%s\"", name),
				 errdetail("Index is not valid."),
				 errhint("REINDEX INDEX %s; or drop it.", name)));
	if (!RelationIsPermanent(*index) && RecoveryInProgress())
	{
		ereport(NOTICE,
				(errmsg("unlogged index \"%s\" has no contents during recovery: not checked",
						name)));
		return false;
	}
	return true;
}

PG_FUNCTION_INFO_V1(ruvector_index_check);

/*
 * ruvector_index_check(index, heapallindexed): check a ruivf index (see
 * the file header); returns nothing, or raises the first problem found.
 */
Datum
ruvector_index_check(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	bool		heapallindexed = PG_GETARG_BOOL(1);
	LOCKMODE	lockmode = heapallindexed ? ShareLock : AccessShareLock;
	MemoryContext cxt;
	MemoryContext old;
	RuIvfCheckState *cs;
	Relation	heap;
	Relation	index;

	if (!open_relations(indexoid, lockmode, &heap, &index))
	{
		index_close(index, lockmode);
		table_close(heap, lockmode);
		PG_RETURN_VOID();
	}
	cxt = AllocSetContextCreate(CurrentMemoryContext, "ruvector_index_check",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	cs = palloc0(sizeof(RuIvfCheckState));
	cs->index = index;
	cs->heap = heap;
	cs->name = RelationGetRelationName(index);
	cs->metric = RuIvfGetMetric(index);
	cs->heapallindexed = heapallindexed;
	cs->strategy = GetAccessStrategy(BAS_BULKREAD);
	/* the table's count first: a TID the index holds then lies below it or below a later count */
	cs->heap_nblocks = RelationGetNumberOfBlocks(heap);
	cs->nblocks = cs->nblocks_start = RelationGetNumberOfBlocks(index);

	check_metapage(cs);
	check_float_pages(cs);
	check_directory(cs);

	cs->pages = palloc_extended((Size) cs->block_pages * BLCKSZ, MCXT_ALLOC_HUGE);
	cs->code = palloc(cs->meta.dim);
	cs->vec = palloc(sizeof(float) * cs->meta.dim);
	cs->prepared = palloc(sizeof(float) * cs->meta.dim);
	cs->nowner = Max(cs->nblocks, 1);
	cs->owner = palloc_extended(sizeof(int32) * cs->nowner, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	check_generation_pages(cs);
	if (heapallindexed)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ItemPointerData);
		ctl.entrysize = sizeof(RuIvfCheckTid);
		ctl.hcxt = cxt;
		cs->tids = hash_create("ruvector_index_check TIDs", 1024, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	check_chains(cs);
	/* a free-block hint names a block of its own list's chain */
	for (int list = 0; list < Max(cs->meta.lists, 1); list++)
	{
		BlockNumber h = cs->hints[list];

		if (h != InvalidBlockNumber && (h >= cs->nowner || cs->owner[h] != list + 1))
			corrupt("index \"%s\" block %u: list %d's free-block hint names block %u, "
					"which its chain does not reach",
					cs->name, RuIvfListDirBlock(&cs->meta, list, &(int){0}), list, h);
	}
	check_unreached(cs);
	if (heapallindexed)
		check_heap(cs);

	ereport(DEBUG1,
			(errmsg("ruivf index \"%s\" checked: %d lists, " INT64_FORMAT " blocks, " INT64_FORMAT
					" lanes (" INT64_FORMAT " deleted), " INT64_FORMAT " pages no chain reaches, "
					INT64_FORMAT " table rows",
					cs->name, cs->meta.lists, cs->blocks, cs->lanes, cs->deleted, cs->orphans,
					cs->rows)));

	FreeAccessStrategy(cs->strategy);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	index_close(index, lockmode);
	table_close(heap, lockmode);
	PG_RETURN_VOID();
}
