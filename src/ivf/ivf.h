/*-------------------------------------------------------------------------
 *
 * ivf.h
 *	  ruivf: an IVF index access method over SoA blocks of 8-bit codes.
 *
 * THE INDEX
 * k-means splits the vectors into `lists` clusters.  Each vector is stored
 * in the list of its nearest centroid as an 8-bit scalar-quantized (SQ8)
 * code: c_d = round((x_d - m_d) / s_d), with per-dimension offset m_d and
 * step s_d learned from the build sample.  A scan scores the codes of the
 * `ruvector.probes` nearest lists with SIMD batch kernels, then re-ranks the
 * best candidates exactly with the full-precision vectors read from the heap
 * (the ruvector type is stored inline and uncompressed, so that read walks
 * no TOAST table), and returns rows in exact distance order.  For cosine
 * the index codes unit vectors; for inner product, L2 and L1 the raw
 * vectors (an L1 index is coded, trained and probed as for L2; only its
 * exact re-rank distance is L1).
 *
 * PAGES (all sizes are for BLCKSZ 8192; the Asserts in ivfutils.c check
 * the arithmetic for the configured BLCKSZ)
 *
 *	block 0			metapage: RuIvfMetaData at PageGetContents()
 *	blocks 1..		"float pages": the centroids (lists x dim float4,
 *					row-major) and then the SQ8 parameters (m[dim], s[dim]),
 *					each array packed contiguously across consecutive pages,
 *					RUIVF_FLOATS_PER_PAGE floats per page
 *	then			list directory: one BlockNumber per list, the first
 *					block of the list's chain (InvalidBlockNumber if empty),
 *					RUIVF_LISTS_PER_PAGE entries per page
 *	then			data blocks, in chains, one chain per list
 *
 * A data block holds `lanes` vectors (B, a multiple of 8) as one SoA block,
 * dimension-major in pairs of dimensions: for the pair (2p, 2p+1) the B
 * lanes' two codes are contiguous, codes[(p * B + lane) * 2 + (d & 1)]
 * (RuIvfCodePos), starting RUIVF_CODES_OFFSET bytes into the page (64-byte
 * aligned relative to the page start); a page whose dimension count is odd
 * pads its last pair with a zero code.  The pairs feed the integer kernel
 * (src/simd/kernels.h: one vpmaddwd per pair of dimensions and 8 lanes; the
 * query is scaled to 16-bit integers per scan, see ivfscan.c).
 *
 * CODES (option bits = 8 | 4 | 1, meta->bits).  SQ8 (the default): c_d in
 * 0..255 with x'_d = m_d + s_d c_d, where m_d is the build sample's minimum
 * and s_d its range / 255 (the float pages' m[], s[]).  SQ4 (residual):
 * c_d in 0..15 coding the residual from the list's centroid,
 * x'_d = centroid_d + m'_d + 17 s'_d c_d, with parameters of their own
 * (m'[], s'[] after m[], s[] on the float pages: the residuals' range, at
 * most mean +- 2.7 sd), both dimensions of a pair in one byte,
 * codes[p * B + lane] = c_2p | c_{2p+1} << 4 (RuIvfSq4Pos): half the bytes
 * a scan reads, scored with vpmaddubsw against an 8-bit query operand made
 * per list.  The coarser estimates cost nothing in the order of the
 * answers (the re-rank is exact and its lower bounds use each lane's own
 * coding error), only more re-ranks.  Measured: fashion-mnist, recall and
 * QPS as SQ8 within noise with a 35 % smaller index; Gaussian-mixture
 * floats, recall within 0.002 of SQ8.
 *
 * BINARY CODES (bits = 1, version 5).  One bit per dimension: the signs of
 * P^T (x - c) for the list's centroid c and a random orthogonal P (a
 * rotation made of sign flips and Hadamard transforms, a function of the
 * metapage's rotation_seed), with four factors a lane (|x - c|, <xbar, o'>,
 * the set bits, |x|^2), src/simd/rabitq.h.  A scan prepares its query for
 * each list on a 6-bit grid, scores 32 codes at a time with the fast-scan
 * kernel (a 16-entry table per 4 dimensions, pshufb), and gets for each
 * lane an unbiased estimate of the distance and a lower bound that holds
 * unless the estimate is off by more than ruvector.epsilon standard
 * deviations (always, from sqrt(6 dim)).  An eighth of SQ8's bytes to
 * read and store; more candidates to re-rank exactly (their bounds are
 * looser).  A block is one page (RuIvfBitByte below), so binary codes go up
 * to RUIVF_BIT_MAX_DIM dimensions.
 *
 * After the codes of the
 * first page come the B heap TIDs, then B RuIvfLaneFactors (two float4 for
 * SQ8 and SQ4, four for binary codes): lane l's factor sum_d (x'_d - m_d)^2, so that an L2 estimate is
 *		|q - m|^2 + factor_l - 2 sum_d (q_d - m_d) (x'_d - m_d)
 * and every metric is scored with the one SQ8 dot-product kernel; and its
 * coding error |x - x'| (x' the decoded code), which bounds the exact
 * distance around the estimate (version 3).
 *
 * Geometry (RuIvfComputeGeometry): up to ~116 dimensions a block is one
 * page of as many lanes as fit (at most 1024).  Above, B is the multiple of
 * 8 up to 64 whose block spans at most 4 pages (so that VACUUM can rewrite
 * a whole block in one GenericXLog record) and fills its pages best, more
 * lanes on a tie: 128 dimensions give B = 56 on one page, 784 give B = 32
 * over 4 pages, 1536 give B = 16 over 4 pages.  Past ~4000
 * dimensions B is 8 and a block spans as many pages as it needs (16,000
 * dimensions: 16 pages; a bit string of 64,000 bits, RUIVF_MAX_BIT_DIM: 64).  Page k of a block holds dimensions
 * [k * dims_per_page, (k+1) * dims_per_page) for all B lanes, and a scan
 * sums the partial dot products of the pages (dims_per_page is even: no
 * pair of dimensions spans two pages).  The first page's special
 * space holds the next block of the chain and the number of lanes in use;
 * a lane whose TID is invalid was deleted by VACUUM and is skipped.
 *
 * RE-RANK REPRESENTATION (option rerank = auto | heap | index)
 * heap: the exact re-rank reads each candidate's vector from the table (the
 * compact index).  index: every block is followed, on consecutive pages, by
 * `vec_pages_per_block` "vector pages" holding its lanes' vectors in full
 * precision, as one float4 stream (lane l at floats [l * dim, (l+1) * dim)
 * of the stream, RUIVF_FLOATS_PER_PAGE floats per page, a vector possibly
 * running on into the next page): the re-rank then reads the index only,
 * never the table or its TOAST, and leaves the visibility check to the
 * executor.  auto (the default) is index above RUIVF_RERANK_AUTO_DIM
 * dimensions, where the table keeps vectors out of line, and heap below.
 * In index mode VACUUM marks dead lanes (no compaction: lanes keep their
 * vectors' places).
 *
 * Every page's special space ends with RUIVF_PAGE_ID (for pg_filedump).
 * The metapage carries RUIVF_MAGIC and RUIVF_VERSION, checked on every open.
 *
 * GENERATIONS (version 4, ivftrain.c)
 * The layout above is the build's.  A training (online, as the table grows)
 * writes a whole new set of float pages, data blocks and list directory on
 * free or new blocks, and the metapage then names them: after the first
 * training the float pages, the directory and the data blocks of a
 * generation lie anywhere past block 0, each run of float or directory
 * pages consecutive.  The blocks the generation replaced are listed as
 * ranges on RETIRED pages that the metapage names, and become FREE pages
 * (in the free space map) once no scan can read them; a new block is taken
 * from them first.  Every data, further data and vector page carries the
 * number of the generation it was written for (opaque->gen, mod 2^16).
 * A version 3 index is read as a version 4 index of generation 0.
 *
 * LOCKING
 * Lock order: the list directory page, then data pages in chain order (and
 * the pages of one block in ascending block order: its code pages, then its
 * vector pages).  The metapage is a leaf: whoever holds its buffer lock
 * takes no other page lock meanwhile, and an insert reads it under the lock
 * of the block it is about to write (ivftrain.c: a generation that closed or
 * switched is not written to).  Float and directory pages never change
 * after their generation was written, but for a directory slot when an
 * insert adds a block.  An insert takes the directory page exclusively
 * only when it must add a block to a chain; see ivfinsert.c.  Scans lock
 * the code pages of one block at a time (share), and with rerank = index
 * one vector page at a time, after the block's locks are released.
 * Trainings take the lmgr page lock on block 0 (ExclusiveLock): one at a
 * time.
 *
 * src/ivf/ivf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_IVF_H
#define RUVECTOR_IVF_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/genam.h"
#include "access/generic_xlog.h"
#include "access/itup.h"
#include "access/reloptions.h"
#include "access/tableam.h"
#include "datatype/timestamp.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#include "../simd/kernels.h"
#include "../type/vector.h"

#define RUIVF_MAGIC				0x52564946	/* "RVIF" */
#define RUIVF_VERSION			8	/* 2: codes interleaved in pairs of dimensions;
									 * 3: a coding error per lane, bits (SQ4);
									 * 4: online training (ivftrain.c);
									 * 5: binary codes (bits = 1), rotation_seed;
									 * 6: learned depth (ivflearn.c);
									 * 7: row_norm (inner product's list order);
									 * 8: trained_residual (drift, ivftrain.c) */
#define RUIVF_VERSION_MIN		3	/* read as version 4 with no training yet */
#define RUIVF_PAGE_ID			0xFF91

#define RUIVF_METAPAGE_BLKNO	0

/*
 * metrics, from the opclass's support function 1 (stored in the metapage).
 * An L1 index is an L2 index but for the scan's exact distance: its codes,
 * k-means and probe order are L2's, and an L2 lower bound bounds the L1
 * distance too (|v|_1 >= |v|_2), so the re-rank stays exact (ivfscan.c).
 */
typedef enum RuIvfMetric
{
	RUIVF_METRIC_L2 = 1,
	RUIVF_METRIC_IP = 2,
	RUIVF_METRIC_COSINE = 3,
	RUIVF_METRIC_L1 = 4
} RuIvfMetric;

#define RUIVF_METRIC_MAX		RUIVF_METRIC_L1

/* the metric's codes, estimates and list order are L2's (L2 and L1) */
#define RuIvfMetricIsL2Like(metric) \
	((metric) == RUIVF_METRIC_L2 || (metric) == RUIVF_METRIC_L1)

/*
 * What the indexed column holds, from the operator class (RuIvfGetInput).
 * Every kind is indexed as float4: halves are widened exactly, a sparse
 * vector is scattered into its dense form (up to RUVECTOR_MAX_DIM
 * dimensions), and a bit string is a vector of 0.0 / 1.0, whose squared L2
 * distance is the Hamming distance (so <~> orders as <-> on the widened
 * vectors), up to RUIVF_MAX_BIT_DIM bits.  The re-rank reads the column's
 * own value from the table: two bytes a dimension for a halfvec, one bit
 * for a bit string, the non-zero elements of a sparse vector, whose exact
 * distance is the sparse type's own (double-precision merges, ivfscan.c),
 * so that rows come in the order of the operator's values.
 */
typedef enum RuIvfInput
{
	RUIVF_INPUT_FLOAT4 = 0,		/* ruvector, vector */
	RUIVF_INPUT_HALF = 1,		/* ruhalfvec, halfvec */
	RUIVF_INPUT_BIT = 2,		/* bit (bit_hamming_ops), metric L2 */
	RUIVF_INPUT_SPARSE = 3		/* rusparsevec, sparsevec (rerank = heap) */
} RuIvfInput;

/*
 * Bit strings are indexed up to 64,000 bits, as pgvector does (other inputs:
 * RUVECTOR_MAX_DIM).  An SQ8 block of 8 lanes then spans 64 pages of 1,000
 * dimensions, RUIVF_MAX_PAGES_PER_BLOCK (ivfutils.c checks it).  Past
 * RUVECTOR_MAX_DIM bits the re-rank reads the table: with rerank = index an
 * insert adding a block would lock its code and vector pages together
 * (64 + 253 at 64,000 bits), more buffers than a backend may lock at once.
 */
#define RUIVF_MAX_BIT_DIM		64000
#define RuIvfMaxDim(input) \
	((input) == RUIVF_INPUT_BIT ? RUIVF_MAX_BIT_DIM : RUVECTOR_MAX_DIM)

/* page kinds, in the special space */
#define RUIVF_PAGE_META			1
#define RUIVF_PAGE_FLOATS		2
#define RUIVF_PAGE_LISTDIR		3
#define RUIVF_PAGE_DATA			4	/* first page of a data block */
#define RUIVF_PAGE_DATA_MORE	5	/* further pages of a multi-page block */
#define RUIVF_PAGE_VECTORS		6	/* full-precision vectors of a block (rerank = index) */
#define RUIVF_PAGE_RETIRED		7	/* ranges of blocks an earlier generation used */
#define RUIVF_PAGE_FREE			8	/* a retired block, free for reuse (in the FSM) */

/*
 * What a lane keeps next to its code (first page of its block).  SQ8 and
 * SQ4: the factor sum_d (s_d c_d)^2 that turns the kernel's dot product
 * into an estimate, and err = |x - x'|, the distance between the (prepared)
 * vector x and its decoded code x'_d = m_d + s_d c_d, which bounds how far
 * the exact distance can be from the estimate (ivfscan.c uses it to
 * re-rank only the candidates whose order the estimates cannot decide);
 * the page holds these two (RUIVF_FACTORS_SQ bytes a lane).  Binary codes
 * (bits = 1) keep all four (RUIVF_FACTORS_BIT bytes): factor = |x - c|,
 * err = <xbar, o'> (src/simd/rabitq.h), popcount = the code's set bits,
 * sqnorm = |x|^2 (inner product's estimate).  Read and written through
 * RuIvfGetFactors / RuIvfSetFactors, which know the page's stride.
 */
typedef struct RuIvfLaneFactors
{
	float		factor;
	float		err;
	float		popcount;		/* bits = 1 only */
	float		sqnorm;			/* bits = 1 only */
} RuIvfLaneFactors;

#define RUIVF_FACTORS_SQ		(2 * sizeof(float))
#define RUIVF_FACTORS_BIT		(4 * sizeof(float))
#define RuIvfFactorBytes(bits)	((bits) == 1 ? RUIVF_FACTORS_BIT : RUIVF_FACTORS_SQ)

typedef struct RuIvfPageOpaqueData
{
	BlockNumber next;			/* DATA: next block of the chain */
	uint16		nlanes;			/* DATA: lanes in use (TIDs written) */
	uint16		kind;			/* RUIVF_PAGE_* */
	uint16		gen;			/* DATA: the generation it was written for (mod 2^16) */
	uint16		page_id;		/* RUIVF_PAGE_ID */
} RuIvfPageOpaqueData;

typedef RuIvfPageOpaqueData *RuIvfPageOpaque;

#define RuIvfPageGetOpaque(page) ((RuIvfPageOpaque) PageGetSpecialPointer(page))

/* byte offset of dimension d (counted within its page) of a lane in a code area */
#define RuIvfCodePos(d, lane, B) \
	((((Size) (d) >> 1) * (Size) (B) + (Size) (lane)) * 2 + ((Size) (d) & 1))

/*
 * The head entries of a list directory page; from version 4 the page's
 * second half holds, for each list, a block of its chain with free lanes
 * (VACUUM's compaction left them; InvalidBlockNumber: none known), where an
 * insert goes when the head block is full (ivfinsert.c).
 */
#define RuIvfListDirHeads(page) ((BlockNumber *) ((char *) (page) + RUIVF_CODES_OFFSET))
#define RuIvfListDirHints(page) (RuIvfListDirHeads(page) + RUIVF_LISTS_PER_PAGE / 2)
#define RuIvfListsPerDirPage(meta) \
	((meta)->version >= 4 ? RUIVF_LISTS_PER_PAGE / 2 : RUIVF_LISTS_PER_PAGE)

/* the metapage contents */
/* recall targets the build learns the depth of (ivflearn.c) */
#define RUIVF_RECALL_POINTS		12
extern const float RuIvfRecallPoints[RUIVF_RECALL_POINTS];

typedef struct RuIvfMetaData
{
	uint32		magic;
	uint32		version;
	int32		dim;
	int32		lists;			/* 0: built empty, one list without centroid */
	int32		metric;			/* RuIvfMetric */
	int32		lanes;			/* B: vectors per block */
	int32		dims_per_page;	/* dimensions held by one page of a block */
	int32		pages_per_block;
	BlockNumber centroid_start; /* first float page of the centroids */
	BlockNumber sq_start;		/* first float page of m[] then s[] */
	BlockNumber listdir_start;	/* first list directory page */
	int32		listdir_npages;
	uint64		build_id;		/* changes with every build */
	int32		rerank;			/* RUIVF_RERANK_HEAP or RUIVF_RERANK_INDEX */
	int32		vec_pages_per_block;	/* vector pages after each block (index mode) */
	int32		bits;			/* bits per code: 8 (SQ8) or 4 (SQ4) */
	int32		residual;		/* codes are of x - centroid (SQ4 with lists) */

	/* version 4: online training (ivftrain.c); all 0 in a version 3 index */
	int32		closing;		/* a training is copying the last rows: inserts wait */
	BlockNumber pending_from;	/* a training started at this block count (0: none) */
	BlockNumber trained_nblocks;	/* the block count when this generation began */
	int32		generation;		/* trainings so far */
	double		trained_rows;	/* entries this generation was trained with */
	BlockNumber retired_start;	/* first RETIRED page (InvalidBlockNumber: none) */
	int32		retired_npages;
	uint64		retired_xid;	/* FullTransactionId when they were retired */
	double		retired_blocks; /* blocks the RETIRED pages list */
	double		inserted;		/* rows inserted since (counted in batches) */
	double		trained_longest;	/* blocks of the longest list when trained,
									 * or a longer one a split carried (0: not
									 * recorded, an index from before) */

	/* version 5 */
	uint64		rotation_seed;	/* bits = 1: the rotation of the codes (rabitq.h) */

	/* version 6: 0 queries (an older index): nothing learned */
	int32		learned_queries;	/* sampled queries the depth was learned from */
	int32		learned_probes[RUIVF_RECALL_POINTS];	/* lists for recall@10
														 * RuIvfRecallPoints[i] */

	/* version 7: 0 in an older index */
	float		row_norm;		/* inner product: the rows' one norm, when the
								 * training's sample had one (RuIvfListKeyIP) */

	/* version 8: 0 in an older index (no drift measured) */
	float		trained_residual;	/* mean squared L2 distance from held-out
									 * rows to their nearest centroid at the
									 * training (ivflearn.c; ivftrain.c, DRIFT) */
} RuIvfMetaData;

/*
 * An inner-product index whose rows all have about one norm (unit-length
 * embeddings) ranks its lists as an L2 index ranks them for the query's
 * direction at that norm, s q / |q|: by |c|^2 - 2 s <q, c> / |q|.  Its rows
 * were placed in their nearest list by L2 (every metric's k-means and
 * assignment), so for rows of one norm the top inner products are the
 * nearest rows to s q / |q|, which lie in the lists an L2 index would read;
 * ranking by <q, c> alone prefers centroids of larger norm (tighter
 * clusters) to nearer ones, and read twice the lists for recall 0.95 on
 * fashion-mnist as unit vectors.  Rows of many norms keep <q, c> (row_norm
 * 0).  The sample decides at each training (ivfbuild.c); rows inserted
 * later with other norms cost recall only: the order of the lists read
 * never decides which rows a scan returns first.
 */
#define RUIVF_ROW_NORM_SPREAD	0.01	/* one norm: (max - min) / max at most this */
#define RUIVF_ROW_NORM_MIN_ROWS	32		/* ... in a sample of at least this many */

/* A list's key in the probe order of such an index: centroid c (|c|^2 c2), -<q, c> negip. */
static inline float
RuIvfListKeyIP(float c2, float negip, float row_norm, float qnorm)
{
	return qnorm > 0.0f ? c2 + 2.0f * row_norm * negip / qnorm : negip;
}

/*
 * A RETIRED page holds ranges of blocks that no chain of the current
 * generation reaches (the generations before it, and what an interrupted
 * training left), after RUIVF_CODES_OFFSET: `nranges` in the page opaque's
 * nlanes, then (start, count) pairs.
 */
typedef struct RuIvfBlockRange
{
	BlockNumber start;
	uint32		count;
} RuIvfBlockRange;

#define RUIVF_RANGES_PER_PAGE	((int) (RUIVF_PAGE_AVAIL / sizeof(RuIvfBlockRange)))
#define RuIvfPageRanges(page)	((RuIvfBlockRange *) ((char *) (page) + RUIVF_CODES_OFFSET))

/* SQ4 codes step 17 SQ8 steps (255 = 15 * 17): one set of m[], s[] for both */
#define RUIVF_SQ4_STEP			17
#define RuIvfCodeMax(bits)		((bits) == 4 ? 15 : 255)
#define RUIVF_SQ4_SIGMAS		2.7	/* SQ4 range: at most mean +- this many sd */

/* bytes of codes on one page of a block */
#define RuIvfPageCodeBytes(meta) \
	((Size) (meta)->dims_per_page * (Size) (meta)->lanes * (Size) (meta)->bits / 8)

/* byte of pair p (counted within its page) of a lane in an SQ4 code area */
#define RuIvfSq4Pos(p, lane, B)	((Size) (p) * (Size) (B) + (Size) (lane))

/* codes that depend on their list's centroid: residual SQ4, binary */
#define RuIvfKeepsCentroids(meta) \
	((meta)->lists > 0 && ((meta)->residual || (meta)->bits == 1))

/* the re-rank representation: option values, and (heap, index) in the metapage */
#define RUIVF_RERANK_HEAP		0
#define RUIVF_RERANK_INDEX		1
#define RUIVF_RERANK_AUTO		2
#define RUIVF_RERANK_AUTO_DIM	2000	/* auto: index above this many dimensions */

/* page-size arithmetic */
#define RUIVF_CODES_OFFSET		64	/* codes start this far into a page */
#define RUIVF_SPECIAL_SIZE		MAXALIGN(sizeof(RuIvfPageOpaqueData))
#define RUIVF_PAGE_AVAIL		(BLCKSZ - RUIVF_CODES_OFFSET - RUIVF_SPECIAL_SIZE)
#define RUIVF_FLOATS_PER_PAGE	((int) (RUIVF_PAGE_AVAIL / sizeof(float)))
#define RUIVF_LISTS_PER_PAGE	((int) (RUIVF_PAGE_AVAIL / sizeof(BlockNumber)))
#define RUIVF_MAX_LANES			1024
#define RUIVF_MIN_LANES			8
#define RuIvfLaneHeader(bits)	(sizeof(ItemPointerData) + RuIvfFactorBytes(bits))	/* TID + factors */
#define RUIVF_LANE_HEADER		RuIvfLaneHeader(8)
#define RUIVF_MAX_BLOCK_PAGES	4	/* blocks VACUUM can rewrite in one record */
#define RUIVF_MAX_LISTS			32768
#define RUIVF_MAX_PAGES_PER_BLOCK 64	/* bound for per-block page arrays (16,000 dims: 16,
										 * 64,000 bits: 64) */

/*
 * Binary codes (bits = 1): a block is one page of fast-scan blocks of
 * RUIVF_BIT_GROUP lanes each (kernels.h, rv_fastscan_pack), one after the
 * other; lane l is code (l % 32) of fast-scan block l / 32, where group g
 * (dimensions 4g .. 4g+3) is the low nibble of byte g * 16 + l % 16 for
 * codes 0-15 and the high nibble for 16-31 (RuIvfBitByte).  dims_per_page
 * is dim rounded up to whole groups; a block must fit one page, so binary
 * codes go up to RUIVF_BIT_MAX_DIM dimensions (1,852 for BLCKSZ 8192).
 */
#define RUIVF_BIT_GROUP			32
#define RUIVF_BIT_QMAX			63	/* the query's levels per dimension (rabitq.h) */
#define RuIvfBitGroups(dim)		(((Size) (dim) + 3) / 4)
#define RuIvfBitByte(g, lane, ngroups) \
	(((Size) (lane) / RUIVF_BIT_GROUP) * (Size) (ngroups) * 16 + (Size) (g) * 16 + ((lane) & 15))
#define RuIvfBitShift(lane)		((((lane) >> 4) & 1) * 4)
#define RUIVF_BIT_MAX_DIM \
	((int) ((RUIVF_PAGE_AVAIL - RUIVF_BIT_GROUP * RuIvfLaneHeader(1)) / 16) * 4)
#define RUIVF_DEFAULT_ROTATION_SEED UINT64CONST(0x5275566563746f72)	/* "RuVector" */

/* data block geometry, derived from dim */
typedef struct RuIvfGeometry
{
	int			lanes;
	int			dims_per_page;
	int			pages_per_block;
	int			vec_pages_per_block;	/* 0 unless the re-rank copy is in the index */
} RuIvfGeometry;

/* reloptions */
typedef struct RuIvfOptions
{
	int32		vl_len_;		/* varlena header (do not touch directly!) */
	int			lists;			/* 0: choose from the row count */
	int			rerank;			/* RUIVF_RERANK_* */
	int			bits;			/* 8 or 4 */
	int			shared_lists;	/* RUIVF_SHARED_LISTS_* */
} RuIvfOptions;

/* shared_lists: a partition's index takes its lists from a sibling's (ivfbuild.c) */
#define RUIVF_SHARED_LISTS_AUTO	0	/* on for the partitions of a hash-partitioned table */
#define RUIVF_SHARED_LISTS_ON	1
#define RUIVF_SHARED_LISTS_OFF	2

extern TimestampTz RuIvfBuildTime(uint64 build_id);

/*
 * The centroids' codes are SoA blocks of this many lanes, one after the
 * other (the last one narrower): each block is one contiguous stream for
 * the kernel, where a single block of `lists` lanes made it read lines
 * lists * 2 bytes apart, half as fast (fashion-mnist, 1,000 lists).
 */
#define RUIVF_CENTROID_GROUP 32

/*
 * An index that keeps its float centroids (RuIvfKeepsCentroids) and has at
 * least RUIVF_CENTROID_SQ4_MIN lists orders them in two steps: SQ4 codes of
 * the centroids (half the bytes of SQ8, a table that stays in L2 where the
 * SQ8 one did not: 1,000 x 784 is 392 kB) scored by the SQ4 kernel, then
 * the nearest `probes` + RUIVF_CENTROID_RESCORE of those scored again
 * exactly from the floats (ivfscan.c, order_centroids).
 */
#define RUIVF_CENTROID_SQ4_MIN	256
#define RUIVF_CENTROID_RESCORE	16

/*
 * The buffer each block of a relation was found in last (ivfutils.c):
 * slots in chunks of RUIVF_RECENT_CHUNK, each allocated when a block of
 * its range is first remembered, so that a backend's memory for it follows
 * the blocks it reads rather than the relation's size.
 */
typedef struct RuIvfRecentMap
{
	Buffer	  **chunks;			/* NULL until a block of its range is seen */
	uint32		nchunks;		/* entries of chunks[] */
} RuIvfRecentMap;

/* what a scan or insert needs from the metapage, plus centroids */
typedef struct RuIvfState
{
	RuIvfMetaData meta;
	float	   *centroids;		/* lists x dim, row-major (NULL if lists 0, or
								 * if the codes are not residual) */
	float	   *centroid_chunks;	/* the same in chunks, made by the first insert
									 * (RuIvfCentroidDistances) */
	unsigned char *centroid_codes;	/* codes of the centroids, in groups of
									 * RUIVF_CENTROID_GROUP lanes (RuIvfGetState) */
	float	   *centroid_factors;	/* and their factors (probe order, ivfscan.c) */
	float	   *cen_m;			/* dim: the centroid codes' parameters (their */
	float	   *cen_s;			/* dim:  own range per dimension) */
	int			centroid_bits;	/* 8 (SQ8), or 4 (SQ4: the two-step order,
								 * RUIVF_CENTROID_SQ4_MIN) */
	double	   *centroids_rot;	/* bits = 1: the centroids rotated, each made
								 * when a scan first reads its list
								 * (RuIvfRotatedCentroid) */
	bool	   *centroid_rotated;	/* lists: which of them are made */
	float	   *sq_m;			/* dim: the code parameters learned at training */
	float	   *sq_s;			/* dim */
	float	   *code_m;			/* dim: the list codes' (sq_m unless residual) */
	float	   *code_s;			/* dim */
	MemoryContext cxt;			/* where the state lives */
	int			refcount;		/* holders (RuIvfGetState, RuIvfReleaseState) */
	float	   *centroid_sqnorm;	/* lists: |c|^2, for a row_norm index */
	RuIvfRecentMap recent;		/* index blocks: the buffer each was last in */
	RuIvfRecentMap heap_recent; /* the same for the table's blocks (re-rank) */
	BlockNumber nblocks;		/* the index's block count as a scan last read it
								 * (0: not yet), ivfscan.c check_chain_step */
	uint64		centroid_set;	/* this backend's number for its centroids:
								 * states with the same order their lists
								 * alike (ivfutils.c, find_twin); 0: none */
} RuIvfState;

/* GUCs (ivfutils.c) */
extern int	ruvector_probes;
extern int	ruvector_max_probes;
extern int	ruvector_iterative_scan;
extern int	ruvector_max_scan_tuples;

/* ruvector.iterative_scan */
typedef enum RuIvfIterativeScan
{
	RUIVF_ITERATIVE_OFF = 0,	/* stop after ruvector.probes lists */
	RUIVF_ITERATIVE_RELAXED = 1,	/* go on into further lists, order relaxed */
	RUIVF_ITERATIVE_STRICT = 2	/* go on, skipping rows nearer than one returned */
} RuIvfIterativeScan;
extern int	ruvector_rerank_factor;
extern bool ruvector_check_bounds;
extern bool ruvector_split_lists;
extern double ruvector_epsilon;
extern double ruvector_target_recall;

/*
 * The search settings one scan (or cost estimate) of an index uses: the
 * ruvector.* settings, unless ruivf_scan_settings_hook says otherwise for
 * that index (the pgvector-compatible access methods, src/compat, read
 * theirs from hnsw.* / ivfflat.*).  Read once when a scan starts.
 */
typedef struct RuIvfScanSettings
{
	int			probes;			/* lists read for the first 10 rows (>= 1) */
	int			max_probes;		/* lists read in all; -1: every list */
	int			iterative;		/* RuIvfIterativeScan */
	int			max_scan_tuples;	/* codes scored before going no further; 0: no limit */
	int			rerank_factor;	/* first re-rank window: 10 x this */
} RuIvfScanSettings;

typedef void (*RuIvfScanSettingsHook) (Relation index, RuIvfScanSettings *settings);
extern PGDLLIMPORT RuIvfScanSettingsHook ruivf_scan_settings_hook;

/* ivf.c */
extern void RuIvfInit(void);
extern IndexAmRoutine *RuIvfAmRoutine(void);
extern void RuIvfGetScanSettings(Relation index, const RuIvfMetaData *meta,
								 RuIvfScanSettings *settings);

/* ivfutils.c */
extern void RuIvfRegisterOptions(void);
extern void RuIvfAddOptions(relopt_kind kind);
extern RuIvfGeometry RuIvfComputeGeometry(int dim, bool vectors, int bits);
extern void RuIvfLaneVectorSpan(const RuIvfMetaData *meta, int lane, int *firstpage, int *npages,
								int *offset);
extern void RuIvfLaneVectorPage(const RuIvfMetaData *meta, Page page, int q, int lane,
								float *vec, bool write);
extern RuIvfMetric RuIvfGetMetric(Relation index);
extern RuIvfInput RuIvfGetInput(Relation index);
extern const char *RuIvfAmName(Relation index);
extern const float *RuIvfInputFloats(RuIvfInput input, Datum value, int dim, float *buf);
extern float *RuIvfInputQuery(RuIvfInput input, Datum value, int *dim);
extern void RuIvfInitPage(Page page, uint16 kind);
extern void RuIvfInitFreePage(Page page);
extern Buffer RuIvfNewBuffer(Relation index, ForkNumber fork);
extern RuIvfState *RuIvfGetState(Relation index);
extern void RuIvfReleaseState(RuIvfState *st);
extern void RuIvfReadMeta(Relation index, RuIvfMetaData *meta);
extern bool RuIvfPeekMeta(Relation index, RuIvfMetaData *meta);
extern Relation RuIvfOpenForInfo(Oid indexoid, const char *func);
extern void RuIvfPageCorrupted(Relation index, const RuIvfMetaData *meta, Page page,
							   BlockNumber blkno, uint16 kind) pg_attribute_noreturn();

/*
 * Check that block blkno of an index, whose page is read under a lock, is
 * a ruivf page of the kind expected where it was reached (a data block's
 * first page, a further page, a vector page), and for a first page that
 * its lane count fits the block: scans, inserts and VACUUM copy lanes into
 * arrays of that size.  ERRCODE_INDEX_CORRUPTED otherwise.  Inline: a scan
 * checks every page it reads.
 */
static inline void
RuIvfCheckPage(Relation index, const RuIvfMetaData *meta, Page page, BlockNumber blkno,
			   uint16 kind)
{
	RuIvfPageOpaque opaque = RuIvfPageGetOpaque(page);

	if (unlikely(((PageHeader) page)->pd_special != BLCKSZ - RUIVF_SPECIAL_SIZE ||
				 opaque->page_id != RUIVF_PAGE_ID || opaque->kind != kind ||
				 (kind == RUIVF_PAGE_DATA && (opaque->nlanes > meta->lanes ||
											  opaque->gen != (uint16) meta->generation))))
		RuIvfPageCorrupted(index, meta, page, blkno, kind);
}
extern Buffer RuIvfReadBufferRecent(Relation index, RuIvfState *st, BlockNumber blkno);
extern Buffer RuIvfPinIfCached(Relation index, RuIvfState *st, BlockNumber blkno);
extern Buffer RuIvfReadHeapBufferRecent(Relation heap, RuIvfState *st, BlockNumber blkno);
extern BlockNumber RuIvfListDirBlock(const RuIvfMetaData *meta, int list, int *slot);
extern double RuIvfNorm(const float *x, int dim);
extern void RuIvfNormalize(float *x, int dim);
extern void RuIvfPrepareVector(RuIvfMetric metric, const float *in, int dim, float *out);
extern RuIvfLaneFactors RuIvfEncode(const float *m, const float *s, int dim, const float *x,
									const float *center, unsigned char *code, int bits);
extern RuIvfLaneFactors RuIvfEncodeForList(const RuIvfState *st, const float *x, int list,
										   unsigned char *code);
extern int	RuIvfNearestList(Relation index, RuIvfState *st, const float *x);
extern const double *RuIvfRotatedCentroid(RuIvfState *st, int list);
extern void RuIvfCentroidDistances(Relation index, RuIvfState *st, const float *x, float *out);
extern unsigned char *RuIvfPageCodes(Page page);
extern ItemPointerData *RuIvfPageTids(Page page, const RuIvfMetaData *meta);
extern char *RuIvfPageFactorArea(Page page, const RuIvfMetaData *meta);
extern RuIvfLaneFactors RuIvfGetFactors(Page page, const RuIvfMetaData *meta, int lane);
extern void RuIvfSetFactors(Page page, const RuIvfMetaData *meta, int lane,
							const RuIvfLaneFactors *f);
extern RuIvfLaneFactors RuIvfEncodeBits(const float *x, const float *center, int dim,
										uint64 seed, unsigned char *code, float *work);
extern void RuIvfWriteLane(Page *pages, const RuIvfMetaData *meta, int lane,
						   const unsigned char *code);
extern void RuIvfMoveLanePage(Page page, const RuIvfMetaData *meta, int from, int to);
extern float RuIvfRowNorm(RuIvfMetric metric, const float *rows, int n, int dim);
extern void RuIvfReadFloats(Relation index, BlockNumber blkno, Size n, float *out);
extern void RuIvfReadLanePage(Page page, const RuIvfMetaData *meta, int k, int lane,
							  unsigned char *code);
extern void RuIvfWriteLanePage(Page page, const RuIvfMetaData *meta, int k, int lane,
							   const unsigned char *code);
extern bytea *ruivfoptions(Datum reloptions, bool validate);
extern bool ruivfvalidate(Oid opclassoid);

/* kmeans.c */
#define RUIVF_CHUNK 64			/* centroids per chunk in assignment passes */
extern void RuIvfCentroidChunks(const float *centroids, int k, int dim, float *chunks);
extern void RuIvfChunkSqNorms(const float *chunk, int w, int dim, float *out);
extern void RuIvfAssignNearest(const float *chunks, int k, int dim, const float *x, int n,
							   int *assign, float *best);
extern float RuIvfMeanResidual(const float *chunks, int k, int dim, const float *x, int n);
extern void RuIvfKmeans(const float *sample, int n, int dim, int k, float *centroids,
						bool spherical);

/* ivfbuild.c */

/*
 * Where a build reads its rows: a scan of the table (CREATE INDEX,
 * REINDEX), or, for a training of a live index (ivftrain.c), the rows its
 * current lists hold.  It calls `callback` for every row, as
 * table_index_build_scan does, and returns the rows it saw.
 */
typedef double (*RuIvfRowSource) (Relation heap, Relation index, IndexInfo *indexInfo,
								  IndexBuildCallback callback, void *callback_state, void *arg);

/* a lane as a split copies it (RuIvfBuildSplit): code, factors, TID, vector */
typedef void (*RuIvfLaneSink) (int list, const unsigned char *code, RuIvfLaneFactors factors,
							   ItemPointer tid, const float *raw, void *state);

/* what a training of a live index asks of the build (ivftrain.c) */
typedef struct RuIvfGeneration
{
	RuIvfRowSource source;		/* rows, once to sample and once to assign */
	void	   *source_arg;
	RuIvfRowSource delta;		/* then the rows added meanwhile (closing) */
	void	   *delta_arg;
	void		(*close) (Relation index, void *arg);	/* set closing, before delta */
	/* a split (RuIvfBuildSplit): one list's lanes as they are, or its rows */
	void		(*copy_list) (Relation index, int list, RuIvfLaneSink sink, void *sink_state,
							  void *arg);
	double		(*list_rows) (Relation heap, Relation index, IndexInfo *indexInfo, int list,
							  IndexBuildCallback callback, void *callback_state, void *arg);
	/* ... or the rows at some of its lanes' TIDs (sorted here) */
	void		(*fetch_rows) (Relation heap, Relation index, IndexInfo *indexInfo,
							   ItemPointerData *tids, int64 ntids,
							   IndexBuildCallback callback, void *callback_state, void *arg);
	int			lists;			/* lists wanted */
	int			generation;		/* its number (the current one's + 1) */
	bool		no_reuse;		/* extend the relation, take no free pages */
	RuIvfMetaData meta;			/* out: the new generation's metapage */
	BlockNumber *newblocks;		/* out: blocks it wrote (palloc'd) */
	int			nnew;
	int			maxnew;
} RuIvfGeneration;

/* ivflearn.c */
extern int	RuIvfLearnQueries(double rows, int dim, int nsample);
extern void RuIvfLearnDepth(Relation heap, Relation index, IndexInfo *indexInfo,
							RuIvfRowSource source, void *source_arg,
							const float *rows, int nrows,
							const float *queries, int nq, const float *chunks,
							RuIvfMetaData *meta);
extern int	RuIvfProbesForRecall(const RuIvfMetaData *meta, double target);

extern IndexBuildResult *ruivfbuild(Relation heap, Relation index, IndexInfo *indexInfo);
extern void RuIvfBuildGeneration(Relation heap, Relation index, IndexInfo *indexInfo,
								 RuIvfGeneration *gen);
extern bool RuIvfBuildSplit(Relation heap, Relation index, IndexInfo *indexInfo,
							RuIvfGeneration *gen, const RuIvfMetaData *cur, const int *parts);
extern int	RuIvfDefaultLists(double rows);
extern BlockNumber RuIvfWriteNewPages(Relation index, RuIvfGeneration *gen, const char *src,
									  int npages);
extern void ruivfbuildempty(Relation index);
extern char *ruivfbuildphasename(int64 phasenum);
extern void RuIvfRequireStorage(Relation index, const char *func);

/*
 * Progress sub-phases (PROGRESS_CREATEIDX_SUBPHASE) of CREATE INDEX and of
 * a training; a training reports under PROGRESS_COMMAND_CREATE_INDEX with
 * a command code of its own (the view ruvector_training_progress).
 */
#define RUIVF_PHASE_SAMPLE		2
#define RUIVF_PHASE_KMEANS		3
#define RUIVF_PHASE_ASSIGN		4
#define RUIVF_PHASE_WAIT		5	/* a training waits for its locks */
#define RUIVF_PHASE_DELTA		6	/* the rows inserted during the training */
#define RUIVF_PHASE_SWITCH		7	/* retiring the old generation's blocks */
#define RUIVF_PHASE_LEARN		8	/* learning the depth (ivflearn.c) */
#define RUIVF_PROGRESS_MAINTAIN 101 /* PROGRESS_CREATEIDX_COMMAND: ruvector_index_maintain */
#define RUIVF_PROGRESS_INSERT	102 /* ... a training an insert started */
#define RUIVF_PROGRESS_VACUUM	103 /* ... a training VACUUM started */
#define RUIVF_PROGRESS_GENERATION 17	/* param: the generation being written */

/* ivfinsert.c */
extern bool ruivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
						Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
						IndexInfo *indexInfo);
#define RUIVF_HINT_HOPS			8	/* blocks an insert tries down a chain from the hint */
#define RUIVF_INSERTED			1
#define RUIVF_INSERTED_BLOCK	2	/* and added a block to the list */
#define RUIVF_INSERT_STALE		3	/* the generation closed or switched: again */
extern int	RuIvfInsertCode(Relation index, const RuIvfMetaData *meta, int list,
							const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid,
							const float *raw);

/* ivftrain.c */
#define RUIVF_TRAIN_MIN_ROWS	1000	/* an empty-built index trains at this many rows */
#define RUIVF_RETRAIN_GROWTH	2.0 /* and again each time its rows double ... */
#define RUIVF_INSERT_RETRAIN_MAX 100000 /* ... from inserts up to here, then in VACUUM */
#define RUIVF_IMBALANCE			4.0 /* VACUUM trains again when a list is this times the mean */
#define RUIVF_LIST_GROWTH		2.0 /* ... and this times the longest list when trained */
#define RUIVF_DRIFT_RATIO		1.5 /* VACUUM trains again when the rows lie this much
									 * farther (squared) from their centroids than at
									 * the training ... */
#define RUIVF_DRIFT_SAMPLE		256 /* ... measured on this many rows */
#define RUIVF_SPLIT_MAX_PARTS	32	/* a split makes at most this many lists of one */
#define RUIVF_MERGE_FRACTION	0.125	/* ... and dissolves lists under this share of the mean */
#define RUIVF_SPLIT_LEARN_MIN	1000	/* rows of split lists it learns the depth from */
#define RUIVF_SPLIT_ROWS_MAX	0.25	/* ... trained whole if more of the rows would move */
#define RUIVF_SPLIT_LISTS_MAX	2.0 /* ... or leave more than this times the lists wanted */
#define RUIVF_SPLIT_ERR_RATIO	2.0 /* 8-bit codes: trained whole if the long lists' coding
										 * errors are this times in-range quantization's */
extern void RuIvfAfterInsert(Relation index, Relation heap, const RuIvfMetaData *meta,
							 bool added_block);
extern bool RuIvfTrainAfterVacuum(Relation index, IndexBulkDeleteResult *stats);
extern void RuIvfWaitForTraining(Relation index);
extern bool RuIvfStructureCurrent(Relation index, uint64 build_id);
extern bool RuIvfBlockRetired(Relation index, const RuIvfMetaData *meta, BlockNumber blkno);
extern void RuIvfReclaim(Relation index);
#define RUIVF_REUSE_MAX_PAGES	64	/* runs of free pages taken at once (each locked) */
#define RUIVF_TRUNCATE_MIN		8	/* VACUUM truncates a tail of at least this many free pages */
extern BlockNumber RuIvfReuseBlocks(Relation index, int npages, Buffer *bufs);
#define RUIVF_EXCLUSIVE_TRIES	20	/* VACUUM's tries for the index to itself ... */
#define RUIVF_EXCLUSIVE_WAIT_MS 10	/* ... this far apart */
extern bool RuIvfMayLockIndex(Relation index);
extern bool RuIvfLockIndexBriefly(Relation index);

/* ivfscan.c */
extern IndexScanDesc ruivfbeginscan(Relation index, int nkeys, int norderbys);
extern void ruivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
extern bool ruivfgettuple(IndexScanDesc scan, ScanDirection dir);
extern void ruivfendscan(IndexScanDesc scan);
extern Size ruivfestimateparallelscan(void);
extern void ruivfinitparallelscan(void *target);
extern void ruivfparallelrescan(IndexScanDesc scan);

/* ivfvacuum.c */
extern IndexBulkDeleteResult *ruivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
											  IndexBulkDeleteCallback callback, void *callback_state);
extern IndexBulkDeleteResult *ruivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);
extern bool RuIvfEmptyBlocksPending(Relation index, uint64 build_id);

/* ivfcost.c */
extern void ruivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
							  Cost *indexStartupCost, Cost *indexTotalCost,
							  Selectivity *indexSelectivity, double *indexCorrelation,
							  double *indexPages);
extern void RuIvfCostParallelPath(IndexPath *path);

#endif							/* RUVECTOR_IVF_H */
