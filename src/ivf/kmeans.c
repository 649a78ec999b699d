/*-------------------------------------------------------------------------
 *
 * kmeans.c
 *	  k-means for ruivf's build: k-means++ seeding, then Lloyd iterations
 *	  whose assignment step scores each point against all centroids with
 *	  one SIMD batch kernel call (centroids held dimension-major).
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

#define KMEANS_ITERATIONS	10

/* Normalize a row to unit length (left alone if zero). */
static void
normalize_row(float *x, int dim)
{
	double		norm = 0.0;

	for (int d = 0; d < dim; d++)
		norm += (double) x[d] * x[d];
	norm = sqrt(norm);
	if (norm > 0.0)
		for (int d = 0; d < dim; d++)
			x[d] = (float) (x[d] / norm);
}

/* Rebuild the dimension-major copy of the centroids. */
static void
to_soa(const float *centroids, int k, int dim, float *soa)
{
	for (int c = 0; c < k; c++)
		for (int d = 0; d < dim; d++)
			soa[(Size) d * k + c] = centroids[(Size) c * dim + d];
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
	float	   *dist = palloc(sizeof(float) * k);
	int		   *assign = palloc(sizeof(int) * n);
	float	   *best_dist = palloc(sizeof(float) * n);
	double	   *sums = palloc(sizeof(double) * (Size) k * dim);
	int		   *counts = palloc(sizeof(int) * k);

	Assert(k >= 1 && k <= n);
	seed_plusplus(x, n, dim, k, centroids);
	if (spherical)
		for (int c = 0; c < k; c++)
			normalize_row(centroids + (Size) c * dim, dim);

	for (int it = 0; it < KMEANS_ITERATIONS; it++)
	{
		int			changed = 0;

		CHECK_FOR_INTERRUPTS();
		to_soa(centroids, k, dim, soa);

		/* assignment: one batch kernel call per point */
		for (int i = 0; i < n; i++)
		{
			int			best = 0;

			rv_kernels.l2sq_batch(x + (Size) i * dim, soa, dim, k, dist);
			for (int c = 1; c < k; c++)
				if (dist[c] < dist[best])
					best = c;
			if (it == 0 || assign[i] != best)
				changed++;
			assign[i] = best;
			best_dist[i] = dist[best];
		}
		if (it > 0 && changed == 0)
			break;

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
				normalize_row(cen, dim);
		}
	}

	pfree(soa);
	pfree(dist);
	pfree(assign);
	pfree(best_dist);
	pfree(sums);
	pfree(counts);
}
