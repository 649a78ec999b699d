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

#include "ivf.h"

#define KMEANS_ITERATIONS	8
#define KMEANS_SEED_SAMPLE	16	/* k-means++ draws from at most 16 points per centroid */

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
	float		dot[RUIVF_CHUNK];
	float		cnorm[RUIVF_CHUNK];

	for (int i = 0; i < n; i++)
		best[i] = INFINITY;
	for (int c0 = 0; c0 < k; c0 += RUIVF_CHUNK)
	{
		int			w = Min(RUIVF_CHUNK, k - c0);
		const float *chunk = chunks + (Size) c0 * dim;

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < w; c++)
			cnorm[c] = 0.0f;
		for (int d = 0; d < dim; d++)
			for (int c = 0; c < w; c++)
				cnorm[c] += chunk[(Size) d * w + c] * chunk[(Size) d * w + c];
		for (int i = 0; i < n; i++)
		{
			rv_kernels.dot_batch(x + (Size) i * dim, chunk, dim, w, dot);
			for (int c = 0; c < w; c++)
			{
				float		dd = cnorm[c] - 2.0f * dot[c];

				if (dd < best[i])
				{
					best[i] = dd;
					assign[i] = c0 + c;
				}
			}
		}
	}
	/* add |x|^2 back, for callers that use the distance itself */
	for (int i = 0; i < n; i++)
		best[i] += rv_kernels.dot(x + (Size) i * dim, x + (Size) i * dim, dim);
}

/* k-means++: each new centroid drawn with probability ~ D(x)^2. */
static void
seed_plusplus(const float *x, int n, int dim, int k, float *centroids)
{
	pg_prng_state rng;
	float	   *mind = palloc(sizeof(float) * n);
	int			first;

	pg_prng_seed(&rng, 0x5275564946ULL);
	first = (int) pg_prng_uint64_range(&rng, 0, n - 1);
	memcpy(centroids, x + (Size) first * dim, sizeof(float) * dim);
	for (int i = 0; i < n; i++)
		mind[i] = rv_kernels.l2sq(x + (Size) i * dim, centroids, dim);

	for (int c = 1; c < k; c++)
	{
		double		total = 0.0,
					target,
					acc = 0.0;
		int			pick = n - 1;
		float	   *newc = centroids + (Size) c * dim;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < n; i++)
			total += mind[i];
		target = pg_prng_double(&rng) * total;
		if (total > 0.0)
		{
			for (int i = 0; i < n; i++)
			{
				acc += mind[i];
				if (acc >= target)
				{
					pick = i;
					break;
				}
			}
		}
		else
			pick = (int) pg_prng_uint64_range(&rng, 0, n - 1);
		memcpy(newc, x + (Size) pick * dim, sizeof(float) * dim);
		for (int i = 0; i < n; i++)
		{
			float		dd = rv_kernels.l2sq(x + (Size) i * dim, newc, dim);

			if (dd < mind[i])
				mind[i] = dd;
		}
	}
	pfree(mind);
}

/*
 * Cluster n points of dim into k centroids (k <= n), written row-major to
 * centroids[k * dim].
 */
void
RuIvfKmeans(const float *x, int n, int dim, int k, float *centroids, bool spherical)
{
	float	   *soa = palloc(sizeof(float) * (Size) k * dim);
	int		   *assign = palloc(sizeof(int) * n);
	int		   *prev = palloc(sizeof(int) * n);
	float	   *best_dist = palloc(sizeof(float) * n);
	double	   *sums = palloc(sizeof(double) * (Size) k * dim);
	int		   *counts = palloc(sizeof(int) * k);

	Assert(k >= 1 && k <= n);
	/* the sample arrives shuffled (ivfbuild.c), so a prefix is a random subsample */
	seed_plusplus(x, Min(n, Max(k, KMEANS_SEED_SAMPLE * k)), dim, k, centroids);
	if (spherical)
		for (int c = 0; c < k; c++)
			RuIvfNormalize(centroids + (Size) c * dim, dim);

	for (int it = 0; it < KMEANS_ITERATIONS; it++)
	{
		int			changed = 0;

		CHECK_FOR_INTERRUPTS();
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

	pfree(soa);
	pfree(prev);
	pfree(assign);
	pfree(best_dist);
	pfree(sums);
	pfree(counts);
}
