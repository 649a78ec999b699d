/*-------------------------------------------------------------------------
 *
 * test_rabitq.c
 *	  Checks the binary codes with an error bound (src/simd/rabitq.h).
 *
 *	1. The rotation is orthogonal: norms and inner products of random
 *	   vectors kept to float precision, at dimensions 1 .. 64 and a few
 *	   larger ones (odd ones among them), and it mixes: a basis vector
 *	   comes out spread, no component above 0.35 from 64 dimensions up.
 *	2. The distance estimate, with the codes scored by the fast-scan kernel
 *	   at every compiled level the CPU runs: every level gives the same sums,
 *	   so the same estimates; the lower bound is above the true squared
 *	   distance for at most 4 % of the pairs at eps0 = 1.9 and 0.5 % at
 *	   eps0 = 3 (the theory, a Gaussian's one-sided tails: 2.9 % and
 *	   0.13 %); the estimate of <o, q'> is unbiased (its mean error
 *	   within 4 standard errors of 0, plus the grid's half step); and the
 *	   estimate is far better than chance (mean relative error of the squared
 *	   distance below 0.15 at 128 dimensions and up).
 *
 * Data: clusters of Gaussian vectors, a centroid per cluster taken as the
 * mean, queries from the same clusters; xorshift, so a failure reproduces.
 *
 * test/kernels/test_rabitq.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/simd/kernels.h"
#include "../../src/simd/rabitq.h"
#include "test_rng.h"


/* standard normal (Box-Muller) */
static double
gauss(void)
{
	double		u = rnd() + 1e-12,
				v = rnd();

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static int	passed = 0,
			failed = 0;

static void
report(int ok, const char *what)
{
	printf("%s %s\n", ok ? "ok  " : "FAIL", what);
	if (ok)
		passed++;
	else
		failed++;
}

/* 1. orthogonality and mixing */
static void
test_rotation(void)
{
	static const int big[] = {100, 127, 128, 129, 784, 960, 1536, 3072};
	double		worst = 0.0,
				worst_mix = 0.0;
	char		what[200];

	for (int k = 0; k < 64 + (int) (sizeof(big) / sizeof(big[0])); k++)
	{
		int			dim = k < 64 ? k + 1 : big[k - 64];
		float	   *x = malloc(sizeof(float) * dim),
				   *y = malloc(sizeof(float) * dim),
				   *rx = malloc(sizeof(float) * dim),
				   *ry = malloc(sizeof(float) * dim);
		double		xy = 0,
					rxy = 0,
					xx = 0,
					yy = 0,
					maxc = 0;

		for (int i = 0; i < dim; i++)
		{
			x[i] = (float) gauss();
			y[i] = (float) gauss();
			xy += (double) x[i] * y[i];
			xx += (double) x[i] * x[i];
			yy += (double) y[i] * y[i];
		}
		rv_rabitq_rotate(x, rx, dim, 42 + dim);
		rv_rabitq_rotate(y, ry, dim, 42 + dim);
		for (int i = 0; i < dim; i++)
			rxy += (double) rx[i] * ry[i];
		worst = fmax(worst, fabs(rxy - xy) / sqrt(xx * yy));
		memset(x, 0, sizeof(float) * dim);
		x[0] = 1.0f;
		rv_rabitq_rotate(x, x, dim, 7);
		for (int i = 0; i < dim; i++)
			maxc = fmax(maxc, fabs(x[i]));
		if (dim >= 64)
			worst_mix = fmax(worst_mix, maxc);
		free(x);
		free(y);
		free(rx);
		free(ry);
	}
	snprintf(what, sizeof(what), "rotation keeps inner products (worst error %.2e of |x||y|, bound 1e-5)",
			 worst);
	report(worst <= 1e-5, what);
	snprintf(what, sizeof(what), "rotation mixes (largest component of a rotated basis vector %.3f, bound 0.35)",
			 worst_mix);
	report(worst_mix <= 0.35, what);
}

/* 2. the estimate, scored by the fast-scan kernel at every level */
static void
test_estimate(int dim, int nclusters, int per_cluster, int nq)
{
	int			n = nclusters * per_cluster;
	int			nblocks = (n + 31) / 32;
	size_t		ngroups = (size_t) (dim + 3) / 4;
	float	   *x = malloc(sizeof(float) * dim * n),
			   *cent = calloc((size_t) dim * nclusters, sizeof(float)),
			   *q = malloc(sizeof(float) * dim),
			   *work = malloc(sizeof(float) * dim);
	uint8_t    *bits = calloc((size_t) nblocks * 32 * dim, 1),
			   *codes = malloc((size_t) nblocks * ngroups * 16),
			   *u = malloc(dim),
			   *lut = malloc(ngroups * 16);
	RvRabitqFactors *f = malloc(sizeof(RvRabitqFactors) * n);
	long		pairs = 0,
				violations = 0,
				violations3 = 0,
				mismatches = 0;
	double		err_sum = 0,
				err_sq = 0,
				rel_sum = 0,
				half_step = 0;
	char		what[300];

	/* clusters: centres far apart, members around them; centroid = member mean */
	for (int c = 0; c < nclusters; c++)
	{
		float	   *centre = malloc(sizeof(float) * dim);

		for (int i = 0; i < dim; i++)
			centre[i] = (float) (3.0 * gauss());
		for (int m = 0; m < per_cluster; m++)
			for (int i = 0; i < dim; i++)
			{
				float		v = centre[i] + (float) gauss();

				x[(size_t) (c * per_cluster + m) * dim + i] = v;
				cent[(size_t) c * dim + i] += v / per_cluster;
			}
		free(centre);
	}
	/* codes: vector v of cluster c = v / per_cluster, in block v / 32 */
	for (int v = 0; v < n; v++)
	{
		int			c = v / per_cluster;

		rv_rabitq_encode(x + (size_t) v * dim, cent + (size_t) c * dim, dim, 1234,
						 bits + (size_t) v * dim, &f[v], work);
	}
	for (int b = 0; b < nblocks; b++)
		rv_fastscan_pack(bits + (size_t) b * 32 * dim, dim, codes + (size_t) b * ngroups * 16);

	for (int qi = 0; qi < nq; qi++)
	{
		int			qc = qi % nclusters;

		for (int i = 0; i < dim; i++)
			q[i] = x[(size_t) (qc * per_cluster) * dim + i] + (float) gauss();
		/* against every list: the query prepared for each centroid */
		for (int c = 0; c < nclusters; c++)
		{
			RvRabitqQuery rq;
			uint32_t	sums[RV_SIMD_NLEVELS][32];

			rv_rabitq_query(q, cent + (size_t) c * dim, dim, 1234, 15, u, &rq, work);
			rv_fastscan_lut(u, dim, lut);
			half_step = fmax(half_step, rq.delta / 2);
			for (int v = c * per_cluster; v < (c + 1) * per_cluster; v++)
			{
				int			b = v / 32,
							lane = v % 32;
				uint32_t	dotu = 0;
				int			first = 1;
				double		truth = 0,
							true_cos,
							est_cos;
				float		lower,
							lower3,
							est;

				for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
				{
					RvKernels	k;

					if (!rv_kernels_for_level((RvSimdLevel) lv, &k) || !rv_cpu_supports((RvSimdLevel) lv))
						continue;
					k.fastscan_batch(lut, codes + (size_t) b * ngroups * 16, ngroups, sums[lv]);
					if (first)
						dotu = sums[lv][lane];
					else if (sums[lv][lane] != dotu)
						mismatches++;
					first = 0;
				}
				rv_rabitq_distance(&rq, &f[v], dotu, 3.0f, &lower3);
				est = rv_rabitq_distance(&rq, &f[v], dotu, 1.9f, &lower);
				for (int i = 0; i < dim; i++)
				{
					double		d = (double) x[(size_t) v * dim + i] - q[i];

					truth += d * d;
				}
				pairs++;
				if (lower > truth * (1 + 1e-5) + 1e-6)
					violations++;
				if (lower3 > truth * (1 + 1e-5) + 1e-6)
					violations3++;
				if (f[v].norm > 0 && rq.norm > 0)
				{
					double		no = f[v].norm,
								nq2 = rq.norm;

					/* the cosine each side implies */
					true_cos = (no * no + nq2 * nq2 - truth) / (2 * no * nq2);
					est_cos = (no * no + nq2 * nq2 - est) / (2 * no * nq2);
					err_sum += est_cos - true_cos;
					err_sq += (est_cos - true_cos) * (est_cos - true_cos);
				}
				rel_sum += fabs(est - truth) / truth;
			}
		}
	}
	{
		double		mean = err_sum / pairs,
					sd = sqrt(fmax(err_sq / pairs - mean * mean, 0.0)),
					se = sd / sqrt((double) pairs),
					rel = rel_sum / pairs;

		snprintf(what, sizeof(what), "dim %d: every level's fast-scan sums agree (%ld pairs, %ld differ)",
				 dim, pairs, mismatches);
		report(mismatches == 0, what);
		snprintf(what, sizeof(what), "dim %d: eps0 1.9: lower bound above the truth for %ld of %ld pairs (%.3f %%, at most 4 %%)",
				 dim, violations, pairs, 100.0 * violations / pairs);
		report(violations * 100 <= 4 * pairs, what);
		snprintf(what, sizeof(what), "dim %d: eps0 3: lower bound above the truth for %ld of %ld pairs (%.3f %%, at most 0.5 %%)",
				 dim, violations3, pairs, 100.0 * violations3 / pairs);
		report(violations3 * 200 <= pairs, what);
		snprintf(what, sizeof(what), "dim %d: cosine estimate's mean error %.5f (sd %.4f, bound 4 se + grid %.5f)",
				 dim, mean, sd, 4 * se + half_step);
		report(fabs(mean) <= 4 * se + half_step, what);
		snprintf(what, sizeof(what), "dim %d: mean relative error of the squared distance %.4f%s",
				 dim, rel, dim >= 128 ? " (at most 0.15)" : " (not checked below 128 dims)");
		report(dim < 128 || rel <= 0.15, what);
	}
	free(x);
	free(cent);
	free(q);
	free(work);
	free(bits);
	free(codes);
	free(u);
	free(lut);
	free(f);
}

/*
 * The lower bound the scan takes for row x of the list of centroid c and
 * query q, by the scan's path: x's code, the query and centroid rotated
 * in double precision (rv_rabitq_query_rotated, its grid in u and *rq),
 * the fast-scan sum and rv_rabitq_distance at eps0.
 */
static float
scan_bound(const float *x, const float *c, const float *q, int dim, uint64_t seed, float eps0,
		   uint8_t *u, RvRabitqQuery *rq)
{
	float	   *work = malloc(sizeof(float) * dim);
	double	   *qr = malloc(sizeof(double) * dim),
			   *cr = malloc(sizeof(double) * dim);
	uint8_t    *bits = malloc(dim),
			   *codes = calloc((dim + 3) / 4 * 16, 1),
			   *lut = malloc((size_t) (dim + 3) / 4 * 16),
			   *all = calloc((size_t) 32 * dim, 1);
	RvRabitqFactors f;
	uint32_t	sums[32];
	float		lower;

	rv_rabitq_encode(x, c, dim, seed, bits, &f, work);
	memcpy(all, bits, dim);
	rv_fastscan_pack(all, dim, codes);
	for (int i = 0; i < dim; i++)
	{
		qr[i] = q[i];
		cr[i] = c[i];
	}
	rv_rabitq_rotate_f64(qr, qr, dim, seed);
	rv_rabitq_rotate_f64(cr, cr, dim, seed);
	rv_rabitq_query_rotated(qr, cr, dim, 63, u, rq, work);
	rv_fastscan_lut(u, dim, lut);
	fastscan_batch_scalar(lut, codes, (dim + 3) / 4, sums);
	rv_rabitq_distance(rq, &f, sums[0], eps0, &lower);
	free(work); free(qr); free(cr); free(bits); free(codes); free(lut); free(all);
	return lower;
}

/*
 * The scan's form of the query (rv_rabitq_query_rotated, from the query
 * and a centroid rotated in double precision) agrees with
 * rv_rabitq_query's; and with eps0 = sqrt(6 dim) the lower bound holds
 * for every pair (Cauchy-Schwarz: no probability left out), including a
 * query next to a centroid far from the origin, where the difference of
 * two float rotations would have lost the residual's digits.
 */
static void
test_rotated_query(int dim, double offset)
{
	float	   *x = malloc(sizeof(float) * dim),
			   *c = malloc(sizeof(float) * dim),
			   *q = malloc(sizeof(float) * dim),
			   *work = malloc(sizeof(float) * dim);
	uint8_t    *u1 = malloc(dim),
			   *u2 = malloc(dim);
	long		off_grid = 0,
				violations = 0,
				pairs = 0;
	double		worst_norm = 0.0;
	char		what[200];

	for (int t = 0; t < 200; t++)
	{
		RvRabitqQuery rq1,
					rq2;
		float		lower;
		double		truth = 0.0;

		for (int i = 0; i < dim; i++)
		{
			c[i] = (float) (offset + gauss());
			x[i] = c[i] + (float) gauss();
			/* half the queries next to the centroid */
			q[i] = c[i] + (float) ((t & 1) ? gauss() : 1e-3 * gauss());
		}
		rv_rabitq_query(q, c, dim, 99, 63, u1, &rq1, work);
		lower = scan_bound(x, c, q, dim, 99, (float) sqrt(6.0 * dim), u2, &rq2);
		if (offset == 0.0)
		{
			for (int i = 0; i < dim; i++)
				off_grid += abs((int) u1[i] - (int) u2[i]) > 1;
			worst_norm = fmax(worst_norm, fabs(rq1.norm - rq2.norm) / rq2.norm);
		}
		for (int i = 0; i < dim; i++)
			truth += ((double) x[i] - q[i]) * ((double) x[i] - q[i]);
		pairs++;
		if (lower > truth * (1 + 1e-5) + 1e-9)
			violations++;
	}
	if (offset == 0.0)
	{
		snprintf(what, sizeof(what), "dim %d: rotated query on the same grid as rv_rabitq_query "
				 "(%ld values off by more than one step, norms within %.2g)", dim, off_grid, worst_norm);
		report(off_grid == 0 && worst_norm < 1e-5, what);
	}
	snprintf(what, sizeof(what), "dim %d, offset %g: eps0 = sqrt(6 dim) bounds every pair "
			 "(%ld of %ld below the bound)", dim, offset, violations, pairs);
	report(violations == 0, what);
	free(x); free(c); free(q); free(work); free(u1); free(u2);
}

/*
 * A row and a query much nearer each other than their list's centroid,
 * on one ray from it (in one dimension every pair is): |x - q| is then the
 * difference of the two residual norms, which are stored and prepared as
 * floats, so a bound taken from their rounded values can exceed the true
 * distance by their rounding, however small that distance is.  With eps0 =
 * sqrt(6 dim) no pair may be bounded above its true squared distance
 * beyond the scan's own relative slack (1e-5), with no absolute allowance.
 */
static void
test_near_pairs(int dim)
{
	float	   *x = malloc(sizeof(float) * dim),
			   *c = malloc(sizeof(float) * dim),
			   *q = malloc(sizeof(float) * dim),
			   *dir = malloc(sizeof(float) * dim);
	uint8_t    *u = malloc(dim);
	long		violations = 0,
				pairs = 0;
	double		worst = 0.0;
	char		what[200];

	for (int t = 0; t < 2000; t++)
	{
		RvRabitqQuery rq;
		float		lower;
		double		truth = 0.0,
					dn = 0.0,
					a = 0.05 + 2.0 * rnd(),
					h = a * pow(10.0, -6.0 + 4.0 * rnd()) * (rnd() < 0.5 ? -1.0 : 1.0);

		for (int i = 0; i < dim; i++)
		{
			dir[i] = (float) gauss();
			dn += (double) dir[i] * dir[i];
		}
		dn = sqrt(dn);
		for (int i = 0; i < dim; i++)
		{
			c[i] = (float) (0.5 * gauss());
			x[i] = (float) (c[i] + a * dir[i] / dn);
			q[i] = (float) (c[i] + (a + h) * dir[i] / dn);
		}
		lower = scan_bound(x, c, q, dim, 7, (float) sqrt(6.0 * dim), u, &rq);
		for (int i = 0; i < dim; i++)
			truth += ((double) x[i] - q[i]) * ((double) x[i] - q[i]);
		pairs++;
		if (lower > truth * (1 + 1e-5))
		{
			violations++;
			worst = fmax(worst, lower / truth);
		}
	}
	snprintf(what, sizeof(what), "dim %d: pairs far nearer each other than their centroid are "
			 "never bounded above their distance (%ld of %ld were, worst %.6gx)",
			 dim, violations, pairs, worst);
	report(violations == 0, what);
	free(x); free(c); free(q); free(dir); free(u);
}

/*
 * 4. The query side's kernels (kernels.h: fwht_f64, rabitq_prepare,
 * rabitq_estimate) at every compiled level the CPU runs give the scalar
 * reference's results bit for bit: transforms of every power of two up to
 * 4096; grids and tables of queries near and far from their centroids at
 * odd dimensions; estimates of lanes from real codes, with zero residuals
 * and a zero query among them, in counts that are not multiples of four.
 */
static void
test_query_kernels(void)
{
	static const int dims[] = {1, 2, 3, 5, 7, 8, 9, 15, 17, 31, 37, 64, 100, 129, 255, 784, 1023};
	int			levels = 0;

	for (int lv = RV_SIMD_SCALAR + 1; lv < RV_SIMD_NLEVELS; lv++)
	{
		RvKernels	ref,
					k;
		long		differ_fwht = 0,
					differ_prep = 0,
					differ_est = 0,
					cases = 0;
		char		what[200];

		if (!rv_kernels_for_level((RvSimdLevel) lv, &k) || !rv_cpu_supports((RvSimdLevel) lv))
			continue;
		rv_kernels_for_level(RV_SIMD_SCALAR, &ref);
		levels++;

		for (size_t n = 1; n <= 4096; n *= 2)
		{
			double	   *a = malloc(sizeof(double) * n),
					   *b = malloc(sizeof(double) * n);

			for (size_t i = 0; i < n; i++)
				a[i] = b[i] = gauss() * (i % 3 ? 1.0 : 1e3);
			ref.fwht_f64(a, n);
			k.fwht_f64(b, n);
			differ_fwht += memcmp(a, b, sizeof(double) * n) != 0;
			free(a);
			free(b);
		}

		for (size_t di = 0; di < sizeof(dims) / sizeof(dims[0]); di++)
		{
			int			dim = dims[di];
			size_t		ng = ((size_t) dim + 3) / 4;
			double	   *qr = malloc(sizeof(double) * dim),
					   *cr = malloc(sizeof(double) * dim);
			float	   *w1 = malloc(sizeof(float) * dim),
					   *w2 = malloc(sizeof(float) * dim),
					   *x = malloc(sizeof(float) * dim),
					   *c = malloc(sizeof(float) * dim),
					   *fac = malloc(sizeof(float) * 4 * 45),
					   *e1 = malloc(sizeof(float) * 45),
					   *e2 = malloc(sizeof(float) * 45),
					   *l1 = malloc(sizeof(float) * 45),
					   *l2 = malloc(sizeof(float) * 45);
			uint8_t    *u1 = malloc(dim),
					   *u2 = malloc(dim),
					   *t1 = malloc(ng * 16),
					   *t2 = malloc(ng * 16),
					   *bits = malloc(dim);
			uint32_t	dotu[45];

			for (int t = 0; t < 6; t++)
			{
				RvRabitqQuery rq1,
							rq2;
				double		offset = (t % 3 == 2) ? 1000.0 : 0.0;
				double		spread = (t % 3 == 1) ? 1e-3 : 1.0;

				for (int i = 0; i < dim; i++)
				{
					cr[i] = offset + gauss();
					qr[i] = cr[i] + spread * gauss();
					c[i] = (float) cr[i];
				}
				if (t == 5)
					memcpy(qr, cr, sizeof(double) * dim);	/* a zero residual */
				ref.rabitq_prepare(qr, cr, dim, 63, u1, t1, &rq1, w1);
				k.rabitq_prepare(qr, cr, dim, 63, u2, t2, &rq2, w2);
				differ_prep += memcmp(u1, u2, dim) != 0 || memcmp(t1, t2, ng * 16) != 0 ||
					memcmp(w1, w2, sizeof(float) * dim) != 0 || rq1.norm != rq2.norm ||
					rq1.lo != rq2.lo || rq1.delta != rq2.delta || rq1.sum != rq2.sum ||
					rq1.dim != rq2.dim || rq1.inv_sqrtd != rq2.inv_sqrtd ||
					rq1.inv_sqrt_dm1 != rq2.inv_sqrt_dm1;

				/* 45 lanes of real codes, every seventh a zero residual */
				for (int l = 0; l < 45; l++)
				{
					RvRabitqFactors f;

					for (int i = 0; i < dim; i++)
						x[i] = (l % 7 == 3) ? c[i] : c[i] + (float) gauss();
					rv_rabitq_encode(x, c, dim, 7, bits, &f, w1);
					fac[l * 4] = f.norm;
					fac[l * 4 + 1] = f.ip;
					fac[l * 4 + 2] = (float) f.popcount;
					fac[l * 4 + 3] = 0.0f;
					dotu[l] = (uint32_t) (rnd() * 63.0 * dim);
				}
				for (int nl = 1; nl <= 45; nl += 11)
				{
					ref.rabitq_estimate(&rq1, fac, dotu, nl, 1.9f, e1, l1);
					k.rabitq_estimate(&rq1, fac, dotu, nl, 1.9f, e2, l2);
					differ_est += memcmp(e1, e2, sizeof(float) * nl) != 0 ||
						memcmp(l1, l2, sizeof(float) * nl) != 0;
					cases++;
				}
			}
			free(qr); free(cr); free(w1); free(w2); free(x); free(c); free(fac);
			free(e1); free(e2); free(l1); free(l2); free(u1); free(u2); free(t1); free(t2);
			free(bits);
		}
		snprintf(what, sizeof(what), "%s: fwht_f64 of n = 1 .. 4096 as the scalar's (%ld differ)",
				 rv_simd_level_name((RvSimdLevel) lv), differ_fwht);
		report(differ_fwht == 0, what);
		snprintf(what, sizeof(what), "%s: rabitq_prepare at %d dimensions as the scalar's, "
				 "grid, table and factors (%ld of %d differ)", rv_simd_level_name((RvSimdLevel) lv),
				 (int) (sizeof(dims) / sizeof(dims[0])), differ_prep,
				 (int) (6 * sizeof(dims) / sizeof(dims[0])));
		report(differ_prep == 0, what);
		snprintf(what, sizeof(what), "%s: rabitq_estimate as the scalar's, estimates and bounds "
				 "(%ld of %ld calls differ)", rv_simd_level_name((RvSimdLevel) lv), differ_est, cases);
		report(differ_est == 0, what);
	}
	if (levels == 0)
		printf("skip no SIMD level runs here: the query kernels are the scalar ones\n");

	/*
	 * The double rotation keeps the signs of the last (dim, seed): switching
	 * between two gives each its own rotation, the float one's to float
	 * precision, and the same one again after the switch.
	 */
	{
		int			da = 37,
					db = 784;
		long		off = 0,
					unstable = 0;
		char		what[200];

		for (int t = 0; t < 6; t++)
		{
			int			dim = (t & 1) ? db : da;
			uint64_t	seed = (t & 2) ? 5 : 11;
			double	   *a = malloc(sizeof(double) * dim),
					   *b = malloc(sizeof(double) * dim);
			float	   *f = malloc(sizeof(float) * dim);

			for (int i = 0; i < dim; i++)
			{
				f[i] = (float) gauss();
				a[i] = f[i];
			}
			rv_rabitq_rotate_f64(a, b, dim, seed);
			rv_rabitq_rotate(f, f, dim, seed);
			for (int i = 0; i < dim; i++)
				off += fabs(b[i] - f[i]) > 1e-5;
			rv_rabitq_rotate_f64(a, a, dim, seed ^ 1);	/* another seed between */
			for (int i = 0; i < dim; i++)
				a[i] = (double) (float) f[i];
			rv_rabitq_rotate_f64(b, b, dim, seed);
			rv_rabitq_rotate_f64(b, a, dim, seed);
			rv_rabitq_rotate_f64(b, b, dim, seed);
			unstable += memcmp(a, b, sizeof(double) * dim) != 0;
			free(a);
			free(b);
			free(f);
		}
		snprintf(what, sizeof(what), "rv_rabitq_rotate_f64 across (dim, seed) switches: the float "
				 "rotation's to 1e-5 (%ld off), the same again (%ld differ)", off, unstable);
		report(off == 0 && unstable == 0, what);
	}
}

int
main(void)
{
	rng_state = 0x2545F4914F6CDD1Dull;
	test_rotation();
	test_estimate(17, 4, 64, 40);
	test_estimate(128, 8, 96, 40);
	test_estimate(784, 4, 80, 20);
	test_estimate(960, 3, 64, 12);
	test_rotated_query(37, 0.0);
	test_rotated_query(784, 0.0);
	test_rotated_query(37, 1000.0);
	test_rotated_query(256, 1000.0);
	test_near_pairs(1);
	test_near_pairs(3);
	test_near_pairs(64);
	test_query_kernels();
	printf("rabitq: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
