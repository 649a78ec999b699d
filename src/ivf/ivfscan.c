/*-------------------------------------------------------------------------
 *
 * ivfscan.c
 *	  Search a ruivf index: ORDER BY v <op> query, nearest first.
 *
 * HOW A SCAN WORKS
 *	1. Probe order.  The query is prepared like the stored vectors (a unit
 *	   vector for cosine) and compared with every centroid by the SQ8
 *	   kernel over the centroids' codes (cached per backend: one byte per
 *	   dimension, a quarter of the floats' memory traffic, which with many
 *	   lists is as much as the codes of the probed lists; in contiguous
 *	   blocks of RUIVF_CENTROID_GROUP lanes, ivf.h).  The
 *	   nearest `ruvector.probes` lists are selected and sorted; the rest
 *	   are sorted only if the scan goes on into them.
 *	2. First pass.  The blocks of the next `ruvector.probes` lists are read
 *	   one page at a time under a share lock and scored with the SQ8 batch
 *	   kernel (one call per page; a block of several pages sums its pages'
 *	   partial sums).  The kernel works in integers: the query operand is
 *	   scaled to 16-bit integers for SQ8 codes, as large as the bounds of
 *	   kernels.h allow (|q| <= 32767, every lane's sum within an int32), so
 *	   its rounding costs about 1e-4 of the estimate, far below the codes'
 *	   own quantization; for SQ4 codes, which are residuals from their
 *	   list's centroid, to 8-bit integers made again for every list
 *	   (make_operand).  The rounding's bound enters the lower bounds below.  Each lane in use with a valid TID becomes a candidate
 *	   (estimated distance, TID).
 *	   Binary codes (bits = 1, ivf.h): the query is rotated once per scan
 *	   (in double precision) and, for each list, its residual from the
 *	   list's rotated centroid is put on a 6-bit grid with a 16-entry table
 *	   per 4 dimensions (set_list_operand); the fast-scan kernel sums 32
 *	   codes per call, and bit_estimate turns each sum into the estimate
 *	   and the error that lower_bound reads, from rabitq.h's estimate and
 *	   its bound at ruvector.epsilon standard deviations: exact from
 *	   sqrt(6 dim) on, probabilistic below (a failed bound can miss a row
 *	   or return it after a farther one).
 *	3. Re-rank.  Candidates are taken a window at a time (the nearest
 *	   10 * ruvector.rerank_factor estimates, then twice as many each time)
 *	   and returned in exact order, re-ranking lazily: every lane stores
 *	   its coding error e = |x - x'| (ivf.h), which turns an estimate into
 *	   a lower bound of the exact distance (lower_bound); the window is
 *	   re-ranked in lower-bound order (a heap, ordered only as far as the
 *	   re-rank goes: window_take_least), and the nearest re-ranked row is
 *	   returned as soon as its exact distance is within the next lower
 *	   bound, since no candidate still to re-rank can then be nearer.  With
 *	   precise codes a LIMIT 10 query re-ranks little more than 10 rows;
 *	   the rows and their order are those a full re-rank of the window
 *	   would give.  A re-rank fetches the row from the heap with the
 *	   scan's snapshot and computes its exact distance with the pair
 *	   kernels; a candidate whose row is not visible is dropped.
 *	   With rerank = index the vector is read from the block's vector pages
 *	   instead (never the table or its TOAST), and the executor's heap fetch
 *	   drops rows the snapshot does not see.
 *	   So the k nearest of the first window come out in exact order, and the
 *	   executor never needs to recheck (xs_recheckorderby = false).
 *	4. Depth.  `ruvector.probes` lists are read for the first 10 rows
 *	   (RUIVF_DEPTH_ROWS).  A query that asks for more, because a WHERE
 *	   filter rejects rows or its LIMIT is larger, needs more of the nearest
 *	   rows right: once 10 rows are returned the scan reads as many lists
 *	   again (deepen) before it returns the next, and again at 4x as many
 *	   rows (40, 160, ...), twice the lists for four times the rows.  The
 *	   new lists' candidates join those of the pool not yet re-ranked, all
 *	   ordered by their lower bounds (pool_to_bounds), and the re-ranked rows
 *	   not yet returned stay in the ready heap, so the rows still to come are
 *	   in exact order over every list read: a filter passing 1 % of the rows,
 *	   which returns its 10th row after ~1,000 rows, reads 16x the probes
 *	   instead of returning the nearest matches of the first lists only.
 *	   A row of the new lists nearer than one already returned (one the
 *	   lists read before missed) is not returned then (next item).
 *	5. More rows.  When the candidates run out and the executor still asks
 *	   (a WHERE filter, a larger LIMIT), the scan probes the next lists, up
 *	   to ruvector.max_probes lists in all (-1: all of them) and, if set,
 *	   ruvector.max_scan_tuples codes: by default results are never silently
 *	   short.  A row of later lists, deeper or next, can be nearer than
 *	   rows already returned: relaxed_order (the default) keeps it and
 *	   returns it after every other row (then the rows kept so, nearest
 *	   first), so that rows come out in exact distance order for as long as
 *	   there are others and a scan that reads every row returns every row;
 *	   strict_order drops it.  Either way the first window's rows are never
 *	   held back.  With rerank = index a row's visibility is checked before
 *	   it is returned, as the heap re-rank checks it.  ruvector.iterative_scan = off
 *	   stops after the first ruvector.probes lists instead, and does not
 *	   deepen.
 *	6. Parallel scans (amcanparallel).  Each participant, the leader and
 *	   every worker, runs a whole scan of its own but reads only the lists
 *	   it claims: all order the lists alike (the same query, centroids and
 *	   settings, and a deterministic order), and a participant about to
 *	   read a list claims the next rank of that order that no one has
 *	   claimed yet (RuIvfParallelScanData, one list at a time, so a worker
 *	   that starts late takes what is left).  Each returns the rows of its
 *	   own lists in exact order as above, and Gather Merge merges the
 *	   participants' rows: they come out in exact order over every list
 *	   read, and the first round reads the same lists as a scan alone.
 *	   Depth (item 4): a participant goes deeper the first time before its
 *	   own 11th row, so that a query of LIMIT 10 or less never does (each
 *	   worker is asked for at most the LIMIT, and Gather Merge waits for
 *	   every participant's next row: a deeper round there would hold back
 *	   rows already found), then by the rows all participants returned (a
 *	   shared count), as a scan alone goes deeper by its rows.  A
 *	   participant that claimed nothing in its first round returns nothing
 *	   (the others go deeper for a filter or a larger LIMIT: their depth
 *	   rounds claim the next ranks).  The first participant to start
 *	   records the index's generation; one that finds another (the index
 *	   was trained again in between) fails with 40001 rather than mix two
 *	   generations' lists.
 * An index built on an empty table has no centroids: its single list is
 * read whole and every candidate is re-ranked.
 *
 * Memory: per scan, a context reset by every rescan holds the candidates
 * and the heap of re-ranked rows not yet returned.  Locks: the pages of
 * one data block at a time, share mode, ascending; released before the heap
 * is touched.  Besides, a pin without a lock on the page scored next (the
 * next block's first page, or so->ahead between lists), taken only when it
 * needs no I/O (pin_ahead).
 *
 * src/ivf/ivfscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "access/heapam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "storage/spin.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf.h"
#ifdef RV_HAVE_X86_KERNELS
#include <immintrin.h>
#endif
#include "../stats/stats.h"
#include "../simd/rabitq.h"
#include "../simd/sparse.h"
#include "../type/sparsevec.h"
#include "../type/vector.h"

#define RUIVF_MAX_WINDOW	(1 << 20)	/* largest re-rank window */
#define RUIVF_DEPTH_ROWS	10		/* rows ruvector.probes lists are read for */
#define RUIVF_CHUNK_WINDOWS 32	/* a chunk holds this many windows' keys */
#define RUIVF_CHUNK_MIN		1024	/* ... and at least this many */
#define RUIVF_CHUNK_SHARE	8		/* ... and at most this share of the pool */
#define RUIVF_CHUNK_FIRST_MIN 12288	/* a pool this large is chunked from its
									 * first window on */

typedef struct RuIvfCandidate
{
	float		dist;			/* estimated, then its lower bound */
	float		err;			/* coding error |x - x'| of its lane */
	ItemPointerData tid;
	uint16		lane;			/* where its code is: lane ... */
	BlockNumber blk;			/* ... of the block starting here */
} RuIvfCandidate;

/*
 * A re-ranked row: its exact distance in double precision, as the operator
 * returns it (a float would tie rows whose distances differ in the last
 * bits of a double, such as the sparse type's, and order them arbitrarily).
 */
typedef struct RuIvfRow
{
	double		dist;			/* exact */
	ItemPointerData tid;
} RuIvfRow;

/* a query operand for one kind of codes (make_operand) */
typedef struct RuIvfOperand
{
	int32	   *qpairs;			/* SQ8 operand */
	int16	   *qbytes;			/* SQ4 operand */
	float		qinv;			/* scales a kernel's dot product back */
	float		qconst;			/* the estimate's constant term */
	float		dot_shift;		/* subtracted from a kernel's dot (make_operand_body) */
	float		dot_err;		/* bound of the operand's rounding in qinv * dot */
	float		qmag;			/* inner product: |q| (|m| + |c|), the size of
								 * qconst's terms, which bounds its rounding */
	bool		made;			/* the integer operand is filled */
} RuIvfOperand;

typedef struct RuIvfScanOpaqueData
{
	MemoryContext cxt;			/* reset at every rescan */
	bool		started;
	bool		noresults;		/* no ORDER BY operand at all */
	bool		nullquery;		/* a NULL query: every row, distance NULL */
	int			null_list;		/* nullquery: the list being read ... */
	BlockNumber null_blk;		/* ... its next block ... */
	ItemPointerData *null_tids; /* ... the TIDs of the block read last */
	int			null_ntids;
	int			null_pos;
	BlockNumber null_visited;	/* blocks of the list read so far */
	RuIvfState *st;
	RuIvfMetric metric;
	bool		l2codes;		/* estimates are squared L2 distances (L2, L1) */
	int			dim;
	AttrNumber	heapattno;		/* the indexed column, 0 for an expression */
	RuIvfInput	input;			/* what it holds (float4, half, bit, sparse) */
	RuSparseVec *squery;		/* sparse input: the query as given */
	float	   *xbuf;			/* dim floats: a row's value widened */
	IndexInfo  *exprinfo;		/* an expression index: the expression ... */
	EState	   *estate;			/* ... and where it is evaluated (re-rank) */

	float	   *query;			/* as given (widened), for the exact distances */
	int			qdim;			/* its dimensions */
	float	   *qprep;			/* prepared (unit for cosine) */
	float	   *qa;				/* scratches of make_operand */
	float	   *qt;
	RuIvfOperand cop;			/* the centroid codes' operand (SQ8, or SQ4:
								 * RuIvfState.centroid_bits) */
	RuIvfOperand lop;			/* the list codes' operand (set_list_operand) */
	bool		lop_ready;		/* lop made (codes that are not residual) */
	bool		cop_ready;		/* cop made (order_centroids_made) */
	uint64		memo_serial;	/* probe_memo.serial when this scan's probe
								 * order is the one kept there (0: not) */
	float		bound_qconst;	/* largest |lop.qconst| of the lists read */
	float		bound_dot_err;	/* largest lop.dot_err of the lists read */
	float		qnorm;			/* |qprep| */

	/* binary codes (bits = 1): the query rotated, and made for the list read */
	double	   *qrot;			/* P^T qprep */
	float	   *bwork;			/* dim floats of scratch */
	uint8	   *bq;				/* the query on the list's grid (rabitq.h) */
	uint8	   *blut;			/* its fast-scan table (kernels.h) */
	RvRabitqQuery brq;			/* its grid and norms */
	float		qsq;			/* |qprep|^2 */
	float		eps;			/* ruvector.epsilon */

	int		   *order;			/* lists, nearest first */
	struct RuIvfListDist *ld;	/* (estimated distance, list) of every list */
	int			nordered;		/* order[] is sorted up to here */
	int			nlists;			/* lists in the index (>= 1) */
	int			probed;			/* lists read so far (parallel: ranks of the
								 * order the participants have read) */
	int			claimed;		/* parallel: lists this participant read */
	bool		parallel;		/* a participant of a parallel scan */
	int			max_probes;
	RuIvfScanSettings set;		/* probes, limits, window (RuIvfGetScanSettings) */
	int64		scanned;		/* codes scored so far */

	RuIvfCandidate *cand;		/* candidates of the lists read last */
	int			ncand;
	int			candcap;
	int			nextcand;		/* next candidate to re-rank */
	int			winend;			/* end of the current window in cand[] */
	int			chunkend;		/* end of the chunk the windows are chosen
								 * from: cand[nextcand, chunkend) holds the
								 * pool's smallest keys (open_window) */
	int			windows;		/* windows opened from this pool */
	bool		outer_known;	/* outer_lb is computed */
	float		outer_lb;		/* the least lower bound after the chunk
								 * (rest_bound) */
	int			window;			/* size of the next re-rank window */
	bool		pool_bounds;	/* cand[] holds lower bounds, not estimates
								 * (a pool that deepen merged) */
	int64		nreturned;		/* rows returned so far */
	int64		deepen_at;		/* read more lists before returning this
								 * many rows; 0: never */
	bool		rerank_all;
	float		rest_lb;		/* lower bound of every candidate after the
								 * window: loose (rest_bound), -Inf if one
								 * has no bound, +Inf if there are none */
	bool		rest_exact;		/* rest_lb is the least of their bounds, or
								 * no better one can be had */
	float		round_max_err;	/* largest coding error of the lists read last */
	bool		round_unbounded;	/* one of their estimates is not finite */

	RuIvfRow   *ready;			/* re-ranked, not returned: min-heap on dist */
	int			nready;
	int			readycap;

	int32	   *partial;		/* per-page kernel output */
	int32	   *blockdist;		/* per-block sum over pages (fits: see start_scan) */
	float	   *best;			/* bits = 1: a block's estimates (rabitq_estimate) */
	float	   *blow;			/* ... and their lower bounds */

	float	   *vecbuf;			/* rerank = index: a vector spanning pages */
	bool		is_heap;		/* the table is a heap: re-rank reads it directly */
	IndexFetchTableData *fetch; /* otherwise, the table AM's fetch and a slot */
	TupleTableSlot *slot;

	RuIvfRow   *nanrows;		/* rows whose distance is NaN, returned last */
	int			nnan;
	int			nancap;
	int			nanpos;			/* next of them to return, once the rest is done */

	bool		strict;			/* iterative_scan = strict_order */
	double		lastdist;		/* distance of the last row returned */
	bool		returned;		/* a row was returned (lastdist is set) */
	RuIvfRow   *late;			/* relaxed: rows nearer than one already
								 * returned, returned after every other */
	int			nlate;
	int			latecap;
	int			latepos;		/* next of them to return, once sorted */
	bool		latesorted;

	Buffer		ahead;			/* pinned: the first page of the list read next */
	Buffer		rowbuf;			/* pinned: the heap page of the row re-ranked
								 * next (prefetch_row), or InvalidBuffer */

	RvScanStats stats;			/* this query's counters (ruvector_stats) */
} RuIvfScanOpaqueData;

typedef RuIvfScanOpaqueData *RuIvfScanOpaque;

/*
 * The shared state of a parallel scan (see "Parallel scans" above), in the
 * DSM segment after the executor's ParallelIndexScanDesc.  Lock: mutex, a
 * spinlock held for a few instructions, with no other lock taken inside.
 */
typedef struct RuIvfParallelScanData
{
	slock_t		mutex;
	int32		generation;		/* the generation the participants read; -1
								 * until the first one starts */
	int32		next;			/* the next rank of the probe order (a list
								 * number for a NULL query) nobody claimed */
	pg_atomic_uint64 returned;	/* rows the participants returned (no lock) */
} RuIvfParallelScanData;

typedef RuIvfParallelScanData *RuIvfParallelScan;

/* The scan's shared state, or NULL when it is not a parallel scan. */
static inline RuIvfParallelScan
parallel_state(IndexScanDesc scan)
{
	if (scan->parallel_scan == NULL)
		return NULL;
	return (RuIvfParallelScan) OffsetToPointer(scan->parallel_scan,
											   scan->parallel_scan->ps_offset);
}

/* amestimateparallelscan */
Size
ruivfestimateparallelscan(void)
{
	return sizeof(RuIvfParallelScanData);
}

/* Reset the shared state to nothing claimed, no generation. */
static void
parallel_reset(RuIvfParallelScan ps)
{
	SpinLockAcquire(&ps->mutex);
	ps->generation = -1;
	ps->next = 0;
	SpinLockRelease(&ps->mutex);
	pg_atomic_write_u64(&ps->returned, 0);
}

/* aminitparallelscan */
void
ruivfinitparallelscan(void *target)
{
	RuIvfParallelScan ps = (RuIvfParallelScan) target;

	SpinLockInit(&ps->mutex);
	pg_atomic_init_u64(&ps->returned, 0);
	parallel_reset(ps);
}

/* amparallelrescan: the leader, before the participants scan again */
void
ruivfparallelrescan(IndexScanDesc scan)
{
	RuIvfParallelScan ps = parallel_state(scan);

	if (ps != NULL)
		parallel_reset(ps);
}

/*
 * A participant starts reading generation `generation`: the first records
 * it; one that reads another fails, since ranks of two generations' probe
 * orders name different lists.
 */
static void
parallel_join(IndexScanDesc scan, int32 generation)
{
	RuIvfParallelScan ps = parallel_state(scan);
	int32		seen;

	if (ps == NULL)
		return;
	SpinLockAcquire(&ps->mutex);
	if (ps->generation < 0)
		ps->generation = generation;
	seen = ps->generation;
	SpinLockRelease(&ps->mutex);
	if (seen != generation)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("index \"%s\" was trained again while a parallel scan of it started",
						RelationGetRelationName(scan->indexRelation)),
				 errhint("Run the query again.")));
}

/* Claim the next rank below end nobody has claimed; -1 if none is left. */
static int
parallel_claim(IndexScanDesc scan, int end)
{
	RuIvfParallelScan ps = parallel_state(scan);
	int			rank = -1;

	SpinLockAcquire(&ps->mutex);
	if (ps->next < end)
		rank = ps->next++;
	SpinLockRelease(&ps->mutex);
	return rank;
}

typedef struct RuIvfListDist
{
	float		dist;
	int			list;
} RuIvfListDist;

/*
 * Partition arr[lo, hi) so that its k smallest `dist` come first, in no
 * particular order (quickselect, middle pivot): one function per array
 * type, candidates and lists.
 */
#define DEFINE_SELECT_SMALLEST(fname, T) \
static void \
fname(T *arr, int lo, int hi, int k) \
{ \
	int			want = lo + k; \
 \
	while (hi - lo > 1 && want > lo && want < hi) \
	{ \
		float		pivot = arr[lo + (hi - lo) / 2].dist; \
		int			i = lo, \
					j = hi - 1; \
 \
		while (i <= j) \
		{ \
			while (arr[i].dist < pivot) \
				i++; \
			while (arr[j].dist > pivot) \
				j--; \
			if (i <= j) \
			{ \
				T			t = arr[i]; \
 \
				arr[i] = arr[j]; \
				arr[j] = t; \
				i++; \
				j--; \
			} \
		} \
		/* now [lo, j] <= pivot <= [i, hi) */ \
		if (want <= j + 1) \
			hi = j + 1; \
		else if (want >= i) \
			lo = i; \
		else \
			break;				/* want falls among elements equal to pivot */ \
	} \
}

DEFINE_SELECT_SMALLEST(quickselect_candidates, RuIvfCandidate)
DEFINE_SELECT_SMALLEST(quickselect_lists, RuIvfListDist)

#define SELECT_HEAP_MAX 256		/* largest k selected through a heap */

/*
 * a distance as selection orders it: NaN last, as ORDER BY sorts it (tied
 * with +Infinity, which is harmless: both bound nothing, lower_bound)
 */
static inline float
select_key(float d)
{
	return isnan(d) ? INFINITY : d;
}

/* Replace the largest of a max-heap of n floats by d, which is smaller. */
static inline void
maxheap_replace_top(float *heap, int n, float d)
{
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && heap[child + 1] > heap[child])
			child++;
		if (heap[child] <= d)
			break;
		heap[i] = heap[child];
		i = child;
	}
	heap[i] = d;
}

/* Add d to a max-heap of n floats (room for one more). */
static inline void
maxheap_push(float *heap, int n, float d)
{
	int			i = n;

	while (i > 0 && heap[(i - 1) / 2] < d)
	{
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = d;
}

/* The k-th smallest (1-based) of n floats, through a bounded max-heap. */
static float
kth_smallest_heap(const float *keys, int n, int k)
{
	float		heap[SELECT_HEAP_MAX];

	Assert(k >= 1 && k <= n && k <= SELECT_HEAP_MAX);
	for (int i = 0; i < k; i++)
		maxheap_push(heap, i, keys[i]);
	for (int i = k; i < n; i++)
		if (keys[i] < heap[0])
			maxheap_replace_top(heap, k, keys[i]);
	return heap[0];
}

#define SELECT_SAMPLE_STRIDE 8	/* sample one key in this many */
#define SELECT_KEEP_MAX 1024	/* keys kept below the sample's threshold */

/*
 * The same partition as quickselect (the k smallest of arr[lo, hi) first,
 * in no particular order), for small k: the k-th smallest distance t is
 * found with bounded max-heaps, in which nearly every element costs one
 * well-predicted comparison, and one more pass moves the elements below t,
 * then as many equal to t as complete k, to the front.  The quickselect's
 * data-dependent branches mispredict about every other element, which made
 * it a few per cent of a query choosing 16 lists of 1,000 and 40
 * candidates of 1,600.
 *
 * A heap over all n keys still sifts about k ln(n / k) times (each key
 * smaller than the k-th so far enters it), so t is found in two steps: a
 * threshold u from every SELECT_SAMPLE_STRIDE-th key (a little beyond its
 * share of k of them), then the keys <= u, gathered without a branch, go
 * through the heap.  If at least k keys are <= u, the k-th smallest of
 * them is the k-th smallest of all (every key up to it is <= u); if not,
 * or if too many are, the heap takes all n keys as before.  Either way t,
 * and so the partition, is exactly the one-heap result.  The sample is
 * taken from n >= 4k on: a partition's first window (40 of 300-600
 * candidates, 8 partitions of fashion-mnist) is chosen so too.
 */
#define DEFINE_SELECT_SMALLEST_HEAP(fname, qsname, T) \
static void \
fname(T *arr, int lo, int hi, int k) \
{ \
	float		keys[SELECT_KEEP_MAX]; \
	float		t; \
	int			n = hi - lo, \
				front = lo; \
 \
	if (k <= 0 || n <= k) \
		return; \
	if (k > SELECT_HEAP_MAX) \
	{ \
		qsname(arr, lo, hi, k); \
		return; \
	} \
	t = NAN; \
	keys[0] = 0.0f;				/* (for the compiler: m >= 2 below) */ \
	if (n >= 4 * k && \
		(n + SELECT_SAMPLE_STRIDE - 1) / SELECT_SAMPLE_STRIDE <= SELECT_KEEP_MAX) \
	{ \
		int			m = 0, \
					r, \
					c = 0; \
		float		u; \
 \
		for (int i = lo; i < hi; i += SELECT_SAMPLE_STRIDE) \
			keys[m++] = select_key(arr[i].dist); \
		r = Min(m, 2 * (k / SELECT_SAMPLE_STRIDE) + 4); \
		u = kth_smallest_heap(keys, m, r); \
		for (int i = lo; i < hi && c < SELECT_KEEP_MAX; i++) \
		{ \
			float		d = select_key(arr[i].dist); \
 \
			keys[c] = d; \
			c += (d <= u); \
		} \
		if (c >= k && c < SELECT_KEEP_MAX) \
			t = kth_smallest_heap(keys, c, k); \
	} \
	if (isnan(t)) \
	{ \
		float		heap[SELECT_HEAP_MAX]; \
 \
		heap[0] = INFINITY;		/* k >= 1: set below (for the compiler) */ \
		for (int i = 0; i < k; i++) \
			maxheap_push(heap, i, select_key(arr[lo + i].dist)); \
		for (int i = lo + k; i < hi; i++) \
		{ \
			float		d = select_key(arr[i].dist); \
 \
			if (d < heap[0]) \
				maxheap_replace_top(heap, k, d); \
		} \
		t = heap[0]; \
	} \
	for (int pass = 0; pass < 2; pass++) \
		for (int i = front; i < hi && front < lo + k; i++) \
		{ \
			float		d = select_key(arr[i].dist); \
 \
			if (pass == 0 ? d < t : d == t) \
			{ \
				T			x = arr[front]; \
 \
				arr[front++] = arr[i]; \
				arr[i] = x; \
			} \
		} \
}

DEFINE_SELECT_SMALLEST_HEAP(select_smallest, quickselect_candidates, RuIvfCandidate)

#define CHUNK_SAMPLES 512		/* keys sampled for a chunk's threshold */

/* qsort comparator for floats, ascending */
static int
cmp_float(const void *a, const void *b)
{
	float		x = *(const float *) a;
	float		y = *(const float *) b;

	return (x > y) - (x < y);
}

/*
 * Move at least `want` of the smallest keys of arr[lo, hi) to its front
 * and return where they end: every key before the end is at most every key
 * after it.  Not exactly `want`: a threshold from a sample (about twice the
 * share of `want`, its k-th smallest found through a bounded heap), then
 * one pass moving the keys up to it to the front; when fewer than `want`
 * are, select_smallest's exact partition instead.  An exact partition of a
 * pool is what this avoids: a quickselect of 1,280 of 21,000 candidates
 * (the chunk of a LIMIT 10 query over 16 lists of 1,000,000 rows)
 * mispredicts about every other comparison and took a third of the query.
 */
static int
select_chunk(RuIvfCandidate *arr, int lo, int hi, int want)
{
	float		sample[CHUNK_SAMPLES];
	int			n = hi - lo,
				stride,
				ns = 0,
				pos,
				front = lo;
	float		u;

	if (want >= n)
		return hi;
	if (n < 8 * CHUNK_SAMPLES || 4 * (int64) want > n)
	{
		select_smallest(arr, lo, hi, want);
		return lo + want;
	}
	stride = n / CHUNK_SAMPLES;
	for (int i = lo; i < hi && ns < CHUNK_SAMPLES; i += stride)
		sample[ns++] = select_key(arr[i].dist);
	/* the (pos + 1)-th smallest sample: pos < ns / 2, as 4 want <= n */
	pos = Min(ns - 1, (int) ((double) want * 2.0 * ns / n) + 1);
	if (pos < SELECT_HEAP_MAX)
		u = kth_smallest_heap(sample, ns, pos + 1);
	else
	{
		qsort(sample, ns, sizeof(float), cmp_float);
		u = sample[pos];
	}
	for (int i = lo; i < hi; i++)
		if (select_key(arr[i].dist) <= u)
		{
			RuIvfCandidate t = arr[front];

			arr[front++] = arr[i];
			arr[i] = t;
		}
	if (front - lo >= want)
		return front;
	select_smallest(arr, lo, hi, want);
	return lo + want;
}
DEFINE_SELECT_SMALLEST_HEAP(select_nearest_lists, quickselect_lists, RuIvfListDist)

/* qsort comparator for lists: nearest centroid first, ties by list number */
static int
cmp_listdist(const void *a, const void *b)
{
	float		da = ((const RuIvfListDist *) a)->dist;
	float		db = ((const RuIvfListDist *) b)->dist;
	int			la = ((const RuIvfListDist *) a)->list;
	int			lb = ((const RuIvfListDist *) b)->list;

	if (da != db)
		return (da > db) - (da < db);
	return (la > lb) - (la < lb);
}

/* Whether candidate a re-ranks before b: the smaller bound, NaN last (as ORDER BY sorts it). */
static inline bool
cand_before(const RuIvfCandidate *a, const RuIvfCandidate *b)
{
	if (isnan(b->dist))
		return !isnan(a->dist);
	return a->dist < b->dist;	/* false when a->dist is NaN */
}

/*
 * The re-rank window cand[lo, hi) is kept as a min-heap laid out backwards
 * (heap position h at array index hi - 1 - h, the root at hi - 1), so that
 * taking its least candidate frees the slot at lo, where the re-rank reads
 * it (window_take_least): a window is ordered only as far as the re-rank
 * goes, which for a LIMIT 10 query is often a fraction of it.
 */
static void
window_sift_down(RuIvfCandidate *cand, int hi, int size, int h)
{
	RuIvfCandidate x = cand[hi - 1 - h];

	for (;;)
	{
		int			child = 2 * h + 1;

		if (child >= size)
			break;
		if (child + 1 < size && cand_before(&cand[hi - 2 - child], &cand[hi - 1 - child]))
			child++;
		if (!cand_before(&cand[hi - 1 - child], &x))
			break;
		cand[hi - 1 - h] = cand[hi - 1 - child];
		h = child;
	}
	cand[hi - 1 - h] = x;
}

/* Make cand[lo, hi) a backwards min-heap (window_sift_down). */
static void
window_heapify(RuIvfCandidate *cand, int lo, int hi)
{
	int			size = hi - lo;

	for (int h = size / 2 - 1; h >= 0; h--)
		window_sift_down(cand, hi, size, h);
}

/*
 * Move the least candidate of the heap cand[lo, hi) to cand[lo]; the rest,
 * cand[lo + 1, hi), stays a backwards heap.
 */
static void
window_take_least(RuIvfCandidate *cand, int lo, int hi)
{
	int			size = hi - lo;
	RuIvfCandidate least;

	if (size <= 1)
		return;
	least = cand[hi - 1];
	cand[hi - 1] = cand[lo];	/* the heap's last position, to its root */
	window_sift_down(cand, hi, size - 1, 0);
	cand[lo] = least;
}

/* ambeginscan */
IndexScanDesc
ruivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	RuIvfScanOpaque so = palloc0(sizeof(RuIvfScanOpaqueData));

	so->cxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf scan", ALLOCSET_DEFAULT_SIZES);
	so->heapattno = index->rd_index->indkey.values[0];
	scan->opaque = so;
	/* the AM provides the arrays for the ORDER BY values it returns */
	scan->xs_orderbyvals = palloc0(sizeof(Datum) * Max(norderbys, 1));
	scan->xs_orderbynulls = palloc(sizeof(bool) * Max(norderbys, 1));
	return scan;
}

/*
 * The query of a scan is over (rescan or endscan): add its counters to
 * ruvector_stats, release the table AM's fetch state.
 */
static void
end_query(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;

	if (so->stats.active)
		RvStatsEnd(RelationGetRelid(scan->indexRelation), &so->stats,
				   MemoryContextMemAllocated(so->cxt, true));
	if (so->st != NULL)
	{
		RuIvfReleaseState(so->st);
		so->st = NULL;
	}
	if (BufferIsValid(so->ahead))
	{
		ReleaseBuffer(so->ahead);
		so->ahead = InvalidBuffer;
	}
	if (BufferIsValid(so->rowbuf))
	{
		ReleaseBuffer(so->rowbuf);
		so->rowbuf = InvalidBuffer;
	}
	if (so->slot != NULL)
	{
		ExecDropSingleTupleTableSlot(so->slot);
		so->slot = NULL;
	}
	if (so->fetch != NULL)
	{
		table_index_fetch_end(so->fetch);
		so->fetch = NULL;
	}
	if (so->estate != NULL)
	{
		FreeExecutorState(so->estate);
		so->estate = NULL;
		so->exprinfo = NULL;
	}
}

/* amrescan: remember the query; the work starts at the first gettuple. */
void
ruivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	MemoryContext old;

	(void) keys;
	(void) nkeys;
	(void) norderbys;
	end_query(scan);
	MemoryContextReset(so->cxt);
	{
		MemoryContext cxt = so->cxt;
		AttrNumber	attno = so->heapattno;

		/* everything else lived in the context just reset */
		memset(so, 0, sizeof(RuIvfScanOpaqueData));
		so->cxt = cxt;
		so->heapattno = attno;
	}

	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	if (scan->numberOfOrderBys == 0)
	{
		so->noresults = true;
		return;
	}
	if (scan->orderByData[0].sk_flags & SK_ISNULL)
	{
		/* every distance is NULL: the rows in any order (null_next) */
		so->nullquery = true;
		so->null_list = -1;
		so->null_blk = InvalidBlockNumber;
		return;
	}
	old = MemoryContextSwitchTo(so->cxt);
	so->input = RuIvfGetInput(scan->indexRelation);
	if (so->input == RUIVF_INPUT_SPARSE)
		so->squery = (RuSparseVec *) PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
	so->query = RuIvfInputQuery(so->input, scan->orderByData[0].sk_argument, &so->qdim);
	MemoryContextSwitchTo(old);
}

/*
 * Estimated distance (smaller is nearer) of a coded vector, from its factor
 * and a kernel's integer dot product with the operand *op (make_operand),
 * less the operand's rounding shift (operand_rounding): the squared L2
 * distance for L2 and L1 indexes, the negative inner product otherwise.
 */
static inline float
code_estimate(RuIvfScanOpaque so, const RuIvfOperand *op, float factor, int32 dot)
{
	if (so->l2codes)
		return op->qconst + factor - 2.0f * op->qinv * ((float) dot - op->dot_shift);
	return -(op->qinv * ((float) dot - op->dot_shift) + op->qconst);
}

/*
 * A binary code's estimate and bound as a candidate's (dist, err), in the
 * terms lower_bound reads for every code: dist the estimate (squared L2
 * for L2 and L1, else the negative inner product of the prepared vectors),
 * err what lower_bound takes off it (the root's difference for L2, the
 * difference over |q| otherwise), from rabitq.h's estimate of the squared
 * L2 distance and its lower bound, which holds unless the estimate is off
 * by more than ruvector.epsilon standard deviations.  f: the lane's four
 * factors (ivf.h); est, low: rabitq_estimate's of its fast-scan sum.
 */
static inline void
bit_estimate(RuIvfScanOpaque so, const float *f, float est, float low, RuIvfCandidate *c)
{
	if (so->l2codes)
	{
		c->dist = est;
		c->err = Max(0.0f, sqrtf(est) - sqrtf(low));
	}
	else
	{
		/*
		 * -<x, q> = (|x - q|^2 - |x|^2 - |q|^2) / 2, whose terms can be far
		 * larger than their sum: the bound widens by their float rounding
		 */
		float		round = 1e-6f * (est + f[3] + so->qsq);

		if (so->qnorm > 0.0f)
		{
			c->dist = 0.5f * (est - f[3] - so->qsq);
			c->err = Max(0.0f, (0.5f * (est - low) + round) / so->qnorm);
		}
		else
		{
			c->dist = 0.0f;		/* a zero query: every inner product is 0 */
			c->err = 0.0f;
		}
	}
}

/* x rounded to the nearest integer, halves away from zero (no libm call) */
static inline int32
round_int(float x)
{
	return (int32) (x >= 0.0f ? x + 0.5f : x - 0.5f);
}

/*
 * The integer operand, in dimension order: round(qa_d * scale) as int16
 * (SQ8: qpairs, two per int32, little-endian) or int8 (SQ4: qbytes, two
 * per int16); |qa_d * scale| is at most 32767 or 127 by the choice of scale.
 */
static void
pack_operand(const float *qa, int dim, float scale, int bits, void *out)
{
	if (bits == 4)
		for (int d = 0; d < dim; d++)
			((int8 *) out)[d] = (int8) Max(-127, Min(127, round_int(qa[d] * scale)));
	else
		for (int d = 0; d < dim; d++)
			((int16 *) out)[d] = (int16) Max(-32767, Min(32767, round_int(qa[d] * scale)));
}

#ifdef RV_HAVE_X86_KERNELS
/* pack_operand with AVX2: convert 8 floats at a time, pack with saturation */
__attribute__((target("avx2,fma")))
static void
pack_operand_avx2(const float *qa, int dim, float scale, int bits, void *out)
{
	__m256		f = _mm256_set1_ps(scale);
	int			d = 0;

	if (bits == 4)
	{
		for (; d + 32 <= dim; d += 32)
		{
			__m256i		a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d), f));
			__m256i		b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d + 8), f));
			__m256i		c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d + 16), f));
			__m256i		e = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d + 24), f));
			__m256i		ab = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
			__m256i		ce = _mm256_permute4x64_epi64(_mm256_packs_epi32(c, e), 0xD8);
			__m256i		all = _mm256_permute4x64_epi64(_mm256_packs_epi16(ab, ce), 0xD8);

			_mm256_storeu_si256((__m256i *) ((int8 *) out + d), all);
		}
	}
	else
	{
		for (; d + 16 <= dim; d += 16)
		{
			__m256i		a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d), f));
			__m256i		b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(qa + d + 8), f));

			_mm256_storeu_si256((__m256i *) ((int16 *) out + d),
								_mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8));
		}
	}
	pack_operand(qa + d, dim - d, scale, bits, bits == 4 ? (void *) ((int8 *) out + d)
				 : (void *) ((int16 *) out + d));
}
#endif

/* r_d of operand_rounding: the packed value less the unrounded one, in double */
static inline double
packed_rounding(const float *qa, const void *packed, int d, float fscale, int bits)
{
	double		q = bits == 4 ? (double) ((const int8 *) packed)[d]
		: (double) ((const int16 *) packed)[d];

	return q - (double) qa[d] * (double) fscale;
}

/*
 * The operand's rounding (make_operand_body): r_d = packed_d - qa_d *
 * fscale, exactly in double (a product of two floats), gives dot_shift and
 * dot_err, with op->qinv already set.
 */
static inline __attribute__((always_inline)) void
operand_rounding(const float *qa, const void *packed, int dim, float fscale, int bits,
				 RuIvfOperand *op)
{
	double		half = 0.5 * RuIvfCodeMax(bits);
	double		rsum = 0.0,
				rabs = 0.0,
				s8[8] = {0},
				a8[8] = {0};
	int			d = 0;

	/* eight sums a side, so that no addition waits on the one before */
	for (; d + 8 <= dim; d += 8)
		for (int j = 0; j < 8; j++)
		{
			double		r = packed_rounding(qa, packed, d + j, fscale, bits);

			s8[j] += r;
			a8[j] += fabs(r);
		}
	for (; d < dim; d++)
	{
		double		r = packed_rounding(qa, packed, d, fscale, bits);

		rsum += r;
		rabs += fabs(r);
	}
	for (int j = 0; j < 8; j++)
	{
		rsum += s8[j];
		rabs += a8[j];
	}
	op->dot_shift = (float) (half * rsum);
	/* and the float rounding of dot_shift itself, generously */
	op->dot_err = (float) ((half * rabs + 1e-6 * fabs(half * rsum)) * op->qinv * (1.0 + 1e-6));
}

/*
 * A query operand for one kind of codes, and what turns a kernel's integer
 * dot product with it into an estimate: the codes decode as x'_d = c_d +
 * m_d + step_d k_d (c the list's centroid for residual codes, else 0; step
 * s_d for SQ8, 17 s_d for SQ4), and with qa_d = (q_d - c_d - m_d) s_d (L2)
 * or q_d s_d (inner product, cosine) an estimate is
 *	L2:  qconst + factor - 2 qinv dot',  qconst = |q - c - m|^2
 *	IP:  -(qinv dot' + qconst),           qconst = q . (c + m)
 * where dot' = dot - dot_shift is the kernel's dot less the rounding shift
 * (below).
 * SQ8: 16-bit integers two per int32, the scale the largest that keeps
 * |q| <= 32767 and 255 * sum |q| < 2^31 (no lane's sum overflows an int32);
 * SQ4: 8-bit integers two per int16, |q| <= 127.
 *
 * The rounding: with r_d = round(qa_d scale) - qa_d scale (known once the
 * operand is packed) and codes k_d in [0, K] (K = 255 or 15), the kernel's
 * dot exceeds the unrounded one by sum r_d k_d = (K/2) sum r_d + sum r_d
 * (k_d - K/2).  The first term is the same for every code: dot_shift, taken
 * off every dot.  The second is at most (K/2) sum |r_d|: dot_err, in units
 * of qinv * dot.  This is about a quarter of the plain bound K * 0.5 * dims
 * (|r_d| is 0.25 on average, not 0.5), and with 4-bit codes the rounding
 * bound is the larger part of a lower bound's slack, so the lazy re-rank
 * stops about twice as early.
 * The operand is padded to whole pages of dims_per_page (an even number),
 * so page k's pairs start at k * dims_per_page / 2.
 *
 * make_operand_body fills *op for codes of `bits` bits with parameters m, s
 * around center (NULL: none); an L1 index's operand is L2's.  It runs for
 * every list a scan reads when the codes are residual, so its loops are
 * written to vectorize; the inner-product operand does not depend on the
 * center, and once made only its constant is recomputed.
 */
static inline __attribute__((always_inline)) void
make_operand_body(RuIvfScanOpaque so, const float *center, const float *m, const float *s,
				  int bits, int padded, RuIvfOperand *op, bool avx2)
{
	int			dim = so->dim;
	float	   *qa = so->qa;
	float	   *qt = so->qt;
	const float *q = so->qprep;
	float		mx[8] = {0},
				maxabs = 0.0f,
				fscale;
	double		sm[8] = {0},
				sumabs = 0.0;
	double		scale;
	int			d;

#ifdef RV_HAVE_X86_KERNELS
#define PACK(out) \
	(avx2 ? pack_operand_avx2(qa, dim, fscale, bits, (out)) : pack_operand(qa, dim, fscale, bits, (out)))
#else
#define PACK(out) pack_operand(qa, dim, fscale, bits, (out))
#endif

	if (!so->l2codes)
	{
		op->qconst = rv_kernels.dot(q, m, dim) + (center ? rv_kernels.dot(q, center, dim) : 0.0f);
		/* q . (c + m) may cancel to about 0; its rounding does not */
		op->qmag = so->qnorm * (sqrtf(rv_kernels.dot(m, m, dim)) +
								(center ? sqrtf(rv_kernels.dot(center, center, dim)) : 0.0f));
		if (op->made)
			return;
		for (d = 0; d < dim; d++)
			qa[d] = q[d] * s[d];
	}
	else
	{
		if (center)
			for (d = 0; d < dim; d++)
				qt[d] = (q[d] - center[d]) - m[d];	/* q - c first: exact when near */
		else
			for (d = 0; d < dim; d++)
				qt[d] = q[d] - m[d];
		for (d = 0; d < dim; d++)
			qa[d] = qt[d] * s[d];
		op->qconst = rv_kernels.dot(qt, qt, dim);
	}
	for (d = 0; d + 8 <= dim; d += 8)
		for (int j = 0; j < 8; j++)
		{
			float		a = fabsf(qa[d + j]);

			mx[j] = a > mx[j] ? a : mx[j];
			sm[j] += a;
		}
	for (; d < dim; d++)
	{
		float		a = fabsf(qa[d]);

		mx[0] = a > mx[0] ? a : mx[0];
		sm[0] += a;
	}
	for (int j = 0; j < 8; j++)
	{
		maxabs = Max(maxabs, mx[j]);
		sumabs += sm[j];
	}
	op->made = true;

	if (bits == 4)
	{
		scale = maxabs > 0.0f ? 127.0 / maxabs : 1.0;
		fscale = (float) scale;
		if (op->qbytes == NULL)
			op->qbytes = palloc0(sizeof(int16) * (padded / 2));
		PACK(op->qbytes);
		op->qinv = (float) (RUIVF_SQ4_STEP / scale);
		operand_rounding(qa, op->qbytes, dim, fscale, 4, op);
		return;
	}
	scale = maxabs > 0.0f ? 32767.0 / maxabs : 1.0;
	/* rounding (in float) adds at most 0.51 per dimension */
	if (sumabs > 0.0 && RuIvfCodeMax(8) * (sumabs * scale + 0.51 * dim) > (double) PG_INT32_MAX)
		scale = ((double) PG_INT32_MAX / RuIvfCodeMax(8) - 0.51 * dim) / sumabs;
	fscale = (float) scale;
	if (op->qpairs == NULL)
		op->qpairs = palloc0(sizeof(int32) * (padded / 2));
	PACK(op->qpairs);
	op->qinv = (float) (1.0 / scale);
	operand_rounding(qa, op->qpairs, dim, fscale, 8, op);
#undef PACK
}

#ifdef RV_HAVE_X86_KERNELS
/* make_operand_body compiled for AVX2 (its loops vectorize 8 wide) */
__attribute__((target("avx2,fma")))
static void
make_operand_avx2(RuIvfScanOpaque so, const float *center, const float *m, const float *s,
				  int bits, int padded, RuIvfOperand *op)
{
	make_operand_body(so, center, m, s, bits, padded, op, true);
}
#endif

/* make_operand_body for the SIMD level in use (ruvector.simd) */
static void
make_operand(RuIvfScanOpaque so, const float *center, const float *m, const float *s,
			 int bits, int padded, RuIvfOperand *op)
{
#ifdef RV_HAVE_X86_KERNELS
	if (rv_kernels.level >= RV_SIMD_AVX2)
	{
		make_operand_avx2(so, center, m, s, bits, padded, op);
		return;
	}
#endif
	make_operand_body(so, center, m, s, bits, padded, op, false);
}

static bool prepared_from_memo(RuIvfScanOpaque so, int list);
static void prepared_to_memo(RuIvfScanOpaque so, int list);

/*
 * The list codes' operand for `list`: with residual codes (ivf.h) it
 * depends on the list's centroid and is made again for every list; the
 * bounds keep the largest error terms of the lists read.
 */
static void
set_list_operand(RuIvfScanOpaque so, int list)
{
	const RuIvfState *st = so->st;
	int			padded = st->meta.pages_per_block * st->meta.dims_per_page;

	if (st->meta.bits == 1)
	{
		/* the query relative to the list's centroid, on its grid; its table */
		const double *crot;

		if (prepared_from_memo(so, list))
			return;
		crot = RuIvfRotatedCentroid(so->st, st->meta.lists > 0 ? list : 0);
		rv_kernels.rabitq_prepare(so->qrot, crot, so->dim, RUIVF_BIT_QMAX, so->bq, so->blut,
								  &so->brq, so->bwork);
		prepared_to_memo(so, list);
		return;
	}
	if (st->meta.residual)
		make_operand(so, st->centroids + (Size) list * so->dim, st->code_m, st->code_s,
					 st->meta.bits, padded, &so->lop);
	else if (!so->lop_ready)
	{
		if (st->meta.bits == 8 && st->cen_m == st->code_m)
			so->lop = so->cop;	/* the centroids' operand serves */
		else
			make_operand(so, NULL, st->code_m, st->code_s, st->meta.bits, padded, &so->lop);
		so->lop_ready = true;
	}
	so->bound_qconst = Max(so->bound_qconst, Max(fabsf(so->lop.qconst), so->lop.qmag));
	so->bound_dot_err = Max(so->bound_dot_err, so->lop.dot_err);
}

/* Ask for len bytes from p into the cache, a 64-byte line at a time. */
static inline void
prefetch_bytes(const void *p, Size len)
{
	for (Size off = 0; off < len; off += 64)
		__builtin_prefetch((const char *) p + off, 0, 3);
}

/*
 * bits = 1: ask for the rotated centroid of the list scanned next (dim
 * doubles), so that it comes from memory while the current list is scored
 * rather than when set_list_operand needs it; one not made yet is made now.
 */
static inline void
prefetch_list_centroid(RuIvfScanOpaque so, int list)
{
	if (so->st->meta.bits == 1 && so->st->meta.lists > 0)
	{
		if (so->st->centroid_rotated != NULL && so->st->centroid_rotated[list])
			prefetch_bytes(so->st->centroids_rot + (Size) list * so->dim,
						   sizeof(double) * (Size) so->dim);
		else
			(void) RuIvfRotatedCentroid(so->st, list);	/* made now, so cached */
	}
}

/*
 * Make order[0 .. upto) the nearest lists, nearest first: the first call
 * selects and sorts the first `upto`; a later one (the scan going on)
 * sorts all the rest.
 */
static void
order_lists(RuIvfScanOpaque so, int upto)
{
	RuIvfListDist *ld = so->ld;
	int			n = so->nlists;

	if (upto <= so->nordered)
		return;
	if (so->nordered == 0 && upto < n)
	{
		select_nearest_lists(ld, 0, n, upto);
		qsort(ld, upto, sizeof(RuIvfListDist), cmp_listdist);
	}
	else
	{
		upto = n;
		qsort(ld + so->nordered, n - so->nordered, sizeof(RuIvfListDist), cmp_listdist);
	}
	for (int c = so->nordered; c < upto; c++)
		so->order[c] = ld[c].list;
	so->nordered = upto;
}

/*
 * The probe order: every centroid's estimate from its code, by the SQ8
 * kernel (block by block, RUIVF_CENTROID_GROUP, each a contiguous stream),
 * the nearest `probes` selected and sorted (order_lists).  With SQ4 codes
 * (RuIvfState.centroid_bits, RUIVF_CENTROID_SQ4_MIN), two steps: the
 * nearest probes + RUIVF_CENTROID_RESCORE by their estimates, then those
 * by their exact distances from the float centroids (the quantity of
 * code_estimate: squared L2, or the negative inner product), in that order
 * at the front; the others stay ordered by their estimates as the scan
 * goes on into them (order_lists).
 */
static void
order_centroids_made(RuIvfScanOpaque so)
{
	const RuIvfState *st = so->st;
	int			dim = so->dim;
	int			lists = st->meta.lists;
	int			npairs = (dim + 1) / 2;
	Size		lane_bytes = st->centroid_bits == 8 ? 2 * npairs : npairs;
	int			k = Min(lists, so->set.probes + RUIVF_CENTROID_RESCORE);
	RuIvfListDist *ld = palloc(sizeof(RuIvfListDist) * lists);
	int32	   *dot = palloc(sizeof(int32) * lists);

	if (!so->cop_ready)
	{
		make_operand(so, NULL, st->cen_m, st->cen_s, st->centroid_bits,
					 st->meta.pages_per_block * st->meta.dims_per_page, &so->cop);
		so->cop_ready = true;
	}
	for (int g = 0; g < lists; g += RUIVF_CENTROID_GROUP)
	{
		const unsigned char *codes = st->centroid_codes + (Size) g * lane_bytes;
		int			w = Min(RUIVF_CENTROID_GROUP, lists - g);

		if (st->centroid_bits == 8)
			rv_kernels.dot_sq8_batch(so->cop.qpairs, codes, npairs, w, dot + g, NULL);
		else
			rv_kernels.dot_sq4_batch(so->cop.qbytes, codes, npairs, w, dot + g, NULL);
	}
	for (int c = 0; c < lists; c++)
	{
		ld[c].dist = code_estimate(so, &so->cop, st->centroid_factors[c], dot[c]);
		ld[c].list = c;
	}
	if (st->centroid_sqnorm != NULL)
		for (int c = 0; c < lists; c++)
			ld[c].dist = RuIvfListKeyIP(st->centroid_sqnorm[c], ld[c].dist,
										st->meta.row_norm, so->qnorm);
	pfree(dot);
	so->ld = ld;
	so->nordered = 0;
	if (st->centroid_bits == 8)
	{
		order_lists(so, Min(so->set.probes, lists));
		return;
	}

	if (k < lists)
		select_nearest_lists(ld, 0, lists, k);
	/* the floats of all k at once: their misses overlap */
	for (int i = 0; i < k; i++)
		prefetch_bytes(st->centroids + (Size) ld[i].list * dim, sizeof(float) * (Size) dim);
	for (int i = 0; i < k; i++)
	{
		const float *c = st->centroids + (Size) ld[i].list * dim;

		ld[i].dist = so->l2codes ? rv_kernels.l2sq(so->qprep, c, dim)
			: -rv_kernels.dot(so->qprep, c, dim);
		if (st->centroid_sqnorm != NULL)
			ld[i].dist = RuIvfListKeyIP(st->centroid_sqnorm[ld[i].list], ld[i].dist,
										st->meta.row_norm, so->qnorm);
	}
	qsort(ld, k, sizeof(RuIvfListDist), cmp_listdist);
	for (int i = 0; i < k; i++)
		so->order[i] = ld[i].list;
	so->nordered = k;
}

/*
 * Per-backend memos, in TopMemoryContext, so that the scans of one query
 * over a partitioned table's indexes do once what depends only on the
 * query (its norm, its rotation) or on the query and the lists the
 * partitions share (their order, and with binary codes the query prepared
 * for each list).
 */

/* *pp with room for `need` bytes (what it held is not kept) */
static void
memo_room(void **pp, Size *cap, Size need)
{
	if (need <= *cap)
		return;
	if (*pp != NULL)
		pfree(*pp);
	*pp = NULL;					/* nothing held should the allocation fail */
	*cap = 0;
	*pp = MemoryContextAlloc(TopMemoryContext, need);
	*cap = need;
}

/*
 * The last prepared query a scan of this backend started with, and what is
 * made from it alone (note_query).  Every binary-code index of a dimension
 * count has the same rotation (RUIVF_DEFAULT_ROTATION_SEED).
 */
static struct
{
	uint64		serial;			/* changes whenever the query does */
	int			dim;			/* 0: none kept */
	Size		cap;
	float	   *q;
	float		norm;			/* |q| (RuIvfNorm) */
	bool		rotated;		/* rot is q's rotation rot_seed */
	uint64		rot_seed;
	Size		rot_cap;
	double	   *rot;
}			last_query;

/* Keep q as last_query unless it is already (the same dimensions and values). */
static void
note_query(const float *q, int dim)
{
	if (last_query.dim == dim && memcmp(last_query.q, q, sizeof(float) * dim) == 0)
		return;
	last_query.dim = 0;			/* nothing kept until all of it is there */
	last_query.rotated = false;
	memo_room((void **) &last_query.q, &last_query.cap, sizeof(float) * dim);
	memcpy(last_query.q, q, sizeof(float) * dim);
	last_query.norm = (float) RuIvfNorm(q, dim);
	last_query.serial++;
	last_query.dim = dim;
}

/*
 * out = the rotation `seed` (rabitq.h) of last_query (note_query), made
 * once for the query and seed (the result is a function of them alone).
 */
static void
rotate_query(int dim, uint64 seed, double *out)
{
	Assert(last_query.dim == dim);
	if (!last_query.rotated || last_query.rot_seed != seed)
	{
		last_query.rotated = false;
		memo_room((void **) &last_query.rot, &last_query.rot_cap, sizeof(double) * dim);
		for (int d = 0; d < dim; d++)
			last_query.rot[d] = last_query.q[d];
		rv_rabitq_rotate_f64(last_query.rot, last_query.rot, dim, seed);
		last_query.rot_seed = seed;
		last_query.rotated = true;
	}
	memcpy(out, last_query.rot, sizeof(double) * dim);
}

/*
 * The probe order the last scan of a partition's index made
 * (order_centroids), for the next scan of the same query over an index
 * with the same centroids (RuIvfState.centroid_set): the partitions of a
 * partitioned index that share centroids (ivfbuild.c) order their lists
 * once a query, not once a partition.
 */
#define PROBE_MEMO_PREPARED 64		/* lists' prepared queries kept at most */

static struct
{
	uint64		serial;			/* changes whenever the rest is replaced */
	uint64		centroid_set;	/* RuIvfState.centroid_set; 0: nothing kept */
	uint64		query;			/* last_query.serial of the query */
	int			lists;
	int			probes;
	int			nordered;
	Size		ld_cap;
	Size		order_cap;
	RuIvfListDist *ld;			/* lists */
	int		   *order;			/* lists */
	/* binary codes: the query prepared for lists read (set_list_operand) */
	int			nprepared;
	int			prep_dim;		/* the dimensions prep_* hold (0: none) */
	Size		bq_cap;
	Size		lut_cap;
	int			prep_list[PROBE_MEMO_PREPARED];
	uint8	   *prep_bq;		/* PROBE_MEMO_PREPARED x dim */
	uint8	   *prep_lut;		/* PROBE_MEMO_PREPARED x groups x 16 */
	RvRabitqQuery prep_rq[PROBE_MEMO_PREPARED];
}			probe_memo;

/*
 * The probe order (order_centroids_made), taken from probe_memo when the
 * last scan made it for the same query, settings and centroids; a
 * partition's index only, and kept there for the next.
 */
static void
order_centroids(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	RuIvfState *st = so->st;
	int			lists = st->meta.lists;
	uint64		set = st->centroid_set;

	if (!scan->indexRelation->rd_rel->relispartition || set == 0)
	{
		order_centroids_made(so);
		return;
	}
	if (probe_memo.centroid_set == set && probe_memo.lists == lists &&
		probe_memo.probes == so->set.probes && probe_memo.query == last_query.serial)
	{
		so->ld = palloc(sizeof(RuIvfListDist) * lists);
		memcpy(so->ld, probe_memo.ld, sizeof(RuIvfListDist) * lists);
		memcpy(so->order, probe_memo.order, sizeof(int) * probe_memo.nordered);
		so->nordered = probe_memo.nordered;
		so->memo_serial = probe_memo.serial;
		return;
	}
	order_centroids_made(so);
	elog(DEBUG2, "ruivf: probe order of index \"%s\" made",
		 RelationGetRelationName(scan->indexRelation));
	probe_memo.centroid_set = 0;	/* nothing kept until all of it is there */
	probe_memo.serial++;
	probe_memo.nprepared = 0;
	memo_room((void **) &probe_memo.ld, &probe_memo.ld_cap, sizeof(RuIvfListDist) * lists);
	memo_room((void **) &probe_memo.order, &probe_memo.order_cap, sizeof(int) * lists);
	memcpy(probe_memo.ld, so->ld, sizeof(RuIvfListDist) * lists);
	memcpy(probe_memo.order, so->order, sizeof(int) * so->nordered);
	probe_memo.nordered = so->nordered;
	probe_memo.lists = lists;
	probe_memo.probes = so->set.probes;
	probe_memo.query = last_query.serial;
	probe_memo.centroid_set = set;
	so->memo_serial = probe_memo.serial;
}

/*
 * bits = 1: the query prepared for `list` (bq, blut, brq) from probe_memo,
 * when this scan's probe order is the one kept there (the same query and
 * centroids: the same rotated residual) and a scan prepared it; true if so.
 */
static bool
prepared_from_memo(RuIvfScanOpaque so, int list)
{
	if (so->memo_serial == 0 || so->memo_serial != probe_memo.serial ||
		probe_memo.prep_dim != so->dim)
		return false;
	for (int i = 0; i < probe_memo.nprepared; i++)
		if (probe_memo.prep_list[i] == list)
		{
			Size		lut = (Size) RuIvfBitGroups(so->dim) * 16;

			memcpy(so->bq, probe_memo.prep_bq + (Size) i * so->dim, so->dim);
			memcpy(so->blut, probe_memo.prep_lut + (Size) i * lut, lut);
			so->brq = probe_memo.prep_rq[i];
			return true;
		}
	return false;
}

/* Keep the query just prepared for `list` in probe_memo (prepared_from_memo). */
static void
prepared_to_memo(RuIvfScanOpaque so, int list)
{
	Size		lut = (Size) RuIvfBitGroups(so->dim) * 16;
	int			i = probe_memo.nprepared;

	if (so->memo_serial == 0 || so->memo_serial != probe_memo.serial ||
		i >= PROBE_MEMO_PREPARED)
		return;
	if (i == 0)
	{
		probe_memo.prep_dim = 0;
		memo_room((void **) &probe_memo.prep_bq, &probe_memo.bq_cap,
				  (Size) PROBE_MEMO_PREPARED * so->dim);
		memo_room((void **) &probe_memo.prep_lut, &probe_memo.lut_cap,
				  (Size) PROBE_MEMO_PREPARED * lut);
		probe_memo.prep_dim = so->dim;
	}
	else if (probe_memo.prep_dim != so->dim)
		return;
	memcpy(probe_memo.prep_bq + (Size) i * so->dim, so->bq, so->dim);
	memcpy(probe_memo.prep_lut + (Size) i * lut, so->blut, lut);
	probe_memo.prep_rq[i] = so->brq;
	probe_memo.prep_list[i] = list;
	probe_memo.nprepared = i + 1;
}

/* Set up the query operands and the probe order (first gettuple). */
static void
start_scan(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	RuIvfState *st = RuIvfGetState(scan->indexRelation);
	int			dim = st->meta.dim;
	int			lists = st->meta.lists;

	so->st = st;
	RuIvfGetScanSettings(scan->indexRelation, &st->meta, &so->set);
	so->metric = st->meta.metric;
	so->l2codes = RuIvfMetricIsL2Like(so->metric);
	so->dim = dim;
	if (so->qdim != dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 so->input == RUIVF_INPUT_BIT ?
				 errmsg("different bit lengths %d and %d", dim, so->qdim) :
				 errmsg("different %s dimensions %d and %d",
						so->input == RUIVF_INPUT_HALF ? "halfvec" :
						so->input == RUIVF_INPUT_SPARSE ? "sparsevec" : "ruvector",
						dim, so->qdim)));

	so->qprep = palloc(sizeof(float) * dim);
	RuIvfPrepareVector(so->metric, so->query, dim, so->qprep);
	so->qa = palloc(sizeof(float) * dim);
	so->qt = palloc(sizeof(float) * dim);
	note_query(so->qprep, dim);
	so->qnorm = last_query.norm;
	if (st->meta.bits != 1)
	{
		/* the list codes may take it too (set_list_operand) */
		make_operand(so, NULL, st->cen_m, st->cen_s, st->centroid_bits,
					 st->meta.pages_per_block * st->meta.dims_per_page, &so->cop);
		so->cop_ready = true;
	}
	if (st->meta.bits == 1)
	{
		so->qrot = palloc(sizeof(double) * dim);
		rotate_query(dim, st->meta.rotation_seed, so->qrot);
		so->bwork = palloc(sizeof(float) * dim);
		so->bq = palloc(dim);
		so->blut = palloc(RuIvfBitGroups(dim) * 16);
		so->qsq = so->qnorm * so->qnorm;
		so->eps = (float) ruvector_epsilon;
	}

	so->parallel = scan->parallel_scan != NULL;
	parallel_join(scan, st->meta.generation);
	so->nlists = Max(lists, 1);
	so->order = palloc(sizeof(int) * so->nlists);
	if (lists > 0)
		order_centroids(scan);
	else
	{
		so->order[0] = 0;
		so->nordered = 1;
	}
	so->probed = 0;
	so->max_probes = so->set.max_probes < 0 ? so->nlists : Min(Max(so->set.max_probes, 1), so->nlists);
	if (so->set.iterative == RUIVF_ITERATIVE_OFF)
		so->max_probes = Min(so->set.probes, so->nlists);
	so->rerank_all = (lists == 0);
	if (st->meta.rerank == RUIVF_RERANK_INDEX)
		so->vecbuf = palloc(sizeof(float) * dim);
	so->strict = (so->set.iterative == RUIVF_ITERATIVE_STRICT);
	so->nreturned = 0;
	so->pool_bounds = false;
	so->deepen_at = (lists > 0 && so->set.iterative != RUIVF_ITERATIVE_OFF) ?
		RUIVF_DEPTH_ROWS : 0;

	so->candcap = 1024;
	so->cand = palloc(sizeof(RuIvfCandidate) * so->candcap);
	so->partial = palloc(sizeof(int32) * st->meta.lanes);
	so->blockdist = palloc(sizeof(int32) * st->meta.lanes);
	if (st->meta.bits == 1)
	{
		so->best = palloc(sizeof(float) * st->meta.lanes);
		so->blow = palloc(sizeof(float) * st->meta.lanes);
	}
	so->window = 10 * so->set.rerank_factor;

	/*
	 * Heap tables are read directly (table_row_distance); others via their
	 * AM, and so is every table under an expression index, whose value is
	 * the expression evaluated on the row (FormIndexDatum).
	 */
	so->xbuf = palloc(sizeof(float) * dim);
	so->is_heap = scan->heapRelation->rd_tableam == GetHeapamTableAmRoutine() &&
		so->heapattno != 0;
	if (so->heapattno == 0)
	{
		so->exprinfo = BuildIndexInfo(scan->indexRelation);
		so->estate = CreateExecutorState();
	}
	if (!so->is_heap)
	{
		so->fetch = table_index_fetch_begin(scan->heapRelation);
		so->slot = table_slot_create(scan->heapRelation, NULL);
	}
	so->started = true;
}

/* The first block of a list's chain, from the list directory. */
static BlockNumber
read_list_head(IndexScanDesc scan, int list)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	int			slot;
	Buffer		buf = RuIvfReadBufferRecent(scan->indexRelation, so->st,
											RuIvfListDirBlock(&so->st->meta, list, &slot));
	BlockNumber head;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	head = RuIvfListDirHeads(BufferGetPage(buf))[slot];
	UnlockReleaseBuffer(buf);
	return head;
}

/*
 * Pin (not lock) the first page of the block starting at blkno, the one a
 * scan reads next, so that the kernel can prefetch its codes while it
 * scores the page before (kernels.h).  The current block's pages are
 * share-locked meanwhile, so only a pin that takes no I/O is taken
 * (RuIvfPinIfCached): InvalidBuffer when the page is not in shared buffers,
 * and the scan then reads it as usual after the locks are released.
 * scan_list asks for its other lines too (prefetch_block_lanes): no gain
 * at 1,000,000 rows, a tenth of a query at 10,000,000, where the first
 * touch of each page's header, TIDs and factors missed every cache.
 */
static Buffer
pin_ahead(IndexScanDesc scan, BlockNumber blkno)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;

	return RuIvfPinIfCached(scan->indexRelation, so->st, blkno);
}

/*
 * Ask for the lines of a pinned block's first page that the scan reads
 * besides its codes (which the kernel prefetches): the page header, the
 * lanes' TIDs and factors and the special space, at the page's end.  A
 * hint only: the page is read under its lock later.
 */
static inline void
prefetch_block_lanes(Page page, const RuIvfMetaData *meta)
{
	const char *tids = (const char *) RuIvfPageTids(page, meta);

	__builtin_prefetch(page, 0, 3);
	prefetch_bytes(tids, (const char *) page + BLCKSZ - tids);
}

/* check_chain_step's case of a block past the count known: read it again, then decide. */
static pg_noinline void
chain_step_past(Relation index, RuIvfState *st, int list, BlockNumber blkno, int ppb,
				BlockNumber nvisited)
{
	bool		loops;

	st->nblocks = RelationGetNumberOfBlocks(index);
	loops = nvisited > st->nblocks / ppb;
	if (loops || (uint64) blkno + ppb > st->nblocks)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ruivf index \"%s\" list %d: %s at block %u",
						RelationGetRelationName(index), list,
						loops ? "its chain loops" : "its chain leaves the index", blkno),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
}

/*
 * Check the next block of a list's chain before it is read: every block of
 * a chain lies within the index, and a chain visits each block once, so
 * more blocks than the index holds is a cycle.  *nvisited counts the
 * chain's blocks so far.  The count checked against is the one this
 * backend last read (st->nblocks, 0 at first), without a system call: a
 * partitioned table's query scans one index per partition, and reading
 * each one's size from the file system (lseek) took a tenth of such a
 * query on this VM.  A block past it, or a chain longer than it allows, has
 * the count read again before either is called corrupt (the index may have
 * grown since).
 */
static inline void
check_chain_step(Relation index, RuIvfState *st, int list, BlockNumber blkno, int ppb,
				 BlockNumber *nvisited)
{
	++(*nvisited);
	if (unlikely(*nvisited > st->nblocks / ppb || (uint64) blkno + ppb > st->nblocks))
		chain_step_past(index, st, list, blkno, ppb, *nvisited);
}

/*
 * Score every block of one list, whose chain starts at `head`, into the
 * candidate array.  The pages of a block are pinned and share-locked
 * together (ascending, per the lock order), so a concurrent VACUUM cannot
 * move lanes between them while their partial sums are added.  The page a
 * scan reads next is pinned (not locked) before the current one is scored,
 * so that the kernel prefetches its codes (pin_ahead): the next page of the
 * block, else the next block's first page, else the first page of `follow`
 * (the chain read next, InvalidBlockNumber if none), which so->ahead then
 * holds for the next call.  A list's pages are cold more often than not,
 * and their memory latency then costs more than their arithmetic.  Chains
 * only grow at their heads and a block never leaves its list while a scan
 * runs (ivfinsert.c; VACUUM unlinks empty blocks only with the index to
 * itself, ivfvacuum.c), so a head read before the list is scanned is still a
 * start of the list: blocks added since hold rows the scan's snapshot
 * cannot see.
 */
static void
scan_list(IndexScanDesc scan, int list, BlockNumber head, BlockNumber follow)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;
	const RuIvfMetaData *meta = &so->st->meta;
	int			B = meta->lanes;
	int			ppb = meta->pages_per_block;
	BlockNumber blkno = head;
	Buffer		bufs[RUIVF_MAX_PAGES_PER_BLOCK];
	Buffer		nextbuf = InvalidBuffer;	/* the next block's first page */
	BlockNumber nvisited = 0;

	if (BufferIsValid(so->ahead))
	{
		if (BufferGetBlockNumber(so->ahead) == head)
			nextbuf = so->ahead;
		else
			ReleaseBuffer(so->ahead);
		so->ahead = InvalidBuffer;
	}
	so->stats.lists++;
	set_list_operand(so, list);

	while (blkno != InvalidBlockNumber)
	{
		Page		page;
		RuIvfPageOpaque opaque;
		int			nlanes;
		BlockNumber next;
		ItemPointerData tids[RUIVF_MAX_LANES];
		float		factors[RUIVF_MAX_LANES * 4];	/* as on the page: 2 or 4 floats a lane */

		check_chain_step(index, so->st, list, blkno, ppb, &nvisited);
		CHECK_FOR_INTERRUPTS();
		bufs[0] = BufferIsValid(nextbuf) ? nextbuf : RuIvfReadBufferRecent(index, so->st, blkno);
		nextbuf = InvalidBuffer;
		for (int k = 1; k < ppb; k++)
			bufs[k] = RuIvfReadBufferRecent(index, so->st, blkno + k);
		for (int k = 0; k < ppb; k++)
			LockBuffer(bufs[k], BUFFER_LOCK_SHARE);

		page = BufferGetPage(bufs[0]);
		for (int k = 0; k < ppb; k++)
			RuIvfCheckPage(index, meta, BufferGetPage(bufs[k]), blkno + k,
						   k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
		opaque = RuIvfPageGetOpaque(page);
		nlanes = opaque->nlanes;
		next = opaque->next;
		memcpy(tids, RuIvfPageTids(page, meta), sizeof(ItemPointerData) * nlanes);
		memcpy(factors, RuIvfPageFactorArea(page, meta), RuIvfFactorBytes(meta->bits) * nlanes);
		if (next != InvalidBlockNumber && (uint64) next + ppb <= so->st->nblocks)
			nextbuf = pin_ahead(scan, next);
		else if (follow != InvalidBlockNumber && (uint64) follow + ppb <= so->st->nblocks)
			so->ahead = pin_ahead(scan, follow);
		if (BufferIsValid(nextbuf))
			prefetch_block_lanes(BufferGetPage(nextbuf), meta);
		else if (BufferIsValid(so->ahead))
			prefetch_block_lanes(BufferGetPage(so->ahead), meta);

		if (meta->bits == 1)
		{
			/* fast-scan blocks of 32 lanes (ivf.h) */
			Size		ng = RuIvfBitGroups(meta->dim);
			const unsigned char *codes = RuIvfPageCodes(page);

			for (int l0 = 0; l0 < nlanes; l0 += RUIVF_BIT_GROUP)
				rv_kernels.fastscan_batch(so->blut, codes + (Size) (l0 / RUIVF_BIT_GROUP) * ng * 16,
										  ng, (uint32 *) so->blockdist + l0);
			/* every lane's estimate and bound, deleted lanes too: no branch */
			rv_kernels.rabitq_estimate(&so->brq, factors, (const uint32 *) so->blockdist, nlanes,
									   so->eps, so->best, so->blow);
		}
		else
		{
			for (int k = 0; k < ppb; k++)
			{
				int			d0 = k * meta->dims_per_page;
				int			nd = Min(meta->dim - d0, meta->dims_per_page);
				int32	   *out = (k == 0) ? so->blockdist : so->partial;
				const unsigned char *codes = RuIvfPageCodes(BufferGetPage(bufs[k]));
				const unsigned char *pf = NULL;	/* the codes scored next */

				if (k + 1 < ppb)
					pf = RuIvfPageCodes(BufferGetPage(bufs[k + 1]));
				else if (BufferIsValid(nextbuf))
					pf = RuIvfPageCodes(BufferGetPage(nextbuf));
				else if (BufferIsValid(so->ahead))
					pf = RuIvfPageCodes(BufferGetPage(so->ahead));
				if (meta->bits == 4)
					rv_kernels.dot_sq4_batch(so->lop.qbytes + d0 / 2, codes, (nd + 1) / 2, B, out, pf);
				else
					rv_kernels.dot_sq8_batch(so->lop.qpairs + d0 / 2, codes, (nd + 1) / 2, B, out, pf);
				if (k > 0)
					for (int l = 0; l < nlanes; l++)
						so->blockdist[l] += so->partial[l];
			}
		}
		for (int k = 0; k < ppb; k++)
			UnlockReleaseBuffer(bufs[k]);
		so->stats.blocks++;
		so->stats.codes += nlanes;

		if (so->ncand + nlanes > so->candcap)
		{
			so->candcap = Max(so->candcap * 2, so->ncand + nlanes);
			so->cand = repalloc_huge(so->cand, sizeof(RuIvfCandidate) * so->candcap);
		}
		{
			/* in locals, so that the loop keeps them in registers */
			RuIvfCandidate *cand = so->cand;
			int			n = so->ncand;
			float		max_err = so->round_max_err;
			bool		unbounded = false;

			for (int l = 0; l < nlanes; l++)
			{
				RuIvfCandidate *c;

				if (!ItemPointerIsValid(&tids[l]))
					continue;	/* deleted by VACUUM */
				c = &cand[n++];
				c->tid = tids[l];
				c->lane = (uint16) l;
				c->blk = blkno;
				if (meta->bits == 1)
					bit_estimate(so, &factors[l * 4], so->best[l], so->blow[l], c);
				else
				{
					c->dist = code_estimate(so, &so->lop, factors[l * 2], so->blockdist[l]);
					c->err = factors[l * 2 + 1];
				}
				max_err = Max(max_err, c->err);
				unbounded |= !(fabsf(c->dist) <= FLT_MAX);	/* Inf or NaN */
			}
			so->ncand = n;
			so->round_max_err = max_err;
			so->round_unbounded |= unbounded;
		}
		blkno = next;
	}
}

/* Exact distance between the query and a stored vector, as the operator computes it. */
static double
exact_distance(RuIvfScanOpaque so, const float *x)
{
	switch (so->metric)
	{
		case RUIVF_METRIC_L2:
			return sqrt(RuVectorL2Sq(so->query, x, so->dim));
		case RUIVF_METRIC_IP:
			return 0.0 - RuVectorDot(so->query, x, so->dim);
		case RUIVF_METRIC_L1:
			return RuVectorL1(so->query, x, so->dim);
		case RUIVF_METRIC_COSINE:
		default:
			return RuVectorCosine(so->query, x, so->dim);
	}
}

/*
 * Exact distance of a sparse row value (the index's input is sparse): the
 * sparse type's own, as its operator computes it (double-precision merges
 * over the non-zero elements, src/simd/sparse.h), so that the order of the
 * rows is that of the operator's values.
 */
static double
sparse_distance(RuIvfScanOpaque so, Datum value)
{
	RuSparseVec *r = (RuSparseVec *) PG_DETOAST_DATUM(value);
	RuSparseVec *q = so->squery;
	double		d;

	if (r->dim != so->dim)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", so->dim, r->dim)));
	switch (so->metric)
	{
		case RUIVF_METRIC_L2:
			d = sqrt(rv_sparse_l2sq(r->indices, RUSPARSEVEC_VALUES(r), r->nnz,
									q->indices, RUSPARSEVEC_VALUES(q), q->nnz));
			break;
		case RUIVF_METRIC_IP:
			d = 0.0 - rv_sparse_dot(r->indices, RUSPARSEVEC_VALUES(r), r->nnz,
									q->indices, RUSPARSEVEC_VALUES(q), q->nnz);
			break;
		case RUIVF_METRIC_L1:
			d = rv_sparse_l1(r->indices, RUSPARSEVEC_VALUES(r), r->nnz,
							 q->indices, RUSPARSEVEC_VALUES(q), q->nnz);
			break;
		case RUIVF_METRIC_COSINE:
		default:
			d = rv_cosine_finish(rv_sparse_dot(r->indices, RUSPARSEVEC_VALUES(r), r->nnz,
											   q->indices, RUSPARSEVEC_VALUES(q), q->nnz),
								 rv_sparse_norm2(RUSPARSEVEC_VALUES(r), r->nnz),
								 rv_sparse_norm2(RUSPARSEVEC_VALUES(q), q->nnz));
			break;
	}
	if ((Pointer) r != DatumGetPointer(value))
		pfree(r);
	return d;
}

/* Exact distance of a row's value of the index's input kind (not ruvector's). */
static double
input_distance(RuIvfScanOpaque so, Datum value)
{
	if (so->input == RUIVF_INPUT_SPARSE)
		return sparse_distance(so, value);
	return exact_distance(so, RuIvfInputFloats(so->input, value, so->dim, so->xbuf));
}

/*
 * Exact distance of the vector of `lane` in the block starting at blk, from
 * the block's vector pages (rerank = index): in place under a share lock
 * when it lies on one page, else copied page by page.  Lanes do not move in
 * such an index, but VACUUM frees a dead row's lane in place and an insert
 * may fill it again (ivfinsert.c: the vector first, the TID last), so the
 * lane's TID is read after the vector: false if it is no longer `tid` (the
 * candidate's row was dead, and no snapshot sees it).
 */
static bool
index_vector_distance(IndexScanDesc scan, BlockNumber blk, int lane, ItemPointer tid,
					  double *dist)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	const RuIvfMetaData *meta = &so->st->meta;
	BlockNumber vstart = blk + meta->pages_per_block;
	int			first,
				npages,
				offset;
	Buffer		buf;
	bool		same;

	RuIvfLaneVectorSpan(meta, lane, &first, &npages, &offset);
	if (npages == 1)
	{
		buf = RuIvfReadBufferRecent(scan->indexRelation, so->st, vstart + first);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		RuIvfCheckPage(scan->indexRelation, meta, BufferGetPage(buf), vstart + first, RUIVF_PAGE_VECTORS);
		*dist = exact_distance(so, (float *) ((char *) BufferGetPage(buf) + RUIVF_CODES_OFFSET) + offset);
		UnlockReleaseBuffer(buf);
	}
	else
	{
		for (int q = first; q < first + npages; q++)
		{
			buf = RuIvfReadBufferRecent(scan->indexRelation, so->st, vstart + q);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			RuIvfCheckPage(scan->indexRelation, meta, BufferGetPage(buf), vstart + q, RUIVF_PAGE_VECTORS);
			RuIvfLaneVectorPage(meta, BufferGetPage(buf), q, lane, so->vecbuf, false);
			UnlockReleaseBuffer(buf);
		}
		*dist = exact_distance(so, so->vecbuf);
	}
	buf = RuIvfReadBufferRecent(scan->indexRelation, so->st, blk);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	RuIvfCheckPage(scan->indexRelation, meta, BufferGetPage(buf), blk, RUIVF_PAGE_DATA);
	same = ItemPointerEquals(&RuIvfPageTids(BufferGetPage(buf), meta)[lane], tid);
	UnlockReleaseBuffer(buf);
	return same;
}

/*
 * Ask for the memory of the heap row re-ranked next while this one is
 * re-ranked: pin its page (kept in so->rowbuf for table_row_distance, which
 * takes the pin) and prefetch the tuple's cache lines, so that the two rows'
 * misses overlap instead of queueing (a 784-dimension row is 49 lines).
 * The line pointer is read without the content lock: it only says where to
 * prefetch from, and a value read while the page changes is clamped to the
 * page and otherwise harmless.
 */
static void
prefetch_row(IndexScanDesc scan, ItemPointer tid)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	BlockNumber blk = ItemPointerGetBlockNumber(tid);
	OffsetNumber off = ItemPointerGetOffsetNumber(tid);
	Page		page;
	ItemId		lp;

	if (BufferIsValid(so->rowbuf) && BufferGetBlockNumber(so->rowbuf) != blk)
	{
		ReleaseBuffer(so->rowbuf);
		so->rowbuf = InvalidBuffer;
	}
	if (!BufferIsValid(so->rowbuf))
		so->rowbuf = RuIvfReadHeapBufferRecent(scan->heapRelation, so->st, blk);
	page = BufferGetPage(so->rowbuf);
	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		return;
	lp = PageGetItemId(page, off);
	if (ItemIdIsNormal(lp))
	{
		Size		start = ItemIdGetOffset(lp);
		Size		len = ItemIdGetLength(lp);

		if (start < BLCKSZ)
			prefetch_bytes((const char *) page + start, Min(len, BLCKSZ - start));
	}
}

/*
 * Exact distance of the row version at *tid visible to the scan's snapshot
 * (dist NULL: only whether one is visible).  For a heap table the block's
 * page is pinned through the remembered buffer when it is still there (no
 * buffer-mapping lookup), and the HOT chain searched under a share lock, as
 * heapam's own index fetch does; a vector stored in the row is read in
 * place under that lock, one stored compressed or out of line is copied
 * first and detoasted after the lock is released.  Another table AM goes
 * through its own index fetch.  False when no version is visible or the
 * column is NULL.
 */
static bool
table_row_distance(IndexScanDesc scan, ItemPointer tid, double *dist, ItemPointer next)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	Relation	heap = scan->heapRelation;
	struct varlena *raw = NULL;
	bool		found;

	if (!so->is_heap)
	{
		bool		call_again = false;
		bool		all_dead = false;
		bool		isnull;
		Datum		d;

		found = table_index_fetch_tuple(so->fetch, tid, scan->xs_snapshot, so->slot,
										&call_again, &all_dead);
		if (found && dist != NULL && so->exprinfo != NULL)
		{
			ExprContext *econtext = GetPerTupleExprContext(so->estate);
			Datum		values[INDEX_MAX_KEYS];
			bool		nulls[INDEX_MAX_KEYS];

			econtext->ecxt_scantuple = so->slot;
			FormIndexDatum(so->exprinfo, so->slot, so->estate, values, nulls);
			if (nulls[0])
				found = false;
			else
				*dist = input_distance(so, values[0]);
			ResetExprContext(econtext);
		}
		else if (found && dist != NULL)
		{
			d = slot_getattr(so->slot, so->heapattno, &isnull);
			if (isnull)
				found = false;
			else
				*dist = input_distance(so, d);
		}
		ExecClearTuple(so->slot);
		return found;
	}
	else
	{
		ItemPointerData t = *tid;
		Buffer		buf;
		HeapTupleData tup;

		if (BufferIsValid(so->rowbuf) &&
			BufferGetBlockNumber(so->rowbuf) == ItemPointerGetBlockNumber(tid))
		{
			buf = so->rowbuf;	/* pinned by prefetch_row */
			so->rowbuf = InvalidBuffer;
		}
		else
			buf = RuIvfReadHeapBufferRecent(heap, so->st, ItemPointerGetBlockNumber(tid));
		if (next != NULL)
			prefetch_row(scan, next);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		found = heap_hot_search_buffer(&t, heap, buf, scan->xs_snapshot, &tup, NULL, true);
		if (found && dist != NULL)
		{
			bool		isnull;
			Datum		d = heap_getattr(&tup, so->heapattno, RelationGetDescr(heap), &isnull);

			if (isnull)
				found = false;
			else if (!VARATT_IS_EXTENDED(DatumGetPointer(d)))
				*dist = input_distance(so, d);
			else
			{
				Size		len = VARSIZE_ANY(DatumGetPointer(d));

				raw = palloc(len);
				memcpy(raw, DatumGetPointer(d), len);
			}
		}
		UnlockReleaseBuffer(buf);
	}
	if (raw != NULL)
	{
		if (so->input == RUIVF_INPUT_FLOAT4)
		{
			RuVector   *v = DatumGetRuVector(PointerGetDatum(raw));

			if (v->dim != so->dim)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("expected %d dimensions, not %d", so->dim, v->dim)));
			*dist = exact_distance(so, v->x);
			if ((Pointer) v != (Pointer) raw)
				pfree(v);
		}
		else					/* the detoasted copy is freed */
			*dist = input_distance(so, PointerGetDatum(raw));
		pfree(raw);
	}
	return found;
}

/*
 * A lower bound of a candidate's exact distance, from its estimate (in
 * c->dist) and its lane's coding error e = |x - x'|.  The estimate is the
 * distance to the decoded x' (squared for L2 and L1) up to the query
 * operand's rounding (dot_err, twice over for L2's -2 q.x') and float
 * rounding (slack); the exact distance differs from the distance to x' by
 * at most e (L2, triangle inequality) or |q| e (inner product and cosine,
 * Cauchy-Schwarz).  For L1 the L2 bound serves, as |q - x|_1 >= |q - x|_2:
 * exact, though loose by up to sqrt(dim), so that an L1 scan re-ranks more
 * of the lists it reads.
 */
static inline float
lower_bound(RuIvfScanOpaque so, const RuIvfCandidate *c)
{
	double		est = c->dist;
	double		slack = 1e-5 * (fabs(est) + 3.0 * so->bound_qconst);
	double		lb;

	if (!isfinite(est))
		return -INFINITY;		/* no bound: re-rank it before anything is returned */

	switch (so->metric)
	{
		case RUIVF_METRIC_L2:
		case RUIVF_METRIC_L1:
			lb = sqrt(Max(0.0, est - 2.0 * so->bound_dot_err - slack)) - c->err;
			break;
		case RUIVF_METRIC_IP:
			lb = est - so->bound_dot_err - slack - so->qnorm * c->err;
			break;
		case RUIVF_METRIC_COSINE:
		default:
			lb = 1.0 + est - so->bound_dot_err - slack - so->qnorm * c->err;
			break;
	}
	return (float) (lb - 1e-5 * fabs(lb));
}

/* a precedes b in the ready heap: nearer, NaN last (as ORDER BY sorts it) */
static inline bool
ready_before(const RuIvfRow *a, const RuIvfRow *b)
{
	if (isnan(a->dist) || isnan(b->dist))
		return !isnan(a->dist) && isnan(b->dist);
	return a->dist < b->dist;
}

/* Add a re-ranked row to the ready heap. */
static void
ready_push(RuIvfScanOpaque so, const RuIvfRow *r)
{
	int			i = so->nready++;

	while (i > 0 && ready_before(r, &so->ready[(i - 1) / 2]))
	{
		so->ready[i] = so->ready[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	so->ready[i] = *r;
}

/* Take the nearest re-ranked row off the ready heap. */
static RuIvfRow
ready_pop(RuIvfScanOpaque so)
{
	RuIvfRow	top = so->ready[0];
	RuIvfRow	last = so->ready[--so->nready];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= so->nready)
			break;
		if (child + 1 < so->nready && ready_before(&so->ready[child + 1], &so->ready[child]))
			child++;
		if (!ready_before(&so->ready[child], &last))
			break;
		so->ready[i] = so->ready[child];
		i = child;
	}
	if (so->nready > 0)
		so->ready[i] = last;
	return top;
}

/*
 * Open the next window of candidates: the nearest `window` estimates (all
 * of them for an index without centroids), ordered by their lower bounds.
 * The re-ranked rows not yet returned stay in the ready heap: they compete
 * with the new window's.  The candidates left after the window get one
 * loose lower bound for rest_bound (-Inf when none can be computed).
 * False when none are left.
 */
static bool
open_window(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	int			n = so->rerank_all ? so->ncand - so->nextcand
		: Min(so->window, so->ncand - so->nextcand);
	float		win_max_est = -INFINITY;

	if (n <= 0)
		return false;

	/*
	 * Windows are chosen from a chunk of the pool's smallest keys, itself
	 * chosen once for about RUIVF_CHUNK_WINDOWS windows, so that a large
	 * pool is passed over once for them, not once each (a LIMIT 10 query
	 * with binary codes opens five or six).  The first window of a pool
	 * under RUIVF_CHUNK_FIRST_MIN candidates is chosen from all of it: one
	 * window is often all a query needs there (fashion-mnist, 784
	 * dimensions), and a chunk would cost it a pass for nothing.
	 */
	if (!so->rerank_all)
	{
		int			hi = so->ncand;

		if (so->windows == 0 && so->ncand - so->nextcand < RUIVF_CHUNK_FIRST_MIN)
		{
			so->chunkend = 0;	/* no chunk: the rest is all after the window */
			so->outer_known = false;
		}
		else
		{
			if (so->chunkend < so->nextcand + n)
			{
				int			left = so->ncand - so->nextcand;
				int			m = (int) Min((int64) left,
										  Max((int64) n * RUIVF_CHUNK_WINDOWS, RUIVF_CHUNK_MIN));

				/* a pool less than RUIVF_CHUNK_SHARE chunks is its own chunk */
				if ((int64) m * RUIVF_CHUNK_SHARE > left)
					m = left;
				so->chunkend = select_chunk(so->cand, so->nextcand, so->ncand, m);
				so->outer_known = false;
			}
			hi = so->chunkend;
		}
		select_smallest(so->cand, so->nextcand, hi, n);
		so->windows++;
	}
	for (int i = so->nextcand; i < so->nextcand + n; i++)
	{
		win_max_est = Max(win_max_est, select_key(so->cand[i].dist));
		if (!so->pool_bounds)
			so->cand[i].dist = lower_bound(so, &so->cand[i]);
	}
	/* ordered as the re-rank takes them (window_next), not all at once */
	window_heapify(so->cand, so->nextcand, so->nextcand + n);
	window_take_least(so->cand, so->nextcand, so->nextcand + n);
	so->winend = so->nextcand + n;
	if (so->nready + n > so->readycap)
	{
		so->readycap = so->nready + n;
		if (so->ready == NULL)
			so->ready = palloc_extended(sizeof(RuIvfRow) * so->readycap, MCXT_ALLOC_HUGE);
		else
			so->ready = repalloc_huge(so->ready, sizeof(RuIvfRow) * so->readycap);
	}
	so->window = Min(so->window, RUIVF_MAX_WINDOW / 2) * 2;

	/*
	 * The candidates after the window: the selection left only estimates
	 * at least the window's largest there, and none has a larger coding
	 * error than the round's largest, so that pair bounds them all
	 * (rest_bound); a round with an estimate that is not finite has no
	 * such bound.
	 */
	so->rest_exact = true;
	if (so->winend == so->ncand)
		so->rest_lb = INFINITY;
	else if (so->pool_bounds)
		so->rest_lb = win_max_est;	/* the selection left only bounds >= it */
	else if (so->round_unbounded || !isfinite(win_max_est))
		so->rest_lb = -INFINITY;
	else
	{
		RuIvfCandidate c;

		c.dist = win_max_est;
		c.err = so->round_max_err;
		so->rest_lb = lower_bound(so, &c);
		so->rest_exact = false;
	}
	return true;
}

/*
 * The least estimate from which lower_bound, with a coding error up to the
 * round's largest, is at least `least` (+Inf when `least` is +Inf):
 * lower_bound solved for the estimate (q below is its dot_err + 3e-5
 * bound_qconst, L2 subtracting dot_err once more), its slack taken at the
 * estimate's sign, and a margin of 1e-9 for double rounding.  Not for a
 * round with an estimate that is not finite (lower_bound then returns -Inf
 * for it).
 */
static double
estimate_at_least(RuIvfScanOpaque so, float least)
{
	double		q = so->bound_dot_err + 3e-5 * so->bound_qconst;
	double		x;
	double		t;

	if (!isfinite(least))
		return least;
	/* lower_bound's last step, lb - 1e-5 |lb|, grows with lb: undo it */
	x = (double) least >= 0.0 ? (double) least / (1.0 - 1e-5) : (double) least / (1.0 + 1e-5);
	switch (so->metric)
	{
		case RUIVF_METRIC_L2:
		case RUIVF_METRIC_L1:
			/* sqrt(max(0, est - 1e-5 |est| - dot_err - q)) - err >= x */
			x += so->round_max_err;
			if (x <= 0.0)
				return -INFINITY;	/* every estimate's bound is at least `least` */
			x = x * x + q + so->bound_dot_err;
			break;
		case RUIVF_METRIC_IP:
			/* est - 1e-5 |est| - q - |q| err >= x */
			x += q + (double) so->qnorm * so->round_max_err;
			break;
		case RUIVF_METRIC_COSINE:
		default:
			x += q + (double) so->qnorm * so->round_max_err - 1.0;
			break;
	}
	/* est - 1e-5 |est| >= x */
	t = x >= 0.0 ? x / (1.0 - 1e-5) : x / (1.0 + 1e-5);
	return t + 1e-9 * fabs(t) + 1e-30;
}

/*
 * The least lower bound (lower_bound) of the candidates cand[from, to),
 * +Inf if none: a pass over a pool that can hold tens of thousands.  When
 * every estimate of the round is finite, a candidate whose estimate is at
 * least estimate_at_least(the least so far) cannot lower it and is passed
 * over with one comparison; the result is the same as computing them all.
 */
static float
least_lower_bound(RuIvfScanOpaque so, int from, int to)
{
	const RuIvfCandidate *cand = so->cand;
	float		least = INFINITY;
	double		skip = INFINITY;

	if (so->round_unbounded)
	{
		for (int i = from; i < to; i++)
			least = Min(least, lower_bound(so, &cand[i]));
		return least;
	}
	for (int i = from; i < to; i++)
	{
		float		lb;

		if ((double) cand[i].dist >= skip)
			continue;
		lb = lower_bound(so, &cand[i]);
		if (lb < least)
		{
			least = lb;
			skip = estimate_at_least(so, least);
		}
	}
#ifdef RUIVF_SELF_CHECK
	{
		/* the sanitizer build (Makefile): every bound, as before the skip */
		float		all = INFINITY;

		for (int i = from; i < to; i++)
			all = Min(all, lower_bound(so, &cand[i]));
		if (!(all == least || (isnan(all) && isnan(least))))
			elog(ERROR, "ruivf least_lower_bound: %.9g, every bound's least %.9g",
				 least, all);
	}
#endif
	return least;
}

/*
 * Whether no candidate after the current window can be nearer than d: its
 * lower bound is at least d.  lower_bound grows with the estimate and falls
 * with the coding error, so the least estimate with the largest error
 * bounds them all at once; only when that loose bound is below d are their
 * own bounds computed (once a window), and the least of them kept.
 */
static bool
rest_bound(RuIvfScanOpaque so, double d)
{
	if (d <= so->rest_lb)
		return true;
	if (so->rest_exact)
		return false;
	Assert(!so->pool_bounds);	/* its bound is exact (open_window) */
	/* the rest of the chunk, then once a chunk what lies after it */
	so->rest_lb = least_lower_bound(so, so->winend, Max(so->chunkend, so->winend));
	if (!so->outer_known)
	{
		so->outer_lb = least_lower_bound(so, Max(so->chunkend, so->winend), so->ncand);
		so->outer_known = true;
	}
	so->rest_lb = Min(so->rest_lb, so->outer_lb);
	so->rest_exact = true;
	return d <= so->rest_lb;
}

/*
 * The next row of the lists read in exact order, re-ranking no more
 * candidates than that needs: the nearest re-ranked one is returned as soon
 * as no candidate still to re-rank can be nearer, those of the current
 * window (its exact distance is within the next window candidate's lower
 * bound) and those after it (rest_bound), so a query that stops after k
 * rows usually re-ranks little more than k when the codes are precise.  A
 * candidate whose row is not visible is dropped.  A row with a NaN
 * distance goes last, as ORDER BY sorts it.  False when the window is done
 * and no re-ranked row can be returned before the next window is read (or
 * none is left).
 */
static bool
window_next(IndexScanDesc scan, RuIvfRow *out)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;

	for (;;)
	{
		RuIvfCandidate *c = so->nextcand < so->winend ? &so->cand[so->nextcand] : NULL;
		double		dist;
		RuIvfRow	r;

		if (so->nready > 0)
		{
			double		top = so->ready[0].dist;

			/* the lists read are done: the rest in exact order */
			if (c == NULL && so->winend >= so->ncand)
				break;
			/* ruvector.check_bounds: re-rank the whole window, checking each bound */
			if ((c == NULL || (top <= c->dist && !ruvector_check_bounds)) &&
				rest_bound(so, top))
				break;
		}
		if (c == NULL)
			return false;
		so->nextcand++;
		/* the next least to cand[nextcand]; c, before it, is left alone */
		window_take_least(so->cand, so->nextcand, so->winend);
		CHECK_FOR_INTERRUPTS();
		if (so->vecbuf != NULL)
		{
			if (!index_vector_distance(scan, c->blk, c->lane, &c->tid, &dist))
				continue;
		}
		else if (!table_row_distance(scan, &c->tid, &dist,
									 so->nextcand < so->winend ? &so->cand[so->nextcand].tid : NULL))
			continue;
		if (ruvector_check_bounds && !((float) dist >= c->dist) && !isnan(dist))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("ruivf lower bound %g exceeds the exact distance %g of row (%u,%u) in index \"%s\"",
							c->dist, dist, ItemPointerGetBlockNumber(&c->tid),
							ItemPointerGetOffsetNumber(&c->tid),
							RelationGetRelationName(scan->indexRelation))));
		r.dist = dist;
		r.tid = c->tid;
		ready_push(so, &r);
		so->stats.reranks++;
	}
	if (so->nready == 0)
		return false;
	*out = ready_pop(so);
	return true;
}

/*
 * Read lists order[probed .. end) (a parallel participant: those of them it
 * claims) and append their codes' candidates to the pool (cand[ncand ...]);
 * returns how many were appended.
 */
static int
read_lists(IndexScanDesc scan, int end)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	int			first = so->probed;
	int			before = so->ncand;

	order_lists(so, end);
	if (so->parallel)
	{
		int			rank;

		/* one list at a time, each the next rank nobody has read */
		while ((rank = parallel_claim(scan, end)) >= 0)
		{
			BlockNumber head = read_list_head(scan, so->order[rank]);

			scan_list(scan, so->order[rank], head, InvalidBlockNumber);
			so->claimed++;
		}
		so->probed = end;
	}
	else
	{
		BlockNumber *heads = palloc(sizeof(BlockNumber) * (end - first));

		for (int i = first; i < end; i++)
			heads[i - first] = read_list_head(scan, so->order[i]);
		for (; so->probed < end; so->probed++)
		{
			if (so->probed + 1 < end)
				prefetch_list_centroid(so, so->order[so->probed + 1]);
			scan_list(scan, so->order[so->probed], heads[so->probed - first],
					  so->probed + 1 < end ? heads[so->probed + 1 - first] : InvalidBlockNumber);
		}
		pfree(heads);
	}
	Assert(!BufferIsValid(so->ahead));
	so->scanned += so->ncand - before;
	pgstat_count_index_tuples(scan->indexRelation, so->ncand - before);
	return so->ncand - before;
}

/*
 * May the scan read more lists: some are left under max_probes, and
 * max_scan_tuples, if set, is not spent (the first lists are always read).
 */
static bool
may_read_more(RuIvfScanOpaque so)
{
	if (so->probed >= so->max_probes)
		return false;
	/* a parallel participant that claimed nothing in its first round */
	if (so->parallel && so->probed > 0 && so->claimed == 0)
		return false;
	return so->probed == 0 || so->set.max_scan_tuples <= 0 ||
		so->scanned < so->set.max_scan_tuples;
}

/*
 * The candidates left in the pool become ordered by lower bound: those
 * after the current window from their estimates, those of the window
 * already are (open_window); the window is closed, so that the next one
 * is chosen among all of them.
 */
static void
pool_to_bounds(RuIvfScanOpaque so)
{
	int			n = 0;

	for (int i = so->nextcand; i < so->ncand; i++)
	{
		RuIvfCandidate c = so->cand[i];

		if (i >= so->winend && !so->pool_bounds)
			c.dist = lower_bound(so, &c);
		so->cand[n++] = c;
	}
	so->ncand = n;
	so->nextcand = 0;
	so->winend = 0;
	so->chunkend = 0;
	so->windows = 0;
	so->outer_known = false;
	so->pool_bounds = true;
	/* nothing is known of the merged pool until open_window chooses from it */
	so->rest_lb = -INFINITY;
	so->rest_exact = true;
}

/* Read the next `probes` lists (up to max_probes); false when none are left. */
static bool
probe_more(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;

	if (!may_read_more(so))
		return false;
	so->ncand = 0;
	so->nextcand = 0;
	so->winend = 0;
	so->chunkend = 0;
	so->windows = 0;
	so->outer_known = false;
	so->pool_bounds = false;
	so->round_max_err = 0.0f;
	so->round_unbounded = false;
	so->window = 10 * so->set.rerank_factor;	/* new lists, first window again */
	read_lists(scan, Min(so->probed + so->set.probes, so->max_probes));
	return true;
}

/*
 * Go deeper before returning more rows (see "Depth" above): read as many
 * lists again as have been read, merging their candidates into the pool
 * of those not yet re-ranked, so that the rows still to return come out in
 * exact order over all the lists read since the last probe_more.
 */
static void
deepen(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	int			end;
	int			from;

	so->deepen_at *= 4;	/* twice the lists for 4x the rows */
	if (!may_read_more(so))
		return;
	end = Min(so->probed * 2, so->max_probes);
	pool_to_bounds(so);
	from = so->ncand;
	read_lists(scan, end);
	for (int i = from; i < so->ncand; i++)
		so->cand[i].dist = lower_bound(so, &so->cand[i]);
}

/*
 * The next row of a scan whose query is NULL: ORDER BY then sorts nothing
 * (every distance is NULL), and the plan without the index returns every
 * row, so this one returns every row of the index once, list by list, with
 * a NULL distance.  The executor's heap fetch checks visibility.  A block's
 * TIDs are copied under its share lock, as scan_list does.
 */
static bool
null_next(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	Relation	index = scan->indexRelation;

	while (so->null_pos >= so->null_ntids)
	{
		Buffer		buf;
		Page		page;
		RuIvfPageOpaque opaque;
		int			nlanes;

		CHECK_FOR_INTERRUPTS();
		if (so->st == NULL)
		{
			so->st = RuIvfGetState(index);
			so->nlists = Max(so->st->meta.lists, 1);
			so->null_tids = MemoryContextAlloc(so->cxt, sizeof(ItemPointerData) * so->st->meta.lanes);
			parallel_join(scan, so->st->meta.generation);
		}
		if (so->null_blk == InvalidBlockNumber)
		{
			/* the next list; in a parallel scan, the next nobody read */
			if (scan->parallel_scan != NULL)
				so->null_list = parallel_claim(scan, so->nlists);
			else
				so->null_list++;
			if (so->null_list < 0 || so->null_list >= so->nlists)
				return false;
			so->null_visited = 0;
			so->null_blk = read_list_head(scan, so->null_list);
			continue;
		}
		check_chain_step(index, so->st, so->null_list, so->null_blk,
						 so->st->meta.pages_per_block, &so->null_visited);
		buf = RuIvfReadBufferRecent(index, so->st, so->null_blk);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		RuIvfCheckPage(index, &so->st->meta, page, so->null_blk, RUIVF_PAGE_DATA);
		opaque = RuIvfPageGetOpaque(page);
		nlanes = opaque->nlanes;
		so->null_ntids = 0;
		so->null_pos = 0;
		for (int l = 0; l < nlanes; l++)
		{
			ItemPointerData t = RuIvfPageTids(page, &so->st->meta)[l];

			if (ItemPointerIsValid(&t))
				so->null_tids[so->null_ntids++] = t;
		}
		so->null_blk = opaque->next;
		UnlockReleaseBuffer(buf);
	}
	scan->xs_heaptid = so->null_tids[so->null_pos++];
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = (Datum) 0;
	scan->xs_orderbynulls[0] = true;
	so->stats.rows++;
	return true;
}

/* Append a row to a growing array of rows. */
static void
push_row(RuIvfRow **rows, int *n, int *cap, const RuIvfRow *r)
{
	if (*n == *cap)
	{
		*cap = Max(16, *cap * 2);
		*rows = *rows == NULL ? palloc(sizeof(RuIvfRow) * *cap) :
			repalloc_huge(*rows, sizeof(RuIvfRow) * *cap);
	}
	(*rows)[(*n)++] = *r;
}

/* qsort comparator of rows: nearer first */
static int
cmp_row(const void *a, const void *b)
{
	double		x = ((const RuIvfRow *) a)->dist;
	double		y = ((const RuIvfRow *) b)->dist;

	return (x > y) - (x < y);
}

/* The next row of the scan (amgettuple without the timing). */
static bool
next_tuple(IndexScanDesc scan, ScanDirection dir)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	MemoryContext old;
	RuIvfRow	row;

	if (so->noresults)
		return false;
	if (!ScanDirectionIsForward(dir))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ruivf index scans go forward only")));
	if (so->nullquery)
		return null_next(scan);

	old = MemoryContextSwitchTo(so->cxt);
	if (!so->started)
	{
		pgstat_count_index_scan(scan->indexRelation);
		RvStatsBegin(&so->stats);
		start_scan(scan);
	}
	for (;;)
	{
		/*
		 * A parallel participant goes deeper the first time by its own rows
		 * (so that a LIMIT of up to 10 never does: Gather Merge waits for
		 * each participant's next row, and a worker is asked for at most
		 * the LIMIT), then by the rows all of them returned.
		 */
		if (so->deepen_at > 0 && so->probed > 0 &&
			(so->parallel && so->deepen_at > RUIVF_DEPTH_ROWS ?
			 (int64) pg_atomic_read_u64(&parallel_state(scan)->returned) :
			 so->nreturned) >= so->deepen_at)
			deepen(scan);
		if (!window_next(scan, &row))
		{
			if (open_window(scan) || probe_more(scan))
				continue;
			/* then the rows kept for the end, nearest first */
			if (so->latepos < so->nlate)
			{
				if (!so->latesorted)
				{
					qsort(so->late, so->nlate, sizeof(RuIvfRow), cmp_row);
					so->latesorted = true;
				}
				row = so->late[so->latepos++];
				break;
			}
			/* the rows with a NaN distance go last, as ORDER BY sorts them */
			if (so->nanpos < so->nnan)
			{
				row = so->nanrows[so->nanpos++];
				break;
			}
			MemoryContextSwitchTo(old);
			return false;
		}
		if (isnan(row.dist))
		{
			/* a zero vector's cosine distance: after every other row */
			push_row(&so->nanrows, &so->nnan, &so->nancap, &row);
			continue;
		}
		/*
		 * A row nearer than one already returned (one that the lists read
		 * before missed): strict order skips it; relaxed order keeps it for
		 * the end, so that the rows come out in exact order and none is
		 * lost when the query reads every row.
		 */
		if (so->returned && row.dist < so->lastdist)
		{
			if (!so->strict)
				push_row(&so->late, &so->nlate, &so->latecap, &row);
			continue;
		}

		/*
		 * With rerank = index nothing has checked the row's visibility yet;
		 * it must be seen before its distance becomes the bar for the next
		 * rows (an invisible row, which the executor would drop, must not
		 * hold visible ones back), and before it counts towards the depth,
		 * so that both representations go as deep for the same rows.
		 */
		if (so->vecbuf != NULL && !table_row_distance(scan, &row.tid, NULL, NULL))
			continue;
		break;
	}
	MemoryContextSwitchTo(old);
	so->nreturned++;
	if (so->parallel)
		pg_atomic_fetch_add_u64(&parallel_state(scan)->returned, 1);
	so->lastdist = row.dist;
	so->returned = true;

	scan->xs_heaptid = row.tid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	scan->xs_orderbyvals[0] = Float8GetDatum(row.dist);
	scan->xs_orderbynulls[0] = false;
	so->stats.rows++;
	return true;
}

/* amgettuple: next_tuple, its time added to the query's (ruvector_stats) */
bool
ruivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;
	instr_time	t0,
				t1;
	bool		found;

	if (!ruvector_track_stats)
		return next_tuple(scan, dir);
	INSTR_TIME_SET_CURRENT(t0);
	found = next_tuple(scan, dir);
	if (so->stats.active)
	{
		INSTR_TIME_SET_CURRENT(t1);
		INSTR_TIME_SUBTRACT(t1, t0);
		INSTR_TIME_ADD(so->stats.busy, t1);
	}
	return found;
}

/* amendscan */
void
ruivfendscan(IndexScanDesc scan)
{
	RuIvfScanOpaque so = (RuIvfScanOpaque) scan->opaque;

	end_query(scan);
	MemoryContextDelete(so->cxt);
	pfree(so);
	scan->opaque = NULL;
}
