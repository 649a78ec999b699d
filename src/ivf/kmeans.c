/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means for ruivf's build: k-means++ seeding, then Lloyd iterations
 *	  whose assignment step scores each point against all centroids with
 *	  one SIMD batch kernel call (centroids held dimension-major).
 *
 * The assignment step holds the centroids in chunks of RUIVF_CHUNK, each a
 * dimension-major SoA block small enough for the L2 cache, and runs every
 * point against one chunk before moving to the next: the centroids are read
 * from memory once per pass instead of once per point.
 *
 * Deterministic: the seeding draws from a PRNG with a fixed seed, so the
 * same sample gives the same index.  With `spherical`, centroids are
 * renormalized to unit length after each update (cosine indexes).  An empty
 * cluster takes the point farthest from its centroid.
 *
 * src/ivf/kmeans.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "ivf.h"

/*
 * Lloyd iterations: 5 gave the recall@10 of 8 within 0.001 (fashion-mnist,
 * 1,000 lists, probes 6 / 10 / 16; 1,000,000 x 128 synthetic, probes 16 / 32
 * / 48) for 3/8 less of k-means' time.
 */
#define KMEANS_ITERATIONS	5
#define RUIVF_MULTI			16	/* points per dot_multi call */
#define KMEANS_SEED_SAMPLE	16	/* k-means++ draws from at most 16 points per centroid */
#define KMEANS_SEED_BATCH	8	/* k-means++ draws per pass over the points */

/*
 * Copy row-major centroids into chunks of RUIVF_CHUNK centroids, each chunk
 * dimension-major (chunk j: centroids [j * RUIVF_CHUNK, ...), width w_j).
 */
void
RuIvfCentroidChunks(const float *centroids, int k, int dim, float *chunks)
{
	for (int c0 = 0; c0 < k; c0 += RUIVF_CHUNK)
	{
		int			w = Min(RUIVF_CHUNK, k - c0);
		float	   *chunk = chunks + (Size) c0 * dim;

		for (int c = 0; c < w; c++)
			for (int d = 0; d < dim; d++)
				chunk[(Size) d * w + c] = centroids[(Size) (c0 + c) * dim + d];
	}
}

/* |c|^2 of each of the w centroids of one chunk (RuIvfCentroidChunks) into out[0 .. w). */
void
RuIvfChunkSqNorms(const float *chunk, int w, int dim, float *out)
{
	for (int c = 0; c < w; c++)
		out[c] = 0.0f;
	for (int d = 0; d < dim; d++)
		for (int c = 0; c < w; c++)
			out[c] += chunk[(Size) d * w + c] * chunk[(Size) d * w + c];
}

/*
 * The mean squared distance from n row-major points to their nearest of k
 * centroids (given as chunks): how far rows lie from the lists they go to.
 */
float
RuIvfMeanResidual(const float *chunks, int k, int dim, const float *x, int n)
{
	int		   *assign;
	float	   *best;
	double		sum = 0;

	if (n <= 0 || k <= 0)
		return 0.0f;
	assign = palloc(sizeof(int) * n);
	best = palloc(sizeof(float) * n);
	RuIvfAssignNearest(chunks, k, dim, x, n, assign, best);
	for (int i = 0; i < n; i++)
		sum += Max(best[i], 0.0f);
	pfree(assign);
	pfree(best);
	return (float) (sum / n);
}

/*
 * For n row-major points, the nearest of k centroids (given as chunks) and
 * its squared distance: every point against one chunk, then the next.
 * |x - c|^2 = |x|^2 + |c|^2 - 2 x.c, so the inner loop is the dot-product
 * batch kernel (2 flops per element instead of 3) plus one |c|^2 per lane.
 */
void
RuIvfAssignNearest(const float *chunks, int k, int dim, const float *x, int n,
				   int *assign, float *best)
{
	float		dot[RUIVF_MULTI * RUIVF_CHUNK];
	float		cnorm[RUIVF_CHUNK];

	for (int i = 0; i < n; i++)
		best[i] = INFINITY;
	for (int c0 = 0; c0 < k; c0 += RUIVF_CHUNK)
	{
		int			w = Min(RUIVF_CHUNK, k - c0);
		const float *chunk = chunks + (Size) c0 * dim;

		CHECK_FOR_INTERRUPTS();
		RuIvfChunkSqNorms(chunk, w, dim, cnorm);
		/* RUIVF_MULTI points at a time: the chunk is read once for them */
		for (int i0 = 0; i0 < n; i0 += RUIVF_MULTI)
		{
			int			m = Min(RUIVF_MULTI, n - i0);

			rv_kernels.dot_multi(x + (Size) i0 * dim, m, chunk, dim, w, dot);
			for (int j = 0; j < m; j++)
			{
				int			i = i0 + j;

				for (int c = 0; c < w; c++)
				{
					float		dd = cnorm[c] - 2.0f * dot[j * w + c];

					if (dd < best[i])
					{
						best[i] = dd;
						assign[i] = c0 + c;
					}
				}
			}
		}
	}
	/* add |x|^2 back, for callers that use the distance itself */
	for (int i = 0; i < n; i++)
		best[i] += rv_kernels.dot(x + (Size) i * dim, x + (Size) i * dim, dim);
}

/* qsort comparator for doubles, ascending */
static int
cmp_double(const void *a, const void *b)
{
	double		da = *(const double *) a;
	double		db = *(const double *) b;

	return (da > db) - (da < db);
}

/*
 * k-means++: each new centroid drawn with probability ~ D(x)^2, D the
 * distance to the nearest centroid so far.  The draws come KMEANS_SEED_BATCH
 * at a time from the same distribution, and one pass over the points then
 * updates D for all of them: the points are read from memory once per batch
 * instead of once per centroid (the sample is larger than the caches; with
 * 1,000 lists this pass was most of the seeding's time).  Two draws of one
 * batch can pick the same point; Lloyd's step then gives the empty cluster
 * the farthest point.
 */
static void
seed_plusplus(const float *x, int n, int dim, int k, float *centroids)
{
	pg_prng_state rng;
	float	   *mind = palloc(sizeof(float) * n);
	float	   *xnorm = palloc(sizeof(float) * n);
	float	   *batch = palloc(sizeof(float) * KMEANS_SEED_BATCH * dim);
	float		bnorm[KMEANS_SEED_BATCH];
	float		dot[RUIVF_MULTI * KMEANS_SEED_BATCH];
	double		targets[KMEANS_SEED_BATCH];
	int			first;
	int			c = 1;

	pg_prng_seed(&rng, 0x5275564946ULL);
	first = (int) pg_prng_uint64_range(&rng, 0, n - 1);
	memcpy(centroids, x + (Size) first * dim, sizeof(float) * dim);
	for (int i = 0; i < n; i++)
	{
		mind[i] = rv_kernels.l2sq(x + (Size) i * dim, centroids, dim);
		xnorm[i] = rv_kernels.dot(x + (Size) i * dim, x + (Size) i * dim, dim);
	}

	while (c < k)
	{
		int			b = Min(KMEANS_SEED_BATCH, k - c);
		double		total = 0.0,
					acc = 0.0;
		int			t = 0;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			total += mind[i];
		if (total > 0.0)
		{
			/* b targets in [0, total), sorted, then one cumulative pass */
			for (int j = 0; j < b; j++)
				targets[j] = pg_prng_double(&rng) * total;
			qsort(targets, b, sizeof(double), cmp_double);
			for (int i = 0; i < n && t < b; i++)
			{
				acc += mind[i];
				while (t < b && acc >= targets[t])
					memcpy(centroids + (Size) (c + t++) * dim, x + (Size) i * dim, sizeof(float) * dim);
			}
		}
		for (; t < b; t++)		/* all points on centroids already, or rounding */
			memcpy(centroids + (Size) (c + t) * dim,
				   x + (Size) pg_prng_uint64_range(&rng, 0, n - 1) * dim, sizeof(float) * dim);

		/*
		 * One pass: each point against the batch's new centroids (in L1),
		 * RUIVF_MULTI points per call of the multi-point kernel, |x - c|^2 =
		 * |x|^2 + |c|^2 - 2 x.c; where that is small against |x|^2 + |c|^2
		 * its rounding could dominate it (data far from the origin), and the
		 * pair kernel computes it again.
		 */
		RuIvfCentroidChunks(centroids + (Size) c * dim, b, dim, batch);
		for (int j = 0; j < b; j++)
			bnorm[j] = rv_kernels.dot(centroids + (Size) (c + j) * dim,
									  centroids + (Size) (c + j) * dim, dim);
		for (int i0 = 0; i0 < n; i0 += RUIVF_MULTI)
		{
			int			m = Min(RUIVF_MULTI, n - i0);

			rv_kernels.dot_multi(x + (Size) i0 * dim, m, batch, dim, b, dot);
			for (int i = i0; i < i0 + m; i++)
				for (int j = 0; j < b; j++)
				{
					float		dd = xnorm[i] + bnorm[j] - 2.0f * dot[(i - i0) * b + j];

					/* cancellation: near points of data far from 0 */
					if (dd < 1e-3f * (xnorm[i] + bnorm[j]))
						dd = rv_kernels.l2sq(x + (Size) i * dim, centroids + (Size) (c + j) * dim, dim);
					if (dd < mind[i])
						mind[i] = dd;
				}
		}
		c += b;
	}
	pfree(mind);
	pfree(xnorm);
	pfree(batch);
}

/*
 * Cluster n points of dim into k centroids (k <= n), written row-major to
 * centroids[k * dim].
 */
void
RuIvfKmeans(const float *x, int n, int dim, int k, float *centroids, bool spherical)
{
	float	   *soa = palloc_extended(sizeof(float) * (Size) k * dim, MCXT_ALLOC_HUGE);
	int		   *assign = palloc(sizeof(int) * n);
	int		   *prev = palloc(sizeof(int) * n);
	float	   *best_dist = palloc(sizeof(float) * n);
	double	   *sums = palloc_extended(sizeof(double) * (Size) k * dim, MCXT_ALLOC_HUGE);
	int		   *counts = palloc(sizeof(int) * k);

	TimestampTz t0 = GetCurrentTimestamp();
	int			iterations = 0;

	Assert(k >= 1 && k <= n);
	/* the sample arrives shuffled (ivfbuild.c), so a prefix is a random subsample */
	seed_plusplus(x, Min(n, Max(k, KMEANS_SEED_SAMPLE * k)), dim, k, centroids);
	elog(DEBUG1, "ruivf k-means: %d centroids seeded (k-means++) in %.3f s",
		 k, (double) (GetCurrentTimestamp() - t0) / 1e6);
	t0 = GetCurrentTimestamp();
	if (spherical)
		for (int c = 0; c < k; c++)
			RuIvfNormalize(centroids + (Size) c * dim, dim);

	for (int it = 0; it < KMEANS_ITERATIONS; it++)
	{
		int			changed = 0;

		CHECK_FOR_INTERRUPTS();
		iterations++;
		RuIvfCentroidChunks(centroids, k, dim, soa);

		/* assignment, chunk by chunk */
		if (it > 0)
			memcpy(prev, assign, sizeof(int) * n);
		RuIvfAssignNearest(soa, k, dim, x, n, assign, best_dist);
		for (int i = 0; i < n; i++)
			if (it == 0 || prev[i] != assign[i])
				changed++;
		if (it > 0 && changed <= n / 500)
			break;				/* fewer than 0.2 % of the points moved */

		/* update */
		memset(sums, 0, sizeof(double) * (Size) k * dim);
		memset(counts, 0, sizeof(int) * k);
		for (int i = 0; i < n; i++)
		{
			double	   *s = sums + (Size) assign[i] * dim;
			const float *xi = x + (Size) i * dim;

			for (int d = 0; d < dim; d++)
				s[d] += xi[d];
			counts[assign[i]]++;
		}
		for (int c = 0; c < k; c++)
		{
			float	   *cen = centroids + (Size) c * dim;

			if (counts[c] == 0)
			{
				/* empty cluster: take the point farthest from its centroid */
				int			far = 0;

				for (int i = 1; i < n; i++)
					if (best_dist[i] > best_dist[far])
						far = i;
				memcpy(cen, x + (Size) far * dim, sizeof(float) * dim);
				best_dist[far] = 0.0f;
			}
			else
				for (int d = 0; d < dim; d++)
					cen[d] = (float) (sums[(Size) c * dim + d] / counts[c]);
			if (spherical)
				RuIvfNormalize(cen, dim);
		}
	}

	elog(DEBUG1, "ruivf k-means: %d Lloyd iterations over %d points in %.3f s",
		 iterations, n, (double) (GetCurrentTimestamp() - t0) / 1e6);
	pfree(soa);
	pfree(prev);
	pfree(assign);
	pfree(best_dist);
	pfree(sums);
	pfree(counts);
}
