/*-------------------------------------------------------------------------
 *
 * ivflearn.c
 *	  Learn how many lists a ruivf scan must read for a recall target.
 *
 * A scan reads its query's nearest lists and finds, within them, the exact
 * nearest rows (the re-rank is exact).  So its recall@10 at `probes` lists
 * is the share of the query's true 10 nearest rows whose list is among the
 * `probes` nearest lists: it depends on the data and on the lists, not on
 * the codes.  A build measures it once, after the lists are written, with
 * sampled rows of the table as queries:
 *
 *	1. Queries: up to RUIVF_LEARN_QUERIES rows of the build's sample, fewer
 *	   on a large table (RUIVF_LEARN_BUDGET distance terms in all), held
 *	   out of the k-means: a row the centroids were trained on finds its
 *	   neighbours in fewer lists than a new query does (on fashion-mnist,
 *	   cosine, lists 1000: 5 lists for 0.95 learned from trained rows, where
 *	   test images got 0.927).
 *	2. Their true 10 nearest rows: one more pass over the rows (the build's
 *	   own row source), the distance from every row to every query (the
 *	   dot products from the dot_multi kernel, as k-means computes them),
 *	   the query's own row left out once (leave-one-out: a held-out query
 *	   has no copy of itself in the table).
 *	3. Each neighbour's list: its nearest centroid, by the function that
 *	   assigned it (RuIvfAssignNearest); each query's list order: its
 *	   distances to the centroids, as the scan orders them (squared L2, or
 *	   the negative inner product for inner product and cosine).
 *	4. The rank r of each neighbour's list in its query's order; a scan of
 *	   p lists finds it when r < p.  Sorting all ranks gives, for each
 *	   recall target t of a fixed grid (RuIvfRecallPoints), the fewest lists
 *	   that find a share t of the neighbours, plus a standard error for the
 *	   sample's size: meta->learned_probes.
 *
 * ruvector.target_recall then chooses a scan's probes from that table
 * (RuIvfGetScanSettings) unless ruvector.probes is set.  The figure is an
 * estimate from 320 to 1,000 neighbours (fewer on large tables, so that
 * the top targets rest on few of them), on the table's own distribution:
 * a workload whose queries are unlike the rows sees a different recall,
 * and so does a table that has changed much since the last training (a
 * new training learns again).  The scan orders lists by its SQ8 estimate
 * of the centroid distance, the learning by the exact one: close enough,
 * not the same.  The cost is one pass over the rows and about
 * RUIVF_LEARN_BUDGET multiply-adds, more on tables so large that the
 * minimum of queries exceeds it (fashion-mnist, 60,000 x 784: 0.7 s of a
 * 4.6 s build).
 *
 * src/ivf/ivflearn.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "ivf.h"

#define RUIVF_LEARN_QUERIES	100		/* queries at most */
#define RUIVF_LEARN_MIN_QUERIES 32	/* and at least, table permitting */
#define RUIVF_LEARN_BUDGET	1e10	/* distance terms (rows x queries x dim) */
#define RUIVF_LEARN_K		10		/* recall@10 */

/* the recall targets of meta->learned_probes, ascending */
const float RuIvfRecallPoints[RUIVF_RECALL_POINTS] = {
	0.50f, 0.80f, 0.85f, 0.90f, 0.925f, 0.95f, 0.96f, 0.97f, 0.98f, 0.99f, 0.995f, 1.0f
};

typedef struct LearnState
{
	RuIvfMetric metric;
	RuIvfInput	input;
	int			dim;
	int			nq;
	const float *queries;		/* nq prepared vectors */
	bool	   *skipped;		/* its own row was left out */
	int		   *nnb;			/* neighbours found so far, <= K */
	float	   *nbdist;			/* nq x K: a max-heap of distances each */
	float	   *nbvec;			/* nq x K x dim: their vectors */
	float	   *qchunks;		/* the queries in chunks (RuIvfCentroidChunks) */
	float	   *qnorm;			/* |q|^2 */
	float	   *batch;			/* LEARN_BATCH prepared rows */
	float	   *xnorm;			/* their |x|^2 */
	int			nbatch;
	float	   *dot;			/* LEARN_MULTI x RUIVF_CHUNK products */
	MemoryContext tmpcxt;
} LearnState;

#define LEARN_BATCH		256		/* rows scored together */
#define LEARN_MULTI		16		/* rows per dot_multi call */

/* Put (d, x) into query i's max-heap of its K nearest, if it belongs there. */
static void
heap_offer(LearnState *ls, int i, float d, const float *x)
{
	float	   *dist = ls->nbdist + (Size) i * RUIVF_LEARN_K;
	float	   *vec = ls->nbvec + (Size) i * RUIVF_LEARN_K * ls->dim;
	int			n = ls->nnb[i];
	int			pos;

	if (n < RUIVF_LEARN_K)
	{
		/* sift up from the end */
		pos = n;
		ls->nnb[i] = n + 1;
		while (pos > 0 && dist[(pos - 1) / 2] < d)
		{
			int			parent = (pos - 1) / 2;

			dist[pos] = dist[parent];
			memcpy(vec + (Size) pos * ls->dim, vec + (Size) parent * ls->dim, sizeof(float) * ls->dim);
			pos = parent;
		}
	}
	else
	{
		if (!(d < dist[0]))
			return;
		/* replace the largest, sift down */
		pos = 0;
		for (;;)
		{
			int			c = 2 * pos + 1;

			if (c >= n)
				break;
			if (c + 1 < n && dist[c + 1] > dist[c])
				c++;
			if (!(dist[c] > d))
				break;
			dist[pos] = dist[c];
			memcpy(vec + (Size) pos * ls->dim, vec + (Size) c * ls->dim, sizeof(float) * ls->dim);
			pos = c;
		}
	}
	dist[pos] = d;
	memcpy(vec + (Size) pos * ls->dim, x, sizeof(float) * ls->dim);
}

/*
 * Score the batched rows against every query and offer each to the query's
 * heap.  L2 (and cosine, on unit vectors) as |x|^2 + |q|^2 - 2 x.q and
 * inner product as -x.q, the dot products from the dot_multi kernel, a
 * chunk of queries at a time; L1 pair by pair.  A query's own row (the
 * same prepared vector) is left out once, when it would enter the heap.
 */
static void
learn_batch(LearnState *ls)
{
	int			dim = ls->dim;

	CHECK_FOR_INTERRUPTS();
	for (int c0 = 0; c0 < ls->nq; c0 += RUIVF_CHUNK)
	{
		int			w = Min(RUIVF_CHUNK, ls->nq - c0);
		const float *chunk = ls->qchunks + (Size) c0 * dim;

		for (int i0 = 0; i0 < ls->nbatch; i0 += LEARN_MULTI)
		{
			int			m = Min(LEARN_MULTI, ls->nbatch - i0);

			if (ls->metric != RUIVF_METRIC_L1)
				rv_kernels.dot_multi(ls->batch + (Size) i0 * dim, m, chunk, dim, w, ls->dot);
			for (int j = 0; j < m; j++)
			{
				const float *x = ls->batch + (Size) (i0 + j) * dim;

				for (int c = 0; c < w; c++)
				{
					int			i = c0 + c;
					const float *q = ls->queries + (Size) i * dim;
					float		d;

					switch (ls->metric)
					{
						case RUIVF_METRIC_IP:
							d = -ls->dot[j * w + c];
							break;
						case RUIVF_METRIC_L1:
							d = rv_kernels.l1(q, x, dim);
							break;
						default:
							d = ls->xnorm[i0 + j] + ls->qnorm[i] - 2.0f * ls->dot[j * w + c];
							break;
					}
					if (!isfinite(d) ||
						(ls->nnb[i] == RUIVF_LEARN_K && !(d < ls->nbdist[(Size) i * RUIVF_LEARN_K])))
						continue;
					if (!ls->skipped[i] && memcmp(q, x, sizeof(float) * dim) == 0)
					{
						ls->skipped[i] = true;
						continue;
					}
					heap_offer(ls, i, d, x);
				}
			}
		}
	}
	ls->nbatch = 0;
}

/* Row callback: batch the prepared row. */
static void
learn_callback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	LearnState *ls = (LearnState *) state;
	MemoryContext old;
	const float *x;
	float	   *row;

	(void) index;
	(void) tid;
	(void) tupleIsAlive;
	if (isnull[0])
		return;
	old = MemoryContextSwitchTo(ls->tmpcxt);
	x = RuIvfInputFloats(ls->input, values[0], ls->dim, NULL);
	row = ls->batch + (Size) ls->nbatch * ls->dim;
	RuIvfPrepareVector(ls->metric, x, ls->dim, row);
	ls->xnorm[ls->nbatch] = rv_kernels.dot(row, row, ls->dim);
	/* a zero vector's cosine distance is NaN: never a neighbour */
	if (!(ls->metric == RUIVF_METRIC_COSINE && ls->xnorm[ls->nbatch] == 0.0f))
		ls->nbatch++;
	MemoryContextSwitchTo(old);
	MemoryContextReset(ls->tmpcxt);
	if (ls->nbatch == LEARN_BATCH)
		learn_batch(ls);
}

/* qsort comparator for ints, ascending */
static int
cmp_int(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/*
 * Queries a build of `rows` rows of `dim` dimensions learns from, out of
 * `nsample` sampled rows.
 */
int
RuIvfLearnQueries(double rows, int dim, int nsample)
{
	double		nq = RUIVF_LEARN_BUDGET / (Max(rows, 1.0) * Max(dim, 1));

	nq = Max(Min(nq, RUIVF_LEARN_QUERIES), RUIVF_LEARN_MIN_QUERIES);
	return (int) Min(nq, (double) nsample);
}

/*
 * Learn meta->learned_probes from nq prepared query vectors (see the top
 * of this file): source gives every row of the index's table once, or,
 * source NULL, the rows are the nrows prepared vectors at rows (a split
 * learns from the rows of the lists it split, ivftrain.c); chunks
 * (RuIvfCentroidChunks) are the lists' centroids.
 * Leaves meta unlearned (learned_queries 0) when there is nothing to learn
 * from: no lists, or no query with a neighbour.
 */
void
RuIvfLearnDepth(Relation heap, Relation index, IndexInfo *indexInfo,
				RuIvfRowSource source, void *source_arg,
				const float *rows, int nrows,
				const float *queries, int nq, const float *chunks,
				RuIvfMetaData *meta)
{
	LearnState	ls;
	int			dim = meta->dim;
	int			lists = meta->lists;
	int			total = 0;
	int			nranks = 0;
	int		   *ranks;
	float	   *nbvecs;
	int		   *assign;
	float	   *best;
	float	   *score;

	meta->learned_queries = 0;
	memset(meta->learned_probes, 0, sizeof(meta->learned_probes));
	meta->trained_residual = 0.0f;
	if (lists < 2 || nq <= 0)
		return;
	if (meta->metric == RUIVF_METRIC_COSINE)
	{
		/* a zero query vector has no neighbours (every cosine distance NaN) */
		int			kept = 0;
		float	   *q = palloc(sizeof(float) * (Size) nq * dim);

		for (int i = 0; i < nq; i++)
			if (rv_kernels.dot(queries + (Size) i * dim, queries + (Size) i * dim, dim) > 0.0f)
				memcpy(q + (Size) kept++ * dim, queries + (Size) i * dim, sizeof(float) * dim);
		queries = q;
		nq = kept;
		if (nq == 0)
			return;
	}

	meta->trained_residual = RuIvfMeanResidual(chunks, lists, dim, queries, nq);

	memset(&ls, 0, sizeof(ls));
	ls.metric = meta->metric;
	ls.input = RuIvfGetInput(index);
	ls.dim = dim;
	ls.nq = nq;
	ls.queries = queries;
	ls.skipped = palloc0(sizeof(bool) * nq);
	ls.nnb = palloc0(sizeof(int) * nq);
	ls.nbdist = palloc(sizeof(float) * nq * RUIVF_LEARN_K);
	ls.nbvec = palloc_extended(sizeof(float) * (Size) nq * RUIVF_LEARN_K * dim, MCXT_ALLOC_HUGE);
	ls.qchunks = palloc_extended(sizeof(float) * (Size) nq * dim, MCXT_ALLOC_HUGE);
	RuIvfCentroidChunks(queries, nq, dim, ls.qchunks);
	ls.qnorm = palloc(sizeof(float) * nq);
	for (int i = 0; i < nq; i++)
		ls.qnorm[i] = rv_kernels.dot(queries + (Size) i * dim, queries + (Size) i * dim, dim);
	ls.batch = palloc_extended(sizeof(float) * (Size) LEARN_BATCH * dim, MCXT_ALLOC_HUGE);
	ls.xnorm = palloc(sizeof(float) * LEARN_BATCH);
	ls.dot = palloc(sizeof(float) * LEARN_MULTI * RUIVF_CHUNK);
	ls.tmpcxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf learn temporary",
									  ALLOCSET_DEFAULT_SIZES);

	if (source != NULL)
		source(heap, index, indexInfo, learn_callback, &ls, source_arg);
	else
		for (int r = 0; r < nrows; r++)
		{
			float	   *row = ls.batch + (Size) ls.nbatch * dim;

			memcpy(row, rows + (Size) r * dim, sizeof(float) * dim);
			ls.xnorm[ls.nbatch] = rv_kernels.dot(row, row, dim);
			if (!(ls.metric == RUIVF_METRIC_COSINE && ls.xnorm[ls.nbatch] == 0.0f))
				ls.nbatch++;
			if (ls.nbatch == LEARN_BATCH)
				learn_batch(&ls);
		}
	if (ls.nbatch > 0)
		learn_batch(&ls);
	MemoryContextDelete(ls.tmpcxt);

	/* every neighbour's list, as the build assigned it */
	for (int i = 0; i < nq; i++)
		total += ls.nnb[i];
	if (total == 0)
		return;
	nbvecs = palloc_extended(sizeof(float) * (Size) total * dim, MCXT_ALLOC_HUGE);
	{
		int			n = 0;

		for (int i = 0; i < nq; i++)
			for (int j = 0; j < ls.nnb[i]; j++)
				memcpy(nbvecs + (Size) n++ * dim,
					   ls.nbvec + ((Size) i * RUIVF_LEARN_K + j) * dim, sizeof(float) * dim);
	}
	assign = palloc(sizeof(int) * total);
	best = palloc(sizeof(float) * total);
	RuIvfAssignNearest(chunks, lists, dim, nbvecs, total, assign, best);

	/* each neighbour's list's rank in its query's probe order */
	ranks = palloc(sizeof(int) * total);
	score = palloc(sizeof(float) * lists);
	{
		int			n = 0;
		float	   *csq = NULL;	/* |c|^2 of each list: a row_norm index */

		if (meta->metric == RUIVF_METRIC_IP && meta->row_norm > 0.0f)
		{
			csq = palloc(sizeof(float) * lists);
			for (int c0 = 0; c0 < lists; c0 += RUIVF_CHUNK)
				RuIvfChunkSqNorms(chunks + (Size) c0 * dim, Min(RUIVF_CHUNK, lists - c0), dim,
								  csq + c0);
		}

		for (int i = 0; i < nq; i++)
		{
			const float *q = queries + (Size) i * dim;
			float		qn = sqrtf(ls.qnorm[i]);	/* |q|, for a row_norm index's order */

			if (ls.nnb[i] == 0)
				continue;
			CHECK_FOR_INTERRUPTS();
			/* the chunks the assignment used, one batch kernel call each */
			for (int c0 = 0; c0 < lists; c0 += RUIVF_CHUNK)
			{
				int			w = Min(RUIVF_CHUNK, lists - c0);
				const float *chunk = chunks + (Size) c0 * dim;

				if (RuIvfMetricIsL2Like(ls.metric))
					rv_kernels.l2sq_batch(q, chunk, dim, w, score + c0);
				else
				{
					/* the scan's order (ivfscan.c order_centroids) */
					rv_kernels.dot_batch(q, chunk, dim, w, score + c0);
					for (int c = c0; c < c0 + w; c++)
						score[c] = csq ? RuIvfListKeyIP(csq[c], -score[c], meta->row_norm, qn)
							: -score[c];
				}
			}
			for (int j = 0; j < ls.nnb[i]; j++)
			{
				int			own = assign[n++];
				float		s = score[own];
				int			r = 0;

				/* lists that tie with its own may come first: counted */
				for (int c = 0; c < lists; c++)
					r += score[c] < s || (score[c] == s && c != own);
				ranks[nranks++] = r;
			}
		}
		if (csq)
			pfree(csq);
	}
	qsort(ranks, nranks, sizeof(int), cmp_int);
	/*
	 * A target's depth finds its share of the neighbours plus one standard
	 * error of that share, sqrt(t (1 - t) / m), m half the neighbours (a
	 * query's neighbours share lists, so they count for less than as many
	 * independent ones): a sample of ~1,000 neighbours otherwise lands
	 * below the target about half the time (1M x 128: 0.941 for 0.95).
	 */
	for (int p = 0; p < RUIVF_RECALL_POINTS; p++)
	{
		double		t = RuIvfRecallPoints[p];
		double		share = Min(1.0, t + sqrt(t * (1.0 - t) / Max(nranks / 2.0, 1.0)));
		int			idx = (int) ceil(share * nranks - 1e-9) - 1;

		idx = Min(Max(idx, 0), nranks - 1);
		meta->learned_probes[p] = Min(ranks[idx] + 1, lists);
	}
	meta->learned_queries = nq;
	elog(DEBUG1, "ruivf learned from %d queries (%d neighbours): probes %d for recall 0.90, %d for 0.95, %d for 0.99",
		 nq, nranks, meta->learned_probes[3], meta->learned_probes[5], meta->learned_probes[9]);
}

/*
 * The probes that reach recall@10 `target` by the learned table: those of
 * the smallest grid point at or above it; 0 when the index has learned
 * nothing or target is 0.
 */
int
RuIvfProbesForRecall(const RuIvfMetaData *meta, double target)
{
	if (meta->learned_queries <= 0 || target <= 0.0)
		return 0;
	for (int p = 0; p < RUIVF_RECALL_POINTS; p++)
		if (RuIvfRecallPoints[p] >= target - 1e-6)
			return Max(meta->learned_probes[p], 1);
	return Max(meta->learned_probes[RUIVF_RECALL_POINTS - 1], 1);
}

PG_FUNCTION_INFO_V1(ruvector_index_depth);

/*
 * ruvector_index_depth(index): one row per recall target of the learned
 * table (recall, probes, queries learned from); no rows when the index
 * learned nothing (built empty or by a version before 6).
 */
Datum
ruvector_index_depth(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	index;
	RuIvfMetaData meta;

	InitMaterializedSRF(fcinfo, 0);
	index = RuIvfOpenForInfo(PG_GETARG_OID(0), "ruvector_index_depth");
	RuIvfReadMeta(index, &meta);
	index_close(index, AccessShareLock);
	if (meta.learned_queries <= 0)
		PG_RETURN_VOID();
	for (int p = 0; p < RUIVF_RECALL_POINTS; p++)
	{
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = Float4GetDatum(RuIvfRecallPoints[p]);
		values[1] = Int32GetDatum(meta.learned_probes[p]);
		values[2] = Int32GetDatum(meta.learned_queries);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
